/* The store's upstream remote (store.h: store_clone_bare, store_fetch, store_push) through
 * the git command line with a deadline (gitcli.c): libgit2 1.5 has no network timeout, and
 * git's own push carries the lease (--force-with-lease) and reports each ref's fate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "gitcli.h"
#include "store.h"

/* The environment that authenticates git to the upstream, without putting a secret on a
 * command line (other users can read those): an HTTPS token as an Authorization header set
 * through GIT_CONFIG_* variables; an SSH key through GIT_SSH_COMMAND, its passphrase given
 * by subreg itself as SSH_ASKPASS (main.c answers SUBREG_ASKPASS). env gets at most 8
 * strings, each malloc'd (free with env_free). */
static void env_auth(const store_remote_auth *a, char *env[9])
{
    int n = 0;

    memset(env, 0, 9 * sizeof(*env));
    if (!a)
        return;
    if (a->token) {
        char plain[1200], b64[1700];
        int len = snprintf(plain, sizeof(plain), "%s:%s", a->user ? a->user : "x-access-token", a->token);
        if (len > 0 && (size_t)len < sizeof(plain)) {
            EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)plain, len);
            env[n++] = strdup("GIT_CONFIG_COUNT=1");
            env[n++] = strdup("GIT_CONFIG_KEY_0=http.extraHeader");
            if (asprintf(&env[n], "GIT_CONFIG_VALUE_0=Authorization: Basic %s", b64) > 0)
                n++;
            else
                env[n] = NULL;
        }
        OPENSSL_cleanse(plain, sizeof(plain));
    }
    if (a->ssh_key) {
        if (asprintf(&env[n], "GIT_SSH_COMMAND=ssh -i '%s' -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new%s",
                     a->ssh_key, a->ssh_pass ? "" : " -o BatchMode=yes") > 0)
            n++;
        else
            env[n] = NULL;
        if (a->ssh_pass) {
            char self[4096];
            ssize_t l = readlink("/proc/self/exe", self, sizeof(self) - 1);
            if (l > 0) {
                self[l] = '\0';
                if (asprintf(&env[n], "SSH_ASKPASS=%s", self) > 0)
                    n++;
                else
                    env[n] = NULL;
                env[n++] = strdup("SSH_ASKPASS_REQUIRE=force");
                if (asprintf(&env[n], "SUBREG_ASKPASS=%s", a->ssh_pass) > 0)
                    n++;
                else
                    env[n] = NULL;
            }
        }
    }
}

static void env_free(char *env[9])
{
    int i;

    for (i = 0; i < 9; i++)
        if (env[i]) {
            OPENSSL_cleanse(env[i], strlen(env[i]));
            free(env[i]);
        }
}

/* git's complaint, the last lines of errout, into err; STORE_OFFLINE. */
static int offline(sr_err *err, const char *url, int rc, const buf *errout, const sr_err *why)
{
    const char *e = errout && errout->len ? buf_str(errout) : "";
    size_t l = strlen(e);

    while (l && (e[l - 1] == '\n' || e[l - 1] == ' '))
        l--;
    if (rc == GITCLI_TIMEOUT || rc < 0)
        sr_err_set(err, "the upstream %s cannot be reached: %s", url, why->msg);
    else
        sr_err_set(err, "the upstream %s cannot be reached: %.*s", url, (int)(l > 600 ? 600 : l), e + (l > 600 ? l - 600 : 0));
    return STORE_OFFLINE;
}

int store_clone_bare(const char *url, const char *path, const store_remote_auth *a, long deadline_ms,
                     sr_err *err)
{
    const char *argv[] = {"git", "clone", "--quiet", "--bare", "--no-tags", "--single-branch", "--branch", "main",
                          "--", url, path, NULL};
    char *env[9];
    buf e;
    sr_err why = {{0}};
    int rc;

    env_auth(a, env);
    buf_init(&e, 0);
    rc = gitcli_run(argv, (const char *const *)env, deadline_ms, NULL, &e, &why);
    rc = rc == 0 ? 0 : offline(err, url, rc, &e, &why);
    buf_free(&e);
    env_free(env);
    return rc;
}

int store_fetch(store *s, const char *url, const store_remote_auth *a, long deadline_ms,
                char tip[STORE_OID_HEX], sr_err *err)
{
    const char *argv[] = {"git", "--git-dir", store_path(s), "fetch", "--quiet", "--no-tags", "--no-write-fetch-head",
                          "--", url, "+" STORE_REF ":" STORE_UPSTREAM_REF, NULL};
    char *env[9];
    buf e;
    sr_err why = {{0}};
    int rc;

    tip[0] = '\0';
    env_auth(a, env);
    buf_init(&e, 0);
    rc = gitcli_run(argv, (const char *const *)env, deadline_ms, NULL, &e, &why);
    if (rc != 0 && rc != GITCLI_TIMEOUT && rc > 0 && strstr(buf_str(&e), "couldn't find remote ref")) {
        sr_err_set(err, "the upstream %s has no branch main", url);
        rc = STORE_NOTFOUND;
    } else if (rc != 0) {
        rc = offline(err, url, rc, &e, &why);
    } else if (store_resolve(s, STORE_UPSTREAM_REF, tip, err) != 0) {
        rc = -1;
    }
    buf_free(&e);
    env_free(env);
    return rc;
}

/* The upstream's main right now (git ls-remote), into tip; 0 or -1. */
static int remote_main(const char *url, const store_remote_auth *a, long deadline_ms, char tip[STORE_OID_HEX])
{
    const char *argv[] = {"git", "ls-remote", "--", url, STORE_REF, NULL};
    char *env[9];
    buf o;
    sr_err why = {{0}};
    int rc;

    env_auth(a, env);
    buf_init(&o, 0);
    rc = gitcli_run(argv, (const char *const *)env, deadline_ms, &o, NULL, &why);
    if (rc == 0 && o.len >= 40) {
        snprintf(tip, STORE_OID_HEX, "%.40s", buf_str(&o));
        rc = 0;
    } else {
        rc = -1;
    }
    buf_free(&o);
    env_free(env);
    return rc;
}

int store_push(store *s, const char *url, const store_remote_auth *a, const char *commit, const char *expected,
               long deadline_ms, sr_err *err)
{
    char spec[120], lease[160], now[STORE_OID_HEX];
    const char *argv[] = {"git", "--git-dir", store_path(s), "push", "--porcelain", lease, "--", url, spec, NULL};
    char *env[9];
    buf o, e;
    sr_err why = {{0}};
    const char *line;
    int rc, grc;

    snprintf(spec, sizeof(spec), "%s:" STORE_REF, commit);
    /* the lease: the upstream's main must still be what the commit was made on, else git
     * refuses ("stale info"): a rewound upstream never gets its withdrawn commits back */
    snprintf(lease, sizeof(lease), "--force-with-lease=" STORE_REF ":%s", expected ? expected : "");
    env_auth(a, env);
    buf_init(&o, 0);
    buf_init(&e, 0);
    grc = gitcli_run(argv, (const char *const *)env, deadline_ms, &o, &e, &why);
    line = strstr(buf_str(&o), STORE_REF "\t");
    if (grc == 0 && line) {
        rc = 0;
    } else if (line && (strstr(line, "stale info") || strstr(line, "fetch first") || strstr(line, "non-fast-forward") ||
                        strstr(line, "cannot lock ref") || strstr(line, "failed to update ref") ||
                        strstr(line, "failed to lock") || strstr(line, "is at"))) {
        /* the upstream's main moved, or another push holds its lock: a conflict to re-apply */
        sr_err_set(err, "the upstream's main moved");
        rc = STORE_CONFLICT;
    } else if (line && strstr(line, "[remote rejected]")) {
        const char *eol = strchr(line, '\n');
        buf said;
        const char *p;
        buf_init(&said, 0);
        /* what the upstream's hooks said ("remote: ..."), the end of it, on one line */
        for (p = buf_str(&e); (p = strstr(p, "remote: ")) != NULL;) {
            const char *nl = strchr(p, '\n');
            size_t l = nl ? (size_t)(nl - p - 8) : strlen(p + 8);
            while (l && p[8 + l - 1] == ' ')
                l--;
            if (l)
                buf_printf(&said, "%s%.*s", said.len ? " " : "", (int)l, p + 8);
            p = nl ? nl : p + strlen(p);
        }
        sr_err_set(err, "%.*s%s%.600s%s", (int)(eol ? eol - line : (long)strlen(line)), line,
                   said.len ? " (" : "", said.len > 600 ? buf_str(&said) + said.len - 600 : buf_str(&said),
                   said.len ? ")" : "");
        buf_free(&said);
        rc = STORE_REJECTED;
    } else if (remote_main(url, a, 3000, now) == 0 && strcmp(now, commit) == 0) {
        rc = 0; /* the connection broke after the upstream applied it: it has it */
    } else {
        rc = offline(err, url, grc, &e, &why);
    }
    buf_free(&o);
    buf_free(&e);
    env_free(env);
    return rc;
}
