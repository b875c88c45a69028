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
    /* the write in progress, between writer_begin and writer_end */
    char path[96];        /* subprocessors/<id>.xml or customers/<id>.xml */
    long deadline;        /* of its retries, on date_mono_ms */
    unsigned attempt;     /* of the backoff */
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

/* Remove main's lock when it is older than WRITER_STALE_LOCK_MS. Returns 1 removed, 0 none,
 * -1. */
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

/* The tip and the entry's blob in it, into res. Returns 0 or -1. */
static int read_tip(writer *w, writer_result *res, sr_err *err)
{
    store_snap *snap = NULL;

    if (store_resolve(w->st, NULL, res->parent, err) != 0 ||
        store_snap_open(w->st, res->parent, &snap, err) != 0)
        return -1;
    res->existed = store_snap_blob_id(snap, w->path, res->blob) == 0;
    store_snap_free(snap);
    return 0;
}

int writer_begin(writer *w, const char *id, writer_result *res, sr_err *err)
{
    return writer_begin_at(w, "subprocessors", id, res, err);
}

int writer_begin_at(writer *w, const char *dir, const char *id, writer_result *res, sr_err *err)
{
    long push_wait;

    memset(res, 0, sizeof(*res));
    if (!id || !entry_id_valid(id)) {
        sr_err_set(err, "\"%s\" is not a valid id", id ? id : "");
        return -1;
    }
    pthread_mutex_lock(&w->mu);
    snprintf(w->path, sizeof(w->path), "%s/%s.xml", dir, id);
    w->attempt = 0;
    w->deadline = date_mono_ms() + (w->budget_ms ? w->budget_ms : WRITER_BUDGET_MS);
    /* a git push past its hook moves main next: let it (pushes are never starved) */
    push_wait = date_mono_ms() + WRITER_PUSH_WAIT_MS;
    while (date_mono_ms() < push_wait && store_push_pending(w->st)) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
        res->push_waits++;
    }
    if (read_tip(w, res, err) != 0) {
        pthread_mutex_unlock(&w->mu);
        return -1;
    }
    return 0;
}

int writer_commit(writer *w, const guard_change *c, const struct registry *known,
                  writer_result *res, diag_list *d, sr_err *err)
{
    char cur[STORE_OID_HEX];
    size_t from = d->n;
    int grc;

    if (!c->e && !c->customer && !res->existed) {
        res->outcome = WRITE_ABSENT;
        return 0;
    }
    snprintf(cur, sizeof(cur), "%s", res->blob);
    grc = guard_commit(w->st, w->xs, res->parent, c, known, d, res->commit, res->blob, err);
    switch (grc) {
    case 0:
        res->outcome = WRITE_DONE;
        return 0;
    case GUARD_BLOCKED:
        snprintf(res->blob, sizeof(res->blob), "%s", cur);
        res->outcome = WRITE_BLOCKED;
        return 0;
    case STORE_NOTFOUND: /* the same content: nothing to commit */
        snprintf(res->blob, sizeof(res->blob), "%s", cur);
        res->outcome = c->e || c->customer ? WRITE_UNCHANGED : WRITE_ABSENT;
        err->msg[0] = '\0';
        return 0;
    case STORE_REJECTED:
    case STORE_OFFLINE:
        snprintf(res->blob, sizeof(res->blob), "%s", cur);
        res->outcome = grc == STORE_REJECTED ? WRITE_REJECTED : WRITE_OFFLINE;
        snprintf(res->why, sizeof(res->why), "%.255s", err->msg);
        err->msg[0] = '\0';
        return 0;
    case STORE_CONFLICT:
    case STORE_LOCKED:
        break;
    default:
        return -1;
    }
    /* another process moved or locked main: the findings of this round are void */
    err->msg[0] = '\0';
    diag_list_truncate(d, from);
    res->retries++;
    if (grc == STORE_LOCKED) {
        sr_err e2 = {{0}};
        if (clear_stale(w, &e2) == 1)
            res->stale_locks++;
    }
    if (date_mono_ms() >= w->deadline) {
        snprintf(res->blob, sizeof(res->blob), "%s", cur);
        res->outcome = WRITE_BUSY;
        snprintf(res->why, sizeof(res->why), "other writers kept the registry %s for %ld ms: retry",
                 grc == STORE_LOCKED ? "locked" : "moving",
                 w->budget_ms ? w->budget_ms : WRITER_BUDGET_MS);
        return 0;
    }
    if (grc == STORE_LOCKED)
        backoff(w, w->attempt++);
    if (read_tip(w, res, err) != 0)
        return -1;
    res->outcome = WRITE_MOVED;
    return 0;
}

store *writer_store(writer *w)
{
    return w->st;
}

void writer_end(writer *w)
{
    pthread_mutex_unlock(&w->mu);
}
