/* store: the registry's git repository through libgit2, without a work tree.
 *
 * git is the only truth. Reads happen on a snapshot (one commit and its tree); writes make
 * exactly one commit on refs/heads/main with compare-and-swap against an expected parent.
 * A store handle belongs to one thread (libgit2's rule: one git_repository per thread). */
#ifndef SUBREG_STORE_H
#define SUBREG_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "diag.h"

#define STORE_REF "refs/heads/main"
#define STORE_OID_HEX 41 /* 40 hex digits and a NUL */

typedef struct store store;
typedef struct store_snap store_snap;

/* Return codes beside 0 and -1 (err set). */
#define STORE_NOTFOUND 1   /* no such revision, file or entry */
#define STORE_CONFLICT 2   /* the ref moved or is locked: re-read and retry */

/* Call once in main before threads: git_libgit2_init and durable writes (fsync). */
int store_global_init(sr_err *err);
void store_global_shutdown(void);

/* Open the repository at path (bare, or a work tree's .git). from_env = 1 opens the way a
 * git hook must (GIT_DIR, GIT_OBJECT_DIRECTORY and the quarantine's alternates from the
 * environment). Returns 0, or -1 with err set. Free with store_close. */
int store_open(const char *path, int from_env, store **out, sr_err *err);
void store_close(store *s);
/* 1 when path looks like a git repository (bare or with .git), else 0. */
int store_is_repo(const char *path);
/* 1 when the repository is bare. */
int store_is_bare(const store *s);

/* Resolve rev (NULL or "" = refs/heads/main, else anything git rev-parse takes that names a
 * commit) to a 40-hex commit id. Returns 0, STORE_NOTFOUND, or -1. */
int store_resolve(store *s, const char *rev, char out[STORE_OID_HEX], sr_err *err);

/* A snapshot of one commit's tree. Returns 0, STORE_NOTFOUND, or -1. Free with
 * store_snap_free before the store is closed. */
int store_snap_open(store *s, const char *rev, store_snap **out, sr_err *err);
void store_snap_free(store_snap *snap);
/* The snapshot's commit id (40 hex). */
const char *store_snap_commit(const store_snap *snap);
/* Read the file at path. On 0 *data is malloc'd (NUL-terminated, caller frees) and *len
 * set; blob_hex (may be NULL) receives the blob id. Returns 0, STORE_NOTFOUND, or -1. */
int store_snap_read(store_snap *snap, const char *path, char **data, size_t *len,
                    char *blob_hex, sr_err *err);

typedef struct store_item {
    char *name;                 /* file name within the directory */
    char blob[STORE_OID_HEX];
} store_item;
/* List the regular files directly in dir (sorted by name). *items is malloc'd; free it
 * with store_items_free. A missing dir gives 0 items. Returns 0 or -1. */
int store_snap_list(store_snap *snap, const char *dir, store_item **items, size_t *n,
                    sr_err *err);
void store_items_free(store_item *items, size_t n);
#endif
