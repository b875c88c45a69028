/* The git store, writing: commits with compare-and-swap on main, the tree splice, new
 * repositories (store_init). */
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

/* The author's git signature (now when who->when is 0). Returns 0, or -1 with err set. */
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
        store_git_fail(err, "invalid author");
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
        store_git_fail(err, dir);
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
            store_git_fail(err, dir);
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
            store_git_fail(err, ch->path);
            goto out;
        }
        if (ch->blob_out)
            git_oid_tostr(ch->blob_out, STORE_OID_HEX, &blob_id);
        memcpy(out + k, "100644 ", 7);
        memcpy(out + k + 7, name, nlen + 1);
        memcpy(out + k + 8 + nlen, blob_id.id, GIT_OID_RAWSZ);
        k += newlen;
    }
    memcpy(out + k, base + at + oldlen, (size_t)(end - base) - at - oldlen);
    k += (size_t)(end - base) - at - oldlen;
    if (git_odb_write(&sub_id, odb, out, k, GIT_OBJECT_TREE) < 0) {
        store_git_fail(err, dir);
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
        store_git_fail(err, "cannot write the tree");
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
                store_git_fail(err, "cannot write the tree");
                goto out;
            }
            git_tree_free(cleared);
            baseline = cleared = next;
        }
    }
    if (!baseline) {
        if (git_treebuilder_new(&tb, repo, NULL) < 0 || git_treebuilder_write(&empty_id, tb) < 0 ||
            git_tree_lookup(&empty, repo, &empty_id) < 0) {
            store_git_fail(err, "cannot create an empty tree");
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
                store_git_fail(err, changes[i].path);
                goto out;
            }
            if (changes[i].blob_out)
                git_oid_tostr(changes[i].blob_out, STORE_OID_HEX, &ups[i].id);
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
        store_git_fail(err, "cannot write the tree");
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

/* Install the pre-receive hook of the repository at repo_path, running hook_cmd. Returns 0,
 * or -1 with err set. */
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
        store_git_fail(err, path);
        goto out;
    }
    if (build_tree(repo, NULL, changes, n, &tree_id, err) != 0)
        goto out;
    if (git_tree_lookup(&tree, repo, &tree_id) < 0 || make_sig(&sig, who, err) != 0) {
        if (!err->msg[0])
            store_git_fail(err, "cannot read the new tree");
        goto out;
    }
    if (git_commit_create(&commit_id, repo, STORE_REF, sig, sig, NULL, message, tree, 0, NULL) < 0) {
        store_git_fail(err, "cannot commit");
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
    } else if ((rc = store_resolve_oid(s, NULL, &parent_id, err)) != 0) {
        goto out;
    }
    rc = -1;
    if (git_commit_lookup(&parent, s->repo, &parent_id) < 0 || git_commit_tree(&base, parent) < 0) {
        store_git_fail(err, "cannot read the parent commit");
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
            store_git_fail(err, "cannot read the new tree");
        goto out;
    }
    parents[0] = parent;
    if (git_commit_create(&commit_id, s->repo, NULL, sig, sig, NULL, message, tree, 1, parents) < 0) {
        store_git_fail(err, "cannot write the commit");
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
        store_git_fail(err, "cannot update " STORE_REF);
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

