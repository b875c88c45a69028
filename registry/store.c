#include "store.h"
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
#include <git2.h>

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

static void git_fail(sr_err *err, const char *what)
{
    const git_error *e = git_error_last();

    sr_err_set(err, "%s: %s", what, e && e->message ? e->message : "unknown git error");
}

int store_global_init(sr_err *err)
{
    if (git_libgit2_init() < 0) {
        git_fail(err, "cannot initialise libgit2");
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
        git_fail(err, path ? path : "repository");
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

static int resolve_oid(store *s, const char *rev, git_oid *oid, sr_err *err)
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
        git_fail(err, rev);
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
    int rc = resolve_oid(s, rev, &oid, err);

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
    rc = resolve_oid(s, rev, &oid, err);
    if (rc != 0)
        goto fail;
    if (git_commit_lookup(&snap->commit, s->repo, &oid) < 0 ||
        git_commit_tree(&snap->tree, snap->commit) < 0) {
        git_fail(err, "cannot read commit");
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
        git_fail(err, path);
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
        git_fail(err, path);
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
        git_fail(err, dir);
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

/* ---------------------------------------------------------------- writing */

static int make_sig(git_signature **sig, const store_author *who, sr_err *err)
{
    const char *name = who && who->name && *who->name ? who->name : "subreg";
    const char *email = who && who->email && *who->email ? who->email : "subreg@localhost";
    int rc;

    if (who && who->when)
        rc = git_signature_new(sig, name, email, (git_time_t)who->when, 0);
    else
        rc = git_signature_now(sig, name, email);
    if (rc < 0) {
        git_fail(err, "invalid author");
        return -1;
    }
    return 0;
}

/* git's tree order: names compared bytewise, a tree's name as if it ended in '/'. */
static int tree_order(const char *a, size_t al, int a_tree, const char *b, size_t bl, int b_tree)
{
    size_t n = al < bl ? al : bl;
    int c = memcmp(a, b, n);
    unsigned char ca, cb;

    if (c)
        return c;
    ca = al > n ? (unsigned char)a[n] : a_tree ? '/' : 0;
    cb = bl > n ? (unsigned char)b[n] : b_tree ? '/' : 0;
    return (int)ca - (int)cb;
}

/* One entry of a raw tree at p: its name, name length, whether it is a tree, and where the
 * next entry starts. Returns 0, or -1 when malformed. */
static int tree_entry_at(const char *p, const char *end, const char **name, size_t *nl,
                         int *is_tree, const char **next)
{
    const char *sp = memchr(p, ' ', (size_t)(end - p)), *nul;

    if (!sp || !(nul = memchr(sp, '\0', (size_t)(end - sp))) || nul + 21 > end)
        return -1;
    *is_tree = sp - p == 5 && memcmp(p, "40000", 5) == 0;
    *name = sp + 1;
    *nl = (size_t)(nul - sp - 1);
    *next = nul + 21;
    return 0;
}

/* The offsets of every entry of raw tree data. Returns 0 or -1 (malformed, or no memory). */
static int tree_offsets(const char *base, size_t len, uint32_t **offs, size_t *n)
{
    const char *p = base, *end = base + len, *name, *next;
    uint32_t *v = NULL;
    size_t k = 0, cap = 0, nl;
    int is_tree;

    while (p < end) {
        if (tree_entry_at(p, end, &name, &nl, &is_tree, &next) != 0)
            goto fail;
        if (k == cap) {
            uint32_t *nv;
            cap = cap ? cap * 2 : 1024;
            nv = realloc(v, cap * sizeof(*nv));
            if (!nv)
                goto fail;
            v = nv;
        }
        v[k++] = (uint32_t)(p - base);
        p = next;
    }
    *offs = v;
    *n = k;
    return 0;
fail:
    free(v);
    return -1;
}

/* The common write (one file upserted or removed directly inside a top-level directory
 * such as subprocessors/) without libgit2's tree builder: the directory's raw tree object
 * is copied with one entry spliced in or out, then the small root tree is rebuilt. For a
 * directory of 10,000 entries this avoids parsing, hashing and sorting 10,000 entries per
 * write (measured: about 2x faster). Returns 0, 1 when the change is not of this shape (the
 * caller takes the general path), or -1. */
static int splice_tree(store *s, git_tree *baseline, const store_change *ch, git_oid *tree_out,
                       sr_err *err)
{
    git_repository *repo = s->repo;
    const char *slash = ch->path ? strchr(ch->path, '/') : NULL;
    git_tree_entry *dir_te = NULL;
    git_odb *odb = NULL;
    git_odb_object *raw = NULL;
    git_treebuilder *tb = NULL;
    git_oid blob_id, sub_id;
    const char *name, *end, *base, *en, *next;
    uint32_t *offs = NULL, *own_offs = NULL, *noffs = NULL, at;
    size_t nlen, dlen, noff = 0, idx, lo, hi, enl, k, i, j, newlen, oldlen = 0;
    char dir[256], *out = NULL;
    int rc = -1, found = 0, is_tree;

    if (!baseline || !slash || strchr(slash + 1, '/') || (size_t)(slash - ch->path) >= sizeof(dir))
        return 1;
    dlen = (size_t)(slash - ch->path);
    memcpy(dir, ch->path, dlen);
    dir[dlen] = '\0';
    name = slash + 1;
    nlen = strlen(name);
    if (git_tree_entry_bypath(&dir_te, baseline, dir) < 0 ||
        git_tree_entry_type(dir_te) != GIT_OBJECT_TREE) {
        rc = 1; /* no such directory yet: general path */
        goto out;
    }
    {
        /* A directory named like the file sorts as "name/", elsewhere than the file would:
         * splicing a file in beside it would give the tree two entries of one name (git fsck:
         * duplicateEntries). The general path replaces it. */
        git_tree_entry *same = NULL;
        int clash = git_tree_entry_bypath(&same, baseline, ch->path) == 0 &&
                    git_tree_entry_type(same) != GIT_OBJECT_BLOB;
        git_tree_entry_free(same);
        if (clash) {
            rc = 1;
            goto out;
        }
    }
    if (git_repository_odb(&odb, repo) < 0) {
        git_fail(err, dir);
        goto out;
    }
    /* the directory's raw tree: "<octal mode> <name>\0<20-byte id>" entries in tree order,
     * with the offset of each entry (kept from the last write, else read and indexed) */
    if (s->raw && s->offs && git_oid_equal(&s->raw_id, git_tree_entry_id(dir_te))) {
        base = s->raw;
        end = s->raw + s->raw_len;
        offs = s->offs;
        noff = s->noffs;
    } else {
        if (git_odb_read(&raw, odb, git_tree_entry_id(dir_te)) < 0) {
            git_fail(err, dir);
            goto out;
        }
        base = git_odb_object_data(raw);
        end = base + git_odb_object_size(raw);
        if (tree_offsets(base, (size_t)(end - base), &own_offs, &noff) != 0) {
            sr_err_set(err, "%s: malformed tree object", dir);
            goto out;
        }
        offs = own_offs;
    }
    /* the first entry not before name */
    for (lo = 0, hi = noff; lo < hi;) {
        size_t mid = lo + (hi - lo) / 2;
        if (tree_entry_at(base + offs[mid], end, &en, &enl, &is_tree, &next) != 0) {
            sr_err_set(err, "%s: malformed tree object", dir);
            goto out;
        }
        if (tree_order(en, enl, is_tree, name, nlen, 0) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    idx = lo;
    at = idx < noff ? offs[idx] : (uint32_t)(end - base);
    assert(idx <= noff && at <= (uint32_t)(end - base)); /* the splice stays inside the tree */
    if (idx < noff) {
        if (tree_entry_at(base + at, end, &en, &enl, &is_tree, &next) != 0) {
            sr_err_set(err, "%s: malformed tree object", dir);
            goto out;
        }
        if (tree_order(en, enl, is_tree, name, nlen, 0) == 0) {
            if (is_tree) {
                rc = 1; /* a directory of that name: the general path decides */
                goto out;
            }
            found = 1;
            oldlen = (size_t)(next - (base + at));
        }
    }
    if (!ch->data && !found) {
        sr_err_set(err, "%s: no such file to remove", ch->path);
        rc = STORE_NOTFOUND;
        goto out;
    }
    newlen = ch->data ? 8 + nlen + GIT_OID_RAWSZ : 0;
    out = malloc((size_t)(end - base) + newlen + 1);
    noffs = malloc((noff + 1) * sizeof(*noffs));
    if (!out || !noffs) {
        sr_err_set(err, "out of memory");
        goto out;
    }
    memcpy(out, base, at);
    k = at;
    if (ch->data) {
        if (git_blob_create_from_buffer(&blob_id, repo, ch->data, ch->len) < 0) {
            git_fail(err, ch->path);
            goto out;
        }
        memcpy(out + k, "100644 ", 7);
        memcpy(out + k + 7, name, nlen + 1);
        memcpy(out + k + 8 + nlen, blob_id.id, GIT_OID_RAWSZ);
        k += newlen;
    }
    memcpy(out + k, base + at + oldlen, (size_t)(end - base) - at - oldlen);
    k += (size_t)(end - base) - at - oldlen;
    if (git_odb_write(&sub_id, odb, out, k, GIT_OBJECT_TREE) < 0) {
        git_fail(err, dir);
        goto out;
    }
    /* the new tree's entry offsets: entry idx replaced, inserted or removed, the later ones
     * moved by the difference in length */
    for (i = 0, j = 0; i < idx; i++)
        noffs[j++] = offs[i];
    if (ch->data)
        noffs[j++] = at;
    for (i = idx + (size_t)found; i < noff; i++)
        noffs[j++] = (uint32_t)((long)offs[i] + (long)newlen - (long)oldlen);
    /* keep the new tree for the next write (base and offs may be the old cache: done with
     * them now) */
    free(s->raw);
    free(s->offs);
    s->raw = out;
    s->raw_len = k;
    s->offs = noffs;
    s->noffs = j;
    git_oid_cpy(&s->raw_id, &sub_id);
    out = NULL;
    noffs = NULL;
    if (git_treebuilder_new(&tb, repo, baseline) < 0 ||
        git_treebuilder_insert(NULL, tb, dir, &sub_id, GIT_FILEMODE_TREE) < 0 ||
        git_treebuilder_write(tree_out, tb) < 0) {
        git_fail(err, "cannot write the tree");
        goto out;
    }
    rc = 0;
out:
    free(own_offs);
    free(noffs);
    free(out);
    git_treebuilder_free(tb);
    git_odb_object_free(raw);
    git_odb_free(odb);
    git_tree_entry_free(dir_te);
    return rc;
}

/* Write the blobs of changes and a tree: baseline (may be NULL) updated by them. */
static int build_tree(git_repository *repo, git_tree *baseline, const store_change *changes,
                      size_t n, git_oid *tree_out, sr_err *err)
{
    git_tree_update *ups = calloc(n ? n : 1, sizeof(*ups));
    git_treebuilder *tb = NULL;
    git_tree *empty = NULL, *cleared = NULL;
    git_oid empty_id;
    size_t i;
    int rc = -1;

    if (!ups) {
        sr_err_set(err, "out of memory");
        return -1;
    }
    /* A file written where a directory of the same name is: the directory goes first
     * (libgit2 will not replace a tree by a blob in one update, and a tree must never hold
     * two entries of one name). */
    for (i = 0; baseline && i < n; i++) {
        git_tree_entry *te = NULL;
        int is_dir = changes[i].data && git_tree_entry_bypath(&te, baseline, changes[i].path) == 0 &&
                     git_tree_entry_type(te) == GIT_OBJECT_TREE;
        git_tree_entry_free(te);
        if (is_dir) {
            git_tree_update rm;
            git_tree *next = NULL;
            git_oid id;
            memset(&rm, 0, sizeof(rm));
            rm.action = GIT_TREE_UPDATE_REMOVE;
            rm.path = changes[i].path;
            if (git_tree_create_updated(&id, repo, baseline, 1, &rm) < 0 ||
                git_tree_lookup(&next, repo, &id) < 0) {
                git_fail(err, "cannot write the tree");
                goto out;
            }
            git_tree_free(cleared);
            baseline = cleared = next;
        }
    }
    if (!baseline) {
        if (git_treebuilder_new(&tb, repo, NULL) < 0 || git_treebuilder_write(&empty_id, tb) < 0 ||
            git_tree_lookup(&empty, repo, &empty_id) < 0) {
            git_fail(err, "cannot create an empty tree");
            goto out;
        }
        baseline = empty;
    }
    for (i = 0; i < n; i++) {
        ups[i].path = changes[i].path;
        if (changes[i].data) {
            ups[i].action = GIT_TREE_UPDATE_UPSERT;
            ups[i].filemode = GIT_FILEMODE_BLOB;
            if (git_blob_create_from_buffer(&ups[i].id, repo, changes[i].data, changes[i].len) < 0) {
                git_fail(err, changes[i].path);
                goto out;
            }
        } else {
            git_tree_entry *te = NULL;
            if (git_tree_entry_bypath(&te, baseline, changes[i].path) < 0) {
                sr_err_set(err, "%s: no such file to remove", changes[i].path);
                rc = STORE_NOTFOUND;
                goto out;
            }
            git_tree_entry_free(te);
            ups[i].action = GIT_TREE_UPDATE_REMOVE;
        }
    }
    if (git_tree_create_updated(tree_out, repo, baseline, n, ups) < 0) {
        git_fail(err, "cannot write the tree");
        goto out;
    }
    rc = 0;
out:
    git_tree_free(empty);
    git_tree_free(cleared);
    git_treebuilder_free(tb);
    free(ups);
    return rc;
}

static int write_hook(const char *repo_path, const char *hook_cmd, sr_err *err)
{
    char path[4096];
    FILE *f;
    const char *p;

    snprintf(path, sizeof(path), "%s/hooks/pre-receive", repo_path);
    f = fopen(path, "w");
    if (!f) {
        sr_err_set(err, "%s: cannot write the hook", path);
        return -1;
    }
    /* git runs hooks with the repository as working directory and a minimal environment:
     * name subreg by absolute path, single-quoted. */
    fputs("#!/bin/sh\n# Installed by `subreg init`: validates every push (schemas, registry checks,\n"
          "# rules of the changed entries). Remove it only to stop guarding the registry.\n"
          "exec '", f);
    for (p = hook_cmd; *p; p++) {
        if (*p == '\'')
            fputs("'\\''", f);
        else
            fputc(*p, f);
    }
    fputs("' hook pre-receive\n", f);
    if (fclose(f) != 0 || chmod(path, 0755) != 0) {
        sr_err_set(err, "%s: cannot write the hook", path);
        return -1;
    }
    return 0;
}

int store_init(const char *path, const store_change *changes, size_t n, const store_author *who,
               const char *message, const char *hook_cmd, char commit_out[STORE_OID_HEX],
               sr_err *err)
{
    git_repository_init_options opts;
    git_repository *repo = NULL;
    git_signature *sig = NULL;
    git_tree *tree = NULL;
    git_oid tree_id, commit_id;
    int rc = -1;

    if (store_is_repo(path)) {
        sr_err_set(err, "%s already holds a git repository: refusing to overwrite it", path);
        return -1;
    }
    git_repository_init_options_init(&opts, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
    opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH |
                 GIT_REPOSITORY_INIT_NO_REINIT;
    opts.initial_head = "main";
    if (git_repository_init_ext(&repo, path, &opts) < 0) {
        git_fail(err, path);
        goto out;
    }
    if (build_tree(repo, NULL, changes, n, &tree_id, err) != 0)
        goto out;
    if (git_tree_lookup(&tree, repo, &tree_id) < 0 || make_sig(&sig, who, err) != 0) {
        if (!err->msg[0])
            git_fail(err, "cannot read the new tree");
        goto out;
    }
    if (git_commit_create(&commit_id, repo, STORE_REF, sig, sig, NULL, message, tree, 0, NULL) < 0) {
        git_fail(err, "cannot commit");
        goto out;
    }
    git_oid_tostr(commit_out, STORE_OID_HEX, &commit_id);
    if (hook_cmd && write_hook(git_repository_path(repo), hook_cmd, err) != 0)
        goto out;
    rc = 0;
out:
    git_signature_free(sig);
    git_tree_free(tree);
    git_repository_free(repo);
    return rc;
}

int store_commit(store *s, const char *expected_parent, const store_change *changes, size_t n,
                 const store_author *who, const char *message, char commit_out[STORE_OID_HEX],
                 sr_err *err)
{
    git_commit *parent = NULL;
    git_tree *base = NULL, *tree = NULL;
    git_signature *sig = NULL;
    git_reference *ref = NULL;
    git_oid parent_id, tree_id, commit_id;
    const git_commit *parents[1];
    int rc = -1, grc;

    if (expected_parent && *expected_parent) {
        if (git_oid_fromstr(&parent_id, expected_parent) < 0) {
            sr_err_set(err, "%s is not a commit id", expected_parent);
            goto out;
        }
    } else if ((rc = resolve_oid(s, NULL, &parent_id, err)) != 0) {
        goto out;
    }
    rc = -1;
    if (git_commit_lookup(&parent, s->repo, &parent_id) < 0 || git_commit_tree(&base, parent) < 0) {
        git_fail(err, "cannot read the parent commit");
        goto out;
    }
    rc = n == 1 ? splice_tree(s, base, changes, &tree_id, err) : 1;
    if (rc == 1)
        rc = build_tree(s->repo, base, changes, n, &tree_id, err);
    if (rc != 0)
        goto out;
    rc = -1;
    if (git_oid_equal(&tree_id, git_tree_id(base))) {
        sr_err_set(err, "nothing to commit: the registry already holds this content");
        rc = STORE_NOTFOUND;
        goto out;
    }
    if (git_tree_lookup(&tree, s->repo, &tree_id) < 0 || make_sig(&sig, who, err) != 0) {
        if (!err->msg[0])
            git_fail(err, "cannot read the new tree");
        goto out;
    }
    parents[0] = parent;
    if (git_commit_create(&commit_id, s->repo, NULL, sig, sig, NULL, message, tree, 1, parents) < 0) {
        git_fail(err, "cannot write the commit");
        goto out;
    }
    if (s->publish) {
        char c_hex[STORE_OID_HEX], p_hex[STORE_OID_HEX];
        git_oid_tostr(c_hex, sizeof(c_hex), &commit_id);
        git_oid_tostr(p_hex, sizeof(p_hex), &parent_id);
        if ((rc = s->publish(s->publish_ctx, s, c_hex, p_hex, err)) != 0)
            goto out;
        rc = -1;
    }
    /* Compare-and-swap: move main only if it still points at the parent. */
    grc = git_reference_create_matching(&ref, s->repo, STORE_REF, &commit_id, 1, &parent_id,
                                        message);
    if (grc == GIT_EMODIFIED && s->publish) {
        /* published: whoever moved main meanwhile (the follower of the upstream) moved it
         * to this very commit */
        git_oid now;
        if (git_reference_name_to_id(&now, s->repo, STORE_REF) == 0 && git_oid_equal(&now, &commit_id))
            grc = 0;
    }
    if (grc == GIT_ELOCKED) {
        sr_err_set(err, "another writer holds %s.lock: retry shortly", STORE_REF);
        rc = STORE_LOCKED;
        goto out;
    }
    if (grc == GIT_EMODIFIED || grc == GIT_EEXISTS) {
        sr_err_set(err, "the registry changed meanwhile (main moved): re-read it and retry");
        rc = STORE_CONFLICT;
        goto out;
    }
    if (grc < 0) {
        git_fail(err, "cannot update " STORE_REF);
        goto out;
    }
    git_oid_tostr(commit_out, STORE_OID_HEX, &commit_id);
    rc = 0;
out:
    git_reference_free(ref);
    git_signature_free(sig);
    git_tree_free(tree);
    git_tree_free(base);
    git_commit_free(parent);
    return rc;
}

/* ---------------------------------------------------------------- history */

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
    rc = resolve_oid(s, rev, &id, err);
    if (rc != 0)
        return rc;
    for (;;) {
        store_commit_info info;
        const git_signature *a;

        if (have_stop && git_oid_equal(&id, &stop_id))
            return 0;
        if (git_commit_lookup(&c, s->repo, &id) < 0) {
            git_fail(err, "cannot read a commit");
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
        git_fail(err, commit_hex);
        goto out;
    }
    if (git_tree_entry_bypath(&te, root, dir) == 0 && git_tree_entry_type(te) == GIT_OBJECT_TREE) {
        if (git_tree_lookup(out, s->repo, git_tree_entry_id(te)) < 0) {
            git_fail(err, dir);
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
        git_fail(err, "cannot walk the pushed commits");
        goto out;
    }
    git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL);
    if (from_excl && *from_excl &&
        (git_oid_fromstr(&id, from_excl) < 0 || git_revwalk_hide(w, &id) < 0)) {
        git_fail(err, "cannot walk the pushed commits");
        goto out;
    }
    while ((grc = git_revwalk_next(&id, w)) == 0) {
        git_commit *c = NULL;
        char hex[STORE_OID_HEX];
        int stop;
        git_oid_tostr(hex, sizeof(hex), &id);
        if (git_commit_lookup(&c, s->repo, &id) < 0) {
            git_fail(err, hex);
            goto out;
        }
        stop = cb(hex, git_commit_summary(c) ? git_commit_summary(c) : "", ctx);
        git_commit_free(c);
        if (stop)
            break;
    }
    if (grc < 0 && grc != GIT_ITEROVER) {
        git_fail(err, "cannot walk the pushed commits");
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
        git_fail(err, "cannot read the tree");
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
        git_fail(err, "cannot compare commits");
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
        git_fail(err, "cannot find a merge base");
        return -1;
    }
    git_oid_tostr(out, STORE_OID_HEX, &base);
    return 0;
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

long store_lock_age_ms(store *s)
{
    char path[4200];
    struct stat st;
    struct timespec now;

    snprintf(path, sizeof(path), "%s%s.lock", git_repository_path(s->repo), STORE_REF);
    if (stat(path, &st) != 0)
        return -1;
    clock_gettime(CLOCK_REALTIME, &now);
    return (long)((now.tv_sec - st.st_mtim.tv_sec) * 1000 +
                  (now.tv_nsec - st.st_mtim.tv_nsec) / 1000000);
}

int store_clear_stale_lock(store *s, int max_age, sr_err *err)
{
    char path[4200];
    struct stat st;

    snprintf(path, sizeof(path), "%s%s.lock", git_repository_path(s->repo), STORE_REF);
    if (stat(path, &st) != 0)
        return 0;
    if (time(NULL) - st.st_mtime < max_age)
        return 0;
    if (unlink(path) != 0) {
        sr_err_set(err, "%s: cannot remove the stale lock", path);
        return -1;
    }
    return 1;
}

static void push_mark_path(store *s, long pid, char *out, size_t n)
{
    if (pid)
        snprintf(out, n, "%s%s/%ld", git_repository_path(s->repo), STORE_PUSH_DIR, pid);
    else
        snprintf(out, n, "%s%s", git_repository_path(s->repo), STORE_PUSH_DIR);
}

int store_push_begin(store *s, sr_err *err)
{
    char dir[4200], path[4300];
    int fd;

    push_mark_path(s, 0, dir, sizeof(dir));
    push_mark_path(s, (long)getppid(), path, sizeof(path));
    if (mkdir(dir, 0775) != 0 && errno != EEXIST) {
        sr_err_set(err, "%s: cannot create: %s", dir, strerror(errno));
        return -1;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0664);
    if (fd < 0) {
        sr_err_set(err, "%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

void store_push_end(store *s)
{
    char path[4300];

    push_mark_path(s, (long)getppid(), path, sizeof(path));
    unlink(path);
}

void store_push_lost(store *s)
{
    char path[4300];
    int fd;

    push_mark_path(s, 0, path, sizeof(path));
    snprintf(path + strlen(path), sizeof(path) - strlen(path), "/lost");
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0664);
    if (fd >= 0) {
        futimens(fd, NULL); /* the grace counts from now */
        close(fd);
    }
}

int store_push_pending(store *s)
{
    char dir[4200], path[4600];
    DIR *d;
    struct dirent *e;
    struct stat st;
    int pending = 0;

    push_mark_path(s, 0, dir, sizeof(dir));
    d = opendir(dir);
    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);

        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (strcmp(e->d_name, "lost") == 0 && stat(path, &st) == 0) {
            struct timespec now;
            long age;

            clock_gettime(CLOCK_REALTIME, &now);
            age = (long)((now.tv_sec - st.st_mtim.tv_sec) * 1000 +
                         (now.tv_nsec - st.st_mtim.tv_nsec) / 1000000);
            if (age >= 0 && age < STORE_PUSH_GRACE_MS)
                pending = 1;
            continue;
        }
        if (e->d_name[0] == '.' || *end || pid <= 1)
            continue;
        if (stat(path, &st) != 0)
            continue;
        if ((kill((pid_t)pid, 0) == 0 || errno == EPERM) && time(NULL) - st.st_mtime < STORE_PUSH_MAX_S)
            pending = 1;
        else
            unlink(path); /* the push ended (or its mark is too old to trust) */
    }
    closedir(d);
    return pending;
}

/* ---------------------------------------------------------------- remotes */

void store_set_publish(store *s, store_publish_fn fn, void *ctx)
{
    s->publish = fn;
    s->publish_ctx = ctx;
}

int store_set_main(store *s, const char *expected_old, const char *new_id, sr_err *err)
{
    git_oid old_id, id;
    git_reference *ref = NULL;
    int grc;

    if (git_oid_fromstr(&old_id, expected_old) < 0 || git_oid_fromstr(&id, new_id) < 0) {
        sr_err_set(err, "not a commit id");
        return -1;
    }
    grc = git_reference_create_matching(&ref, s->repo, STORE_REF, &id, 1, &old_id, "subreg: follow the upstream");
    git_reference_free(ref);
    if (grc == GIT_ELOCKED) {
        sr_err_set(err, "another writer holds %s.lock: retry shortly", STORE_REF);
        return STORE_LOCKED;
    }
    if (grc == GIT_EMODIFIED || grc == GIT_EEXISTS) {
        sr_err_set(err, "main moved meanwhile");
        return STORE_CONFLICT;
    }
    if (grc < 0) {
        git_fail(err, "cannot update " STORE_REF);
        return -1;
    }
    return 0;
}

int store_mark_refused(store *s, const char *id, sr_err *err)
{
    char name[100];

    snprintf(name, sizeof(name), "refs/subreg/refused/%.40s", id);
    return store_keep_ref(s, name, id, err);
}

int store_is_refused(store *s, const char *id)
{
    char name[100];
    git_oid oid;

    snprintf(name, sizeof(name), "refs/subreg/refused/%.40s", id);
    return git_reference_name_to_id(&oid, s->repo, name) == 0;
}

int store_any_refused(store *s)
{
    git_reference_iterator *it = NULL;
    git_reference *ref = NULL;
    int any = 0;

    if (git_reference_iterator_glob_new(&it, s->repo, "refs/subreg/refused/*") == 0) {
        any = git_reference_next(&ref, it) == 0;
        git_reference_free(ref);
    }
    git_reference_iterator_free(it);
    return any;
}

int store_keep_ref(store *s, const char *name, const char *id, sr_err *err)
{
    git_reference *ref = NULL;
    git_oid oid;
    int rc = 0;

    if (git_oid_fromstr(&oid, id) < 0 || git_reference_create(&ref, s->repo, name, &oid, 1, "subreg: keep") < 0) {
        git_fail(err, name);
        rc = -1;
    }
    git_reference_free(ref);
    return rc;
}

