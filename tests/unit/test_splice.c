/* Differential test of the tree splice (registry/store_write.c), the riskiest code of the
 * store: it writes git tree objects by hand. Random sequences of inserts, replacements and
 * deletions in subprocessors/, each one commit through store_commit (which splices the
 * directory's raw tree, from its cache or read afresh), are compared after every commit with
 * the tree libgit2's own tree builder makes of the same files. The names are chosen to meet
 * git's ordering rules where they bite: prefixes of each other, the characters just below
 * and above '/', and a subdirectory, which git sorts as if its name ended in '/'. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <git2.h>
#include "../../registry/store.h"

#define MAXN 64

typedef struct model {
    char name[MAXN][32];
    char data[MAXN][48];
    int live[MAXN];
} model;

static char tmp[256];

/* The names the sequences draw from: "dir" is a subdirectory, never a file. */
static const char *const stems[] = {"a", "ab", "a-b", "a.b", "a0", "dir", "dir-x", "dir.xml", "dir0",
                                    "foo", "foo.xml", "foo-bar", "foo_", "x", "x~", "Z", "z.xml"};
#define NSTEMS (sizeof(stems) / sizeof(stems[0]))

/* The tree libgit2's builder makes of subprocessors/ as the model has it (and dir/). */
static void expected_tree(git_repository *repo, const model *m, const git_oid *dir_id, git_oid *out)
{
    git_treebuilder *tb = NULL;
    size_t i;

    assert_int_equal(git_treebuilder_new(&tb, repo, NULL), 0);
    assert_int_equal(git_treebuilder_insert(NULL, tb, "dir", dir_id, GIT_FILEMODE_TREE), 0);
    for (i = 0; i < NSTEMS; i++) {
        git_oid blob;
        if (!m->live[i])
            continue;
        assert_int_equal(git_blob_create_from_buffer(&blob, repo, m->data[i], strlen(m->data[i])), 0);
        assert_int_equal(git_treebuilder_insert(NULL, tb, m->name[i], &blob, GIT_FILEMODE_BLOB), 0);
    }
    assert_int_equal(git_treebuilder_write(out, tb), 0);
    git_treebuilder_free(tb);
}

/* The id of path in commit hex of repo. */
static void tree_of(git_repository *repo, const char *hex, const char *path, git_oid *out)
{
    git_oid id;
    git_commit *c = NULL;
    git_tree *t = NULL;
    git_tree_entry *te = NULL;

    assert_int_equal(git_oid_fromstr(&id, hex), 0);
    assert_int_equal(git_commit_lookup(&c, repo, &id), 0);
    assert_int_equal(git_commit_tree(&t, c), 0);
    assert_int_equal(git_tree_entry_bypath(&te, t, path), 0);
    git_oid_cpy(out, git_tree_entry_id(te));
    git_tree_entry_free(te);
    git_tree_free(t);
    git_commit_free(c);
}

static void run_sequence(unsigned seed, int steps)
{
    char repo_path[512], commit[STORE_OID_HEX];
    store_author who = {"splice", "splice@example.org", 1700000000};
    store_change init[3] = {{"registry.xml", "<registry/>\n", 12, NULL},
                            {"subprocessors/dir/inner.xml", "inner\n", 6, NULL},
                            {"subprocessors/a.b", "first\n", 6, NULL}};
    sr_err err = {{0}};
    store *s = NULL;
    git_repository *repo = NULL;
    git_oid dir_id, want, got, root_file, root_file_now;
    model m;
    int step;

    memset(&m, 0, sizeof(m));
    for (size_t i = 0; i < NSTEMS; i++)
        snprintf(m.name[i], sizeof(m.name[i]), "%s", stems[i]);
    m.live[3] = 1; /* a.b */
    snprintf(m.data[3], sizeof(m.data[3]), "first\n");
    snprintf(repo_path, sizeof(repo_path), "%s/splice-%u.git", tmp, seed);
    assert_int_equal(store_init(repo_path, init, 3, &who, "init\n", NULL, commit, &err), 0);
    assert_int_equal(git_repository_open(&repo, repo_path), 0);
    tree_of(repo, commit, "subprocessors/dir", &dir_id);
    tree_of(repo, commit, "registry.xml", &root_file);
    assert_int_equal(store_open(repo_path, 0, &s, &err), 0);
    srand(seed);
    for (step = 0; step < steps; step++) {
        size_t k = (size_t)rand() % NSTEMS;
        char path[64];
        store_change ch = {0};
        char blob[STORE_OID_HEX] = "", hashed[STORE_OID_HEX];
        int rc;
        if (k == 5) /* "dir" is the subdirectory */
            continue;
        snprintf(path, sizeof(path), "subprocessors/%s", m.name[k]);
        ch.path = path;
        if (m.live[k] && rand() % 3 == 0) { /* delete */
            ch.data = NULL;
            ch.len = 0;
            m.live[k] = 0;
        } else { /* insert, or replace with new contents */
            snprintf(m.data[k], sizeof(m.data[k]), "%s step %d seed %u\n", stems[k], step, seed);
            ch.data = m.data[k];
            ch.len = strlen(m.data[k]);
            m.live[k] = 1;
        }
        ch.blob_out = blob;
        rc = store_commit(s, NULL, &ch, 1, &who, "step\n", commit, &err);
        assert_int_equal(rc, 0);
        if (ch.data) { /* the blob id the commit reports is the contents' */
            assert_int_equal(store_hash_blob(ch.data, ch.len, hashed), 0);
            assert_string_equal(blob, hashed);
        }
        expected_tree(repo, &m, &dir_id, &want);
        tree_of(repo, commit, "subprocessors", &got);
        if (!git_oid_equal(&want, &got)) {
            char a[GIT_OID_HEXSZ + 1], b[GIT_OID_HEXSZ + 1];
            fail_msg("seed %u step %d (%s %s): splice gave tree %s, libgit2's builder %s", seed, step,
                     ch.data ? "write" : "delete", path, git_oid_tostr(b, sizeof(b), &got),
                     git_oid_tostr(a, sizeof(a), &want));
        }
        tree_of(repo, commit, "registry.xml", &root_file_now);
        assert_true(git_oid_equal(&root_file, &root_file_now));
        if (step % 37 == 36) { /* a store without the cached raw tree reads it afresh */
            store_close(s);
            assert_int_equal(store_open(repo_path, 0, &s, &err), 0);
        }
    }
    store_close(s);
    git_repository_free(repo);
}

static void test_splice_equals_libgit2_treebuilder(void **state)
{
    unsigned seed;

    (void)state;
    for (seed = 1; seed <= 5; seed++)
        run_sequence(seed, 120);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_splice_equals_libgit2_treebuilder),
    };
    sr_err err = {{0}};
    char cmd[300];
    int rc;

    snprintf(tmp, sizeof(tmp), "/tmp/subreg-splice-XXXXXX");
    if (!mkdtemp(tmp) || store_global_init(&err) != 0)
        return 1;
    /* the comparison, not durability, is under test: no fsync per commit */
    git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 0);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
    if (system(cmd) != 0)
        rc = 1;
    store_global_shutdown();
    return rc;
}
