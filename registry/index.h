/* index: the sqlite index of a registry repository. Derived, never a second truth: parsed
 * entries keyed by git blob id (an entry unchanged across commits is parsed once), the
 * first-parent commit list, per-entry change history, and query tables for the current
 * revision. Built from git on first use and caught up incrementally when main moves;
 * deleting the file loses nothing.
 *
 * One index_db per thread (sqlite connection); several processes and threads may share the
 * file (WAL mode; catch-up takes the write lock and re-checks). */
#ifndef SUBREG_INDEX_H
#define SUBREG_INDEX_H
#include <stddef.h>
#include <stdint.h>
#include "diag.h"
#include "entry.h"
#include "schema.h"
#include "store.h"

typedef struct index_db index_db;

struct sqlite3;
/* Open (creating it) the sqlite database at path, readable and writable by its owner only
 * (mode 0600), without ever opening the file otherwise (that would drop the process's
 * POSIX locks on it). Returns 0, or -1 with err set and *out NULL. */
int sqlite_open_private(const char *path, struct sqlite3 **out, sr_err *err);

/* Open (creating) the index file at path for the repository whose directory is repo_path;
 * an index made for another repository, or by another format version, is emptied. Returns
 * 0; SR_DAMAGED when the file is not a database or is damaged (move it aside: the index is
 * derived, a new one is built from git); or -1 with err set. */
int index_open(const char *path, const char *repo_path, index_db **out, sr_err *err);
/* How long a statement waits for another connection's lock before it fails with "database
 * is locked" (index_open sets 10 s, for command-line tools beside a server). */
void index_busy_timeout(index_db *db, int ms);
/* After a failed call: 1 when the failure comes from a damaged file (sqlite reports
 * corruption or a short read, a lock stays taken for the whole busy timeout, or its
 * quick_check fails), 0 when the file is sound. */
int index_damaged(index_db *db);
/* 1 when the file at path, opened earlier, is gone or cannot be a database any more
 * (empty, or not a whole number of pages: truncated under sqlite); 0 otherwise. Only
 * stat(): opening and closing the file would drop the process's sqlite locks. */
int index_file_cut(const char *path);
void index_close(index_db *db);
/* Index the commits of main not indexed yet. *added (may be NULL) receives the number of
 * new commits. History rewritten under the index (the indexed tip is no longer on main's
 * first-parent line) rebuilds it. fresh (may be NULL): an entry the caller parsed, whose blob
 * field is set (a write's, guard_commit): indexed from it instead of parsing that blob again.
 * Returns 0 or -1. */
int index_catch_up(index_db *db, store *s, const schemas *xs, entry *fresh, size_t *added,
                   sr_err *err);
/* Empty the index and build it again from git. Returns 0 or -1. */
int index_rebuild(index_db *db, store *s, const schemas *xs, sr_err *err);
/* The last indexed commit (40 hex), "" when empty. */
const char *index_tip(const index_db *db);

typedef struct index_change {
    char commit[STORE_OID_HEX];
    int64_t time;
    char *author, *email, *message;
    char status;                     /* A, M, D */
    char *id;
    char old_blob[STORE_OID_HEX], new_blob[STORE_OID_HEX];
    char *summary_public, *summary_internal; /* summary_change's lines, made at indexing */
} index_change;

/* Entry changes, newest first: of entry id (NULL: every entry), in commits made after the
 * commit `after` (40 hex, or NULL) and at or after time `since` (0: no bound), at most limit
 * of them (0: no bound). Free with index_changes_free. Returns 0, STORE_NOTFOUND (after is
 * not an indexed commit), -1. */
int index_changes(index_db *db, const char *id, const char *after, int64_t since, size_t limit,
                  index_change **out, size_t *n, sr_err *err);
void index_changes_free(index_change *c, size_t n);
/* Drop the changes of revisions st marks refused (store_mark_refused) from ch[0..*n) in
 * place: history, the feed and the page never show a revision that is not served. st may be
 * NULL (nothing dropped). */
void index_drop_refused(store *st, index_change *ch, size_t *n);
/* Free what one change owns (its strings), leaving the array to index_changes_free. */
void index_changes_free_one(index_change *c);
/* The first indexed commit (the registry's first) into out, "" when the index is empty.
 * Returns 0 or -1. */
int index_first(index_db *db, char out[STORE_OID_HEX], sr_err *err);
/* The one-line summary of change c ("Added: ...", "Changed: id: ..."; summary_change),
 * public_only as there: stored when the change was indexed. Owned by c; never NULL. */
const char *index_change_summary(const index_change *c, int public_only);
/* The newest indexed commit whose commit time is before t (seconds since the epoch): the
 * registry as it stood then. Returns 0, STORE_NOTFOUND (none that old), -1. */
int index_revision_before(index_db *db, int64_t t, char out[STORE_OID_HEX], sr_err *err);
#endif
