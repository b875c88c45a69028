/* subreg serve: the HTTP/JSON API. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "../registry/date.h"
#include "cli.h"
#include "commands.h"
#include "../notices/noticedb.h"
#include "../notices/notify.h"
#include "../server/serve.h"
#include "../registry/upstream.h"
#include "../server/writes.h"
#include "../registry/gitcli.h"
#include "../registry/guard.h"
#include "../registry/ticker.h"

static const char usage[] =
    "usage: subreg serve [--registry PATH] [--listen HOST:PORT] [--health-listen HOST:PORT]\n"
    "                    [--threads N] [--state DIR]\n"
    "                    [--log FILE|-|off] [--smtp URL --mail-from ADDR] [--public-url URL]\n"
    "                    [--webhook-allow CIDR]... [--retry-base SECONDS] [--notice-debounce S]\n"
    "                    [--trust-proxy CIDR]...\n"
    "                    [--upstream URL [--fetch-interval S] [--webhook-secret-file F]]\n"
    "                    [--read-only [--primary URL]]\n"
    "\n"
    "Serve the registry over HTTP: public JSON list and feed, authenticated reads and\n"
    "validated writes (see docs/api.md and /v1/openapi.json).\n"
    "\n"
    "  --registry P   the bare git repository (default " DEFAULT_REGISTRY ")\n"
    "  --listen H:P   IPv4 address and port (default 127.0.0.1:8080; port 0: any free port,\n"
    "                 the one bound is said on standard error)\n"
    "  --health-listen H:P  a second listener with a thread of its own, for a load balancer's\n"
    "                 health checks (/healthz): answered even while the main one is full\n"
    "  --threads N    request threads (default 2)\n"
    "  --state DIR    index and tokens (default " DEFAULT_STATE ")\n"
    "  --log L        one line per request to FILE, - (standard error, the default) or off\n"
    "\n"
    "Notices of changes (docs/notify.md): subscribers, webhooks and the proof of notice live\n"
    "in STATE/notify.sqlite. Without --smtp, emails wait in its outbox.\n"
    "  --smtp URL          the relay: smtp://HOST:PORT (STARTTLS when offered; required when\n"
    "                      SUBREG_SMTP_USER and SUBREG_SMTP_PASSWORD are set) or smtps://HOST:PORT\n"
    "  --mail-from ADDR    the sender of notices (needed with --smtp)\n"
    "  --public-url URL    where links in emails point (default http://HOST:PORT of --listen)\n"
    "  --webhook-allow C   let webhooks reach the internal range C (e.g. 10.1.0.0/16); repeatable\n"
    "  --trust-proxy CIDR  the reverse proxy's address range (repeatable): from there only,\n"
    "                      X-Forwarded-For names the client (for rate limits); the proxy then\n"
    "                      limits connections per client\n"
    "  --notice-debounce S seconds main must stay still before its changes are notified (default\n"
    "                      2: a burst of writes makes one notice)\n"
    "  --retry-base S      seconds before a failed delivery's first retry (default 60; doubles\n"
    "                      up to an hour; given up after 4 days)\n"
    "\n"
    "A registry kept on GitHub, GitLab or any git remote (docs/operations.md):\n"
    "  --upstream URL      mirror URL's main into --registry (cloned when it does not exist):\n"
    "                      fetched at start, every --fetch-interval and on POST /v1/hooks/git;\n"
    "                      each revision is checked like a push before it is served; API writes\n"
    "                      are pushed there before they are acknowledged. Credentials from\n"
    "                      SUBREG_UPSTREAM_TOKEN (HTTPS, user SUBREG_UPSTREAM_USER) or\n"
    "                      SUBREG_UPSTREAM_SSH_KEY (SSH), or STATE/upstream-credentials\n"
    "  --fetch-interval S  seconds between fetches (default 60)\n"
    "  --webhook-secret-file F  the secret of the upstream's webhook (GitHub or GitLab)\n"
    "  --read-only         a replica: writes answer 503 with the primary's Location; no notices\n"
    "  --primary URL       the primary's public URL, for that Location\n"
    "  -h, --help     this help\n"
    "\n"
    "A push to the repository shows within a second. SIGTERM or SIGINT: stop accepting,\n"
    "finish the requests in flight, exit 0.\n";

typedef struct watcher {
    server *s;
    pthread_t t;
} watcher;

/* Follows main: a push made with the git command line is served within a second. */
static void *watch(void *arg)
{
    watcher *w = arg;
    struct timespec ts = {0, 250 * 1000 * 1000};
    sr_err err = {{0}};
    int n = 0;

    while (!atomic_load(&w->s->stopping)) {
        nanosleep(&ts, NULL);
        /* a crashed writer's lock would block every write and push: removed once it is
         * older than any write can take */
        switch (writer_clear_stale_lock(w->s->writer, &err)) {
        case 1:
            atomic_fetch_add(&w->s->stale_locks, 1);
            srv_log(w->s, "removed a stale %s.lock (older than %d ms) left by a crashed writer",
                    STORE_REF, WRITER_STALE_LOCK_MS);
            break;
        case -1:
            if (n++ % 40 == 0)
                srv_log(w->s, "cannot remove a stale lock: %s", err.msg);
            break;
        default:
            break;
        }
        if (srv_refresh(w->s, &err) != 0 && n++ % 40 == 0)
            srv_log(w->s, "cannot follow the registry: %s", err.msg);
        if (w->s->log)
            fflush(w->s->log);
    }
    return NULL;
}

/* The first line of file, into out; 0, or -1 after saying why. */
static int read_secret(const char *file, char *out, size_t n)
{
    FILE *f = fopen(file, "r");

    out[0] = '\0';
    if (!f || !fgets(out, (int)n, f)) {
        if (f)
            fclose(f);
        cli_fail("serve", "--webhook-secret-file %s: %s", file, f ? "empty" : strerror(errno));
        return -1;
    }
    fclose(f);
    out[strcspn(out, "\r\n")] = '\0';
    if (strlen(out) < 16) {
        cli_fail("serve", "--webhook-secret-file %s: use a secret of at least 16 characters", file);
        return -1;
    }
    return 0;
}

/* 1 when url carries a secret in its userinfo: any userinfo of an http(s) URL
 * (https://x-access-token:TOKEN@host/...), or a password (user:pass@) in any other. An SSH
 * user alone (ssh://git@host/..., git@host:path) is no secret. */
static int url_has_secret(const char *url)
{
    const char *scheme = strstr(url, "://"), *host = scheme ? scheme + 3 : url;
    const char *end = host + strcspn(host, "/?#"), *at = memchr(host, '@', (size_t)(end - host));

    if (!at)
        return 0;
    if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0)
        return 1;
    return memchr(host, ':', (size_t)(at - host)) != NULL;
}

/* Credentials of the upstream: SUBREG_UPSTREAM_* in the environment, else the lines
 * user=, token=, ssh-key=, ssh-passphrase= of STATE/upstream-credentials (mode 0600: it is
 * refused when others may read it). Never on the command line, where ps shows them. */
static int upstream_credentials(const char *state, store_remote_auth *a, char *user, size_t un, char *token,
                                size_t tn, char *key, size_t kn, char *pass, size_t pn)
{
    char path[4200], line[1200];
    struct stat sb;
    FILE *f;

    a->user = getenv("SUBREG_UPSTREAM_USER");
    a->token = getenv("SUBREG_UPSTREAM_TOKEN");
    a->ssh_key = getenv("SUBREG_UPSTREAM_SSH_KEY");
    a->ssh_pass = getenv("SUBREG_UPSTREAM_SSH_PASSPHRASE");
    snprintf(path, sizeof(path), "%s/upstream-credentials", state);
    if (a->token || a->ssh_key || !(f = fopen(path, "r")))
        return 0;
    if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077)) {
        fclose(f);
        cli_fail("serve", "%s may be read by others: chmod 600 it", path);
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        char *v = strchr(line, '=');
        if (!v || line[0] == '#')
            continue;
        *v++ = '\0';
        v[strcspn(v, "\r\n")] = '\0';
        if (strcmp(line, "user") == 0)
            snprintf(user, un, "%s", v), a->user = user;
        else if (strcmp(line, "token") == 0)
            snprintf(token, tn, "%s", v), a->token = token;
        else if (strcmp(line, "ssh-key") == 0)
            snprintf(key, kn, "%s", v), a->ssh_key = key;
        else if (strcmp(line, "ssh-passphrase") == 0)
            snprintf(pass, pn, "%s", v), a->ssh_pass = pass;
    }
    fclose(f);
    return 0;
}

/* The watchdog of request heads (server/http.c), every second. */
static void watchdog(void *ctx, ticker *t)
{
    (void)t;
    srv_watchdog_step(ctx);
}

/* Everything one `subreg serve` holds, from its options to its threads. */
typedef struct serve_run {
    server s;
    notify_cfg nc;
    upstream_cfg uc;
    const char *listen, *logto, *health_listen, *secret_file;
    char host[64];
    long port, threads, retry_base, interval, debounce;
    char public_url[300];
    char secret[256], cred_user[128], cred_token[512], cred_key[1024], cred_pass[256];
    struct MHD_Daemon *d, *hd;   /* the main listener's daemon, the health listener's */
    int lfd;                     /* the main socket until the daemon takes it over */
    int curl_ready;
    ticker *wd;                  /* the watchdog of request heads */
    watcher w;
    int watching;                /* w.t runs */
    sigset_t signals;
} serve_run;

#define SERVE_GO (-1) /* serve_config: the options are good, go on */

/* --webhook-allow CIDR, into the delivery policy ctx. */
static int set_allow(void *ctx, const char *value, char *why, size_t n)
{
    sr_err err = {{0}};

    if (deliver_allow(ctx, value, &err) == 0)
        return 0;
    snprintf(why, n, "%s", err.msg);
    return -1;
}

/* --trust-proxy CIDR, into the server ctx. */
static int set_trust(void *ctx, const char *value, char *why, size_t n)
{
    sr_err err = {{0}};

    if (srv_trust_proxy(ctx, value, &err) == 0)
        return 0;
    snprintf(why, n, "%s", err.msg);
    return -1;
}

/* The options into v, checked; SERVE_GO, or the exit code after saying why. */
static int serve_config(serve_run *v, int argc, char **argv)
{
    server *s = &v->s;
    notify_cfg *nc = &v->nc;
    upstream_cfg *uc = &v->uc;
    char why[300], *colon;
    int c;

    {
        const cli_opt opts[] = {
            CLI_STR("registry", &s->registry_path), CLI_STR("listen", &v->listen),
            CLI_STR("health-listen", &v->health_listen),
            CLI_SET("threads", cli_set_count, &v->threads), CLI_STR("state", &s->state_dir),
            CLI_STR("log", &v->logto), CLI_STR("smtp", &nc->smtp.url), CLI_STR("mail-from", &nc->mail_from),
            CLI_STR("public-url", &nc->public_url),
            CLI_SET("webhook-allow", set_allow, &nc->policy),
            CLI_SET("retry-base", cli_set_count, &v->retry_base),
            CLI_SET("notice-debounce", cli_set_count, &v->debounce),
            CLI_SET("trust-proxy", set_trust, s), CLI_STR("upstream", &uc->url),
            CLI_SET("fetch-interval", cli_set_count, &v->interval),
            CLI_STR("webhook-secret-file", &v->secret_file), CLI_FLAG("read-only", &s->read_only),
            CLI_STR("primary", &s->primary), CLI_END};
        if ((c = cli_options("serve", usage, argc, argv, opts)) != CLI_GO)
            return c;
    }
    if (optind != argc) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    snprintf(v->host, sizeof(v->host), "%s", v->listen);
    colon = strrchr(v->host, ':');
    v->port = colon && colon[1] ? strtol(colon + 1, NULL, 10) : -1;
    if (!colon || v->port < 0 || v->port > 65535)
        return cli_fail("serve", "--listen %s: give HOST:PORT, e.g. 127.0.0.1:8080 (port 0: any free port, "
                                 "said on standard error)", v->listen);
    *colon = '\0';
    if (v->threads < 1 || v->threads > 64)
        return cli_fail("serve", "--threads: 1 to 64");
    if (v->retry_base < 1 || v->retry_base > NOTIFY_MAX_DELAY_S)
        return cli_fail("serve", "--retry-base: 1 to %d seconds", NOTIFY_MAX_DELAY_S);
    nc->retry_base = (int)v->retry_base;
    if (v->debounce < 0 || v->debounce > 3600)
        return cli_fail("serve", "--notice-debounce: 0 to 3600 seconds");
    nc->debounce_ms = (int)v->debounce * 1000;
    if (nc->smtp.url && !deliver_smtp_url_ok(nc->smtp.url, why, sizeof(why)))
        return cli_fail("serve", "%s", why);
    if (nc->smtp.url && !nc->mail_from)
        return cli_fail("serve", "--smtp needs --mail-from ADDR, the sender of notices");
    if (nc->mail_from && !notice_email_valid(nc->mail_from, why, sizeof(why)))
        return cli_fail("serve", "--mail-from %s: %s", nc->mail_from, why);
    nc->smtp.user = getenv("SUBREG_SMTP_USER");
    nc->smtp.password = getenv("SUBREG_SMTP_PASSWORD");
    if (nc->public_url) {
        size_t l;
        snprintf(v->public_url, sizeof(v->public_url), "%s", nc->public_url);
        l = strlen(v->public_url);
        while (l && v->public_url[l - 1] == '/')
            v->public_url[--l] = '\0';
        if (strncmp(v->public_url, "http://", 7) != 0 && strncmp(v->public_url, "https://", 8) != 0)
            return cli_fail("serve", "--public-url %s: give the http(s) URL the server is reached at", nc->public_url);
        if (strncmp(v->public_url, "http://", 7) == 0)
            fprintf(stderr, "subreg serve: warning: --public-url %s is not https: the links in emails (confirm, "
                            "unsubscribe, object) travel in clear, and mail readers offer one-click unsubscribe "
                            "only over https (RFC 8058)\n", v->public_url);
    } else {
        v->public_url[0] = '\0'; /* http://HOST:PORT once the port is bound */
    }
    nc->public_url = v->public_url;
    if (v->interval < 1 || v->interval > 86400)
        return cli_fail("serve", "--fetch-interval: 1 to 86400 seconds");
    uc->interval_s = (int)v->interval;
    if (uc->url && url_has_secret(uc->url))
        return cli_fail("serve", "--upstream: credentials do not go in the URL (they would show in "
                                 "logs, process lists and health answers): give the URL without them and "
                                 "the token in SUBREG_UPSTREAM_TOKEN or STATE/upstream-credentials (token=...)");
    if ((v->secret_file || v->interval != 60) && !uc->url)
        return cli_fail("serve", "--fetch-interval and --webhook-secret-file go with --upstream URL");
    if (s->primary && !s->read_only)
        return cli_fail("serve", "--primary goes with --read-only");
    if (s->primary && strncmp(s->primary, "http://", 7) != 0 && strncmp(s->primary, "https://", 8) != 0)
        return cli_fail("serve", "--primary %s: give the primary's http(s) URL", s->primary);
    if (v->secret_file && read_secret(v->secret_file, v->secret, sizeof(v->secret)) != 0)
        return EXIT_USAGE;
    if (v->secret[0]) {
        uc->secret = v->secret;
        uc->secret_len = strlen(v->secret);
    }
    if (uc->url && upstream_credentials(s->state_dir, &uc->auth, v->cred_user, sizeof(v->cred_user), v->cred_token,
                                        sizeof(v->cred_token), v->cred_key, sizeof(v->cred_key), v->cred_pass,
                                        sizeof(v->cred_pass)) != 0)
        return EXIT_USAGE;
    return SERVE_GO;
}

/* The first start of a follower: clone the upstream and check what arrived like a push.
 * 0, or the exit code after saying why. */
static int serve_clone(serve_run *v)
{
    diag_list dl = {0};
    store *st = NULL;
    sr_err err = {{0}};
    char tip[STORE_OID_HEX];
    int grc;

    fprintf(stderr, "subreg serve: cloning %s into %s\n", v->uc.url, v->s.registry_path);
    if (store_clone_bare(v->uc.url, v->s.registry_path, &v->uc.auth, 60000, &err) != 0)
        return cli_fail("serve", "%s", err.msg);
    if (store_open(v->s.registry_path, 0, &st, &err) != 0 || store_resolve(st, NULL, tip, &err) != 0) {
        store_close(st);
        return cli_fail("serve", "%s", err.msg);
    }
    grc = guard_check_push(st, cli_schemas(), NULL, tip, date_today(), 0, &dl, &err);
    store_close(st);
    if (grc != 0) {
        cli_print_diags(stderr, &dl);
        diag_list_free(&dl);
        return cli_fail("serve", "the upstream's main (%.12s) is not a valid registry%s%s: fix it there first",
                        tip, err.msg[0] ? ": " : "", err.msg);
    }
    diag_list_free(&dl);
    return 0;
}

/* The repository (bare), the state directory, the log, the tokens and the writer.
 * 0, or the exit code after saying why (what was opened is closed by serve_close). */
static int serve_open(serve_run *v)
{
    server *s = &v->s;
    store *probe = NULL;
    sr_err err = {{0}};

    if (v->uc.url && !store_is_repo(s->registry_path)) {
        int rc = serve_clone(v);
        if (rc != 0)
            return rc;
    }
    s->handle = api_handle;
    s->xs = cli_schemas();
    if (!s->xs)
        return EXIT_USAGE;
    if (!store_is_repo(s->registry_path) || store_open(s->registry_path, 0, &probe, &err) != 0)
        return cli_fail("serve", "%s is not a registry repository%s%s (create one with `subreg init`)",
                        s->registry_path, err.msg[0] ? ": " : "", err.msg);
    if (!store_is_bare(probe)) {
        store_close(probe);
        return cli_fail("serve", "%s has a work tree: serve a bare repository (subreg init makes one; "
                        "or git clone --bare), since writes would leave the checked-out files behind",
                        s->registry_path);
    }
    if (!realpath(store_path(probe), s->repo_real))
        snprintf(s->repo_real, sizeof(s->repo_real), "%s", store_path(probe));
    store_close(probe);
    if (cli_mkdirs(s->state_dir) != 0)
        return cli_fail("serve", "cannot create %s: %s", s->state_dir, strerror(errno));
    snprintf(s->index_path, sizeof(s->index_path), "%s/index.sqlite", s->state_dir);
    if (strcmp(v->logto, "off") == 0) {
        s->log = NULL;
    } else if (strcmp(v->logto, "-") == 0) {
        s->log = stderr;
    } else if (!(s->log = fopen(v->logto, "a"))) {
        return cli_fail("serve", "--log %s: %s", v->logto, strerror(errno));
    }
    /* A log file is buffered (flushed by the watcher 4 times a second); standard error stays
     * line-buffered, so that what a dying process says (an assertion, a library's panic)
     * is not lost in a buffer. */
    if (s->log && s->log != stderr)
        setvbuf(s->log, NULL, _IOFBF, 1 << 16);
    else if (s->log)
        setvbuf(s->log, NULL, _IOLBF, 1 << 12);
    s->tokens = auth_open(s->state_dir);
    if (writer_open(s->registry_path, s->xs, &s->writer, &err) != 0)
        return cli_fail("serve", "cannot open %s for writing: %s", s->registry_path, err.msg);
    switch (writer_clear_stale_lock(s->writer, &err)) {
    case 1:
        fprintf(stderr, "subreg serve: removed a stale %s.lock left by a crashed writer\n", STORE_REF);
        atomic_fetch_add(&s->stale_locks, 1);
        break;
    case -1:
        fprintf(stderr, "subreg serve: warning: %s\n", err.msg);
        break;
    default:
        break;
    }
    return 0;
}

/* The health listener of --health-listen: its own socket and thread, so that a load
 * balancer's check is answered even while clients fill the main one's connections.
 * 0, or the exit code after saying why. */
static int serve_health(serve_run *v)
{
    char hhost[64], *hcolon;
    long hport;
    unsigned short hbound = 0;
    sr_err err = {{0}};
    int hfd;

    snprintf(hhost, sizeof(hhost), "%s", v->health_listen);
    hcolon = strrchr(hhost, ':');
    hport = hcolon && hcolon[1] ? strtol(hcolon + 1, NULL, 10) : -1;
    if (!hcolon || hport < 0 || hport > 65535)
        return cli_fail("serve", "--health-listen %s: give HOST:PORT", v->health_listen);
    *hcolon = '\0';
    hfd = srv_listen(hhost, (unsigned short)hport, &hbound, &err);
    if (hfd < 0 || !(v->hd = srv_start(&v->s, hfd, 1, &err))) {
        if (hfd >= 0)
            close(hfd);
        return cli_fail("serve", "--health-listen: %s", err.msg);
    }
    fprintf(stderr, "subreg serve: health (and every route) also on http://%s:%u/\n", hhost, (unsigned)hbound);
    return 0;
}

/* Listen, load the registry, start the follower, the notices, the thread of writes, the
 * daemons, the watchdog and the watcher. 0, or the exit code after saying why. */
static int serve_start(serve_run *v)
{
    server *s = &v->s;
    sr_err err = {{0}};
    snapshot_source src;
    unsigned short bound = 0;
    struct rlimit rl;
    snapshot *sn;

    /* as many descriptors as the system allows: 4,000 connections need more than the usual
     * soft limit of 1,024 (the systemd unit sets LimitNOFILE too) */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    /* listen before the first load: connections wait in the backlog meanwhile */
    v->lfd = srv_listen(v->host, (unsigned short)v->port, &bound, &err);
    if (v->lfd < 0)
        return cli_fail("serve", "%s", err.msg);
    v->port = bound;
    if (!v->public_url[0])
        snprintf(v->public_url, sizeof(v->public_url), "http://%s:%u", v->host, (unsigned)bound);
    s->public_url = v->public_url;
    s->id_prefix = (unsigned)getpid() ^ (unsigned)time(NULL);
    /* Signals go to the main thread only (sigwait in serve_wait). */
    sigemptyset(&v->signals);
    sigaddset(&v->signals, SIGTERM);
    sigaddset(&v->signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &v->signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (srv_refresh(s, &err) != 0)
        return cli_fail("serve", "cannot load %s: %s", s->registry_path, err.msg);
    if (deliver_init(&err) != 0)
        return cli_fail("serve", "%s", err.msg);
    v->curl_ready = 1;
    if (v->uc.url) {
        upstream_host follower;
        srv_upstream_host(s, &follower);
        if (upstream_start(&follower, &v->uc, &s->upstream, &err) != 0)
            return cli_fail("serve", "%s", err.msg);
        /* an API write is acknowledged once the upstream has it (a push takes a while: 10 s
         * for the retries when the upstream moves meanwhile) */
        if (!s->read_only)
            writer_set_publish(s->writer, upstream_publish, s->upstream, 10000);
    }
    /* replicas notify nobody: the primary does, once */
    srv_snapshot_source(s, &src);
    if (!s->read_only && notify_start(s->state_dir, &src, &v->nc, &s->notify, &err) != 0)
        return cli_fail("serve", "notices: %s", err.msg);
    if (writes_start(srv_thread_done, &s->writes, &err) != 0)
        return cli_fail("serve", "%s", err.msg);
    v->d = srv_start(s, v->lfd, (int)v->threads, &err);
    if (!v->d)
        return cli_fail("serve", "%s", err.msg);
    v->lfd = -1; /* the daemon's now */
    if (v->health_listen) {
        int rc = serve_health(v);
        if (rc != 0)
            return rc;
    }
    if (ticker_start(1, watchdog, s, NULL, &v->wd, &err) != 0)
        return cli_fail("serve", "%s", err.msg);
    v->w.s = s;
    if ((errno = pthread_create(&v->w.t, NULL, watch, &v->w)) != 0)
        return cli_fail("serve", "cannot start the thread that follows the registry: %s", strerror(errno));
    v->watching = 1;
    sn = srv_current(s);
    fprintf(stderr, "subreg serve: %s (revision %.12s, %zu sub-processors) on http://%s:%ld/ with %ld threads\n",
            s->registry_path, sn->rev, sn->reg->n, v->host, v->port, v->threads);
    snapshot_unref(sn);
    fflush(stderr);
    return 0;
}

/* Until SIGTERM or SIGINT; then stop accepting, let the requests and writes in flight finish
 * (up to 10 s) and stop the daemons. */
static void serve_wait(serve_run *v)
{
    MHD_socket fd;
    int sig, i;

    sigwait(&v->signals, &sig);
    fprintf(stderr, "subreg serve: %s: finishing requests in flight\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    gitcli_cancel_all();  /* a fetch or push in flight ends now, not at its deadline */
    deliver_cancel_all(); /* and an email or webhook waiting on a stalled peer */
    fd = MHD_quiesce_daemon(v->d);
    for (i = 0; i < 100; i++) { /* up to 10 s */
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(v->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (!info || info->num_connections == 0)
            break;
        usleep(100 * 1000);
    }
    /* every write in flight finishes and resumes its connection before the daemon stops (a
     * suspended connection must not outlive it); the network was cancelled above */
    writes_stop(v->s.writes);
    v->s.writes = NULL;
    ticker_stop(v->wd); /* before the connections it watches go */
    v->wd = NULL;
    if (v->hd)
        MHD_stop_daemon(v->hd);
    v->hd = NULL;
    MHD_stop_daemon(v->d);
    v->d = NULL;
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
}

/* Stop and free whatever serve_open and serve_start got to (any prefix of them). */
static void serve_close(serve_run *v)
{
    server *s = &v->s;
    int i;

    ticker_stop(v->wd);
    if (v->hd)
        MHD_stop_daemon(v->hd);
    if (v->d)
        MHD_stop_daemon(v->d);
    if (v->lfd >= 0)
        close(v->lfd); /* the daemon never took it over */
    if (v->watching) {
        atomic_store(&s->stopping, 1);
        pthread_join(v->w.t, NULL);
    }
    writes_stop(s->writes);
    notify_stop(s->notify);
    upstream_stop(s->upstream);
    if (v->curl_ready)
        deliver_cleanup();
    srv_thread_done();
    snapshot_unref(s->cur);
    for (i = 0; i < 4; i++)
        snapshot_unref(s->hist[i]);
    auth_close(s->tokens);
    writer_close(s->writer);
    if (s->log) {
        fflush(s->log);
        if (s->log != stderr)
            fclose(s->log);
    }
    pthread_mutex_destroy(&s->conn_mu);
    pthread_mutex_destroy(&s->index_mu);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->refresh_mu);
}

int cmd_serve(int argc, char **argv)
{
    static serve_run v; /* 60 KB of buffers: off the stack */
    int rc;

    memset(&v, 0, sizeof(v));
    v.s.registry_path = DEFAULT_REGISTRY;
    v.s.state_dir = DEFAULT_STATE;
    v.listen = "127.0.0.1:8080";
    v.logto = "-";
    v.threads = 2;
    v.retry_base = 60;
    v.interval = 60;
    v.debounce = 2;
    v.lfd = -1;
    pthread_mutex_init(&v.s.mu, NULL);
    pthread_mutex_init(&v.s.refresh_mu, NULL);
    pthread_mutex_init(&v.s.conn_mu, NULL);
    pthread_mutex_init(&v.s.index_mu, NULL);
    rc = serve_config(&v, argc, argv);
    if (rc == SERVE_GO && (rc = serve_open(&v)) == 0 && (rc = serve_start(&v)) == 0) {
        serve_wait(&v);
        rc = EXIT_OK;
    }
    serve_close(&v);
    return rc;
}
