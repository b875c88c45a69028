/* The git store, history: walks, diffs between commits, blobs by id, ancestry. */
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

int store_walk(store *s, const char *rev, const char *stop,
               int (*cb)(const store_commit_info *c, void *ctx), void *ctx, sr_err *err)
{
    git_commit *c = NULL;
    git_oid id, stop_id;
    int rc, have_stop = stop && *stop;

    if (have_stop && git_oid_fromstr(&stop_id, stop) < 0) {
        sr_err_set(err, "%s is not a commit id", stop);
        return -1;
    }
    rc = store_resolve_oid(s, rev, &id, err);
    if (rc != 0)
        return rc;
    for (;;) {
        store_commit_info info;
        const git_signature *a;

        if (have_stop && git_oid_equal(&id, &stop_id))
            return 0;
        if (git_commit_lookup(&c, s->repo, &id) < 0) {
            store_git_fail(err, "cannot read a commit");
            return -1;
        }
        memset(&info, 0, sizeof(info));
        git_oid_tostr(info.id, sizeof(info.id), &id);
        if (git_commit_parentcount(c) > 0)
            git_oid_tostr(info.parent, sizeof(info.parent), git_commit_parent_id(c, 0));
        a = git_commit_author(c);
        info.author = a->name;
        info.email = a->email;
        info.message = git_commit_message(c);
        info.time = (int64_t)git_commit_time(c);
        if (cb(&info, ctx) != 0) {
            git_commit_free(c);
            return 0;
        }
        if (git_commit_parentcount(c) == 0) {
            git_commit_free(c);
            return have_stop ? STORE_NOTFOUND : 0;
        }
        git_oid_cpy(&id, git_commit_parent_id(c, 0));
        git_commit_free(c);
        c = NULL;
    }
}

/* The tree at dir of commit commit_hex into *out (git_tree_free). Returns 0, STORE_NOTFOUND
 * when there is none, or -1. */
static int subtree(store *s, const char *commit_hex, const char *dir, git_tree **out,
                   sr_err *err)
{
    git_commit *c = NULL;
    git_tree *root = NULL;
    git_tree_entry *te = NULL;
    git_oid id;
    int rc = -1;

    *out = NULL;
    if (!commit_hex || !*commit_hex)
        return 0;
    if (git_oid_fromstr(&id, commit_hex) < 0 || git_commit_lookup(&c, s->repo, &id) < 0 ||
        git_commit_tree(&root, c) < 0) {
        store_git_fail(err, commit_hex);
        goto out;
    }
    if (git_tree_entry_bypath(&te, root, dir) == 0 && git_tree_entry_type(te) == GIT_OBJECT_TREE) {
        if (git_tree_lookup(out, s->repo, git_tree_entry_id(te)) < 0) {
            store_git_fail(err, dir);
            goto out;
        }
    }
    rc = 0;
out:
    git_tree_entry_free(te);
    git_tree_free(root);
    git_commit_free(c);
    return rc;
}

/* Append one delta (status A, M or D, name, old and new blob) to the growing array. Returns
 * 0, or -1 when out of memory. */
static int push_delta(store_delta **v, size_t *n, size_t *cap, char status, const char *name,
                      const git_oid *o, const git_oid *nw)
{
    store_delta *d;

    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        store_delta *nv = realloc(*v, c * sizeof(*nv));
        if (!nv)
            return -1;
        *v = nv;
        *cap = c;
    }
    d = &(*v)[*n];
    memset(d, 0, sizeof(*d));
    d->status = status;
    d->name = strdup(name);
    if (!d->name)
        return -1;
    if (o)
        git_oid_tostr(d->old_blob, STORE_OID_HEX, o);
    if (nw)
        git_oid_tostr(d->new_blob, STORE_OID_HEX, nw);
    (*n)++;
    return 0;
}

int store_diff(store *s, const char *old_id, const char *new_id, const char *dir,
               store_delta **out, size_t *n, sr_err *err)
{
    git_tree *a = NULL, *b = NULL;
    store_delta *v = NULL;
    size_t k = 0, cap = 0, i = 0, j = 0, na, nb;
    int rc = -1;

    *out = NULL;
    *n = 0;
    if (subtree(s, old_id, dir, &a, err) != 0 || subtree(s, new_id, dir, &b, err) != 0)
        goto out;
    if (a && b && git_oid_equal(git_tree_id(a), git_tree_id(b))) {
        rc = 0;
        goto out;
    }
    /* Both trees list their entries sorted by name: merge them. */
    na = a ? git_tree_entrycount(a) : 0;
    nb = b ? git_tree_entrycount(b) : 0;
    while (i < na || j < nb) {
        const git_tree_entry *x = i < na ? git_tree_entry_byindex(a, i) : NULL;
        const git_tree_entry *y = j < nb ? git_tree_entry_byindex(b, j) : NULL;
        int c = !x ? 1 : !y ? -1 : strcmp(git_tree_entry_name(x), git_tree_entry_name(y));
        int r = 0;

        if (c < 0) {
            if (git_tree_entry_type(x) == GIT_OBJECT_BLOB)
                r = push_delta(&v, &k, &cap, 'D', git_tree_entry_name(x), git_tree_entry_id(x), NULL);
            i++;
        } else if (c > 0) {
            if (git_tree_entry_type(y) == GIT_OBJECT_BLOB)
                r = push_delta(&v, &k, &cap, 'A', git_tree_entry_name(y), NULL, git_tree_entry_id(y));
            j++;
        } else {
            if (!git_oid_equal(git_tree_entry_id(x), git_tree_entry_id(y)) &&
                git_tree_entry_type(y) == GIT_OBJECT_BLOB)
                r = push_delta(&v, &k, &cap, 'M', git_tree_entry_name(y), git_tree_entry_id(x),
                               git_tree_entry_id(y));
            i++;
            j++;
        }
        if (r != 0) {
            sr_err_set(err, "out of memory");
            store_deltas_free(v, k);
            v = NULL;
            k = 0;
            goto out;
        }
    }
    *out = v;
    *n = k;
    v = NULL;
    rc = 0;
out:
    free(v);
    git_tree_free(a);
    git_tree_free(b);
    return rc;
}

void store_deltas_free(store_delta *d, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(d[i].name);
    free(d);
}

int store_read_blob(store *s, const char *blob_hex, char **data, size_t *len, sr_err *err)
{
    git_blob *blob = NULL;
    git_oid id;
    size_t n;

    *data = NULL;
    *len = 0;
    if (git_oid_fromstr(&id, blob_hex) < 0 || git_blob_lookup(&blob, s->repo, &id) < 0) {
        sr_err_set(err, "no blob %s", blob_hex);
        return STORE_NOTFOUND;
    }
    n = (size_t)git_blob_rawsize(blob);
    *data = malloc(n + 1);
    if (!*data) {
        git_blob_free(blob);
        sr_err_set(err, "out of memory");
        return -1;
    }
    memcpy(*data, git_blob_rawcontent(blob), n);
    (*data)[n] = '\0';
    *len = n;
    git_blob_free(blob);
    return 0;
}

int store_range(store *s, const char *from_excl, const char *to,
                int (*cb)(const char *id, const char *summary, void *ctx), void *ctx,
                sr_err *err)
{
    git_revwalk *w = NULL;
    git_oid id;
    int rc = -1, grc;

    if (git_revwalk_new(&w, s->repo) < 0 || git_oid_fromstr(&id, to) < 0 ||
        git_revwalk_push(w, &id) < 0) {
        store_git_fail(err, "cannot walk the pushed commits");
        goto out;
    }
    git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL);
    if (from_excl && *from_excl &&
        (git_oid_fromstr(&id, from_excl) < 0 || git_revwalk_hide(w, &id) < 0)) {
        store_git_fail(err, "cannot walk the pushed commits");
        goto out;
    }
    while ((grc = git_revwalk_next(&id, w)) == 0) {
        git_commit *c = NULL;
        char hex[STORE_OID_HEX];
        int stop;
        git_oid_tostr(hex, sizeof(hex), &id);
        if (git_commit_lookup(&c, s->repo, &id) < 0) {
            store_git_fail(err, hex);
            goto out;
        }
        stop = cb(hex, git_commit_summary(c) ? git_commit_summary(c) : "", ctx);
        git_commit_free(c);
        if (stop)
            break;
    }
    if (grc < 0 && grc != GIT_ITEROVER) {
        store_git_fail(err, "cannot walk the pushed commits");
        goto out;
    }
    rc = 0;
out:
    git_revwalk_free(w);
    return rc;
}

typedef struct walk_ctx {
    int (*cb)(const store_tree_item *it, void *ctx);
    void *ctx;
    int stopped;
} walk_ctx;

/* git_tree_walk callback: each item as a store_tree_item to the caller's function. Returns 0,
 * or a negative value to stop. */
static int tree_walk_cb(const char *root, const git_tree_entry *te, void *payload)
{
    walk_ctx *w = payload;
    store_tree_item it;
    char path[4200];
    git_object_t t = git_tree_entry_type(te);

    snprintf(path, sizeof(path), "%s%s", root, git_tree_entry_name(te));
    it.path = path;
    it.mode = (unsigned)git_tree_entry_filemode_raw(te);
    it.type = t == GIT_OBJECT_TREE ? 't' : t == GIT_OBJECT_COMMIT ? 'c' : 'b';
    if (w->cb(&it, w->ctx)) {
        w->stopped = 1;
        return -1;
    }
    return 0;
}

int store_snap_walk(store_snap *snap, int (*cb)(const store_tree_item *it, void *ctx), void *ctx,
                    sr_err *err)
{
    walk_ctx w = {cb, ctx, 0};

    if (git_tree_walk(snap->tree, GIT_TREEWALK_PRE, tree_walk_cb, &w) < 0 && !w.stopped) {
        store_git_fail(err, "cannot read the tree");
        return -1;
    }
    return 0;
}

int store_descends(store *s, const char *a, const char *b, sr_err *err)
{
    git_oid x, y;
    int rc;

    if (git_oid_fromstr(&x, a) < 0 || git_oid_fromstr(&y, b) < 0) {
        sr_err_set(err, "not a commit id");
        return -1;
    }
    if (git_oid_equal(&x, &y))
        return 1;
    rc = git_graph_descendant_of(s->repo, &x, &y);
    if (rc < 0)
        store_git_fail(err, "cannot compare commits");
    return rc;
}

int store_merge_base(store *s, const char *a, const char *b, char out[STORE_OID_HEX],
                     sr_err *err)
{
    git_oid x, y, base;
    int rc;

    if (git_oid_fromstr(&x, a) < 0 || git_oid_fromstr(&y, b) < 0) {
        sr_err_set(err, "not a commit id");
        return -1;
    }
    rc = git_merge_base(&base, s->repo, &x, &y);
    if (rc == GIT_ENOTFOUND)
        return STORE_NOTFOUND;
    if (rc < 0) {
        store_git_fail(err, "cannot find a merge base");
        return -1;
    }
    git_oid_tostr(out, STORE_OID_HEX, &base);
    return 0;
}

