/* The HTTP server's shared state (the daemon's configuration is the only global state of
 * the program) and the glue between libmicrohttpd and the route handlers of api.c. */
#ifndef SUBREG_SERVE_H
#define SUBREG_SERVE_H
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>
#include "../registry/buf.h"
#include "../registry/index.h"
#include "../registry/netaddr.h"
#include "../registry/schema.h"
#include "../registry/store.h"
#include "../registry/writer.h"
#include "auth.h"
#include "../registry/snapshot.h"
#include "../registry/upstream.h"

#define MAX_BODY (1024 * 1024)  /* request bodies: 1 MiB */

/* Routes, for metrics. */
typedef enum {
    R_LIST, R_ENTRY, R_ENTRY_XML, R_HISTORY, R_CHANGES, R_FEED, R_COUNTRIES, R_SCHEMA,
    R_OPENAPI, R_HEALTH, R_METRICS, R_COMPLIANCE, R_PUT, R_DELETE, R_VALIDATE, R_OPTIONS,
    R_PAGE, R_ASSET, R_NOTIFY, R_NOTICE_PAGE, R_GIT_HOOK, R_WIDGET, R_CUSTOMER, R_OTHER, R_COUNT
} route_id;

#define N_BUCKETS 10
#define N_STATUS 18

/* The statuses counted one by one in the metrics, in slot order; the last slot (0) counts
 * every other status. */
extern const int srv_status_codes[N_STATUS];

typedef struct metrics {
    atomic_ulong count[R_COUNT][N_STATUS];   /* by route and status slot */
    atomic_ulong buckets[N_BUCKETS];        /* latency histogram, cumulative on output */
    atomic_ulong sum_us, total;
} metrics;

struct server;
struct req;
/* What answers a request (the routes: api_handle), handed to the server by who starts it:
 * http.c, the lifecycle and libmicrohttpd's glue, never calls into the routes itself. */
typedef enum MHD_Result (*srv_handler)(struct server *s, struct MHD_Connection *c, struct req *r,
                                       const char *method, const char *url);

typedef struct server {
    srv_handler handle;        /* answers every request (api_handle) */
    const char *registry_path, *state_dir;
    char repo_real[4096];      /* absolute path of the repository (the index's key) */
    char index_path[4200];
    const schemas *xs;
    auth *tokens;
    struct notifier *notify;   /* notices of changes (notify.c); NULL on a read-only replica */
    struct upstream *upstream; /* --upstream (registry/upstream.c), or NULL */
    int read_only;             /* --read-only: writes answer 503 with the primary's Location */
    const char *primary;       /* --primary URL (no trailing /), or NULL */
    const char *public_url;    /* where the server is reached (--public-url, or http://HOST:PORT) */
    netaddr_range trusted[8];  /* --trust-proxy ranges */
    int ntrusted;
    pthread_mutex_t conn_mu;   /* guards conns */
    struct conn_track *conns;  /* every open connection, for the head deadline (http.c) */
    atomic_ulong head_timeouts;/* connections closed for a request head too slow */
    writer *writer;            /* every API write goes through it */
    struct writes *writes;     /* the thread API writes run on (writes.c) */
    atomic_ulong write_retries;/* writes retried because another process moved or locked main */
    atomic_ulong stale_locks;  /* stale locks of main removed */
    atomic_int index_gen;      /* bumped when a damaged index is moved aside: threads reopen */
    atomic_int index_made_gen; /* the index_gen whose file some thread opened whole, + 1 (0: none) */
    pthread_mutex_t index_mu;  /* one thread at a time replaces or opens the index (srv_index) */
    atomic_ulong index_rebuilds;
    atomic_long lag_since_ms;  /* since when the served revision is behind main (0: it is not) */
    char tip[STORE_OID_HEX];   /* main as last seen by a refresh (under mu) */
    pthread_mutex_t mu;        /* guards cur and hist */
    pthread_mutex_t refresh_mu;/* one snapshot build at a time */
    snapshot *cur;
    snapshot *hist[4];         /* small cache of historical revisions (?at=) */
    int hist_next;
    metrics m;
    atomic_int stopping;
    atomic_ulong next_id;
    unsigned id_prefix;
    FILE *log;
} server;

/* One request, from the first handler call to completion. */
typedef struct req {
    uint64_t start_us;
    char id[40];
    buf body;
    int too_large;
    int calls;
    route_id route;
    int status;
    size_t bytes;
    char method[12];
    char path[200];
    int role_known, role;    /* the caller's role, once worked out (api.c) */
    int has_auth;            /* the request carries Authorization */
    char who[80];            /* the token's name */
    char customer[64];       /* a customer token's customer id, "" for others */
    snapshot *cache_sn;      /* public GET: where its answer is cached, or NULL */
    char *cache_key;
    void *job;               /* a write run off the request threads (api.c), or NULL */
    void (*job_free)(void *job);
} req;

/* Per-thread handles (libgit2 and sqlite want one per thread): opened on first use.
 * Return NULL after filling err. */
store *srv_store(server *s, sr_err *err);
index_db *srv_index(server *s, sr_err *err);
/* Move a damaged index aside (index.sqlite.damaged-TIME) so that every thread opens a new
 * one, built from git; says so in the log and the metrics. */
void srv_index_discard(server *s, const char *why);
/* 1 when the served revision has been behind main for more than HEALTH_LAG_MS. */
#define HEALTH_LAG_MS 5000
int srv_lagging(server *s, char tip[STORE_OID_HEX]);
/* Close this thread's handles (threads that end on their own do it by themselves). */
void srv_thread_done(void);
/* The current snapshot, referenced (snapshot_unref when done); NULL while none. */
snapshot *srv_current(server *s);
/* Rebuild the snapshot and catch the index up if main moved. Returns 0 or -1. */
int srv_refresh(server *s, sr_err *err);
/* The same with the store st (the writer's, whose cache holds what it just wrote) instead
 * of this thread's, and the entry the write parsed (may be NULL; see snapshot_build). */
int srv_refresh_with(server *s, store *st, entry *fresh, sr_err *err);
/* The snapshot of revision rev (40 hex), from the small cache or built. Referenced. */
snapshot *srv_snapshot_at(server *s, const char *rev, sr_err *err);

/* What the background threads (notices) read and log through: this server's snapshots,
 * its log and its per-thread handles. */
void srv_snapshot_source(server *s, snapshot_source *out);

/* What the upstream's follower runs on (registry/upstream.h): this server's store handles,
 * its refresh and its log. */
void srv_upstream_host(server *s, upstream_host *out);

/* The client's address into out (text): the connection's peer, or, when the peer is a
 * trusted proxy (--trust-proxy), the last address of X-Forwarded-For that is not one. */
void srv_client_ip(server *s, struct MHD_Connection *c, char *out, size_t n);
/* Add "A.B.C.D/N" or "X::Y/N" to the trusted proxies. Returns 0, or -1 with err set. */
int srv_trust_proxy(server *s, const char *cidr, sr_err *err);

/* One round of the watchdog (every second): shut down connections whose request head has
 * been awaited for more than 10 s (a client dripping header lines to hold a connection). */
void srv_watchdog_step(server *s);

/* Write one line to the server's log (standard error unless --log says otherwise), with
 * the time; thread-safe. */
void srv_log(server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Queue a response. headers: NULL-terminated name/value pairs (may be NULL). body is copied.
 * Sets r->status/bytes for the log and metrics. */
enum MHD_Result srv_send(struct MHD_Connection *c, req *r, int status, const char *ctype,
                         const char *body, size_t len, const char *cache, const char *etag,
                         const char *const *headers);
/* As srv_send for a body owned by snapshot sn, sent without a copy: the request takes over
 * the caller's reference to sn and drops it when it completes. */
enum MHD_Result srv_send_held(struct MHD_Connection *c, req *r, snapshot *sn, int status,
                              const char *ctype, const char *body, size_t len, const char *cache,
                              const char *etag, const char *const *headers);
/* {"error": {"status": N, "message": "..."}} */
enum MHD_Result srv_error(struct MHD_Connection *c, req *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Send a cJSON document (consumed). */
enum MHD_Result srv_json(struct MHD_Connection *c, req *r, int status, void *cjson,
                         const char *cache, const char *etag, const char *const *headers);

/* Bind and listen on host (an IPv4 literal):port, port 0 for any free port. Returns the
 * socket, with the port it bound in *bound, or -1 with err set. Listening first means
 * connections queue while the server gets ready, and tests need no port guessing. */
int srv_listen(const char *host, unsigned short port, unsigned short *bound, sr_err *err);
/* Start the daemon on the listening socket fd (srv_listen; the daemon owns and closes it
 * from then on) with a pool of threads. NULL with err set (fd is then still the caller's). */
struct MHD_Daemon *srv_start(server *s, int fd, int threads, sr_err *err);

/* The route handlers (api.c): answer the request, always queueing a response. */
enum MHD_Result api_handle(server *s, struct MHD_Connection *c, req *r, const char *method,
                           const char *url);
/* Answer 401/403 unless the caller has at least role need (auth_role); 0 when it has,
 * with its token's name in name (api.c). */
int api_require(server *s, struct MHD_Connection *c, req *r, int need, char *name, size_t n,
                enum MHD_Result *ret);
/* The pages behind the links in emails (api_links.c): url is under /subscriptions/confirm/,
 * /unsubscribe/ or /objections/; post says whether it is a POST (which acts). */
enum MHD_Result api_link_page(server *s, struct MHD_Connection *c, req *r, const char *url, int post);
/* The value of name in an application/x-www-form-urlencoded body, decoded, into out (n
 * bytes). Returns 1 found, 0 absent. */
int api_form_value(const char *body, const char *name, char *out, size_t n);
/* The headers of the pages behind email links and of the form's answers: CSP (form-action
 * 'self'), no framing, no referrer, noindex; name/value pairs ending with NULL. */
extern const char *const api_notice_page_headers[];
/* The routes of notices (api_notify.c): /v1/subscriptions, /v1/subscribers, /v1/webhooks,
 * /v1/notices, /v1/objections and the pages of the links in emails. */
enum MHD_Result api_notify(server *s, struct MHD_Connection *c, req *r, const char *method,
                           const char *url);
/* Add a notice-unsent warning to d for each change set whose notice period started by day
 * and which has not reached every recipient (api_notify.c). */
void api_notice_findings(server *s, int day, diag_list *d);
/* Prometheus text of the metrics (api.c). */
void api_metrics_text(server *s, buf *out);
#endif
