/* writer: the one writer of a registry repository within a process.
 *
 * It owns one store handle and serialises every write: resolve the tip, the caller's
 * preconditions (If-Match, If-None-Match), the guard (schema, registry checks, rules of the
 * entry), the commit with compare-and-swap, then the caller's after-commit step (index,
 * snapshot), so writes of one process never race each other and the answer reflects what
 * the next read sees. Other processes (a git push, a second server) still meet
 * compare-and-swap: "main moved" re-runs the preconditions and the guard on the new tip;
 * "lock held" retries with backoff and jitter; both within a time budget. A lock older than
 * WRITER_STALE_LOCK_MS is a crashed writer's and is removed. */
#ifndef SUBREG_WRITER_H
#define SUBREG_WRITER_H
#include <stddef.h>
#include "diag.h"
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

/* Called with the lock held once the tip is known: existed says whether the entry is in the
 * tip, cur_blob its blob id ("" when absent). Return 0 to go on, or a status to stop with
 * (the API's 412 or 404) after writing why into why. */
typedef int (*writer_check_fn)(void *ctx, int existed, const char *cur_blob, char *why,
                               size_t n);
/* Called with the lock held after a commit (e.g. to catch up the index and the snapshot,
 * so that the next read sees the write), with the writer's store: the objects just
 * written are in its cache. Returns 0, or -1 after filling err (the commit stands; the
 * caller is told through writer_result.after_failed). */
typedef int (*writer_after_fn)(void *ctx, store *st, const char *commit, sr_err *err);

/* Called with the lock held once the tip is known: the caller's registry at that tip when
 * it has one (the guard then reads no other file), else NULL; release undoes it after the
 * guard ran. */
typedef const struct registry *(*writer_known_fn)(void *ctx, const char *tip);
typedef void (*writer_release_fn)(void *ctx);

typedef struct writer_req {
    const char *id;                /* the entry: subprocessors/<id>.xml */
    const char *data;              /* the new file, or NULL to remove it */
    size_t len;
    const store_author *who;
    const char *message;
    int day;                       /* the day the rules are checked as of */
    writer_known_fn known;         /* may be NULL */
    writer_release_fn release;     /* may be NULL */
    writer_check_fn check;         /* may be NULL */
    writer_after_fn after;         /* may be NULL */
    void *ctx;
} writer_req;

typedef enum {
    WRITE_DONE,       /* committed: commit, blob */
    WRITE_UNCHANGED,  /* the entry already holds this content: nothing committed */
    WRITE_REFUSED,    /* the check callback said no: status, why */
    WRITE_ABSENT,     /* removal of an entry that does not exist */
    WRITE_BLOCKED,    /* the guard refused it: the diagnostics say why */
    WRITE_BUSY,       /* other writers kept main moving or locked for the whole budget */
    WRITE_REJECTED,   /* the upstream refused the commit (a hook, branch protection): why */
    WRITE_OFFLINE     /* the upstream could not be reached: why */
} writer_outcome;

typedef struct writer_result {
    writer_outcome outcome;
    int status;                    /* WRITE_REFUSED: what the check returned */
    char why[256];                 /* WRITE_REFUSED, WRITE_BUSY: for a person */
    int existed;                   /* the entry was in the parent */
    char parent[STORE_OID_HEX];    /* the tip the write was checked against */
    char commit[STORE_OID_HEX];    /* WRITE_DONE: the new commit */
    char blob[STORE_OID_HEX];      /* WRITE_DONE: the new blob ("" on removal);
                                    * WRITE_UNCHANGED: the current blob */
    int after_failed;              /* WRITE_DONE, but the after step failed */
    unsigned retries;              /* ref moved or locked, retried */
    unsigned stale_locks;          /* stale locks removed on the way */
    unsigned push_waits;           /* 10 ms waits for a git push being applied */
} writer_result;

/* Open the writer of the repository at path. Returns 0, or -1 with err set. */
int writer_open(const char *path, const schemas *xs, writer **out, sr_err *err);
void writer_close(writer *w);
/* Make one write as described. Warnings (and, on WRITE_BLOCKED, the errors) go to d.
 * Returns 0 with res filled, or -1 with err set (nothing written to main). Thread-safe:
 * concurrent calls are serialised. */
int writer_write(writer *w, const writer_req *q, writer_result *res, diag_list *d,
                 sr_err *err);
/* Publish every commit with fn before main moves (store_set_publish; the upstream of
 * `serve --upstream`), and allow budget_ms for a write (retries included). A publish
 * returning STORE_CONFLICT is retried like a moved main: fn is expected to have brought
 * main up to date first. */
void writer_set_publish(writer *w, store_publish_fn fn, void *ctx, long budget_ms);
/* Remove main's lock when it is older than WRITER_STALE_LOCK_MS (a crashed writer's).
 * Returns 1 removed, 0 none, -1 (err set). Thread-safe. */
int writer_clear_stale_lock(writer *w, sr_err *err);
#endif
