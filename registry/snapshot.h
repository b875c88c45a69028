/* snapshot: everything the server answers for one revision of main, computed when the ref
 * moves and shared read-only by all request threads (reference counted): the parsed
 * registry with each entry's JSON in both views, the default lists with their ETags and
 * the counts of findings (both computed on first use).
 *
 * A snapshot is built from the previous one when only subprocessors/ or customers/ changed:
 * unchanged entries (same git blob) are shared, only changed files are parsed and rendered,
 * so a write into a registry of 10,000 entries does not re-read the other 9,999 (an
 * objection committed to a customer's file re-reads only the customers). */
#ifndef SUBREG_SNAPSHOT_H
#define SUBREG_SNAPSHOT_H
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "diag.h"
#include "registry.h"
#include "schema.h"
#include "store.h"

typedef struct snapshot {
    atomic_int refs;
    char rev[STORE_OID_HEX];
    registry *reg;           /* every entry rendered (entry_render) */
    pthread_mutex_t list_mu; /* guards list[] */
    char *list[VIEW_COUNT];  /* default list (planned + active) per entry_view */
    size_t list_len[VIEW_COUNT];
    char etag[VIEW_COUNT][48]; /* of the default lists */
    int counted;             /* errors/warnings computed (under list_mu) */
    size_t errors, warnings; /* unwaived findings as of `day` */
    int day;
    int incremental;         /* 1 when built from a previous snapshot */
    pthread_mutex_t cache_mu;/* guards the response cache */
    struct snapshot_resp *cache;
    size_t ncache, cache_bytes;
} snapshot;

/* Where a background thread (the notices, the upstream's follower) finds revisions and says
 * what happened, handed down by whoever serves them: the thread never reaches into the
 * server. current: the served snapshot, referenced, or NULL while none. at: the snapshot
 * of revision rev (40 hex), referenced, or NULL with err set. log: one line, without a
 * newline. thread_done: called by a background thread as it ends (its per-thread handles). */
typedef struct snapshot_source {
    void *ctx;
    snapshot *(*current)(void *ctx);
    snapshot *(*at)(void *ctx, const char *rev, sr_err *err);
    void (*log)(void *ctx, const char *line);
    void (*thread_done)(void);
} snapshot_source;

/* Build the snapshot of revision rev (40 hex) of s, from prev (may be NULL) when only
 * subprocessors/ or customers/ changed since. fresh (may be NULL): an entry the caller parsed and checked,
 * whose blob field is set (a write's, guard_commit): used for that blob instead of parsing it
 * again, and shared (entry_ref). Returns it with one reference, or NULL with err set. */
snapshot *snapshot_build(store *s, const schemas *xs, const char *rev, const snapshot *prev,
                         entry *fresh, sr_err *err);
/* Take / drop a reference; the last drop frees. */
snapshot *snapshot_ref(snapshot *sn);
void snapshot_unref(snapshot *sn);
/* The default list in view (entry_view), rendered on first use; valid while the
 * caller holds its reference. NULL when out of memory. */
const char *snapshot_default_list(snapshot *sn, int view, size_t *len);
/* The unwaived error and warning findings of the snapshot as of the day it was first asked
 * (computed on first use: it costs a pass of the rules over every entry). */
void snapshot_findings(snapshot *sn, size_t *errors, size_t *warnings);
/* Responses computed for this revision, kept until the snapshot goes (bounded: 512
 * responses, 16 MiB). get: 1 with the stored body, etag and content type (valid while the
 * caller holds its reference), 0 when absent. put: copies; silently skips when full. */
int snapshot_cache_get(snapshot *sn, const char *key, const char **body, size_t *len,
                       const char **etag, const char **ctype);
void snapshot_cache_put(snapshot *sn, const char *key, const char *body, size_t len,
                        const char *etag, const char *ctype);
/* The list body for the entries matching filter (an export_filter), malloc'd, length in
 * *len. NULL when out of memory. */
char *snapshot_list(const snapshot *sn, const void *filter, int view, size_t *len);
#endif
