/* snapshot: everything the server answers for one revision of main, computed once when the
 * ref moves and shared read-only by all request threads (reference counted): the parsed
 * registry, each entry's JSON in both views, the default lists with their ETags, and the
 * findings as of the day it was built. */
#ifndef SUBREG_SNAPSHOT_H
#define SUBREG_SNAPSHOT_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "../registry/diag.h"
#include "../registry/registry.h"
#include "../registry/schema.h"
#include "../registry/store.h"

typedef struct snapshot {
    atomic_int refs;
    char rev[STORE_OID_HEX];
    int64_t commit_time;
    registry *reg;
    char **json[2];          /* per entry, [0] public, [1] internal */
    size_t *json_len[2];
    char *list[2];           /* default list (planned + active) */
    size_t list_len[2];
    char etag[2][48];        /* of the default lists */
    size_t errors, warnings; /* unwaived findings as of `day` */
    int day;
} snapshot;

/* Build the snapshot of revision rev (40 hex) of s. Returns it with one reference, or NULL
 * with err set. */
snapshot *snapshot_build(store *s, const schemas *xs, const char *rev, sr_err *err);
/* Take / drop a reference; the last drop frees. */
snapshot *snapshot_ref(snapshot *sn);
void snapshot_unref(snapshot *sn);
/* The list body for the entries matching f, in view (0 public, 1 internal): malloc'd,
 * length in *len. NULL when out of memory. */
char *snapshot_list(const snapshot *sn, const void *filter, int view, size_t *len);
#endif
