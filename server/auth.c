#include "auth.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../registry/sha256.h"

typedef struct token {
    char name[65];
    auth_role role;
    char customer[64];  /* a customer token's customer id ("" for the others) */
    char hash[65];
} token;

struct auth {
    char path[4096];
    pthread_mutex_t mu;
    token *v;
    size_t n;
    struct stat seen; /* of the file last read */
    int loaded;
};

const char *auth_role_name(auth_role r)
{
    return r == ROLE_EDITOR     ? "editor"
           : r == ROLE_READER   ? "reader"
           : r == ROLE_CUSTOMER ? "customer"
                                : "none";
}

static auth_role role_parse(const char *s)
{
    return strcmp(s, "editor") == 0     ? ROLE_EDITOR
           : strcmp(s, "reader") == 0   ? ROLE_READER
           : strcmp(s, "customer") == 0 ? ROLE_CUSTOMER
                                        : ROLE_NONE;
}

int auth_name_valid(const char *name)
{
    size_t i, n = strlen(name);

    if (n == 0 || n > 64)
        return 0;
    for (i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* Read the token file into a fresh array. Missing file: no tokens. */
static int read_tokens(const char *path, token **out, size_t *n, sr_err *err)
{
    FILE *f = fopen(path, "r");
    char line[512];
    token *v = NULL;
    size_t k = 0;

    *out = NULL;
    *n = 0;
    if (!f) {
        if (errno == ENOENT)
            return 0;
        sr_err_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        token t;
        char role[80], *colon;
        token *nv;
        if (line[0] == '#' || sscanf(line, "%64s %79s %64s", t.name, role, t.hash) != 3)
            continue;
        /* a customer token is "customer:ID": it sees that customer's file only */
        t.customer[0] = '\0';
        if ((colon = strchr(role, ':')) != NULL) {
            *colon = '\0';
            snprintf(t.customer, sizeof(t.customer), "%.63s", colon + 1);
        }
        t.role = role_parse(role);
        if (t.role == ROLE_CUSTOMER && colon && !t.customer[0])
            continue;
        if (t.role == ROLE_NONE || strlen(t.hash) != 64)
            continue;
        nv = realloc(v, (k + 1) * sizeof(*nv));
        if (!nv) {
            free(v);
            fclose(f);
            sr_err_set(err, "out of memory");
            return -1;
        }
        v = nv;
        v[k++] = t;
    }
    fclose(f);
    *out = v;
    *n = k;
    return 0;
}

/* The token file replaced by v[0..n) (a temporary file, fsync, rename). Returns 0, or -1 with
 * err set. */
static int write_tokens(const char *state_dir, const token *v, size_t n, sr_err *err)
{
    char path[4096], tmp[4200];
    FILE *f;
    size_t i;
    int fd;

    snprintf(path, sizeof(path), "%s/tokens", state_dir);
    snprintf(tmp, sizeof(tmp), "%s/.tokens.%ld", state_dir, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || !(f = fdopen(fd, "w"))) {
        sr_err_set(err, "%s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    fputs("# subreg API tokens: NAME ROLE SHA-256 of the token. Managed by `subreg token`.\n", f);
    for (i = 0; i < n; i++)
        fprintf(f, "%s %s%s%s %s\n", v[i].name, auth_role_name(v[i].role), v[i].customer[0] ? ":" : "",
                v[i].customer, v[i].hash);
    {
        /* the file is closed whatever failed: nothing half-written stays open */
        int bad = fflush(f) != 0 || fsync(fileno(f)) != 0, saved = errno;
        if (fclose(f) != 0 && !bad) {
            bad = 1;
            saved = errno;
        }
        if (!bad && rename(tmp, path) != 0) {
            bad = 1;
            saved = errno;
        }
        if (bad) {
            sr_err_set(err, "%s: %s", path, strerror(saved));
            unlink(tmp);
            return -1;
        }
    }
    return 0;
}

auth *auth_open(const char *state_dir)
{
    auth *a = calloc(1, sizeof(*a));

    if (!a)
        return NULL;
    snprintf(a->path, sizeof(a->path), "%s/tokens", state_dir);
    pthread_mutex_init(&a->mu, NULL);
    return a;
}

void auth_close(auth *a)
{
    if (!a)
        return;
    pthread_mutex_destroy(&a->mu);
    free(a->v);
    free(a);
}

/* 1 when two stats are of the same unchanged file (inode, device, size, modification time). */
static int same_file(const struct stat *x, const struct stat *y)
{
    return x->st_ino == y->st_ino && x->st_dev == y->st_dev && x->st_size == y->st_size &&
           x->st_mtim.tv_sec == y->st_mtim.tv_sec && x->st_mtim.tv_nsec == y->st_mtim.tv_nsec;
}

auth_role auth_check(auth *a, const char *tok, char *name, size_t n, char *customer, size_t cn)
{
    struct stat st;
    char hash[65];
    auth_role role = ROLE_NONE;
    size_t i;

    if (n)
        name[0] = '\0';
    if (cn)
        customer[0] = '\0';
    if (!tok || strlen(tok) > 200)
        return ROLE_NONE;
    sha256_hex(tok, strlen(tok), hash);
    /* outside the lock: requests never queue behind one another's stat() */
    if (stat(a->path, &st) != 0)
        memset(&st, 0, sizeof(st));
    pthread_mutex_lock(&a->mu);
    if (!a->loaded || !same_file(&st, &a->seen)) {
        token *v;
        size_t k;
        sr_err err;
        if (read_tokens(a->path, &v, &k, &err) == 0) {
            free(a->v);
            a->v = v;
            a->n = k;
            a->seen = st;
            a->loaded = 1;
        }
    }
    for (i = 0; i < a->n; i++) {
        if (sha256_equal(a->v[i].hash, hash) && role == ROLE_NONE) {
            role = a->v[i].role;
            snprintf(name, n, "%s", a->v[i].name);
            if (cn)
                snprintf(customer, cn, "%s", a->v[i].customer);
        }
    }
    pthread_mutex_unlock(&a->mu);
    return role;
}

int auth_add(const char *state_dir, const char *name, auth_role role, const char *customer,
             char token_out[80], sr_err *err)
{
    static const char hex[] = "0123456789abcdef";
    char path[4096];
    unsigned char rnd[32];
    token *v = NULL, *nv;
    size_t n = 0, i;
    int rc = -1;

    snprintf(path, sizeof(path), "%s/tokens", state_dir);
    if (read_tokens(path, &v, &n, err) != 0)
        return -1;
    for (i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0) {
            sr_err_set(err, "a token named %s exists: revoke it first", name);
            goto out;
        }
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
        sr_err_set(err, "no randomness: %s", strerror(errno));
        goto out;
    }
    memcpy(token_out, "sr_", 3);
    for (i = 0; i < 32; i++) {
        token_out[3 + 2 * i] = hex[rnd[i] >> 4];
        token_out[4 + 2 * i] = hex[rnd[i] & 15];
    }
    token_out[67] = '\0';
    nv = realloc(v, (n + 1) * sizeof(*nv));
    if (!nv) {
        sr_err_set(err, "out of memory");
        goto out;
    }
    v = nv;
    snprintf(v[n].name, sizeof(v[n].name), "%s", name);
    v[n].role = role;
    snprintf(v[n].customer, sizeof(v[n].customer), "%s", role == ROLE_CUSTOMER && customer ? customer : "");
    sha256_hex(token_out, 67, v[n].hash);
    rc = write_tokens(state_dir, v, n + 1, err);
out:
    free(v);
    return rc;
}

int auth_revoke(const char *state_dir, const char *name, sr_err *err)
{
    char path[4096];
    token *v = NULL;
    size_t n = 0, i, k = 0;
    int rc;

    snprintf(path, sizeof(path), "%s/tokens", state_dir);
    if (read_tokens(path, &v, &n, err) != 0)
        return -1;
    for (i = 0; i < n; i++)
        if (strcmp(v[i].name, name) != 0)
            v[k++] = v[i];
    rc = k == n ? SR_NOTFOUND : write_tokens(state_dir, v, k, err);
    free(v);
    return rc;
}

int auth_list(const char *state_dir, void (*fn)(const char *name, const char *role, void *ctx),
              void *ctx, sr_err *err)
{
    char path[4096];
    token *v = NULL;
    size_t n = 0, i;

    snprintf(path, sizeof(path), "%s/tokens", state_dir);
    if (read_tokens(path, &v, &n, err) != 0)
        return -1;
    for (i = 0; i < n; i++) {
        char role[100];
        snprintf(role, sizeof(role), "%s%s%s", auth_role_name(v[i].role), v[i].customer[0] ? ":" : "",
                 v[i].customer);
        fn(v[i].name, role, ctx);
    }
    free(v);
    return 0;
}
