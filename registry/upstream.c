#include "upstream.h"
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "date.h"
#include "guard.h"
#include "sha256.h"
#include "ticker.h"

struct upstream {
    upstream_host h;
    upstream_cfg cfg;
    pthread_mutex_t mu;      /* one fetch-check-move at a time */
    pthread_mutex_t stat_mu; /* guards writes to st and its copies (health, metrics never wait
                              * for a fetch) */
    ticker *tick;            /* the follower thread */
    int failing;             /* the follower's last fetch failed (its thread only) */
    upstream_status st;
};

/* One line in the host's log. */
static void ulog(upstream *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ulog(upstream *u, const char *fmt, ...)
{
    char line[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    u->h.log(u->h.ctx, line);
}

/* The first findings of d, on one line each, into out. */
static void findings_text(const diag_list *d, char *out, size_t n)
{
    buf b;
    size_t i, shown = 0;

    buf_init(&b, 0);
    for (i = 0; i < d->n && shown < 3; i++) {
        if (d->v[i].sev != SEV_ERROR || d->v[i].waived)
            continue;
        if (shown++)
            buf_puts(&b, "; ");
        diag_format(&d->v[i], &b);
    }
    snprintf(out, n, "%s", b.p ? b.p : "invalid");
    buf_free(&b);
}

/* Record the invalid upstream revision rev (NULL: none any more). */
static void set_bad(upstream *u, const char *rev, const char *why)
{
    pthread_mutex_lock(&u->stat_mu);
    if (rev && strcmp(rev, u->st.bad) != 0)
        u->st.invalid++;
    snprintf(u->st.bad, sizeof(u->st.bad), "%s", rev ? rev : "");
    snprintf(u->st.bad_why, sizeof(u->st.bad_why), "%s", why ? why : "");
    pthread_mutex_unlock(&u->stat_mu);
}

typedef struct refused_ctx {
    upstream *u;
    store *st;
} refused_ctx;

/* A guard_each_invalid_commit callback: mark commit id refused (never served, never in
 * history). */
static void mark_refused(void *ctx, const char *id)
{
    refused_ctx *c = ctx;
    sr_err err = {{0}};

    if (store_mark_refused(c->st, id, &err) != 0)
        ulog(c->u, "upstream: cannot mark %.12s as refused: %s", id, err.msg);
    else
        ulog(c->u, "upstream: revision %.12s is invalid: never served (not at ?at= nor in history)", id);
}

/* Fetch, check what arrived, move main to it when it is valid. Called with u->mu held, with
 * the calling thread's store. Returns 0 (main is the upstream's valid tip, or the last valid
 * one while the tip is invalid), STORE_OFFLINE, or -1; err says why. */
static int sync_locked(upstream *u, store *st, sr_err *err)
{
    char tip[STORE_OID_HEX], main_id[STORE_OID_HEX], base[STORE_OID_HEX] = "";
    diag_list d = {0};
    int rc, grc;

    rc = store_fetch(st, u->cfg.url, &u->cfg.auth, UPSTREAM_NET_MS, tip, err);
    pthread_mutex_lock(&u->stat_mu);
    u->st.last_fetch = time(NULL);
    u->st.fetches++;
    if (rc != 0) {
        u->st.failures++;
        snprintf(u->st.error, sizeof(u->st.error), "%s", err->msg);
    } else {
        u->st.error[0] = '\0';
        u->st.last_ok = u->st.last_fetch;
        snprintf(u->st.tip, sizeof(u->st.tip), "%s", tip);
    }
    pthread_mutex_unlock(&u->stat_mu);
    if (rc != 0)
        return rc == STORE_NOTFOUND ? -1 : rc;
    if (store_resolve(st, NULL, main_id, err) != 0)
        return -1;
    if (strcmp(tip, main_id) == 0) {
        set_bad(u, NULL, NULL);
        return 0;
    }
    if (strcmp(tip, u->st.bad) == 0)
        return 0; /* checked already: still invalid */
    /* the entries changed since what we serve are checked as of today, the whole tree
     * for its shape, schema and registry checks (a later commit repairs an invalid one) */
    grc = store_merge_base(st, main_id, tip, base, err);
    if (grc < 0)
        return -1;
    grc = guard_check_push(st, u->h.xs, grc == 0 ? base : NULL, tip, date_today(), 0, &d, err);
    if (grc == GUARD_BLOCKED) {
        char why[1024];
        sr_err e2 = {{0}};
        findings_text(&d, why, sizeof(why));
        set_bad(u, tip, why);
        if (store_mark_refused(st, tip, &e2) != 0) /* never served, not even at ?at= */
            ulog(u, "upstream: cannot mark %.12s as refused: %s", tip, e2.msg);
        ulog(u, "upstream: revision %.12s is invalid and not served (still serving %.12s): %s", tip, main_id, why);
        diag_list_free(&d);
        return 0;
    }
    diag_list_free(&d);
    if (grc != 0)
        return -1;
    /* the tip is valid: the commits on the way that are not (a repair after an invalid one)
     * are marked refused, never served at ?at= or in history */
    {
        refused_ctx rc_ = {u, st};
        sr_err e2 = {{0}};
        if (guard_each_invalid_commit(st, u->h.xs, base[0] ? base : NULL, tip, mark_refused, &rc_, &e2) != 0)
            ulog(u, "upstream: cannot check the commits before %.12s: %s", tip, e2.msg);
    }
    if (store_descends(st, tip, main_id, err) == 0) {
        /* the upstream does not contain what is served here (its history was rewritten, or
         * this repository was written to directly): the upstream wins, nothing is lost */
        char keep[100];
        /* named by time and the replaced commit: two rewrites in one second keep both */
        snprintf(keep, sizeof(keep), "refs/subreg/replaced/%lld-%.12s", (long long)time(NULL), main_id);
        if (store_keep_ref(st, keep, main_id, err) != 0)
            return -1;
        ulog(u, "upstream: %.12s does not contain the served %.12s: following the upstream; the old main is kept as %s",
                tip, main_id, keep);
    }
    rc = store_set_main(st, main_id, tip, err);
    if (rc != 0)
        return rc == STORE_CONFLICT || rc == STORE_LOCKED ? 0 : -1; /* a write moved it: next round */
    if (u->st.bad[0])
        ulog(u, "upstream: revision %.12s repairs %.12s: served", tip, u->st.bad);
    set_bad(u, NULL, NULL);
    /* serve it now rather than at the watcher's next look */
    if (u->h.refresh(u->h.ctx, st, err) != 0)
        ulog(u, "upstream: cannot refresh after fetching %.12s: %s", tip, err->msg);
    return 0;
}

int upstream_publish(void *ctx, store *st, const char *commit, const char *parent, sr_err *err)
{
    upstream *u = ctx;
    int rc;

    pthread_mutex_lock(&u->mu);
    if (u->st.error[0]) {
        /* the upstream was unreachable when last tried: fetch first, and push only when
         * that works (libgit2 1.5 loses ~200 bytes on every push whose connection fails;
         * a fetch that fails loses nothing) */
        char now[STORE_OID_HEX];
        rc = sync_locked(u, st, err);
        if (rc == 0 && store_resolve(st, NULL, now, err) == 0 && strcmp(now, parent) != 0)
            rc = STORE_CONFLICT; /* it moved while we could not see it: re-apply on its tip */
        if (rc != 0) {
            pthread_mutex_unlock(&u->mu);
            return rc == STORE_CONFLICT ? rc : STORE_OFFLINE;
        }
    }
    rc = store_push(st, u->cfg.url, &u->cfg.auth, commit, parent, UPSTREAM_NET_MS, err);
    if (rc == STORE_CONFLICT) {
        sr_err e2 = {{0}};
        /* the upstream moved: follow it, and the writer re-applies the change on its tip */
        if (sync_locked(u, st, &e2) != 0) {
            snprintf(err->msg, sizeof(err->msg), "the upstream moved and cannot be followed: %.900s", e2.msg);
        } else if (u->st.bad[0]) {
            /* its main is invalid: re-applying the change on the last valid revision would
             * only meet the same refusal until the write's budget runs out */
            sr_err_set(err, "the upstream's main %.12s is invalid and not served (%.700s): repair it there first",
                        u->st.bad, u->st.bad_why);
            rc = STORE_REJECTED;
        }
    } else if (rc == STORE_OFFLINE) {
        pthread_mutex_lock(&u->stat_mu);
        snprintf(u->st.error, sizeof(u->st.error), "%s", err->msg);
        pthread_mutex_unlock(&u->stat_mu);
    }
    pthread_mutex_unlock(&u->mu);
    return rc;
}

/* One round of the follower (every --fetch-interval, or at a webhook). */
static void step(void *arg, ticker *t)
{
    upstream *u = arg;
    sr_err err = {{0}};
    store *st = u->h.store(u->h.ctx, &err);
    int rc = -1;

    (void)t;
    if (st) {
        pthread_mutex_lock(&u->mu);
        rc = sync_locked(u, st, &err);
        pthread_mutex_unlock(&u->mu);
    }
    /* say it once when it starts failing and once when it works again */
    if (rc != 0 && !u->failing)
        ulog(u, "upstream: %s (serving what is here; retrying)", err.msg);
    else if (rc == 0 && u->failing)
        ulog(u, "upstream: reachable again");
    u->failing = rc != 0;
}

void upstream_wake(upstream *u)
{
    ticker_wake(u->tick);
}

void upstream_get_status(upstream *u, upstream_status *out)
{
    pthread_mutex_lock(&u->stat_mu);
    *out = u->st;
    pthread_mutex_unlock(&u->stat_mu);
}

int upstream_start(const upstream_host *h, const upstream_cfg *cfg, upstream **out, sr_err *err)
{
    upstream *u = calloc(1, sizeof(*u));
    store *st;
    int rc = -1;

    *out = NULL;
    if (!u) {
        sr_err_set(err, "out of memory");
        return -1;
    }
    u->h = *h;
    u->cfg = *cfg;
    pthread_mutex_init(&u->mu, NULL);
    pthread_mutex_init(&u->stat_mu, NULL);
    st = h->store(h->ctx, err);
    if (!st)
        goto out;
    if (sync_locked(u, st, err) != 0) {
        ulog(u, "upstream: %s (serving what is here; retrying every %d s)", err->msg, cfg->interval_s);
        err->msg[0] = '\0';
    }
    rc = ticker_start(cfg->interval_s, step, u, h->thread_done, &u->tick, err);
out:
    if (rc != 0)
        upstream_stop(u);
    else
        *out = u;
    return rc;
}

void upstream_stop(upstream *u)
{
    if (!u)
        return;
    ticker_stop(u->tick);
    pthread_mutex_destroy(&u->mu);
    pthread_mutex_destroy(&u->stat_mu);
    free(u);
}

int upstream_has_webhook(const upstream *u)
{
    return u && u->cfg.secret;
}

int upstream_webhook(upstream *u, const char *github_sig, const char *gitlab_token, const char *body, size_t len)
{
    char want[80], hex[65];
    unsigned char mac[32];
    int ok = 0;

    if (!upstream_has_webhook(u))
        return 0;
    if (github_sig) {
        hmac_sha256(u->cfg.secret, u->cfg.secret_len, body ? body : "", len, NULL, 0, mac);
        sha256_to_hex(mac, 32, hex);
        snprintf(want, sizeof(want), "sha256=%s", hex);
        ok = sha256_equal(want, github_sig);
    } else if (gitlab_token) {
        char secret[256];
        snprintf(secret, sizeof(secret), "%.*s", (int)(u->cfg.secret_len < 255 ? u->cfg.secret_len : 255), u->cfg.secret);
        ok = sha256_equal(secret, gitlab_token);
    }
    if (!ok)
        return 0;
    pthread_mutex_lock(&u->stat_mu);
    u->st.webhooks++;
    pthread_mutex_unlock(&u->stat_mu);
    upstream_wake(u);
    return 1;
}
