/* source: where a registry is read from, behind one interface: a plain directory, a git
 * work tree (its files as they are on disk), or a git repository at a revision (bare
 * repositories always; work trees when a revision is asked for). */
#ifndef SUBREG_SOURCE_H
#define SUBREG_SOURCE_H
#include <stddef.h>
#include "diag.h"
#include "store.h"

typedef struct source source;

/* Open path. rev (or NULL) selects a revision and needs a git repository. A bare repository
 * without rev reads refs/heads/main. Returns 0, STORE_NOTFOUND (no such path or revision),
 * or -1; err set on failure. Free with source_close. */
int source_open(const char *path, const char *rev, source **out, sr_err *err);
/* Wrap an open store snapshot (not owned: it must outlive the source). */
int source_from_snap(store_snap *snap, source **out, sr_err *err);
void source_close(source *src);
/* Read relpath ("registry.xml", "subprocessors/x.xml"). On 0, *data is malloc'd and
 * NUL-terminated (caller frees); blob_hex receives the git blob id when reading from git
 * (else ""), and may be NULL. Returns 0, STORE_NOTFOUND, or -1. Files over max bytes fail
 * with -1 and a message naming the limit. */
int source_read(source *src, const char *relpath, size_t max, char **data, size_t *len,
                char *blob_hex, sr_err *err);
/* Read the file at path (not in any registry) into a malloc'd NUL-terminated buffer, at
 * most max bytes (0: no cap). Returns 0, STORE_NOTFOUND, or -1 with err set (naming path). */
int source_read_path(const char *path, size_t max, char **data, size_t *len, sr_err *err);
/* The *.xml file names directly in dir, sorted; free with source_names_free. Returns 0 or -1. */
int source_list(source *src, const char *dir, char ***names, size_t *n, sr_err *err);
void source_names_free(char **names, size_t n);
/* How file paths are shown to a person: the directory as given plus "/" for directories
 * ("data/seed/"), "" for git revisions (paths inside the repository). */
const char *source_prefix(const source *src);
/* The commit id when reading from git, else NULL. */
const char *source_revision(const source *src);
#endif
