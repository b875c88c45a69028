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

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {{"registry", required_argument, NULL, 'r'},
                                         {"listen", required_argument, NULL, 'l'},
                                         {"health-listen", required_argument, NULL, 'K'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"state", required_argument, NULL, 's'},
                                         {"log", required_argument, NULL, 'L'},
                                         {"smtp", required_argument, NULL, 'S'},
                                         {"mail-from", required_argument, NULL, 'F'},
                                         {"public-url", required_argument, NULL, 'U'},
                                         {"webhook-allow", required_argument, NULL, 'A'},
                                         {"retry-base", required_argument, NULL, 'B'},
                                         {"notice-debounce", required_argument, NULL, 'N'},
                                         {"trust-proxy", required_argument, NULL, 'T'},
                                         {"upstream", required_argument, NULL, 'u'},
                                         {"fetch-interval", required_argument, NULL, 'i'},
                                         {"webhook-secret-file", required_argument, NULL, 'W'},
                                         {"read-only", no_argument, NULL, 'R'},
                                         {"primary", required_argument, NULL, 'P'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *listen = "127.0.0.1:8080", *logto = "-", *health_listen = NULL;
    char host[64], *colon;
    long port, threads = 2;
    server s;
    watcher w;
    sr_err err = {{0}};
    struct MHD_Daemon *d = NULL, *hd = NULL;
    sigset_t set;
    int c, sig, rc = EXIT_USAGE, i;
    store *probe = NULL;
    notify_cfg nc;
    snapshot_source src;
    char public_url[300], why[300];
    long retry_base = 60, interval = 60, debounce = 2;
    upstream_cfg uc;
    const char *secret_file = NULL;
    char secret[256] = "", cred_user[128] = "", cred_token[512] = "", cred_key[1024] = "", cred_pass[256] = "";
    int curl_ready = 0, lfd = -1;
    ticker *wd = NULL;
    unsigned short bound = 0;

    memset(&s, 0, sizeof(s));
    s.registry_path = DEFAULT_REGISTRY;
    s.state_dir = DEFAULT_STATE;
    memset(&nc, 0, sizeof(nc));
    memset(&uc, 0, sizeof(uc));
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'r': s.registry_path = optarg; break;
        case 'l': listen = optarg; break;
        case 'K': health_listen = optarg; break;
        case 't': threads = strtol(optarg, NULL, 10); break;
        case 's': s.state_dir = optarg; break;
        case 'L': logto = optarg; break;
        case 'S': nc.smtp.url = optarg; break;
        case 'F': nc.mail_from = optarg; break;
        case 'U': nc.public_url = optarg; break;
        case 'A':
            if (deliver_allow(&nc.policy, optarg, &err) != 0)
                return cli_fail("serve", "%s", err.msg);
            break;
        case 'B': retry_base = strtol(optarg, NULL, 10); break;
        case 'N': debounce = strtol(optarg, NULL, 10); break;
        case 'T':
            if (srv_trust_proxy(&s, optarg, &err) != 0)
                return cli_fail("serve", "%s", err.msg);
            break;
        case 'u': uc.url = optarg; break;
        case 'i': interval = strtol(optarg, NULL, 10); break;
        case 'W': secret_file = optarg; break;
        case 'R': s.read_only = 1; break;
        case 'P': s.primary = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        default: fputs(usage, stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    snprintf(host, sizeof(host), "%s", listen);
    colon = strrchr(host, ':');
    port = colon && colon[1] ? strtol(colon + 1, NULL, 10) : -1;
    if (!colon || port < 0 || port > 65535)
        return cli_fail("serve", "--listen %s: give HOST:PORT, e.g. 127.0.0.1:8080 (port 0: any free port, "
                                 "said on standard error)", listen);
    *colon = '\0';
    if (threads < 1 || threads > 64)
        return cli_fail("serve", "--threads: 1 to 64");
    if (retry_base < 1 || retry_base > NOTIFY_MAX_DELAY_S)
        return cli_fail("serve", "--retry-base: 1 to %d seconds", NOTIFY_MAX_DELAY_S);
    nc.retry_base = (int)retry_base;
    if (debounce < 0 || debounce > 3600)
        return cli_fail("serve", "--notice-debounce: 0 to 3600 seconds");
    nc.debounce_ms = (int)debounce * 1000;
    if (nc.smtp.url && !deliver_smtp_url_ok(nc.smtp.url, why, sizeof(why)))
        return cli_fail("serve", "%s", why);
    if (nc.smtp.url && !nc.mail_from)
        return cli_fail("serve", "--smtp needs --mail-from ADDR, the sender of notices");
    if (nc.mail_from && !notice_email_valid(nc.mail_from, why, sizeof(why)))
        return cli_fail("serve", "--mail-from %s: %s", nc.mail_from, why);
    nc.smtp.user = getenv("SUBREG_SMTP_USER");
    nc.smtp.password = getenv("SUBREG_SMTP_PASSWORD");
    if (nc.public_url) {
        size_t l;
        snprintf(public_url, sizeof(public_url), "%s", nc.public_url);
        l = strlen(public_url);
        while (l && public_url[l - 1] == '/')
            public_url[--l] = '\0';
        if (strncmp(public_url, "http://", 7) != 0 && strncmp(public_url, "https://", 8) != 0)
            return cli_fail("serve", "--public-url %s: give the http(s) URL the server is reached at", nc.public_url);
    } else {
        public_url[0] = '\0'; /* http://HOST:PORT once the port is bound */
    }
    nc.public_url = public_url;
    if (interval < 1 || interval > 86400)
        return cli_fail("serve", "--fetch-interval: 1 to 86400 seconds");
    uc.interval_s = (int)interval;
    if (uc.url && url_has_secret(uc.url))
        return cli_fail("serve", "--upstream: credentials do not go in the URL (they would show in "
                                 "logs, process lists and health answers): give the URL without them and "
                                 "the token in SUBREG_UPSTREAM_TOKEN or STATE/upstream-credentials (token=...)");
    if ((secret_file || interval != 60) && !uc.url)
        return cli_fail("serve", "--fetch-interval and --webhook-secret-file go with --upstream URL");
    if (s.primary && !s.read_only)
        return cli_fail("serve", "--primary goes with --read-only");
    if (s.primary && strncmp(s.primary, "http://", 7) != 0 && strncmp(s.primary, "https://", 8) != 0)
        return cli_fail("serve", "--primary %s: give the primary's http(s) URL", s.primary);
    if (secret_file && read_secret(secret_file, secret, sizeof(secret)) != 0)
        return EXIT_USAGE;
    if (secret[0]) {
        uc.secret = secret;
        uc.secret_len = strlen(secret);
    }
    if (uc.url && upstream_credentials(s.state_dir, &uc.auth, cred_user, sizeof(cred_user), cred_token,
                                       sizeof(cred_token), cred_key, sizeof(cred_key), cred_pass, sizeof(cred_pass)) != 0)
        return EXIT_USAGE;
    if (uc.url && !store_is_repo(s.registry_path)) {
        /* the first start of a follower: clone, and check what arrived like a push */
        diag_list dl = {0};
        store *st = NULL;
        int grc;
        char tip[STORE_OID_HEX];
        fprintf(stderr, "subreg serve: cloning %s into %s\n", uc.url, s.registry_path);
        if (store_clone_bare(uc.url, s.registry_path, &uc.auth, 60000, &err) != 0)
            return cli_fail("serve", "%s", err.msg);
        if (store_open(s.registry_path, 0, &st, &err) != 0 || store_resolve(st, NULL, tip, &err) != 0) {
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
    }
    s.handle = api_handle;
    s.xs = cli_schemas();
    if (!s.xs)
        return EXIT_USAGE;
    if (!store_is_repo(s.registry_path) || store_open(s.registry_path, 0, &probe, &err) != 0)
        return cli_fail("serve", "%s is not a registry repository%s%s (create one with `subreg init`)",
                        s.registry_path, err.msg[0] ? ": " : "", err.msg);
    if (!store_is_bare(probe)) {
        store_close(probe);
        return cli_fail("serve", "%s has a work tree: serve a bare repository (subreg init makes one; "
                        "or git clone --bare), since writes would leave the checked-out files behind",
                        s.registry_path);
    }
    if (!realpath(store_path(probe), s.repo_real))
        snprintf(s.repo_real, sizeof(s.repo_real), "%s", store_path(probe));
    store_close(probe);
    if (cli_mkdirs(s.state_dir) != 0)
        return cli_fail("serve", "cannot create %s: %s", s.state_dir, strerror(errno));
    snprintf(s.index_path, sizeof(s.index_path), "%s/index.sqlite", s.state_dir);
    if (strcmp(logto, "off") == 0) {
        s.log = NULL;
    } else if (strcmp(logto, "-") == 0) {
        s.log = stderr;
    } else if (!(s.log = fopen(logto, "a"))) {
        return cli_fail("serve", "--log %s: %s", logto, strerror(errno));
    }
    /* A log file is buffered (flushed by the watcher 4 times a second); standard error stays
     * line-buffered, so that what a dying process says (an assertion, a library's panic)
     * is not lost in a buffer. */
    if (s.log && s.log != stderr)
        setvbuf(s.log, NULL, _IOFBF, 1 << 16);
    else if (s.log)
        setvbuf(s.log, NULL, _IOLBF, 1 << 12);
    s.tokens = auth_open(s.state_dir);
    if (writer_open(s.registry_path, s.xs, &s.writer, &err) != 0) {
        rc = cli_fail("serve", "cannot open %s for writing: %s", s.registry_path, err.msg);
        goto out; /* closes the log and the token store */
    }
    switch (writer_clear_stale_lock(s.writer, &err)) {
    case 1:
        fprintf(stderr, "subreg serve: removed a stale %s.lock left by a crashed writer\n", STORE_REF);
        atomic_fetch_add(&s.stale_locks, 1);
        break;
    case -1:
        fprintf(stderr, "subreg serve: warning: %s\n", err.msg);
        break;
    default:
        break;
    }
    pthread_mutex_init(&s.mu, NULL);
    pthread_mutex_init(&s.refresh_mu, NULL);
    pthread_mutex_init(&s.conn_mu, NULL);
    {
        /* as many descriptors as the system allows: 4,000 connections need more than the
         * usual soft limit of 1,024 (the systemd unit sets LimitNOFILE too) */
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
    }
    /* listen before the first load: connections wait in the backlog meanwhile */
    lfd = srv_listen(host, (unsigned short)port, &bound, &err);
    if (lfd < 0) {
        rc = cli_fail("serve", "%s", err.msg);
        goto out;
    }
    port = bound;
    if (!public_url[0])
        snprintf(public_url, sizeof(public_url), "http://%s:%u", host, (unsigned)bound);
    s.public_url = public_url;
    s.id_prefix = (unsigned)getpid() ^ (unsigned)time(NULL);
    /* Signals go to the main thread only (sigwait below). */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (srv_refresh(&s, &err) != 0) {
        rc = cli_fail("serve", "cannot load %s: %s", s.registry_path, err.msg);
        goto out;
    }
    if (deliver_init(&err) != 0) {
        rc = cli_fail("serve", "%s", err.msg);
        goto out;
    }
    curl_ready = 1;
    if (uc.url) {
        upstream_host follower;
        srv_upstream_host(&s, &follower);
        if (upstream_start(&follower, &uc, &s.upstream, &err) != 0) {
            rc = cli_fail("serve", "%s", err.msg);
            goto out;
        }
        /* an API write is acknowledged once the upstream has it (a push takes a while:
         * 10 s for the retries when the upstream moves meanwhile) */
        if (!s.read_only)
            writer_set_publish(s.writer, upstream_publish, s.upstream, 10000);
    }
    /* replicas notify nobody: the primary does, once */
    srv_snapshot_source(&s, &src);
    if (!s.read_only && notify_start(s.state_dir, &src, &nc, &s.notify, &err) != 0) {
        rc = cli_fail("serve", "notices: %s", err.msg);
        goto out;
    }
    if (writes_start(srv_thread_done, &s.writes, &err) != 0) {
        rc = cli_fail("serve", "%s", err.msg);
        goto out;
    }
    d = srv_start(&s, lfd, (int)threads, &err);
    if (!d) {
        rc = cli_fail("serve", "%s", err.msg);
        goto out;
    }
    if (health_listen) {
        /* a listener of its own with its own thread: a load balancer's health check is
         * answered even while clients fill the main one's connections */
        char hhost[64], *hcolon;
        long hport;
        unsigned short hbound = 0;
        int hfd;
        snprintf(hhost, sizeof(hhost), "%s", health_listen);
        hcolon = strrchr(hhost, ':');
        hport = hcolon && hcolon[1] ? strtol(hcolon + 1, NULL, 10) : -1;
        if (!hcolon || hport < 0 || hport > 65535) {
            rc = cli_fail("serve", "--health-listen %s: give HOST:PORT", health_listen);
            goto out;
        }
        *hcolon = '\0';
        hfd = srv_listen(hhost, (unsigned short)hport, &hbound, &err);
        if (hfd < 0 || !(hd = srv_start(&s, hfd, 1, &err))) {
            if (hfd >= 0)
                close(hfd);
            rc = cli_fail("serve", "--health-listen: %s", err.msg);
            goto out;
        }
        fprintf(stderr, "subreg serve: health (and every route) also on http://%s:%u/\n", hhost, (unsigned)hbound);
    }
    if (ticker_start(1, watchdog, &s, NULL, &wd, &err) != 0) {
        rc = cli_fail("serve", "%s", err.msg);
        MHD_stop_daemon(d);
        goto out;
    }
    w.s = &s;
    if ((errno = pthread_create(&w.t, NULL, watch, &w)) != 0) {
        rc = cli_fail("serve", "cannot start the thread that follows the registry: %s", strerror(errno));
        MHD_stop_daemon(d);
        goto out;
    }
    {
        snapshot *sn = srv_current(&s);
        fprintf(stderr, "subreg serve: %s (revision %.12s, %zu sub-processors) on http://%s:%ld/ with %ld threads\n",
                s.registry_path, sn->rev, sn->reg->n, host, port, threads);
        snapshot_unref(sn);
    }
    fflush(stderr);
    sigwait(&set, &sig);
    fprintf(stderr, "subreg serve: %s: finishing requests in flight\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    gitcli_cancel_all(); /* a fetch or push in flight ends now, not at its deadline */
    deliver_cancel_all(); /* and an email or webhook waiting on a stalled peer */
    {
        MHD_socket fd = MHD_quiesce_daemon(d);
        for (i = 0; i < 100; i++) { /* up to 10 s */
            const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
            if (!info || info->num_connections == 0)
                break;
            usleep(100 * 1000);
        }
        /* every write in flight finishes and resumes its connection before the daemon stops
         * (a suspended connection must not outlive it); the network was cancelled above */
        writes_stop(s.writes);
        s.writes = NULL;
        ticker_stop(wd); /* before the connections it watches go */
        wd = NULL;
        if (hd)
            MHD_stop_daemon(hd);
        hd = NULL;
        MHD_stop_daemon(d);
        if (fd != MHD_INVALID_SOCKET)
            close(fd);
    }
    atomic_store(&s.stopping, 1);
    pthread_join(w.t, NULL);
    rc = EXIT_OK;
out:
    ticker_stop(wd);
    if (hd)
        MHD_stop_daemon(hd);
    if (!d && lfd >= 0)
        close(lfd); /* the daemon never took it over */
    writes_stop(s.writes);
    notify_stop(s.notify);
    upstream_stop(s.upstream);
    if (curl_ready)
        deliver_cleanup();
    srv_thread_done();
    snapshot_unref(s.cur);
    for (i = 0; i < 4; i++)
        snapshot_unref(s.hist[i]);
    auth_close(s.tokens);
    writer_close(s.writer);
    if (s.log) {
        fflush(s.log);
        if (s.log != stderr)
            fclose(s.log);
    }
    pthread_mutex_destroy(&s.conn_mu);
    pthread_mutex_destroy(&s.mu);
    pthread_mutex_destroy(&s.refresh_mu);
    return rc;
}
