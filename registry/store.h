/* store: the registry's git repository through libgit2, without a work tree.
 *
 * git is the only truth. Reads happen on a snapshot (one commit and its tree); writes make
 * exactly one commit on refs/heads/main with compare-and-swap against an expected parent.
 * A store handle belongs to one thread (libgit2's rule: one git_repository per thread).
 * The implementation is in four files: store.c (open, read), store_write.c (commits, the
 * tree splice; tests/unit/test_splice.c compares the splice with libgit2's tree builder),
 * store_history.c (walks, diffs) and store_refs.c (locks, push marks, refs). */
#ifndef SUBREG_STORE_H
#define SUBREG_STORE_H
#include <stddef.h>
#include <stdint.h>
#include "diag.h"

#define STORE_REF "refs/heads/main"
#define STORE_OID_HEX 41 /* 40 hex digits and a NUL */

typedef struct store store;
/* A commit's tree opened for reading files (store_snap_*): git objects only. Not to be
 * confused with the server's snapshot (snapshot.h), a revision parsed and rendered. */
typedef struct store_snap store_snap;

/* Return codes beside 0 and -1 (err set): the library's SR_ codes (diag.h). */
#define STORE_NOTFOUND SR_NOTFOUND /* no such revision, file or entry */
#define STORE_CONFLICT SR_CONFLICT /* main moved from the expected parent: re-read and retry */
#define STORE_LOCKED SR_LOCKED     /* main's lock is held by another writer: retry shortly */
#define STORE_REJECTED SR_REJECTED /* the upstream refused the update: err has its message */
#define STORE_OFFLINE SR_OFFLINE   /* the upstream could not be reached */
#define STORE_UPSTREAM_REF "refs/subreg/upstream" /* the upstream's main, as last fetched */

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
/* 1 when the repository is a shallow clone (history cut short), else 0. */
int store_is_shallow(store *s);

/* Resolve rev (NULL or "" = refs/heads/main, else anything git rev-parse takes that names a
 * commit) to a 40-hex commit id. Returns 0, STORE_NOTFOUND, or -1. */
int store_resolve(store *s, const char *rev, char out[STORE_OID_HEX], sr_err *err);

/* Open the tree of commit rev for reading. Returns 0, STORE_NOTFOUND, or -1. Free with
 * store_snap_free before the store is closed. */
int store_snap_open(store *s, const char *rev, store_snap **out, sr_err *err);
void store_snap_free(store_snap *snap);
/* The snapshot's commit id (40 hex). */
const char *store_snap_commit(const store_snap *snap);
/* Read the file at path. On 0 *data is malloc'd (NUL-terminated, caller frees) and *len
 * set; blob_hex (may be NULL) receives the blob id. Returns 0, STORE_NOTFOUND, or -1. */
int store_snap_read(store_snap *snap, const char *path, char **data, size_t *len,
                    char *blob_hex, sr_err *err);

/* The size of the file at path, read from the object's header without inflating it.
 * Returns 0, STORE_NOTFOUND, or -1. */
int store_snap_size(store_snap *snap, const char *path, size_t *size, sr_err *err);
/* The blob id of the file at path into out ("" when absent). Returns 0 or STORE_NOTFOUND. */
int store_snap_blob_id(store_snap *snap, const char *path, char out[STORE_OID_HEX]);

typedef struct store_item {
    char *name;                 /* file name within the directory */
    char blob[STORE_OID_HEX];
} store_item;
/* List the regular files directly in dir (sorted by name). *items is malloc'd; free it
 * with store_items_free. A missing dir gives 0 items. Returns 0 or -1. */
int store_snap_list(store_snap *snap, const char *dir, store_item **items, size_t *n,
                    sr_err *err);
void store_items_free(store_item *items, size_t n);

/* ---- writing ---- */

typedef struct store_change {
    const char *path;   /* "subprocessors/aws.xml" */
    const char *data;   /* new contents, or NULL to remove the file */
    size_t len;
    char *blob_out;     /* may be NULL: receives the new contents' blob id (40 hex), written
                         * once the blob is stored, whatever store_commit returns then */
} store_change;

typedef struct store_author {
    const char *name, *email;
    int64_t when;       /* seconds since the epoch; 0 = now */
} store_author;

/* Create a bare repository at path whose HEAD names refs/heads/main, with one commit holding
 * the files of changes, and install hooks/pre-receive running `hook_cmd hook pre-receive`
 * (hook_cmd: subreg's absolute path; NULL: no hook). Refuses (-1, err set) when path
 * already holds a repository. Returns 0 with the commit id in commit_out. */
int store_init(const char *path, const store_change *changes, size_t n, const store_author *who,
               const char *message, const char *hook_cmd, char commit_out[STORE_OID_HEX],
               sr_err *err);

/* One commit on refs/heads/main applying changes to the tree of expected_parent (40 hex;
 * NULL or "" = the current tip), with compare-and-swap: if main no longer points at
 * expected_parent, nothing is changed and STORE_CONFLICT is returned; if another writer
 * holds main's lock, STORE_LOCKED (the objects are written, the ref is not: retry). A change that leaves the tree as it was gives
 * STORE_NOTFOUND ("nothing to commit"). Objects and the ref are fsynced before 0 is
 * returned (see store_global_init). Returns 0 with the new commit id in commit_out. */
int store_commit(store *s, const char *expected_parent, const store_change *changes, size_t n,
                 const store_author *who, const char *message, char commit_out[STORE_OID_HEX],
                 sr_err *err);

/* ---- history ---- */

typedef struct store_commit_info {
    char id[STORE_OID_HEX];
    char parent[STORE_OID_HEX];   /* first parent, "" for a root commit */
    const char *author, *email, *message;  /* valid during the callback only */
    int64_t time;                 /* commit time, seconds since the epoch */
} store_commit_info;

/* Walk first-parent history from rev (NULL = main) back to, not including, stop (40 hex or
 * NULL), newest first, calling cb for each commit; cb returns non-zero to stop early.
 * Returns 0, STORE_NOTFOUND when stop was given but never reached (history rewritten), or
 * -1. */
int store_walk(store *s, const char *rev, const char *stop,
               int (*cb)(const store_commit_info *c, void *ctx), void *ctx, sr_err *err);

typedef struct store_delta {
    char status;                  /* 'A' added, 'M' modified, 'D' deleted */
    char *name;                   /* file name inside dir */
    char old_blob[STORE_OID_HEX]; /* "" when added */
    char new_blob[STORE_OID_HEX]; /* "" when deleted */
} store_delta;

/* The files of dir that differ between commits old_id ("" or NULL = nothing, all added) and
 * new_id, sorted by name. Free with store_deltas_free. Returns 0 or -1. */
int store_diff(store *s, const char *old_id, const char *new_id, const char *dir,
               store_delta **out, size_t *n, sr_err *err);
void store_deltas_free(store_delta *d, size_t n);
/* Read a blob by id into a malloc'd NUL-terminated buffer. Returns 0, STORE_NOTFOUND, -1. */
int store_read_blob(store *s, const char *blob_hex, char **data, size_t *len, sr_err *err);
/* The commits reachable from to but not from from_excl (NULL or "": every one), newest
 * first, each given to cb with its id and the first line of its message (valid during the
 * call); cb returns non-zero to stop. Returns 0 or -1. */
int store_range(store *s, const char *from_excl, const char *to,
                int (*cb)(const char *id, const char *summary, void *ctx), void *ctx,
                sr_err *err);

/* One entry of a tree, for store_snap_walk. */
typedef struct store_tree_item {
    const char *path;   /* "subprocessors/aws.xml" (valid during the callback) */
    unsigned mode;      /* git file mode: 0100644, 0100755, 0120000 (link), 0160000 (gitlink), 040000 */
    char type;          /* 'b' blob, 't' tree, 'c' commit (gitlink) */
} store_tree_item;
/* Every entry of the snapshot's tree, a directory before its contents; cb returns non-zero
 * to stop. Returns 0 or -1. */
int store_snap_walk(store_snap *snap, int (*cb)(const store_tree_item *it, void *ctx), void *ctx,
                    sr_err *err);

/* 1 when commit a is b or descends from b; 0 when not; -1 on error. */
int store_descends(store *s, const char *a, const char *b, sr_err *err);
/* The merge base of a and b into out. Returns 0, STORE_NOTFOUND (none), or -1. */
int store_merge_base(store *s, const char *a, const char *b, char out[STORE_OID_HEX],
                     sr_err *err);
/* The blob id git gives len bytes of data (no repository needed). Returns 0 or -1. */
int store_hash_blob(const char *data, size_t len, char out[STORE_OID_HEX]);
/* Remove refs/heads/main.lock when it is older than max_age seconds: a writer that
 * crashed between taking the lock and moving the ref leaves it behind, and every later
 * write would fail as locked (git itself leaves such files to a person). Writers hold the
 * lock for milliseconds, so an old one is stale. Returns 1 removed, 0 none, -1 (err set). */
int store_clear_stale_lock(store *s, int max_age, sr_err *err);
/* Age in milliseconds of refs/heads/main.lock, or -1 when there is none. */
long store_lock_age_ms(store *s);
/* Pushes in progress. A git push is checked by the pre-receive hook (about half a second)
 * and then moves main only if main did not move meanwhile: API writes landing during every
 * hook would starve pushes for ever. So the hook marks its receive-pack (the hook's parent
 * process) in STORE_PUSH_DIR of the repository, and writers hold off while a marked
 * receive-pack still runs (store_push_pending), bounded by the writer.
 * store_push_begin: mark the caller's parent process. Returns 0 or -1 (err set).
 * store_push_end: remove the mark (a refused push has nothing to protect).
 * store_push_lost: a push found main moved by an API write since the pusher fetched (it
 * would fail at the ref update): writers then hold off for STORE_PUSH_GRACE_MS, so that the
 * pusher's pull and push again go through.
 * store_push_pending: 1 when a marked receive-pack is still running (marks of ended ones
 * and marks older than STORE_PUSH_MAX_S are removed on the way) or a lost push's grace
 * runs, 0 when neither. */
#define STORE_PUSH_DIR "subreg-pushes"
#define STORE_PUSH_MAX_S 30
#define STORE_PUSH_GRACE_MS 1500
int store_push_begin(store *s, sr_err *err);
void store_push_end(store *s);
void store_push_lost(store *s);
int store_push_pending(store *s);
/* The repository's directory (the .git directory for a work tree). */
const char *store_path(const store *s);

/* ---- an upstream remote (a repository on GitHub, GitLab, a git daemon, a directory) ---- */

/* How to authenticate to the upstream: an HTTPS token (with user, default
 * "x-access-token"), or an SSH key file (passphrase may be NULL); else the SSH agent. Any
 * member may be NULL. */
typedef struct store_remote_auth {
    const char *user, *token, *ssh_key, *ssh_pass;
} store_remote_auth;

/* The network operations run the git command line within deadline_ms (registry/remote.c,
 * gitcli.c): a stalled upstream costs at most the deadline, never a hang.
 * Clone url's main into a new bare repository at path. Returns 0, STORE_OFFLINE or -1. */
int store_clone_bare(const char *url, const char *path, const store_remote_auth *a, long deadline_ms,
                     sr_err *err);
/* Fetch url's main into STORE_UPSTREAM_REF; tip gets its commit. Returns 0, STORE_NOTFOUND
 * (the upstream has no main), STORE_OFFLINE (err says why; also at the deadline) or -1. */
int store_fetch(store *s, const char *url, const store_remote_auth *a, long deadline_ms,
                char tip[STORE_OID_HEX], sr_err *err);
/* Update url's main to commit with a lease: only if the upstream's main is still expected
 * (the commit the change was made on; receive-pack checks it atomically). Returns 0
 * (accepted; also when the connection broke after the upstream applied it), STORE_CONFLICT
 * (the upstream's main moved or another push holds it: fetch and re-apply), STORE_REJECTED
 * (refused by the upstream: err holds its message), STORE_OFFLINE or -1. */
int store_push(store *s, const char *url, const store_remote_auth *a, const char *commit, const char *expected,
               long deadline_ms, sr_err *err);
/* Move main from expected_old to new_id (compare-and-swap). Returns 0, STORE_CONFLICT,
 * STORE_LOCKED or -1. */
int store_set_main(store *s, const char *expected_old, const char *new_id, sr_err *err);

/* Revisions that failed the registry's checks and are never served (an invalid commit an
 * upstream took, repaired later): marked by a ref refs/subreg/refused/ID. mark: 0 or -1;
 * is_refused: 1 when marked, else 0. */
int store_mark_refused(store *s, const char *id, sr_err *err);
int store_is_refused(store *s, const char *id);
/* 1 when any revision is marked refused, else 0: spares a lookup per change when none is. */
int store_any_refused(store *s);
/* Point the ref name (refs/subreg/...) at id, creating or replacing it (to keep commits that
 * main no longer reaches). Returns 0 or -1. */
int store_keep_ref(store *s, const char *name, const char *id, sr_err *err);

/* Called by store_commit after the commit object is written and before main moves: where
 * main has to reach another repository first (the upstream). Returns 0 to move main, or a
 * code store_commit then returns (main unmoved): STORE_CONFLICT, STORE_REJECTED,
 * STORE_OFFLINE, -1, with err set. */
typedef int (*store_publish_fn)(void *ctx, store *s, const char *commit, const char *parent,
                                sr_err *err);
/* Set (or with fn NULL, clear) the publish step of this handle's commits. */
void store_set_publish(store *s, store_publish_fn fn, void *ctx);
#endif
