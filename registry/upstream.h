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
#include "schema.h"
#include "store.h"

/* What the follower needs of the program that runs it (the server), handed to it: it never
 * reaches into the server. store: this thread's handle of the local repository. refresh:
 * serve main after the follower moved it (st: the handle that moved it). log: one line,
 * without a newline. thread_done: called by the follower's thread as it ends. */
typedef struct upstream_host {
    void *ctx;
    const schemas *xs;
    store *(*store)(void *ctx, sr_err *err);
    int (*refresh)(void *ctx, store *st, sr_err *err);
    void (*log)(void *ctx, const char *line);
    void (*thread_done)(void);
} upstream_host;

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
int upstream_start(const upstream_host *h, const upstream_cfg *cfg, upstream **out, sr_err *err);
void upstream_stop(upstream *u);
/* Fetch now (the webhook). */
void upstream_wake(upstream *u);
/* The publish step of the server's writer (store_publish_fn): push commit to the upstream;
 * when the upstream moved, follow it (fetch, check, move main) and return STORE_CONFLICT so
 * that the writer re-applies the change on the new tip. */
int upstream_publish(void *ctx, store *st, const char *commit, const char *parent, sr_err *err);
void upstream_get_status(upstream *u, upstream_status *out);
/* 1 when the follower takes webhooks (a secret was configured). */
int upstream_has_webhook(const upstream *u);
/* A webhook of the upstream (POST /v1/hooks/git): 1, counted and a fetch started, when
 * GitHub's X-Hub-Signature-256 (github_sig: HMAC-SHA256 of body) or GitLab's X-Gitlab-Token
 * (gitlab_token) matches the secret; 0 otherwise (either may be NULL), and nothing done. */
int upstream_webhook(upstream *u, const char *github_sig, const char *gitlab_token, const char *body, size_t len);
#endif
