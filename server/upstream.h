/* upstream: `serve --upstream URL`. The local bare repository mirrors the upstream's main
 * (GitHub, GitLab, a git daemon, a directory): fetched at start, every interval and when the
 * upstream's webhook (POST /v1/hooks/git) says it moved. Every fetched revision is checked
 * like a push (guard_check_push: schema, registry, the changed entries' rules as of today)
 * before main moves to it; an invalid one is not served and is reported until a later
 * commit repairs it. API writes are pushed to the upstream (without force: a lease on its
 * main) before the local main moves, so a write is acknowledged only once the upstream has
 * it; when the upstream moved, the write is re-applied on its new tip. */
#ifndef SUBREG_UPSTREAM_H
#define SUBREG_UPSTREAM_H
#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>
#include "../registry/store.h"

struct server;
struct req;

typedef struct upstream_cfg {
    const char *url;
    store_remote_auth auth;
    int interval_s;          /* between fetches */
    const char *secret;      /* the webhook's shared secret, or NULL (no webhook) */
    size_t secret_len;
} upstream_cfg;

typedef struct upstream_status {
    char tip[STORE_OID_HEX];      /* the upstream's main as last fetched ("" before) */
    char bad[STORE_OID_HEX];      /* an upstream revision not served because it is invalid */
    char bad_why[1024];           /* its first findings */
    char error[1024];             /* why the last fetch failed ("" when it worked) */
    int64_t last_fetch, last_ok;  /* unix seconds */
    unsigned long fetches, failures, invalid, webhooks;
} upstream_status;

typedef struct upstream upstream;

/* Every fetch and push to the upstream ends within this (a stalled upstream is then
 * offline): within the writer's budget of 10 s, and within a shutdown's 10 s. */
#define UPSTREAM_NET_MS 4500

/* Fetch once (validating what arrives), then start the thread that follows the upstream.
 * cfg is copied (its strings must outlive u). A first fetch that fails is logged, not fatal:
 * the server serves what it has. Returns 0, or -1 with err set. */
int upstream_start(struct server *s, const upstream_cfg *cfg, upstream **out, sr_err *err);
void upstream_stop(upstream *u);
/* Fetch now (the webhook). */
void upstream_wake(upstream *u);
/* The publish step of the server's writer (store_publish_fn): push commit to the upstream;
 * when the upstream moved, follow it (fetch, check, move main) and return STORE_CONFLICT so
 * that the writer re-applies the change on the new tip. */
int upstream_publish(void *ctx, store *st, const char *commit, const char *parent, sr_err *err);
void upstream_get_status(upstream *u, upstream_status *out);
/* POST /v1/hooks/git: 202 and a fetch when GitHub's X-Hub-Signature-256 (HMAC-SHA256 of the
 * body) or GitLab's X-Gitlab-Token matches the secret; 401 otherwise, and nothing fetched. */
enum MHD_Result upstream_hook(struct server *s, struct MHD_Connection *c, struct req *r);
#endif
