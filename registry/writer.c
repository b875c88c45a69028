#include "date.h"
#include "writer.h"
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "entry.h"
#include "guard.h"

struct writer {
    pthread_mutex_t mu;   /* one write at a time; guards st */
    store *st;
    const schemas *xs;
    unsigned seed;        /* jitter */
    long budget_ms;       /* WRITER_BUDGET_MS, or what writer_set_publish says */
};

int writer_open(const char *path, const schemas *xs, writer **out, sr_err *err)
{
    writer *w = calloc(1, sizeof(*w));

    *out = NULL;
    if (!w) {
        sr_err_set(err, "out of memory");
        return -1;
    }
    if (store_open(path, 0, &w->st, err) != 0) {
        free(w);
        return -1;
    }
    pthread_mutex_init(&w->mu, NULL);
    w->xs = xs;
    w->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)w;
    *out = w;
    return 0;
}

void writer_close(writer *w)
{
    if (!w)
        return;
    store_close(w->st);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

/* Sleep for a backoff that doubles from 2 ms up to 64 ms, with jitter so that competing
 * writers do not retry in step. */
static void backoff(writer *w, unsigned attempt)
{
    long base = 2L << (attempt < 5 ? attempt : 5);
    long ms = base / 2 + (long)(rand_r(&w->seed) % (unsigned)(base / 2 + 1));
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static int clear_stale(writer *w, sr_err *err)
{
    long age = store_lock_age_ms(w->st);

    if (age < WRITER_STALE_LOCK_MS)
        return 0;
    /* seconds are what the store's check counts: the lock is older than the bound */
    return store_clear_stale_lock(w->st, WRITER_STALE_LOCK_MS / 1000, err);
}

void writer_set_publish(writer *w, store_publish_fn fn, void *ctx, long budget_ms)
{
    pthread_mutex_lock(&w->mu);
    store_set_publish(w->st, fn, ctx);
    w->budget_ms = budget_ms;
    pthread_mutex_unlock(&w->mu);
}

int writer_clear_stale_lock(writer *w, sr_err *err)
{
    int rc;

    pthread_mutex_lock(&w->mu);
    rc = clear_stale(w, err);
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int writer_write(writer *w, const writer_req *q, writer_result *res, diag_list *d,
                 sr_err *err)
{
    char path[256];
    long deadline, push_wait;
    unsigned attempt = 0;
    int rc = -1;

    memset(res, 0, sizeof(*res));
    if (!q->id || !entry_id_valid(q->id)) {
        sr_err_set(err, "\"%s\" is not a valid id", q->id ? q->id : "");
        return -1;
    }
    snprintf(path, sizeof(path), "subprocessors/%s.xml", q->id);
    pthread_mutex_lock(&w->mu);
    deadline = date_mono_ms() + (w->budget_ms ? w->budget_ms : WRITER_BUDGET_MS);
    push_wait = date_mono_ms() + WRITER_PUSH_WAIT_MS;
    for (;;) {
        store_snap *snap = NULL;
        char *data = NULL, cur[STORE_OID_HEX];
        size_t len, from = d->n;
        int grc;

        /* a git push past its hook moves main next: let it (pushes are never starved) */
        while (date_mono_ms() < push_wait && store_push_pending(w->st)) {
            struct timespec ts = {0, 10 * 1000000L};
            nanosleep(&ts, NULL);
            res->push_waits++;
        }

        if (store_resolve(w->st, NULL, res->parent, err) != 0 ||
            store_snap_open(w->st, res->parent, &snap, err) != 0)
            goto out;
        grc = store_snap_read(snap, path, &data, &len, cur, err);
        free(data);
        store_snap_free(snap);
        if (grc < 0)
            goto out;
        res->existed = grc == 0;
        if (!res->existed)
            cur[0] = '\0';
        if (q->check && (res->status = q->check(q->ctx, res->existed, cur, res->why,
                                                sizeof(res->why))) != 0) {
            res->outcome = WRITE_REFUSED;
            rc = 0;
            goto out;
        }
        if (!q->data && !res->existed) {
            res->outcome = WRITE_ABSENT;
            rc = 0;
            goto out;
        }
        {
            const struct registry *known = q->known ? q->known(q->ctx, res->parent) : NULL;
            grc = guard_write(w->st, w->xs, res->parent, q->id, q->data, q->data ? q->len : 0,
                              q->who, q->message, q->day, known, d, res->commit, res->blob, err);
            if (q->release)
                q->release(q->ctx);
        }
        if (grc == 0) {
            res->outcome = WRITE_DONE;
            if (q->after && q->after(q->ctx, w->st, res->commit, err) != 0)
                res->after_failed = 1;
            rc = 0;
            goto out;
        }
        if (grc == GUARD_BLOCKED) {
            res->outcome = WRITE_BLOCKED;
            rc = 0;
            goto out;
        }
        if (grc == STORE_NOTFOUND && q->data) {
            res->outcome = WRITE_UNCHANGED;
            snprintf(res->blob, sizeof(res->blob), "%s", cur);
            rc = 0;
            goto out;
        }
        if (grc == STORE_REJECTED || grc == STORE_OFFLINE) {
            res->outcome = grc == STORE_REJECTED ? WRITE_REJECTED : WRITE_OFFLINE;
            snprintf(res->why, sizeof(res->why), "%.255s", err->msg);
            err->msg[0] = '\0';
            rc = 0;
            goto out;
        }
        if (grc != STORE_CONFLICT && grc != STORE_LOCKED)
            goto out;
        /* another process moved or locked main: the findings of this round are void */
        diag_list_truncate(d, from);
        res->retries++;
        if (grc == STORE_LOCKED) {
            sr_err e2 = {{0}};
            if (clear_stale(w, &e2) == 1)
                res->stale_locks++;
        }
        if (date_mono_ms() >= deadline) {
            res->outcome = WRITE_BUSY;
            snprintf(res->why, sizeof(res->why),
                     "other writers kept the registry %s for %ld ms: retry",
                     grc == STORE_LOCKED ? "locked" : "moving", w->budget_ms ? w->budget_ms : WRITER_BUDGET_MS);
            rc = 0;
            goto out;
        }
        if (grc == STORE_LOCKED)
            backoff(w, attempt++);
        err->msg[0] = '\0';
    }
out:
    pthread_mutex_unlock(&w->mu);
    return rc;
}
