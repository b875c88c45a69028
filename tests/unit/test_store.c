/* Unit tests of store, guard and index against real git repositories in a temporary
 * directory: compare-and-swap between concurrent writers, validation before any write,
 * and index rebuild = incremental catch-up over 1,000 commits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <git2.h>
#include <cjson/cJSON.h>
#include "../../registry/date.h"
#include "../../registry/guard.h"
#include "../../registry/index.h"
#include "../../registry/registry.h"
#include "../../registry/source.h"
#include "../../registry/schema.h"
#include "../../registry/store.h"
#include "../../registry/xmldoc.h"

static schemas xs;
static char tmp[256];

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p;
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = malloc((size_t)n + 1);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    p[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return p;
}

/* A fresh repository from data/seed (the files the registry needs). */
static void make_repo(const char *path)
{
    static const char *files[] = {"registry.xml", "reference/countries.xml", "reference/regions.xml",
                                  "subprocessors/aws.xml", "subprocessors/mistral.xml"};
    store_change ch[5] = {{0}};
    char *bufs[5], p[512], commit[STORE_OID_HEX];
    store_author who = {"test", "test@example.org", 0};
    sr_err err = {{0}};
    size_t i;

    for (i = 0; i < 5; i++) {
        snprintf(p, sizeof(p), "data/seed/%s", files[i]);
        bufs[i] = slurp(p, &ch[i].len);
        ch[i].data = bufs[i];
        ch[i].path = files[i];
    }
    assert_int_equal(store_init(path, ch, 5, &who, "init\n", NULL, commit, &err), 0);
    for (i = 0; i < 5; i++)
        free(bufs[i]);
}

static const char *entry_xml(const char *id, const char *purpose)
{
    static __thread char b[2048];

    snprintf(b, sizeof(b),
             "<?xml version=\"1.0\"?>\n<subprocessor xmlns=\"urn:subreg:1\" id=\"%s\">\n"
             "  <name>Vendor %s</name>\n  <entity country=\"DE\">Berlin</entity>\n"
             "  <purpose>%s</purpose>\n  <categories><category>contact-data</category></categories>\n"
             "  <flow>processor</flow>\n  <status>active</status>\n"
             "  <announced>2025-01-01</announced>\n  <effective>2025-02-01</effective>\n"
             "  <dpa signed=\"2025-01-01\"/>\n"
             "  <locations><location country=\"DE\" use=\"storage\"/></locations>\n"
             "</subprocessor>\n",
             id, id, purpose);
    return b;
}

typedef struct racer {
    const char *repo, *parent, *id;
    int rc;
    char commit[STORE_OID_HEX];
    pthread_barrier_t *go;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    store *s = NULL;
    sr_err err = {{0}};
    diag_list d = {0};
    char blob[STORE_OID_HEX];
    const char *x;
    store_author who = {r->id, "racer@example.org", 0};

    assert_int_equal(store_open(r->repo, 0, &s, &err), 0);
    x = entry_xml(r->id, "Racing write");
    pthread_barrier_wait(r->go);
    r->rc = guard_write(s, &xs, r->parent, r->id, x, strlen(x), &who, "race\n", date_today(), NULL, &d,
                        r->commit, blob, &err);
    diag_list_free(&d);
    store_close(s);
    return NULL;
}

static void test_concurrent_writers_one_wins(void **state)
{
    char repo[512], parent[STORE_OID_HEX], cmd[1024];
    store *s = NULL;
    sr_err err = {{0}};
    pthread_t t[2];
    pthread_barrier_t go;
    racer r[2];
    int i, round;

    (void)state;
    snprintf(repo, sizeof(repo), "%s/race.git", tmp);
    make_repo(repo);
    assert_int_equal(store_open(repo, 0, &s, &err), 0);
    for (round = 0; round < 20; round++) {
        assert_int_equal(store_resolve(s, NULL, parent, &err), 0);
        pthread_barrier_init(&go, NULL, 2);
        for (i = 0; i < 2; i++) {
            memset(&r[i], 0, sizeof(r[i]));
            r[i].repo = repo;
            r[i].parent = parent;
            r[i].id = i ? "racer-b" : "racer-a";
            r[i].go = &go;
            pthread_create(&t[i], NULL, race, &r[i]);
        }
        for (i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        pthread_barrier_destroy(&go);
        /* exactly one wins; the other gets a conflict and wrote nothing to main */
        assert_true((r[0].rc == 0 && (r[1].rc == STORE_CONFLICT || r[1].rc == STORE_LOCKED)) ||
                    (r[1].rc == 0 && (r[0].rc == STORE_CONFLICT || r[0].rc == STORE_LOCKED)) ||
                    /* second round on: the same content again is "nothing to commit" */
                    (r[0].rc == STORE_NOTFOUND || r[1].rc == STORE_NOTFOUND));
        {
            char tip[STORE_OID_HEX];
            assert_int_equal(store_resolve(s, NULL, tip, &err), 0);
            if (r[0].rc == 0)
                assert_string_equal(tip, r[0].commit);
            if (r[1].rc == 0)
                assert_string_equal(tip, r[1].commit);
        }
        /* make the content differ next round */
        {
            const char *x = entry_xml("racer-a", round % 2 ? "odd" : "even");
            store_change ch = {"subprocessors/racer-a.xml", x, strlen(x), NULL};
            store_author who = {"t", "t@example.org", 0};
            char c[STORE_OID_HEX];
            assert_int_equal(store_commit(s, NULL, &ch, 1, &who, "bump\n", c, &err), 0);
            ch.path = "subprocessors/racer-b.xml";
            x = entry_xml("racer-b", round % 2 ? "odd" : "even");
            ch.data = x;
            ch.len = strlen(x);
            assert_int_equal(store_commit(s, NULL, &ch, 1, &who, "bump\n", c, &err), 0);
        }
    }
    store_close(s);
    snprintf(cmd, sizeof(cmd), "git --git-dir=%s fsck --strict --no-progress >/dev/null 2>&1", repo);
    assert_int_equal(system(cmd), 0);
}

static void test_invalid_write_changes_nothing(void **state)
{
    char repo[512], before[STORE_OID_HEX], after[STORE_OID_HEX], commit[STORE_OID_HEX],
        blob[STORE_OID_HEX];
    store *s = NULL;
    sr_err err = {{0}};
    diag_list d = {0};
    store_author who = {"t", "t@example.org", 0};
    const char *bad = "<?xml version=\"1.0\"?><subprocessor xmlns=\"urn:subreg:1\" id=\"x\"><name>x</name></subprocessor>";
    char us[2048];

    (void)state;
    snprintf(repo, sizeof(repo), "%s/invalid.git", tmp);
    make_repo(repo);
    assert_int_equal(store_open(repo, 0, &s, &err), 0);
    assert_int_equal(store_resolve(s, NULL, before, &err), 0);
    assert_int_equal(guard_write(s, &xs, NULL, "x", bad, strlen(bad), &who, "m\n", date_today(), NULL, &d,
                                 commit, blob, &err),
                     GUARD_BLOCKED);
    assert_true(d.n > 0);
    diag_list_free(&d);
    /* a rule error (US location without transfer) blocks too */
    snprintf(us, sizeof(us), "%s", entry_xml("usvendor", "x"));
    {
        char *p = strstr(us, "<location country=\"DE\"");
        memcpy(p + 19, "US", 2);
    }
    assert_int_equal(guard_write(s, &xs, NULL, "usvendor", us, strlen(us), &who, "m\n",
                                 date_today(), NULL, &d, commit, blob, &err),
                     GUARD_BLOCKED);
    assert_string_equal(d.v[0].rule, "transfer-missing");
    diag_list_free(&d);
    /* a second entry claiming the hosting provider of aws is refused (read from git) */
    snprintf(us, sizeof(us), "%s", entry_xml("aws-copy", "x"));
    {
        char *p = strstr(us, "</subprocessor>");
        snprintf(p, sizeof(us) - (size_t)(p - us), "  <hosting provider=\"aws\"/>\n</subprocessor>\n");
    }
    assert_int_equal(guard_write(s, &xs, NULL, "aws-copy", us, strlen(us), &who, "m\n",
                                 date_today(), NULL, &d, commit, blob, &err),
                     GUARD_BLOCKED);
    assert_string_equal(d.v[0].rule, "registry");
    assert_non_null(strstr(d.v[0].message, "already claimed by aws"));
    diag_list_free(&d);
    assert_int_equal(store_resolve(s, NULL, after, &err), 0);
    assert_string_equal(before, after);
    /* a stale parent is a conflict */
    {
        const char *ok = entry_xml("fine", "ok");
        assert_int_equal(guard_write(s, &xs, NULL, "fine", ok, strlen(ok), &who, "m\n",
                                     date_today(), NULL, &d, commit, blob, &err), 0);
        assert_int_equal(strlen(blob), 40);
        ok = entry_xml("fine2", "ok");
        assert_int_equal(guard_write(s, &xs, before, "fine2", ok, strlen(ok), &who, "m\n",
                                     date_today(), NULL, &d, commit, blob, &err), STORE_CONFLICT);
    }
    diag_list_free(&d);
    store_close(s);
}

/* The same changes, with the same summaries, in both indexes (of entry id, or all). */
static void changes_equal(index_db *a, index_db *b, const char *id, size_t limit)
{
    index_change *ca, *cb;
    size_t na, nb, i;
    sr_err err = {{0}};

    assert_int_equal(index_changes(a, id, NULL, 0, limit, &ca, &na, &err), 0);
    assert_int_equal(index_changes(b, id, NULL, 0, limit, &cb, &nb, &err), 0);
    assert_int_equal(na, nb);
    for (i = 0; i < na; i++) {
        assert_string_equal(ca[i].commit, cb[i].commit);
        assert_string_equal(ca[i].id, cb[i].id);
        assert_int_equal(ca[i].status, cb[i].status);
        assert_string_equal(ca[i].new_blob, cb[i].new_blob);
        assert_string_equal(index_change_summary(&ca[i], 1), index_change_summary(&cb[i], 1));
        assert_string_equal(index_change_summary(&ca[i], 0), index_change_summary(&cb[i], 0));
        assert_true(strlen(index_change_summary(&ca[i], 1)) > 0);
    }
    index_changes_free(ca, na);
    index_changes_free(cb, nb);
}


/* The registry of a revision derived from the previous one (shared entries, changed files
 * parsed) equals the full load of that revision, over a random history of 200 commits. */
static char *entry_text(const entry *e)
{
    cJSON *j = entry_to_json(e, 1);
    char *t = cJSON_PrintUnformatted(j);

    cJSON_Delete(j);
    return t;
}

static void assert_same_registry(const registry *a, const registry *b)
{
    size_t i;

    assert_int_equal(a->n, b->n);
    for (i = 0; i < a->n; i++) {
        char *x = entry_text(a->entries[i]), *y = entry_text(b->entries[i]);
        assert_string_equal(a->entries[i]->id, b->entries[i]->id);
        assert_string_equal(x, y);
        cJSON_free(x);
        cJSON_free(y);
    }
}

static void test_derive_equals_full_load(void **state)
{
    char repo[300], tip[STORE_OID_HEX], prev_rev[STORE_OID_HEX], commit[STORE_OID_HEX];
    char path[64], *base;
    size_t blen;
    store *s = NULL;
    registry *prev = NULL;
    store_author who = {"test", "test@example.org", 0};
    sr_err err = {{0}};
    unsigned seed = 12345;
    int round, present[30] = {0};

    (void)state;
    snprintf(repo, sizeof(repo), "%s/derive.git", tmp);
    make_repo(repo);
    base = slurp("data/seed/subprocessors/mistral.xml", &blen);
    assert_int_equal(store_open(repo, 0, &s, &err), 0);
    for (round = 0; round < 200; round++) {
        store_snap *snap = NULL;
        source *src = NULL;
        registry *full = NULL, *derived = NULL;
        diag_list d = {0};
        int k = (int)(rand_r(&seed) % 30), rc;
        store_change ch = {0};
        char body[8192], id[16];

        snprintf(id, sizeof(id), "t%02d", k);
        snprintf(path, sizeof(path), "subprocessors/%s.xml", id);
        ch.path = path;
        if (present[k] && rand_r(&seed) % 4 == 0) {
            ch.data = NULL;
            ch.len = 0;
            present[k] = 0;
        } else {
            /* the seed's entry under another id, with a purpose that changes each time */
            const char *at = strstr(base, "id=\"mistral\""), *pu = strstr(base, "<purpose>");
            snprintf(body, sizeof(body), "%.*sid=\"%s\"%.*s<purpose>Round %d: %s", (int)(at - base), base, id,
                     (int)(pu - at - 12), at + 12, round, pu + 9);
            ch.data = body;
            ch.len = strlen(body);
            present[k] = 1;
        }
        rc = store_commit(s, NULL, &ch, 1, &who, "random\n", commit, &err);
        assert_true(rc == 0 || rc == STORE_NOTFOUND);
        assert_int_equal(store_resolve(s, NULL, tip, &err), 0);
        assert_int_equal(store_snap_open(s, tip, &snap, &err), 0);
        assert_int_equal(source_from_snap(snap, &src, &err), 0);
        assert_int_equal(registry_load(src, &xs, &full, &d, &err), 0);
        if (prev) {
            assert_int_equal(registry_derive(s, &xs, snap, src, prev, prev_rev, NULL, &derived, &err), 0);
            assert_same_registry(full, derived);
            registry_free(prev);
            prev = derived;
        } else {
            prev = full;
            full = NULL;
        }
        snprintf(prev_rev, sizeof(prev_rev), "%s", tip);
        registry_free(full);
        diag_list_free(&d);
        source_close(src);
        store_snap_free(snap);
    }
    registry_free(prev);
    store_close(s);
    free(base);
}

static void test_index_rebuild_equals_incremental(void **state)
{
    char repo[512], p1[600], p2[600], c[STORE_OID_HEX], id[32], purpose[64];
    store *s = NULL;
    sr_err err = {{0}};
    index_db *inc = NULL, *full = NULL;
    store_author who = {"t", "t@example.org", 0};
    index_change *ch;
    size_t nch, nch2, added;
    int i;

    (void)state;
    snprintf(repo, sizeof(repo), "%s/history.git", tmp);
    make_repo(repo);
    snprintf(p1, sizeof(p1), "%s/inc.sqlite", tmp);
    snprintf(p2, sizeof(p2), "%s/full.sqlite", tmp);
    assert_int_equal(store_open(repo, 0, &s, &err), 0);
    assert_int_equal(index_open(p1, repo, &inc, &err), 0);
    for (i = 0; i < 1000; i++) {
        const char *x;
        store_change chg = {0};
        /* every 97th commit removes the entry the previous commit wrote */
        snprintf(id, sizeof(id), "v-%03d", (i % 97 == 96 ? i - 1 : i) % 150);
        snprintf(purpose, sizeof(purpose), "purpose %d", i);
        x = entry_xml(id, purpose);
        chg.path = NULL;
        chg.data = x;
        chg.len = strlen(x);
        {
            char path[64];
            snprintf(path, sizeof(path), "subprocessors/%s.xml", id);
            chg.path = path;
            if (i % 97 == 96)
                chg.data = NULL; /* a removal now and then */
            assert_int_equal(store_commit(s, NULL, &chg, 1, &who, "change\n", c, &err), 0);
        }
        if (i % 100 == 50)
            assert_int_equal(index_catch_up(inc, s, &xs, NULL, &added, &err), 0);
    }
    assert_int_equal(index_catch_up(inc, s, &xs, NULL, &added, &err), 0);
    assert_true(added > 0);
    assert_int_equal(index_open(p2, repo, &full, &err), 0);
    assert_int_equal(index_rebuild(full, s, &xs, &err), 0);
    assert_string_equal(index_tip(inc), index_tip(full));
    changes_equal(inc, full, NULL, 0);
    changes_equal(inc, full, "v-007", 0);
    changes_equal(inc, full, NULL, 10);
    assert_int_equal(index_changes(inc, NULL, NULL, 0, 10, &ch, &nch, &err), 0);
    index_changes_free(ch, nch);
    assert_int_equal(nch, 10); /* the bound holds */
    assert_int_equal(index_changes(inc, NULL, NULL, 0, 0, &ch, &nch, &err), 0);
    index_changes_free(ch, nch);
    assert_int_equal(index_changes(full, NULL, NULL, 0, 0, &ch, &nch2, &err), 0);
    index_changes_free(ch, nch2);
    assert_int_equal(nch, nch2);
    assert_int_equal(nch, 1000 + 2); /* one change per commit, plus the two initial entries */
    index_close(inc);
    index_close(full);
    store_close(s);
    /* the trees written by splicing (inserts, replacements, removals) are well-formed and
     * sorted: git's own strict check */
    {
        char cmd[1024];
        snprintf(cmd, sizeof(cmd), "git --git-dir=%s fsck --strict --no-progress >/dev/null 2>&1", repo);
        assert_int_equal(system(cmd), 0);
    }
}

static int setup(void **state)
{
    sr_err err = {{0}};

    (void)state;
    snprintf(tmp, sizeof(tmp), "/tmp/subreg-unit-XXXXXX");
    if (!mkdtemp(tmp))
        return -1;
    return schemas_load(&xs, &err);
}

static int teardown(void **state)
{
    char cmd[512];

    (void)state;
    schemas_free(&xs);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_writers_one_wins),
        cmocka_unit_test(test_invalid_write_changes_nothing),
        cmocka_unit_test(test_index_rebuild_equals_incremental),
        cmocka_unit_test(test_derive_equals_full_load),
    };
    sr_err err = {{0}};

    setenv("SUBREG_TODAY", "2026-11-28", 1);
    xmldoc_global_init();
    store_global_init(&err);
    /* what is under test is the content of commits and indexes, not their durability (the
     * black-box crash tests test that): no fsync of every one of 2,000 commits */
    git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 0);
    return cmocka_run_group_tests(tests, setup, teardown);
}
