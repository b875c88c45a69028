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

#define INDEX_FORMAT "1"

struct index_db {
    sqlite3 *db;
    char repo[4096];
    char tip[STORE_OID_HEX];
};

static const char schema_sql[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS commits(seq INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL,"
    " parent TEXT NOT NULL, author TEXT, email TEXT, time INTEGER NOT NULL, message TEXT);"
    "CREATE INDEX IF NOT EXISTS commits_time ON commits(time);"
    "CREATE TABLE IF NOT EXISTS changes(seq INTEGER NOT NULL, id TEXT NOT NULL,"
    " status TEXT NOT NULL, old_blob TEXT NOT NULL, new_blob TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS changes_id ON changes(id, seq);"
    "CREATE INDEX IF NOT EXISTS changes_seq ON changes(seq);"
    "CREATE TABLE IF NOT EXISTS blobs(blob TEXT PRIMARY KEY, id TEXT, name TEXT, purpose TEXT,"
    " status TEXT, json TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS blob_loc(blob TEXT NOT NULL, country TEXT, use TEXT);"
    "CREATE INDEX IF NOT EXISTS blob_loc_blob ON blob_loc(blob);"
    "CREATE TABLE IF NOT EXISTS blob_mech(blob TEXT NOT NULL, country TEXT, mechanism TEXT);"
    "CREATE INDEX IF NOT EXISTS blob_mech_blob ON blob_mech(blob);"
    "CREATE TABLE IF NOT EXISTS current(id TEXT PRIMARY KEY, blob TEXT NOT NULL);";

static const char wipe_sql[] =
    "DELETE FROM commits; DELETE FROM changes; DELETE FROM blobs; DELETE FROM blob_loc;"
    "DELETE FROM blob_mech; DELETE FROM current; DELETE FROM meta;";

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
    if (exec(db, schema_sql, err) != 0)
        goto fail;
    meta_get(db, "format", fmt, sizeof(fmt));
    meta_get(db, "repo", repo, sizeof(repo));
    if (strcmp(fmt, INDEX_FORMAT) != 0 || strcmp(repo, repo_path) != 0) {
        if (exec(db, "BEGIN IMMEDIATE", err) != 0)
            goto fail;
        if (exec(db, wipe_sql, err) != 0 || meta_set(db, "format", INDEX_FORMAT) != 0 ||
            meta_set(db, "repo", repo_path) != 0 || exec(db, "COMMIT", err) != 0) {
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
    sqlite3_stmt *commit, *change, *has_blob, *blob, *loc, *mech, *cur_put, *cur_del;
} stmts;

static void stmts_free(stmts *s)
{
    sqlite3_finalize(s->commit);
    sqlite3_finalize(s->change);
    sqlite3_finalize(s->has_blob);
    sqlite3_finalize(s->blob);
    sqlite3_finalize(s->loc);
    sqlite3_finalize(s->mech);
    sqlite3_finalize(s->cur_put);
    sqlite3_finalize(s->cur_del);
}

static int stmts_prepare(index_db *db, stmts *s)
{
    memset(s, 0, sizeof(*s));
    return sqlite3_prepare_v2(db->db, "INSERT INTO commits(id, parent, author, email, time, message)"
                                      " VALUES(?,?,?,?,?,?)", -1, &s->commit, NULL) ||
           sqlite3_prepare_v2(db->db, "INSERT INTO changes(seq, id, status, old_blob, new_blob)"
                                      " VALUES(?,?,?,?,?)", -1, &s->change, NULL) ||
           sqlite3_prepare_v2(db->db, "SELECT 1 FROM blobs WHERE blob = ?", -1, &s->has_blob, NULL) ||
           sqlite3_prepare_v2(db->db, "INSERT INTO blobs(blob, id, name, purpose, status, json)"
                                      " VALUES(?,?,?,?,?,?)", -1, &s->blob, NULL) ||
           sqlite3_prepare_v2(db->db, "INSERT INTO blob_loc(blob, country, use) VALUES(?,?,?)", -1,
                              &s->loc, NULL) ||
           sqlite3_prepare_v2(db->db, "INSERT INTO blob_mech(blob, country, mechanism) VALUES(?,?,?)",
                              -1, &s->mech, NULL) ||
           sqlite3_prepare_v2(db->db, "INSERT OR REPLACE INTO current(id, blob) VALUES(?,?)", -1,
                              &s->cur_put, NULL) ||
           sqlite3_prepare_v2(db->db, "DELETE FROM current WHERE id = ?", -1, &s->cur_del, NULL)
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

static const char *country_of(const entry_country *c)
{
    return c->cc[0] ? c->cc : c->raw;
}

/* Parse the blob once and store its fields. */
static int index_blob(index_db *db, stmts *s, store *st, const schemas *xs,
                      const reference *ref, xmldoc_parser *parser, const char *blob,
                      const char *id, sr_err *err)
{
    char *data = NULL, *json = NULL, file[300];
    diag_list d = {0};
    entry *e = NULL;
    cJSON *j = NULL;
    size_t len, i;
    int rc = -1, found;

    sqlite3_bind_text(s->has_blob, 1, blob, -1, SQLITE_STATIC);
    found = sqlite3_step(s->has_blob) == SQLITE_ROW;
    sqlite3_reset(s->has_blob);
    if (found)
        return 0;
    if (store_read_blob(st, blob, &data, &len, err) != 0)
        goto out;
    snprintf(file, sizeof(file), "subprocessors/%s.xml", id);
    e = registry_parse_entry_with(parser, xs, data, len, file, &d, err);
    if (!e) {
        if (err->msg[0])
            goto out;
        /* Not an entry (e.g. committed before the guard existed): index it as unreadable. */
        json = strdup("{}");
    } else {
        if (ref)
            registry_check_entry(ref, e, id, &d);
        j = entry_to_json(e, 1);
        json = j ? cJSON_PrintUnformatted(j) : NULL;
    }
    if (!json) {
        sr_err_set(err, "out of memory");
        goto out;
    }
    sqlite3_bind_text(s->blob, 1, blob, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->blob, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->blob, 3, e && e->name ? e->name : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s->blob, 4, e && e->purpose ? e->purpose : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s->blob, 5, e ? entry_status_name(e->status) : "unknown", -1, SQLITE_STATIC);
    sqlite3_bind_text(s->blob, 6, json, -1, SQLITE_STATIC);
    if (step_reset(s->blob) != 0)
        goto sqlfail;
    for (i = 0; e && i < e->nlocations; i++) {
        sqlite3_bind_text(s->loc, 1, blob, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->loc, 2, country_of(&e->locations[i].country), -1, SQLITE_STATIC);
        sqlite3_bind_text(s->loc, 3, entry_use_name(e->locations[i].use), -1, SQLITE_STATIC);
        if (step_reset(s->loc) != 0)
            goto sqlfail;
    }
    for (i = 0; e && i < e->ntransfers; i++) {
        sqlite3_bind_text(s->mech, 1, blob, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->mech, 2, country_of(&e->transfers[i].country), -1, SQLITE_STATIC);
        sqlite3_bind_text(s->mech, 3, entry_mechanism_name(e->transfers[i].mechanism), -1,
                          SQLITE_STATIC);
        if (step_reset(s->mech) != 0)
            goto sqlfail;
    }
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
    diag_list_free(&d);
    free(data);
    return rc;
}

static int index_commit(index_db *db, stmts *s, store *st, const schemas *xs,
                        const reference *ref, xmldoc_parser *parser,
                        const store_commit_info *c, char **strs, sr_err *err)
{
    store_delta *deltas = NULL;
    size_t nd = 0, i;
    sqlite3_int64 seq;
    int rc = -1;

    sqlite3_bind_text(s->commit, 1, c->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->commit, 2, c->parent, -1, SQLITE_STATIC);
    sqlite3_bind_text(s->commit, 3, strs[0], -1, SQLITE_STATIC);
    sqlite3_bind_text(s->commit, 4, strs[1], -1, SQLITE_STATIC);
    sqlite3_bind_int64(s->commit, 5, c->time);
    sqlite3_bind_text(s->commit, 6, strs[2], -1, SQLITE_STATIC);
    if (step_reset(s->commit) != 0)
        return sql_fail(db, err, "cannot store a commit");
    seq = sqlite3_last_insert_rowid(db->db);
    if (store_diff(st, c->parent, c->id, "subprocessors", &deltas, &nd, err) != 0)
        goto out;
    for (i = 0; i < nd; i++) {
        const store_delta *dl = &deltas[i];
        size_t nl = strlen(dl->name);
        char id[256], status[2] = {dl->status, 0};

        if (nl <= 4 || strcmp(dl->name + nl - 4, ".xml") != 0)
            continue;
        snprintf(id, sizeof(id), "%.*s", (int)(nl - 4 < 255 ? nl - 4 : 255), dl->name);
        sqlite3_bind_int64(s->change, 1, seq);
        sqlite3_bind_text(s->change, 2, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s->change, 3, status, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s->change, 4, dl->old_blob, -1, SQLITE_STATIC);
        sqlite3_bind_text(s->change, 5, dl->new_blob, -1, SQLITE_STATIC);
        if (step_reset(s->change) != 0) {
            sql_fail(db, err, "cannot store a change");
            goto out;
        }
        if (dl->status == 'D') {
            sqlite3_bind_text(s->cur_del, 1, id, -1, SQLITE_TRANSIENT);
            if (step_reset(s->cur_del) != 0) {
                sql_fail(db, err, "cannot update the current list");
                goto out;
            }
            continue;
        }
        if (index_blob(db, s, st, xs, ref, parser, dl->new_blob, id, err) != 0)
            goto out;
        sqlite3_bind_text(s->cur_put, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s->cur_put, 2, dl->new_blob, -1, SQLITE_STATIC);
        if (step_reset(s->cur_put) != 0) {
            sql_fail(db, err, "cannot update the current list");
            goto out;
        }
    }
    rc = 0;
out:
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

static int catch_up(index_db *db, store *st, const schemas *xs, int wipe, size_t *added,
                    sr_err *err)
{
    char tip[STORE_OID_HEX], indexed[STORE_OID_HEX];
    commit_list l = {0};
    xmldoc_parser *parser = NULL;
    reference *ref = NULL;
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
    parser = xmldoc_parser_new();
    ref = tip_reference(st, xs, tip);
    if (!parser) {
        sr_err_set(err, "out of memory");
        goto out;
    }
    for (i = l.n; i-- > 0;)
        if (index_commit(db, &s, st, xs, ref, parser, &l.v[i], &l.strs[i * 3], err) != 0)
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
    reference_free(ref);
    xmldoc_parser_free(parser);
    commit_list_free(&l);
    if (rc == 0 && exec(db, "COMMIT", err) == 0) {
        snprintf(db->tip, sizeof(db->tip), "%s", tip);
    } else {
        exec(db, "ROLLBACK", NULL);
        rc = -1;
    }
    return rc;
}

int index_catch_up(index_db *db, store *s, const schemas *xs, size_t *added, sr_err *err)
{
    return catch_up(db, s, xs, 0, added, err);
}

int index_rebuild(index_db *db, store *s, const schemas *xs, sr_err *err)
{
    return catch_up(db, s, xs, 1, NULL, err);
}

/* ---- queries ---- */

static void like_escape(const char *s, buf *b)
{
    buf_puts(b, "%");
    for (; *s; s++) {
        if (*s == '%' || *s == '_' || *s == '\\')
            buf_add(b, "\\", 1);
        buf_add(b, s, 1);
    }
    buf_puts(b, "%");
}

int index_query_rows(index_db *db, const index_query *q, index_row **rows, size_t *n,
                     sr_err *err)
{
    static const char *known[] = {"planned", "active", "retired"};
    buf sql, like;
    sqlite3_stmt *st = NULL;
    index_row *v = NULL;
    size_t k = 0, cap = 0;
    int rc = -1, bind = 1, nstatus = 0, i, step;
    const char *statuses[3];
    const char *status = q->status ? q->status : "planned,active";

    *rows = NULL;
    *n = 0;
    buf_init(&sql, 0);
    buf_init(&like, 0);
    if (strcmp(status, "all") != 0) {
        for (i = 0; i < 3; i++) {
            const char *p = strstr(status, known[i]);
            size_t kl = strlen(known[i]);
            while (p && !((p == status || p[-1] == ',') && (p[kl] == '\0' || p[kl] == ',')))
                p = strstr(p + 1, known[i]);
            if (p)
                statuses[nstatus++] = known[i];
        }
        if (nstatus == 0) {
            sr_err_set(err, "status must be planned, active, retired, a comma list of them, or all");
            goto out;
        }
    }
    buf_puts(&sql, "SELECT c.id, c.blob FROM current c JOIN blobs b ON b.blob = c.blob WHERE 1");
    if (nstatus) {
        buf_puts(&sql, " AND b.status IN (");
        for (i = 0; i < nstatus; i++)
            buf_puts(&sql, i ? ",?" : "?");
        buf_puts(&sql, ")");
    }
    if (q->country || q->use)
        buf_puts(&sql, " AND EXISTS (SELECT 1 FROM blob_loc l WHERE l.blob = c.blob"
                       " AND (?1000 IS NULL OR l.country = ?1000) AND (?1001 IS NULL OR l.use = ?1001))");
    if (q->mechanism)
        buf_puts(&sql, " AND EXISTS (SELECT 1 FROM blob_mech m WHERE m.blob = c.blob AND m.mechanism = ?1002)");
    if (q->q) {
        like_escape(q->q, &like);
        buf_puts(&sql, " AND (b.name LIKE ?1003 ESCAPE '\\' OR b.purpose LIKE ?1003 ESCAPE '\\')");
    }
    buf_puts(&sql, " ORDER BY c.id");
    if (sql.failed || like.failed) {
        sr_err_set(err, "out of memory");
        goto out;
    }
    if (sqlite3_prepare_v2(db->db, buf_str(&sql), -1, &st, NULL) != SQLITE_OK) {
        sql_fail(db, err, "query");
        goto out;
    }
    for (i = 0; i < nstatus; i++)
        sqlite3_bind_text(st, bind++, statuses[i], -1, SQLITE_STATIC);
    if (q->country || q->use) {
        if (q->country)
            sqlite3_bind_text(st, 1000, q->country, -1, SQLITE_STATIC);
        if (q->use)
            sqlite3_bind_text(st, 1001, q->use, -1, SQLITE_STATIC);
    }
    if (q->mechanism)
        sqlite3_bind_text(st, 1002, q->mechanism, -1, SQLITE_STATIC);
    if (q->q)
        sqlite3_bind_text(st, 1003, buf_str(&like), -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == cap) {
            index_row *nv;
            cap = cap ? cap * 2 : 64;
            nv = realloc(v, cap * sizeof(*nv));
            if (!nv) {
                sr_err_set(err, "out of memory");
                goto out;
            }
            v = nv;
        }
        v[k].id = strdup((const char *)sqlite3_column_text(st, 0));
        snprintf(v[k].blob, sizeof(v[k].blob), "%s", (const char *)sqlite3_column_text(st, 1));
        if (!v[k].id) {
            sr_err_set(err, "out of memory");
            goto out;
        }
        k++;
    }
    if (step != SQLITE_DONE) {
        sql_fail(db, err, "query");
        goto out;
    }
    *rows = v;
    *n = k;
    v = NULL;
    k = 0;
    rc = 0;
out:
    index_rows_free(v, k);
    sqlite3_finalize(st);
    buf_free(&sql);
    buf_free(&like);
    return rc;
}

void index_rows_free(index_row *rows, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(rows[i].id);
    free(rows);
}

int index_blob_json(index_db *db, const char *blob, char **json, sr_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = STORE_NOTFOUND;

    *json = NULL;
    if (sqlite3_prepare_v2(db->db, "SELECT json FROM blobs WHERE blob = ?", -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, err, "query");
    sqlite3_bind_text(st, 1, blob, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *json = strdup((const char *)sqlite3_column_text(st, 0));
        rc = *json ? 0 : -1;
        if (rc)
            sr_err_set(err, "out of memory");
    }
    sqlite3_finalize(st);
    return rc;
}

int index_changes(index_db *db, const char *id, const char *after, int64_t since,
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
                           " c.old_blob, c.new_blob FROM changes c JOIN commits k ON k.seq = c.seq"
                           " WHERE (?1 IS NULL OR c.id = ?1) AND c.seq > ?2 AND k.time >= ?3"
                           " ORDER BY c.seq DESC, c.id",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, err, "query");
    if (id)
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, after_seq);
    sqlite3_bind_int64(st, 3, since);
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
        k++;
        if (!c->author || !c->email || !c->message || !c->id)
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
    c->author = c->email = c->message = c->id = NULL;
}

void index_changes_free(index_change *c, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        index_changes_free_one(&c[i]);
    free(c);
}

static cJSON *stored_json(index_db *db, const char *blob)
{
    char *txt = NULL;
    sr_err err = {{0}};
    cJSON *j;

    if (!blob[0] || index_blob_json(db, blob, &txt, &err) != 0)
        return NULL;
    j = cJSON_Parse(txt);
    free(txt);
    return j;
}

int index_change_summary(index_db *db, const index_change *c, int public_only, buf *out)
{
    cJSON *before = stored_json(db, c->old_blob), *after = stored_json(db, c->new_blob);
    int rc = summary_change(c->status, c->id, before, after, public_only, out);

    cJSON_Delete(before);
    cJSON_Delete(after);
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

long index_count(index_db *db)
{
    sqlite3_stmt *st = NULL;
    long n = -1;

    if (sqlite3_prepare_v2(db->db, "SELECT count(*) FROM current", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}
