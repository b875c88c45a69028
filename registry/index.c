#include "index.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "entry.h"
#include "registry.h"
#include "source.h"
#include "summary.h"
#include "xmldoc.h"

/* 2: summaries stored with each change; no tables of current entries (the served snapshot
 * answers those queries). An index of another format is dropped and built again. */
#define INDEX_FORMAT "2"

struct index_db {
    sqlite3 *db;
    char repo[4096];
    char tip[STORE_OID_HEX];
};

static const char pragma_sql[] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";

/* The tables (inside a transaction too, which the pragmas cannot be). */
static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS commits(seq INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL,"
    " parent TEXT NOT NULL, author TEXT, email TEXT, time INTEGER NOT NULL, message TEXT);"
    "CREATE INDEX IF NOT EXISTS commits_time ON commits(time);"
    "CREATE TABLE IF NOT EXISTS changes(seq INTEGER NOT NULL, id TEXT NOT NULL,"
    " status TEXT NOT NULL, old_blob TEXT NOT NULL, new_blob TEXT NOT NULL,"
    " summary_public TEXT NOT NULL, summary_internal TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS changes_id ON changes(id, seq);"
    "CREATE INDEX IF NOT EXISTS changes_seq ON changes(seq);"
    "CREATE TABLE IF NOT EXISTS blobs(blob TEXT PRIMARY KEY, json TEXT NOT NULL);";

static const char wipe_sql[] = "DELETE FROM commits; DELETE FROM changes; DELETE FROM blobs; DELETE FROM meta;";

/* Every table of every format so far: an index of another format starts again empty. */
static const char drop_sql[] =
    "DROP TABLE IF EXISTS commits; DROP TABLE IF EXISTS changes; DROP TABLE IF EXISTS blobs;"
    "DROP TABLE IF EXISTS blob_loc; DROP TABLE IF EXISTS blob_mech; DROP TABLE IF EXISTS current;"
    "DELETE FROM meta;";

static int sql_fail(index_db *db, sr_err *err, const char *what)
{
    sr_err_set(err, "index: %s: %s", what, sqlite3_errmsg(db->db));
    return -1;
}

static int exec(index_db *db, const char *sql, sr_err *err)
{
    char *msg = NULL;

    if (sqlite3_exec(db->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        sr_err_set(err, "index: %s", msg ? msg : sqlite3_errmsg(db->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int meta_get(index_db *db, const char *key, char *out, size_t outlen)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;

    out[0] = '\0';
    if (sqlite3_prepare_v2(db->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
        rc = 0;
    }
    sqlite3_finalize(st);
    return rc;
}

static int meta_set(index_db *db, const char *key, const char *value)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(db->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", -1,
                           &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
    return rc;
}

int sqlite_open_private(const char *path, sqlite3 **out, sr_err *err)
{
    *out = NULL;
    if (sqlite3_open_v2(path, out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        sr_err_set(err, "cannot open %s: %s", path, *out ? sqlite3_errmsg(*out) : "out of memory");
        sqlite3_close(*out);
        *out = NULL;
        return -1;
    }
    /* chmod, never open()+close(): closing any descriptor of the file drops the POSIX
     * locks of every connection of this process to it, and another process may then
     * take the database for unused and delete its WAL under them. sqlite gives the -wal
     * and -shm files the database's mode. */
    if (chmod(path, 0600) != 0) {
        sr_err_set(err, "cannot make %s private: %s", path, strerror(errno));
        sqlite3_close(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

int index_open(const char *path, const char *repo_path, index_db **out, sr_err *err)
{
    index_db *db = calloc(1, sizeof(*db));
    char fmt[16], repo[4096];
    int code = SQLITE_OK;

    *out = NULL;
    if (!db) {
        sr_err_set(err, "out of memory");
        return -1;
    }
    snprintf(db->repo, sizeof(db->repo), "%s", repo_path);
    /* internal fields (authors, messages) live here: readable by the owner only */
    if (sqlite_open_private(path, &db->db, err) != 0)
        goto fail;
    sqlite3_busy_timeout(db->db, 10000);
    if (exec(db, pragma_sql, err) != 0 || exec(db, schema_sql, err) != 0)
        goto fail;
    meta_get(db, "format", fmt, sizeof(fmt));
    meta_get(db, "repo", repo, sizeof(repo));
    if (strcmp(fmt, INDEX_FORMAT) != 0 || strcmp(repo, repo_path) != 0) {
        if (exec(db, "BEGIN IMMEDIATE", err) != 0)
            goto fail;
        if (exec(db, strcmp(fmt, INDEX_FORMAT) != 0 ? drop_sql : wipe_sql, err) != 0 ||
            exec(db, schema_sql, err) != 0 ||
            meta_set(db, "format", INDEX_FORMAT) != 0 || meta_set(db, "repo", repo_path) != 0 ||
            exec(db, "COMMIT", err) != 0) {
            if (!err->msg[0])
                sql_fail(db, err, "cannot reset");
            code = sqlite3_errcode(db->db);
            exec(db, "ROLLBACK", NULL);
            goto fail;
        }
    }
    meta_get(db, "tip", db->tip, sizeof(db->tip));
    *out = db;
    return 0;
fail:
    if (code == SQLITE_OK && db->db)
        code = sqlite3_errcode(db->db);
    index_close(db);
    return code == SQLITE_NOTADB || code == SQLITE_CORRUPT ? SR_DAMAGED : -1;
}

void index_busy_timeout(index_db *db, int ms)
{
    sqlite3_busy_timeout(db->db, ms);
}

int index_file_cut(const char *path)
{
    struct stat sb;

    /* a database is a whole number of pages (512 bytes at the least) and never empty once
     * created: anything else was truncated or written over under sqlite */
    if (stat(path, &sb) != 0)
        return errno == ENOENT;
    return sb.st_size == 0 || sb.st_size % 512 != 0;
}

int index_damaged(index_db *db)
{
    sqlite3_stmt *st = NULL;
    int code, bad = 1;

    code = sqlite3_extended_errcode(db->db);
    /* corruption; a page past the end of a file cut short; or a lock nobody gives back for
     * the whole busy timeout (a file truncated under open connections leaves its WAL index
     * claiming frames that no longer exist, and every writer waits on it) */
    if ((code & 0xff) == SQLITE_CORRUPT || code == SQLITE_NOTADB || code == SQLITE_IOERR_SHORT_READ ||
        (code & 0xff) == SQLITE_BUSY)
        return 1;
    if (sqlite3_prepare_v2(db->db, "PRAGMA quick_check(1)", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *v = sqlite3_column_text(st, 0);
        bad = !v || strcmp((const char *)v, "ok") != 0;
    }
    if (st)
        sqlite3_finalize(st);
    return bad;
}

void index_close(index_db *db)
{
    if (!db)
        return;
    sqlite3_close(db->db);
    free(db);
}

const char *index_tip(const index_db *db)
{
    return db->tip;
}

/* ---- catch-up ---- */

typedef struct commit_list {
    store_commit_info *v;
    char **strs;  /* author, email, message per commit, 3 each */
    size_t n, cap;
} commit_list;

/* A store_walk callback: append commit c to the commit_list ctx (strings copied). Returns 0,
 * or -1 when out of memory. */
static int collect(const store_commit_info *c, void *ctx)
{
    commit_list *l = ctx;

    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        store_commit_info *v = realloc(l->v, cap * sizeof(*v));
        char **s = v ? realloc(l->strs, cap * 3 * sizeof(*s)) : NULL;
        if (v)
            l->v = v;
        if (!s)
            return -1;
        l->strs = s;
        l->cap = cap;
    }
    l->v[l->n] = *c;
    l->strs[l->n * 3] = strdup(c->author ? c->author : "");
    l->strs[l->n * 3 + 1] = strdup(c->email ? c->email : "");
    l->strs[l->n * 3 + 2] = strdup(c->message ? c->message : "");
    l->n++;
    return 0;
}

static void commit_list_free(commit_list *l)
{
    size_t i;

    for (i = 0; i < l->n * 3; i++)
        free(l->strs[i]);
    free(l->strs);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

typedef struct stmts {
    sqlite3_stmt *commit, *change, *has_blob, *blob, *blob_json;
} stmts;

static void stmts_free(stmts *s)
{
    sqlite3_finalize(s->commit);
    sqlite3_finalize(s->change);
    sqlite3_finalize(s->has_blob);
    sqlite3_finalize(s->blob);
    sqlite3_finalize(s->blob_json);
}

/* Prepare the statements of a catch-up. Returns 0 or an sqlite error code. */
static int stmts_prepare(index_db *db, stmts *s)
{
    memset(s, 0, sizeof(*s));
    return sqlite3_prepare_v2(db->db, "INSERT INTO commits(id, parent, author, email, time, message)"
                                      " VALUES(?,?,?,?,?,?)", -1, &s->commit, NULL) ||
           sqlite3_prepare_v2(db->db, "INSERT INTO changes(seq, id, status, old_blob, new_blob, summary_public,"
                                      " summary_internal) VALUES(?,?,?,?,?,?,?)", -1, &s->change, NULL) ||
           sqlite3_prepare_v2(db->db, "SELECT 1 FROM blobs WHERE blob = ?", -1, &s->has_blob, NULL) ||
           sqlite3_prepare_v2(db->db, "INSERT INTO blobs(blob, json) VALUES(?,?)", -1, &s->blob, NULL) ||
           sqlite3_prepare_v2(db->db, "SELECT json FROM blobs WHERE blob = ?", -1, &s->blob_json, NULL)
               ? -1
               : 0;
}

static int step_reset(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

/* The reference data at revision tip (the built-in one when the tip's does not load), or NULL
 * when out of memory. Free with reference_free. */
static reference *tip_reference(store *st, const schemas *xs, const char *tip);

/* What a catch-up needs to read an entry's blob: the parser and the tip's reference data,
 * made on first use (a write's catch-up usually has its entry parsed already: fresh). */
typedef struct blob_reader {
    store *st;
    const schemas *xs;
    const char *tip;
    entry *fresh;            /* may be NULL: an entry parsed by the caller, its blob set */
    xmldoc_parser *parser;   /* made on first use */
    reference *ref;          /* made on first use */
} blob_reader;

/* The entry of blob (file subprocessors/<id>.xml), referenced: fresh when it is that blob,
 * else parsed and checked. Returns 0 with *out (NULL when the blob is no entry), or -1. */
static int read_entry(blob_reader *br, const char *blob, const char *id, entry **out,
                      sr_err *err)
{
    char *data = NULL, file[300];
    diag_list d = {0};
    size_t len;
    int rc;

    *out = NULL;
    if (br->fresh && strcmp(br->fresh->blob, blob) == 0) {
        *out = entry_ref(br->fresh);
        return 0;
    }
    if (!br->parser && !(br->parser = xmldoc_parser_new())) {
        sr_err_set(err, "out of memory");
        return -1;
    }
    if (!br->ref)
        br->ref = tip_reference(br->st, br->xs, br->tip);
    if (store_read_blob(br->st, blob, &data, &len, err) != 0)
        return -1;
    snprintf(file, sizeof(file), "subprocessors/%s.xml", id);
    rc = registry_parse_entry_with(br->parser, br->xs, data, len, file, out, &d, err);
    free(data);
    if (*out && br->ref)
        registry_check_entry(br->ref, *out, id, &d);
    diag_list_free(&d);
    return rc;
}

/* Parse the blob once and store its fields. */
static int index_blob(index_db *db, stmts *s, blob_reader *br, const char *blob,
                      const char *id, sr_err *err)
{
    char *json = NULL;
    entry *e = NULL;
    cJSON *j = NULL;
    int rc = -1, found;

    sqlite3_bind_text(s->has_blob, 1, blob, -1, SQLITE_STATIC);
    found = sqlite3_step(s->has_blob) == SQLITE_ROW;
    sqlite3_reset(s->has_blob);
    if (found)
        return 0;
    if (read_entry(br, blob, id, &e, err) != 0)
        goto out;
    if (!e) {
        /* Not an entry (e.g. committed before the guard existed): index it as unreadable. */
        json = strdup("{}");
    } else if (e == br->fresh) {
        /* a write's entry: rendered once, here, for the index and the next snapshot */
        json = entry_render(e) == 0 ? strdup(e->json[VIEW_INTERNAL]) : NULL;
    } else {
        j = entry_to_json(e, VIEW_INTERNAL);
        json = j ? cJSON_PrintUnformatted(j) : NULL;
    }
    if (!json) {
        sr_err_set(err, "out of memory");
        goto out;
    }
    sqlite3_bind_text(s->blob, 1, blob, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->blob, 2, json, -1, SQLITE_STATIC);
    if (step_reset(s->blob) != 0)
        goto sqlfail;
    rc = 0;
    goto out;
sqlfail:
    sql_fail(db, err, "cannot store an entry");
out:
    if (j)
        cJSON_free(json);
    else
        free(json);
    cJSON_Delete(j);
    entry_free(e);
    return rc;
}

/* The stored internal-view JSON of blob (40 hex; "" for none), parsed; NULL when absent. */
static cJSON *blob_json(stmts *s, const char *blob)
{
    cJSON *j = NULL;

    if (!blob[0])
        return NULL;
    sqlite3_bind_text(s->blob_json, 1, blob, -1, SQLITE_STATIC);
    if (sqlite3_step(s->blob_json) == SQLITE_ROW)
        j = cJSON_Parse((const char *)sqlite3_column_text(s->blob_json, 0));
    sqlite3_reset(s->blob_json);
    return j;
}

/* The one-line summaries of a change, public and internal (summary_change), into the
 * emptied pub and internal, computed once when the change is indexed. 0, or -1. */
static int summaries(stmts *s, char status, const char *id, const char *old_blob, const char *new_blob,
                     buf *pub, buf *internal)
{
    cJSON *before = blob_json(s, old_blob), *after = blob_json(s, new_blob);
    int rc;

    pub->len = internal->len = 0;
    buf_puts(pub, "");
    buf_puts(internal, "");
    rc = summary_change(status, id, before, after, 1, pub) != 0 ||
                 summary_change(status, id, before, after, 0, internal) != 0 || pub->failed || internal->failed
             ? -1
             : 0;
    cJSON_Delete(before);
    cJSON_Delete(after);
    return rc;
}

/* Index commit c: its row, and for each entry it changed, the entry's blob (once) and the
 * change with its summaries. Returns 0 or -1. */
static int index_commit(index_db *db, stmts *s, blob_reader *br, const store_commit_info *c,
                        char **strs, sr_err *err)
{
    store_delta *deltas = NULL;
    size_t nd = 0, i;
    sqlite3_int64 seq;
    buf pub, internal;
    int rc = -1;

    buf_init(&pub, 0);
    buf_init(&internal, 0);

    sqlite3_bind_text(s->commit, 1, c->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->commit, 2, c->parent, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->commit, 3, strs[0], -1, SQLITE_STATIC);
    sqlite3_bind_text(s->commit, 4, strs[1], -1, SQLITE_STATIC);
    sqlite3_bind_int64(s->commit, 5, c->time);
    sqlite3_bind_text(s->commit, 6, strs[2], -1, SQLITE_STATIC);
    if (step_reset(s->commit) != 0)
        return sql_fail(db, err, "cannot store a commit");
    seq = sqlite3_last_insert_rowid(db->db);
    if (store_diff(br->st, c->parent, c->id, "subprocessors", &deltas, &nd, err) != 0)
        goto out;
    for (i = 0; i < nd; i++) {
        const store_delta *dl = &deltas[i];
        size_t nl = strlen(dl->name);
        char id[256], status[2] = {dl->status, 0};

        if (nl <= 4 || strcmp(dl->name + nl - 4, ".xml") != 0)
            continue;
        snprintf(id, sizeof(id), "%.*s", (int)(nl - 4 < 255 ? nl - 4 : 255), dl->name);
        if (dl->status != 'D' && index_blob(db, s, br, dl->new_blob, id, err) != 0)
            goto out;
        if (summaries(s, dl->status, id, dl->old_blob, dl->new_blob, &pub, &internal) != 0) {
            sr_err_set(err, "out of memory");
            goto out;
        }
        sqlite3_bind_int64(s->change, 1, seq);
        sqlite3_bind_text(s->change, 2, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s->change, 3, status, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s->change, 4, dl->old_blob, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->change, 5, dl->new_blob, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->change, 6, buf_str(&pub), -1, SQLITE_STATIC);
        sqlite3_bind_text(s->change, 7, buf_str(&internal), -1, SQLITE_STATIC);
        if (step_reset(s->change) != 0) {
            sql_fail(db, err, "cannot store a change");
            goto out;
        }
    }
    rc = 0;
out:
    buf_free(&pub);
    buf_free(&internal);
    store_deltas_free(deltas, nd);
    return rc;
}

static reference *tip_reference(store *st, const schemas *xs, const char *tip)
{
    store_snap *snap = NULL;
    source *src = NULL;
    registry *r = NULL;
    reference *ref = NULL;
    diag_list d = {0};
    sr_err err = {{0}};

    if (store_snap_open(st, tip, &snap, &err) == 0 && source_from_snap(snap, &src, &err) == 0 &&
        registry_load_base(src, xs, &r, &d, &err) == 0) {
        ref = r->ref;
        r->ref = NULL;
    }
    if (!ref)
        ref = reference_builtin(xs->reference, &err);
    registry_free(r);
    source_close(src);
    store_snap_free(snap);
    diag_list_free(&d);
    return ref;
}

/* Index the commits of main after the indexed tip (wipe = 1: from the root), in one
 * transaction. fresh: see index_catch_up. Returns 0 or -1. */
static int catch_up(index_db *db, store *st, const schemas *xs, entry *fresh, int wipe,
                    size_t *added, sr_err *err)
{
    char tip[STORE_OID_HEX], indexed[STORE_OID_HEX];
    commit_list l = {0};
    blob_reader br = {st, xs, tip, fresh, NULL, NULL};
    stmts s;
    size_t i;
    int rc = -1, wrc;

    memset(&s, 0, sizeof(s));
    if (added)
        *added = 0;
    if (store_resolve(st, NULL, tip, err) != 0)
        return -1;
    if (!wipe && strcmp(tip, db->tip) == 0)
        return 0;
    if (exec(db, "BEGIN IMMEDIATE", err) != 0)
        return -1;
    /* Another connection may have caught up while we waited for the lock. */
    meta_get(db, "tip", indexed, sizeof(indexed));
    if (wipe) {
        if (exec(db, wipe_sql, err) != 0 || meta_set(db, "format", INDEX_FORMAT) != 0 ||
            meta_set(db, "repo", db->repo) != 0)
            goto out;
        indexed[0] = '\0';
    }
    if (strcmp(indexed, tip) == 0) {
        rc = 0;
        goto out;
    }
    wrc = store_walk(st, tip, indexed[0] ? indexed : NULL, collect, &l, err);
    if (wrc == STORE_NOTFOUND) {
        /* History was rewritten under the index: start again from the root. */
        commit_list_free(&l);
        if (exec(db, wipe_sql, err) != 0 || meta_set(db, "format", INDEX_FORMAT) != 0 ||
            meta_set(db, "repo", db->repo) != 0)
            goto out;
        wrc = store_walk(st, tip, NULL, collect, &l, err);
    }
    if (wrc != 0)
        goto out;
    if (stmts_prepare(db, &s) != 0) {
        sql_fail(db, err, "cannot prepare");
        goto out;
    }
    for (i = l.n; i-- > 0;)
        if (index_commit(db, &s, &br, &l.v[i], &l.strs[i * 3], err) != 0)
            goto out;
    if (meta_set(db, "tip", tip) != 0) {
        sql_fail(db, err, "cannot store the tip");
        goto out;
    }
    if (added)
        *added = l.n;
    rc = 0;
out:
    stmts_free(&s);
    reference_free(br.ref);
    xmldoc_parser_free(br.parser);
    commit_list_free(&l);
    if (rc == 0 && exec(db, "COMMIT", err) == 0) {
        snprintf(db->tip, sizeof(db->tip), "%s", tip);
    } else {
        exec(db, "ROLLBACK", NULL);
        rc = -1;
    }
    return rc;
}

int index_catch_up(index_db *db, store *s, const schemas *xs, entry *fresh, size_t *added,
                   sr_err *err)
{
    return catch_up(db, s, xs, fresh, 0, added, err);
}

int index_rebuild(index_db *db, store *s, const schemas *xs, sr_err *err)
{
    return catch_up(db, s, xs, NULL, 1, NULL, err);
}

/* ---- queries ---- */

int index_changes(index_db *db, const char *id, const char *after, int64_t since, size_t limit,
                  index_change **out, size_t *n, sr_err *err)
{
    sqlite3_stmt *st = NULL;
    index_change *v = NULL;
    size_t k = 0, cap = 0;
    sqlite3_int64 after_seq = 0;
    int rc = -1, step;

    *out = NULL;
    *n = 0;
    if (after && *after) {
        if (sqlite3_prepare_v2(db->db, "SELECT seq FROM commits WHERE id = ?", -1, &st, NULL) != SQLITE_OK)
            return sql_fail(db, err, "query");
        sqlite3_bind_text(st, 1, after, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW) {
            sqlite3_finalize(st);
            sr_err_set(err, "%s is not a commit of main", after);
            return STORE_NOTFOUND;
        }
        after_seq = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        st = NULL;
    }
    if (sqlite3_prepare_v2(db->db,
                           "SELECT k.id, k.time, k.author, k.email, k.message, c.status, c.id,"
                           " c.old_blob, c.new_blob, c.summary_public, c.summary_internal"
                           " FROM changes c JOIN commits k ON k.seq = c.seq"
                           " WHERE (?1 IS NULL OR c.id = ?1) AND c.seq > ?2 AND k.time >= ?3"
                           " ORDER BY c.seq DESC, c.id LIMIT ?4",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, err, "query");
    if (id)
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, after_seq);
    sqlite3_bind_int64(st, 3, since);
    sqlite3_bind_int64(st, 4, limit ? (sqlite3_int64)limit : -1);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        index_change *c;
        if (k == cap) {
            index_change *nv;
            cap = cap ? cap * 2 : 32;
            nv = realloc(v, cap * sizeof(*nv));
            if (!nv)
                goto oom;
            v = nv;
        }
        c = &v[k];
        memset(c, 0, sizeof(*c));
        snprintf(c->commit, sizeof(c->commit), "%s", (const char *)sqlite3_column_text(st, 0));
        c->time = sqlite3_column_int64(st, 1);
        c->author = strdup((const char *)sqlite3_column_text(st, 2));
        c->email = strdup((const char *)sqlite3_column_text(st, 3));
        c->message = strdup((const char *)sqlite3_column_text(st, 4));
        c->status = ((const char *)sqlite3_column_text(st, 5))[0];
        c->id = strdup((const char *)sqlite3_column_text(st, 6));
        snprintf(c->old_blob, sizeof(c->old_blob), "%s", (const char *)sqlite3_column_text(st, 7));
        snprintf(c->new_blob, sizeof(c->new_blob), "%s", (const char *)sqlite3_column_text(st, 8));
        c->summary_public = strdup((const char *)sqlite3_column_text(st, 9));
        c->summary_internal = strdup((const char *)sqlite3_column_text(st, 10));
        k++;
        if (!c->author || !c->email || !c->message || !c->id || !c->summary_public || !c->summary_internal)
            goto oom;
    }
    if (step != SQLITE_DONE) {
        sql_fail(db, err, "query");
        goto out;
    }
    *out = v;
    *n = k;
    v = NULL;
    k = 0;
    rc = 0;
    goto out;
oom:
    sr_err_set(err, "out of memory");
out:
    index_changes_free(v, k);
    sqlite3_finalize(st);
    return rc;
}

void index_changes_free_one(index_change *c)
{
    free(c->author);
    free(c->email);
    free(c->message);
    free(c->id);
    free(c->summary_public);
    free(c->summary_internal);
    c->author = c->email = c->message = c->id = c->summary_public = c->summary_internal = NULL;
}

void index_drop_refused(store *st, index_change *ch, size_t *n)
{
    size_t i, k = 0;

    if (!st || !store_any_refused(st))
        return; /* the usual case: nothing was ever refused */
    for (i = 0; i < *n; i++) {
        if (store_is_refused(st, ch[i].commit)) {
            index_changes_free_one(&ch[i]);
            continue;
        }
        ch[k++] = ch[i];
    }
    *n = k;
}

void index_changes_free(index_change *c, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        index_changes_free_one(&c[i]);
    free(c);
}

const char *index_change_summary(const index_change *c, int public_only)
{
    const char *t = public_only ? c->summary_public : c->summary_internal;

    return t ? t : "";
}

int index_first(index_db *db, char out[STORE_OID_HEX], sr_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = 0;

    out[0] = '\0';
    if (sqlite3_prepare_v2(db->db, "SELECT id FROM commits ORDER BY seq LIMIT 1", -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, err, "query");
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(out, STORE_OID_HEX, "%s", (const char *)sqlite3_column_text(st, 0));
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sql_fail(db, err, "query");
    sqlite3_finalize(st);
    return rc;
}

int index_revision_before(index_db *db, int64_t t, char out[STORE_OID_HEX], sr_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = STORE_NOTFOUND;

    out[0] = '\0';
    if (sqlite3_prepare_v2(db->db, "SELECT id FROM commits WHERE time < ? ORDER BY seq DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, err, "query");
    sqlite3_bind_int64(st, 1, t);
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(out, STORE_OID_HEX, "%s", (const char *)sqlite3_column_text(st, 0));
        rc = 0;
    } else {
        sr_err_set(err, "the registry did not exist yet then");
    }
    sqlite3_finalize(st);
    return rc;
}
