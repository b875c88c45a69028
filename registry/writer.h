/* writer: the one writer of a registry repository within a process.
 *
 * It owns one store handle and serialises every write: resolve the tip, the caller's
 * preconditions (If-Match, If-None-Match), the guard (registry checks and rules of the entry
 * the caller parsed once), the commit with compare-and-swap, then the caller's catch-up
 * (index, snapshot), all while the writer is held (writer_begin ... writer_end), so writes of one process never race each other and the answer reflects what
 * the next read sees. Other processes (a git push, a second server) still meet
 * compare-and-swap: "main moved" re-runs the preconditions and the guard on the new tip;
 * "lock held" retries with backoff and jitter; both within a time budget. A lock older than
 * WRITER_STALE_LOCK_MS is a crashed writer's and is removed. */
#ifndef SUBREG_WRITER_H
#define SUBREG_WRITER_H
#include <stddef.h>
#include "diag.h"
#include "guard.h"
#include "schema.h"
#include "store.h"

struct registry;

/* A ref update takes milliseconds; a lock this old was left by a writer that died. */
#define WRITER_STALE_LOCK_MS 5000
/* How long one write may wait for other processes' writes (like git's
 * core.filesRefLockTimeout). */
#define WRITER_BUDGET_MS 2000
/* At most this long per write, the writer holds off while a git push that passed its hook
 * is being applied (store_push_pending): pushes make progress under a stream of API writes. */
#define WRITER_PUSH_WAIT_MS 5000

typedef struct writer writer;

typedef enum {
    WRITE_DONE,       /* committed: commit, blob */
    WRITE_UNCHANGED,  /* the entry already holds this content: nothing committed */
    WRITE_REFUSED,    /* the caller's own preconditions said no (writer_commit never says it) */
    WRITE_ABSENT,     /* removal of an entry that does not exist */
    WRITE_BLOCKED,    /* the guard refused it: the diagnostics say why */
    WRITE_MOVED,      /* another process moved main: parent, existed and blob were read
                       * again; check the preconditions against them and commit again */
    WRITE_BUSY,       /* other writers kept main moving or locked for the whole budget */
    WRITE_REJECTED,   /* the upstream refused the commit (a hook, branch protection): why */
    WRITE_OFFLINE     /* the upstream could not be reached: why */
} writer_outcome;

typedef struct writer_result {
    writer_outcome outcome;
    int status;                    /* WRITE_REFUSED: the caller's status */
    char why[256];                 /* WRITE_REFUSED, WRITE_BUSY, ...: for a person */
    int existed;                   /* the entry is in the parent */
    char parent[STORE_OID_HEX];    /* the tip the write is checked against */
    char commit[STORE_OID_HEX];    /* WRITE_DONE: the new commit */
    char blob[STORE_OID_HEX];      /* the entry's blob in the parent ("" when absent);
                                    * WRITE_DONE: the new blob ("" on removal) */
    int after_failed;              /* WRITE_DONE, but the caller's step after it failed */
    unsigned retries;              /* ref moved or locked, retried */
    unsigned stale_locks;          /* stale locks removed on the way */
    unsigned push_waits;           /* 10 ms waits for a git push being applied */
} writer_result;

/* Open the writer of the repository at path. Returns 0, or -1 with err set. */
int writer_open(const char *path, const schemas *xs, writer **out, sr_err *err);
void writer_close(writer *w);
/* A write reads straight down, on one thread:
 *
 *     writer_begin(w, id, &res, err);          the writer is held; res: parent, existed, blob
 *     do {
 *         the caller's preconditions on res (If-Match ...), else WRITE_REFUSED: stop
 *         writer_commit(w, &change, known, &res, d, err);
 *     } while (res.outcome == WRITE_MOVED);
 *     on WRITE_DONE: catch up what reads see, with writer_store(w)
 *     writer_end(w);
 *
 * writer_begin takes the writer (one write at a time in the process), lets a git push that
 * passed its hook go first (at most WRITER_PUSH_WAIT_MS) and reads the tip: the entry
 * subprocessors/<id>.xml's presence and blob there. Returns 0 with the writer held, or -1
 * with err set (not held). */
int writer_begin(writer *w, const char *id, writer_result *res, sr_err *err);
/* writer_begin for the file dir/<id>.xml: dir "subprocessors" (writer_begin) or "customers"
 * (a change with customer = 1). Same contract. */
int writer_begin_at(writer *w, const char *dir, const char *id, writer_result *res, sr_err *err);
/* Check and commit c (guard_commit) on res->parent; c's entry must be writer_begin's. known
 * (may be NULL) is the caller's registry at res->parent. Warnings (and, on WRITE_BLOCKED, the
 * errors) go to d. Returns 0 with res->outcome set (WRITE_MOVED: read again, as above; the
 * findings of the round were dropped from d), or -1 with err set (nothing written to main).
 * The writer stays held either way. */
int writer_commit(writer *w, const guard_change *c, const struct registry *known,
                  writer_result *res, diag_list *d, sr_err *err);
/* The writer's store, while held: the objects just written are in its cache (to catch up the
 * index and the snapshot without reading them again). */
store *writer_store(writer *w);
/* Let the writer go. */
void writer_end(writer *w);
/* Publish every commit with fn before main moves (store_set_publish; the upstream of
 * `serve --upstream`), and allow budget_ms for a write (retries included). A publish
 * returning STORE_CONFLICT is retried like a moved main: fn is expected to have brought
 * main up to date first. */
void writer_set_publish(writer *w, store_publish_fn fn, void *ctx, long budget_ms);
/* Remove main's lock when it is older than WRITER_STALE_LOCK_MS (a crashed writer's).
 * Returns 1 removed, 0 none, -1 (err set). Thread-safe. */
int writer_clear_stale_lock(writer *w, sr_err *err);
#endif
