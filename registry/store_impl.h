/* store_impl.h: what the parts of the git store (store.c, store_write.c, store_history.c,
 * store_refs.c) share; nothing outside registry/store*.c includes it. */
#ifndef SUBREG_STORE_IMPL_H
#define SUBREG_STORE_IMPL_H
#include <git2.h>
#include "store.h"

struct store {
    git_repository *repo;
    /* The raw tree object of the directory the last write produced: the next write to the
     * same directory starts from it instead of reading (inflating and hash-checking) it
     * again, which was most of a write's cost in a big registry. Content-addressed, so a
     * cached id always has this content. */
    git_oid raw_id;
    char *raw;
    size_t raw_len;
    uint32_t *offs;     /* where each entry of raw starts: the next write finds its place */
    size_t noffs;       /* by binary search instead of scanning 10,000 entries */
    store_publish_fn publish; /* see store_set_publish */
    void *publish_ctx;
};

struct store_snap {
    store *s;
    git_commit *commit;
    git_tree *tree;
    char id[STORE_OID_HEX];
};

/* Fill err with what (a path, a revision, an action) and libgit2's last error. */
void store_git_fail(sr_err *err, const char *what);
/* rev (NULL or "": main) to the commit it names: 0, STORE_NOTFOUND, or -1 (err set). */
int store_resolve_oid(store *s, const char *rev, git_oid *oid, sr_err *err);
#endif
