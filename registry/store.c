/* The git store: opening a repository, reading a commit's tree (store_snap). Writing is in
 * store_write.c, history in store_history.c, locks, push marks and refs in store_refs.c. */
#include "store_impl.h"
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void store_git_fail(sr_err *err, const char *what)
{
    const git_error *e = git_error_last();

    sr_err_set(err, "%s: %s", what, e && e->message ? e->message : "unknown git error");
}

int store_global_init(sr_err *err)
{
    if (git_libgit2_init() < 0) {
        store_git_fail(err, "cannot initialise libgit2");
        return -1;
    }
    /* A write that returned success must survive a crash: fsync objects, refs and index. */
    git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
    /* Keep large trees (subprocessors/ of a big registry is ~44 bytes an entry) in
     * libgit2's object cache: by default trees over 4 KiB are parsed again on every read. */
    git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, (int)GIT_OBJECT_TREE, (size_t)4 << 20);
    return 0;
}

void store_global_shutdown(void)
{
    git_libgit2_shutdown();
}

int store_is_repo(const char *path)
{
    char p[4096];
    struct stat st;

    snprintf(p, sizeof(p), "%s/.git", path);
    if (stat(p, &st) == 0)
        return 1;
    snprintf(p, sizeof(p), "%s/HEAD", path);
    if (stat(p, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    snprintf(p, sizeof(p), "%s/objects", path);
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int store_open(const char *path, int from_env, store **out, sr_err *err)
{
    store *s = calloc(1, sizeof(*s));
    int rc;

    *out = NULL;
    if (!s) {
        sr_err_set(err, "out of memory");
        return -1;
    }
    if (from_env)
        rc = git_repository_open_ext(&s->repo, NULL, GIT_REPOSITORY_OPEN_FROM_ENV, NULL);
    else
        rc = git_repository_open_ext(&s->repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
    if (rc < 0) {
        store_git_fail(err, path ? path : "repository");
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

int store_is_shallow(store *s)
{
    return git_repository_is_shallow(s->repo) == 1;
}

void store_close(store *s)
{
    if (!s)
        return;
    free(s->raw);
    free(s->offs);
    git_repository_free(s->repo);
    free(s);
}

int store_is_bare(const store *s)
{
    return git_repository_is_bare(s->repo);
}

int store_resolve_oid(store *s, const char *rev, git_oid *oid, sr_err *err)
{
    git_object *obj = NULL;
    git_object *peeled = NULL;
    int rc;

    if (!rev || !*rev)
        rev = STORE_REF;
    rc = git_revparse_single(&obj, s->repo, rev);
    if (rc == GIT_ENOTFOUND || rc == GIT_EAMBIGUOUS || rc == GIT_EINVALIDSPEC) {
        sr_err_set(err, "no revision %s in the repository", rev);
        return STORE_NOTFOUND;
    }
    if (rc < 0) {
        store_git_fail(err, rev);
        return -1;
    }
    rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
    git_object_free(obj);
    if (rc < 0) {
        sr_err_set(err, "%s does not name a commit", rev);
        return STORE_NOTFOUND;
    }
    git_oid_cpy(oid, git_object_id(peeled));
    git_object_free(peeled);
    return 0;
}

int store_resolve(store *s, const char *rev, char out[STORE_OID_HEX], sr_err *err)
{
    git_oid oid;
    int rc = store_resolve_oid(s, rev, &oid, err);

    if (rc == 0)
        git_oid_tostr(out, STORE_OID_HEX, &oid);
    return rc;
}

int store_snap_open(store *s, const char *rev, store_snap **out, sr_err *err)
{
    store_snap *snap = calloc(1, sizeof(*snap));
    git_oid oid;
    int rc;

    *out = NULL;
    if (!snap) {
        sr_err_set(err, "out of memory");
        return -1;
    }
    snap->s = s;
    rc = store_resolve_oid(s, rev, &oid, err);
    if (rc != 0)
        goto fail;
    if (git_commit_lookup(&snap->commit, s->repo, &oid) < 0 ||
        git_commit_tree(&snap->tree, snap->commit) < 0) {
        store_git_fail(err, "cannot read commit");
        rc = -1;
        goto fail;
    }
    git_oid_tostr(snap->id, sizeof(snap->id), &oid);
    *out = snap;
    return 0;
fail:
    store_snap_free(snap);
    return rc;
}

void store_snap_free(store_snap *snap)
{
    if (!snap)
        return;
    git_tree_free(snap->tree);
    git_commit_free(snap->commit);
    free(snap);
}

const char *store_snap_commit(const store_snap *snap)
{
    return snap->id;
}

int store_snap_size(store_snap *snap, const char *path, size_t *size, sr_err *err)
{
    git_tree_entry *te = NULL;
    git_odb *odb = NULL;
    git_object_t type;
    size_t n = 0;
    int rc = -1;

    *size = 0;
    if (git_tree_entry_bypath(&te, snap->tree, path) < 0 ||
        git_tree_entry_type(te) != GIT_OBJECT_BLOB) {
        sr_err_set(err, "%s: not a file in revision %.12s", path, snap->id);
        rc = STORE_NOTFOUND;
        goto out;
    }
    if (git_repository_odb(&odb, snap->s->repo) < 0 ||
        git_odb_read_header(&n, &type, odb, git_tree_entry_id(te)) < 0) {
        store_git_fail(err, path);
        goto out;
    }
    *size = n;
    rc = 0;
out:
    git_odb_free(odb);
    git_tree_entry_free(te);
    return rc;
}

int store_snap_read(store_snap *snap, const char *path, char **data, size_t *len,
                    char *blob_hex, sr_err *err)
{
    git_tree_entry *te = NULL;
    git_blob *blob = NULL;
    int rc = -1;
    size_t n;

    *data = NULL;
    *len = 0;
    if (git_tree_entry_bypath(&te, snap->tree, path) < 0) {
        sr_err_set(err, "%s: not in revision %.12s", path, snap->id);
        rc = STORE_NOTFOUND;
        goto out;
    }
    if (git_tree_entry_type(te) != GIT_OBJECT_BLOB) {
        sr_err_set(err, "%s: not a file in revision %.12s", path, snap->id);
        rc = STORE_NOTFOUND;
        goto out;
    }
    if (git_blob_lookup(&blob, snap->s->repo, git_tree_entry_id(te)) < 0) {
        store_git_fail(err, path);
        goto out;
    }
    n = (size_t)git_blob_rawsize(blob);
    *data = malloc(n + 1);
    if (!*data) {
        sr_err_set(err, "out of memory reading %s", path);
        goto out;
    }
    memcpy(*data, git_blob_rawcontent(blob), n);
    (*data)[n] = '\0';
    *len = n;
    if (blob_hex)
        git_oid_tostr(blob_hex, STORE_OID_HEX, git_tree_entry_id(te));
    rc = 0;
out:
    git_blob_free(blob);
    git_tree_entry_free(te);
    return rc;
}

int store_snap_blob_id(store_snap *snap, const char *path, char out[STORE_OID_HEX])
{
    git_tree_entry *te = NULL;

    out[0] = '\0';
    if (git_tree_entry_bypath(&te, snap->tree, path) < 0)
        return STORE_NOTFOUND;
    git_oid_tostr(out, STORE_OID_HEX, git_tree_entry_id(te));
    git_tree_entry_free(te);
    return 0;
}

int store_snap_list(store_snap *snap, const char *dir, store_item **items, size_t *n,
                    sr_err *err)
{
    git_tree_entry *te = NULL;
    git_tree *sub = NULL;
    store_item *v = NULL;
    size_t i, count, k = 0;
    int rc = -1;

    *items = NULL;
    *n = 0;
    if (git_tree_entry_bypath(&te, snap->tree, dir) < 0 ||
        git_tree_entry_type(te) != GIT_OBJECT_TREE) {
        rc = 0;
        goto out;
    }
    if (git_tree_lookup(&sub, snap->s->repo, git_tree_entry_id(te)) < 0) {
        store_git_fail(err, dir);
        goto out;
    }
    count = git_tree_entrycount(sub);
    v = calloc(count ? count : 1, sizeof(*v));
    if (!v) {
        sr_err_set(err, "out of memory");
        goto out;
    }
    for (i = 0; i < count; i++) {
        const git_tree_entry *e = git_tree_entry_byindex(sub, i);
        if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
            continue;
        v[k].name = strdup(git_tree_entry_name(e));
        if (!v[k].name) {
            sr_err_set(err, "out of memory");
            store_items_free(v, k);
            v = NULL;
            goto out;
        }
        git_oid_tostr(v[k].blob, STORE_OID_HEX, git_tree_entry_id(e));
        k++;
    }
    *items = v;
    *n = k;
    v = NULL;
    rc = 0;
out:
    free(v);
    git_tree_free(sub);
    git_tree_entry_free(te);
    return rc;
}

void store_items_free(store_item *items, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(items[i].name);
    free(items);
}

const char *store_path(const store *s)
{
    return git_repository_path(s->repo);
}

int store_hash_blob(const char *data, size_t len, char out[STORE_OID_HEX])
{
    git_oid id;

    if (git_odb_hash(&id, data, len, GIT_OBJECT_BLOB) < 0)
        return -1;
    git_oid_tostr(out, STORE_OID_HEX, &id);
    return 0;
}

