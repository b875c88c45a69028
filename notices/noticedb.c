#include "noticedb.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include "../registry/buf.h"
#include "../registry/index.h"
#include "../registry/sha256.h"

struct noticedb {
    sqlite3 *db;
    unsigned char key[32];
};

#define ISO(col) "strftime('%Y-%m-%dT%H:%M:%SZ'," col ",'unixepoch')"

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS subscribers("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
    " lang TEXT NOT NULL, customer TEXT, source TEXT NOT NULL, created INTEGER NOT NULL,"
    " confirmed INTEGER, nonce TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS webhooks("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL, secret TEXT NOT NULL,"
    " customer TEXT, created INTEGER NOT NULL, created_by TEXT);"
    "CREATE TABLE IF NOT EXISTS changesets("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, from_rev TEXT NOT NULL, to_rev TEXT NOT NULL,"
    " recorded INTEGER NOT NULL, announced TEXT, effective TEXT, items TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS outbox("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL, changeset INTEGER,"
    " subscriber INTEGER, webhook INTEGER, recipient TEXT NOT NULL, customer TEXT,"
    " idem TEXT NOT NULL UNIQUE, status TEXT NOT NULL DEFAULT 'pending',"
    " queued INTEGER NOT NULL, next_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    " delivered INTEGER, response TEXT, message_id TEXT);"
    "CREATE INDEX IF NOT EXISTS outbox_due ON outbox(status, next_at);"
    "CREATE TABLE IF NOT EXISTS attempts("
    " outbox INTEGER NOT NULL, at INTEGER NOT NULL, ok INTEGER NOT NULL, response TEXT);"
    "CREATE TABLE IF NOT EXISTS objections("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, changeset INTEGER NOT NULL, subscriber INTEGER,"
    " email TEXT NOT NULL, customer TEXT, created INTEGER NOT NULL, comment TEXT,"
    " UNIQUE(changeset, email));";

static int fail(noticedb *db, sr_err *err, const char *what)
{
    sr_err_set(err, "notify.sqlite: %s: %s", what, db && db->db ? sqlite3_errmsg(db->db) : "cannot open");
    return -1;
}

static int exec(noticedb *db, const char *sql, sr_err *err)
{
    return sqlite3_exec(db->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : fail(db, err, sql);
}

/* Prepare sql and bind the arguments described by types: 't' text (NULL binds NULL),
 * 'i' int64. Returns the statement or NULL with err set. */
static sqlite3_stmt *prep(noticedb *db, sr_err *err, const char *sql, const char *types, ...)
{
    sqlite3_stmt *st = NULL;
    va_list ap;
    int i;

    if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK) {
        fail(db, err, "prepare");
        return NULL;
    }
    va_start(ap, types);
    for (i = 0; types[i]; i++) {
        if (types[i] == 't') {
            const char *v = va_arg(ap, const char *);
            if (v)
                sqlite3_bind_text(st, i + 1, v, -1, SQLITE_TRANSIENT);
            else
                sqlite3_bind_null(st, i + 1);
        } else {
            sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
        }
    }
    va_end(ap);
    return st;
}

/* Step a statement that returns no rows and finalize it. */
static int run(noticedb *db, sqlite3_stmt *st, sr_err *err)
{
    int rc;

    if (!st)
        return -1;
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(db, err, "write");
}

/* End the transaction begun with BEGIN IMMEDIATE: commit when ok, else roll back (also
 * when the commit fails). Returns 0 committed, -1 not. */
static int end_tx(noticedb *db, int ok, sr_err *err)
{
    if (ok && exec(db, "COMMIT", err) == 0)
        return 0;
    exec(db, "ROLLBACK", NULL);
    return -1;
}

/* Every row of st as a JSON object named by its columns (integers, text, null; a column
 * named x_json holding JSON text becomes x), into a new array; finalizes st. */
static int rows_json(noticedb *db, sqlite3_stmt *st, cJSON **out, sr_err *err)
{
    cJSON *arr;
    int rc, i;

    *out = NULL;
    if (!st)
        return -1;
    arr = cJSON_CreateArray();
    while (arr && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        cJSON *o = cJSON_CreateObject();
        for (i = 0; o && i < sqlite3_column_count(st); i++) {
            const char *name = sqlite3_column_name(st, i);
            size_t nl = strlen(name);
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_INTEGER:
                cJSON_AddNumberToObject(o, name, (double)sqlite3_column_int64(st, i));
                break;
            case SQLITE_NULL:
                cJSON_AddNullToObject(o, name);
                break;
            default:
                if (nl > 5 && strcmp(name + nl - 5, "_json") == 0) {
                    char key[64];
                    snprintf(key, sizeof(key), "%.*s", (int)(nl - 5), name);
                    cJSON_AddItemToObject(o, key, cJSON_Parse((const char *)sqlite3_column_text(st, i)));
                } else {
                    cJSON_AddStringToObject(o, name, (const char *)sqlite3_column_text(st, i));
                }
            }
        }
        cJSON_AddItemToArray(arr, o);
    }
    if (!arr || rc != SQLITE_DONE) {
        cJSON_Delete(arr);
        sqlite3_finalize(st);
        return arr ? fail(db, err, "read") : (sr_err_set(err, "out of memory"), -1);
    }
    sqlite3_finalize(st);
    *out = arr;
    return 0;
}

/* bytes random bytes (getrandom) as 2 * bytes hex digits into out. Returns 0 or -1 with err
 * set. */
static int random_hex(char *out, size_t bytes, sr_err *err)
{
    unsigned char raw[64];

    if (bytes > sizeof(raw) || getrandom(raw, bytes, 0) != (ssize_t)bytes) {
        sr_err_set(err, "cannot read random bytes: %s", strerror(errno));
        return -1;
    }
    sha256_to_hex(raw, bytes, out);
    return 0;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Files made before a rewind could end a second change set at a revision kept
 * changesets.to_rev UNIQUE (a rewind to a revision that already ended a change set was never
 * notified): rebuild the table without it, ids kept. Inside the open's transaction. */
static int unique_to_rev_dropped(noticedb *db, sr_err *err)
{
    sqlite3_stmt *st = prep(db, err, "SELECT sql FROM sqlite_master WHERE name='changesets'", "");
    int old = 0;

    if (!st)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        old = strstr((const char *)sqlite3_column_text(st, 0), "to_rev TEXT NOT NULL UNIQUE") != NULL;
    sqlite3_finalize(st);
    if (!old)
        return 0;
    return exec(db,
                "CREATE TABLE changesets_new("
                " id INTEGER PRIMARY KEY AUTOINCREMENT, from_rev TEXT NOT NULL, to_rev TEXT NOT NULL,"
                " recorded INTEGER NOT NULL, announced TEXT, effective TEXT, items TEXT NOT NULL);"
                "INSERT INTO changesets_new SELECT id, from_rev, to_rev, recorded, announced, effective, items FROM changesets;"
                "DROP TABLE changesets; ALTER TABLE changesets_new RENAME TO changesets;",
                err);
}

int notice_open(const char *state_dir, noticedb **out, sr_err *err)
{
    noticedb *db = calloc(1, sizeof(*db));
    char path[4200], hex[65] = "";
    sqlite3_stmt *st = NULL;
    int i, rc = -1;

    *out = NULL;
    if (!db) {
        sr_err_set(err, "out of memory");
        return -1;
    }
    snprintf(path, sizeof(path), "%s/notify.sqlite", state_dir);
    /* personal data: readable by the server's user only */
    if (sqlite_open_private(path, &db->db, err) != 0)
        goto out;
    sqlite3_busy_timeout(db->db, 10000);
    if (exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", err) != 0 ||
        exec(db, "BEGIN IMMEDIATE", err) != 0)
        goto out;
    if (exec(db, schema_sql, err) == 0 && unique_to_rev_dropped(db, err) == 0) {
        st = prep(db, err, "SELECT v FROM meta WHERE k='key'", "");
        if (st && sqlite3_step(st) == SQLITE_ROW)
            snprintf(hex, sizeof(hex), "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        if (strlen(hex) != 64 && (random_hex(hex, 32, err) != 0 ||
                                  run(db, prep(db, err, "INSERT OR REPLACE INTO meta(k, v) VALUES('key', ?)", "t", hex),
                                      err) != 0))
            hex[0] = '\0';
    }
    for (i = 0; i < 64 && hex[i]; i++)
        if (hexval(hex[i]) < 0)
            hex[0] = '\0'; /* a damaged key is never used: the open fails and says so */
    if (end_tx(db, strlen(hex) == 64, err) != 0)
        goto out;
    if (strlen(hex) != 64) {
        sr_err_set(err, "notify.sqlite: the installation's key in meta is damaged (not 64 hex digits): restore the file from a backup");
        goto out;
    }
    for (i = 0; i < 32; i++)
        db->key[i] = (unsigned char)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
    rc = 0;
out:
    if (rc != 0)
        notice_close(db);
    else
        *out = db;
    return rc;
}

void notice_close(noticedb *db)
{
    if (!db)
        return;
    sqlite3_close(db->db);
    free(db);
}

const unsigned char *notice_key(noticedb *db)
{
    return db->key;
}

int notice_email_valid(const char *email, char *why, size_t n)
{
    const char *at = strchr(email, '@'), *p;
    size_t len = strlen(email), label = 0;

    if (len == 0) {
        snprintf(why, n, "email is empty");
        return 0;
    }
    if (len > NOTICE_EMAIL_MAX) {
        snprintf(why, n, "the address is %zu characters; RFC 5321 allows at most %d", len, NOTICE_EMAIL_MAX);
        return 0;
    }
    for (p = email; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch < 0x21 || ch >= 0x7f || strchr("\"(),:;<>[\\]", ch)) {
            snprintf(why, n, "the address holds %s; give a plain address such as dpo@example.com",
                     ch == '\r' || ch == '\n' ? "a line break" : ch >= 0x80 ? "non-ASCII characters" :
                     ch < 0x21 ? "a space or a control character" : "a character addresses here may not hold");
            return 0;
        }
    }
    if (!at || at == email || strchr(at + 1, '@') || !at[1]) {
        snprintf(why, n, "give one address as local-part@domain");
        return 0;
    }
    if (at - email > 64) {
        snprintf(why, n, "the part before @ is %zu characters; RFC 5321 allows at most 64", (size_t)(at - email));
        return 0;
    }
    for (p = at + 1;; p++) {
        if (*p == '.' || !*p) {
            if (label == 0 || label > 63 || p[-1] == '-') {
                snprintf(why, n, "the domain after @ is not a host name");
                return 0;
            }
            if (!*p)
                break;
            label = 0;
            continue;
        }
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              (*p == '-' && label > 0))) {
            snprintf(why, n, "the domain after @ is not a host name");
            return 0;
        }
        label++;
    }
    if (!strchr(at + 1, '.')) {
        snprintf(why, n, "the domain after @ has no dot");
        return 0;
    }
    return 1;
}

int notice_text_ok(const char *s, size_t max)
{
    char *copy;
    const char *p;
    int ok;

    if (strlen(s) > max)
        return 0;
    for (p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return 0;
    copy = strdup(s);
    ok = copy && utf8_sanitize(copy) == 0;
    free(copy);
    return ok;
}

/* The current row of a SELECT id, email, lang, nonce, confirmed into sub. Returns 0. */
static int read_subscriber(sqlite3_stmt *st, notice_subscriber *sub)
{
    memset(sub, 0, sizeof(*sub));
    sub->id = sqlite3_column_int64(st, 0);
    snprintf(sub->email, sizeof(sub->email), "%s", (const char *)sqlite3_column_text(st, 1));
    snprintf(sub->lang, sizeof(sub->lang), "%s", (const char *)sqlite3_column_text(st, 2));
    snprintf(sub->nonce, sizeof(sub->nonce), "%s", (const char *)sqlite3_column_text(st, 3));
    sub->confirmed = sqlite3_column_type(st, 4) != SQLITE_NULL;
    return 0;
}

int notice_find(noticedb *db, int64_t id, const char *email, notice_subscriber *sub,
                      sr_err *err)
{
    sqlite3_stmt *st = id ? prep(db, err, "SELECT id, email, lang, nonce, confirmed FROM subscribers WHERE id=?", "i", id)
                          : prep(db, err, "SELECT id, email, lang, nonce, confirmed FROM subscribers WHERE email=?", "t", email);
    int rc;

    if (!st)
        return -1;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = read_subscriber(st, sub);
    else
        rc = rc == SQLITE_DONE ? SR_NOTFOUND : fail(db, err, "read");
    sqlite3_finalize(st);
    return rc;
}

int notice_subscribe(noticedb *db, const char *email, const char *lang, const char *customer,
                     const char *source, int confirmed, notice_subscriber *sub, int *created,
                     sr_err *err)
{
    char nonce[33];
    int64_t now = time(NULL);
    int rc = -1, found;

    *created = 0;
    if (exec(db, "BEGIN IMMEDIATE", err) != 0)
        return -1;
    found = notice_find(db, 0, email, sub, err);
    if (found < 0)
        goto out;
    if (found == SR_NOTFOUND) {
        if (random_hex(nonce, 16, err) != 0 ||
            run(db, prep(db, err, "INSERT INTO subscribers(email, lang, customer, source, created, confirmed, nonce) "
                                  "VALUES(?, ?, ?, ?, ?, CASE WHEN ? THEN ? END, ?)", "ttttiiit", email, lang, customer,
                         source, now, (int64_t)confirmed, now, nonce), err) != 0)
            goto out;
        *created = 1;
    } else if (run(db, prep(db, err, "UPDATE subscribers SET lang=?, customer=coalesce(?, customer), "
                                     "confirmed=CASE WHEN ? THEN coalesce(confirmed, ?) ELSE confirmed END WHERE id=?",
                            "ttiii", lang, customer, (int64_t)confirmed, now, sub->id), err) != 0) {
        goto out;
    }
    rc = notice_find(db, 0, email, sub, err) == 0 ? 0 : -1;
out:
    return end_tx(db, rc == 0, err);
}

int notice_confirm(noticedb *db, int64_t id, sr_err *err)
{
    if (run(db, prep(db, err, "UPDATE subscribers SET confirmed=? WHERE id=? AND confirmed IS NULL", "ii",
                     (int64_t)time(NULL), id), err) != 0)
        return -1;
    return sqlite3_changes(db->db) > 0 ? 0 : SR_NOTFOUND;
}

int notice_unsubscribe(noticedb *db, int64_t id, const char *email, int pseudonymise, sr_err *err)
{
    notice_subscriber sub;
    char lower[NOTICE_EMAIL_MAX + 1], hex[65], erased[80];
    size_t i;
    int rc = -1, found;

    if (exec(db, "BEGIN IMMEDIATE", err) != 0)
        return -1;
    found = notice_find(db, id, email, &sub, err);
    if (found != 0) {
        rc = found;
        goto out;
    }
    if (run(db, prep(db, err, "DELETE FROM outbox WHERE subscriber=? AND status='pending'", "i", sub.id), err) != 0 ||
        run(db, prep(db, err, "DELETE FROM subscribers WHERE id=?", "i", sub.id), err) != 0)
        goto out;
    if (pseudonymise) {
        for (i = 0; sub.email[i]; i++)
            lower[i] = (char)(sub.email[i] >= 'A' && sub.email[i] <= 'Z' ? sub.email[i] + 32 : sub.email[i]);
        lower[i] = '\0';
        sha256_hex(lower, strlen(lower), hex);
        snprintf(erased, sizeof(erased), "erased:%s", hex);
        if (run(db, prep(db, err, "UPDATE outbox SET recipient=? WHERE subscriber=?", "ti", erased, sub.id), err) != 0 ||
            run(db, prep(db, err, "UPDATE objections SET email=? WHERE subscriber=?", "ti", erased, sub.id), err) != 0)
            goto out;
    }
    rc = 0;
out:
    /* nothing to undo when there was nobody to remove: the rollback is as good */
    return end_tx(db, rc == 0, err) == 0 ? 0 : rc == 0 ? -1 : rc;
}

int notice_subscribers(noticedb *db, cJSON **out, sr_err *err)
{
    return rows_json(db, prep(db, err, "SELECT id, email, lang, customer, source, " ISO("created") " AS created, "
                                       ISO("confirmed") " AS confirmed FROM subscribers ORDER BY id", ""),
                     out, err);
}

int notice_subscriber_data(noticedb *db, int64_t id, cJSON **out, sr_err *err)
{
    cJSON *rows = NULL, *deliveries = NULL, *o;

    *out = NULL;
    if (rows_json(db, prep(db, err, "SELECT email, lang, customer, source, " ISO("created") " AS created, "
                                    ISO("confirmed") " AS confirmed FROM subscribers WHERE id=?", "i", id),
                  &rows, err) != 0)
        return -1;
    if (rows_json(db, prep(db, err, "SELECT changeset, status, " ISO("queued") " AS queued, " ISO("delivered")
                                    " AS delivered, message_id FROM outbox WHERE subscriber=? ORDER BY id", "i", id),
                  &deliveries, err) != 0) {
        cJSON_Delete(rows);
        return -1;
    }
    o = cJSON_DetachItemFromArray(rows, 0);
    cJSON_Delete(rows);
    if (!o) {
        cJSON_Delete(deliveries);
        *out = NULL;
        return 0;
    }
    cJSON_AddItemToObject(o, "deliveries", deliveries);
    *out = o;
    return 0;
}

int notice_webhook_add(noticedb *db, const char *url, const char *customer, const char *by,
                       int64_t *id, char secret[72], sr_err *err)
{
    char hex[65];

    if (random_hex(hex, 32, err) != 0)
        return -1;
    snprintf(secret, 72, "whsec_%s", hex);
    if (run(db, prep(db, err, "INSERT INTO webhooks(url, secret, customer, created, created_by) VALUES(?, ?, ?, ?, ?)",
                     "tttit", url, secret, customer, (int64_t)time(NULL), by), err) != 0)
        return -1;
    *id = sqlite3_last_insert_rowid(db->db);
    return 0;
}

int notice_webhook_remove(noticedb *db, int64_t id, sr_err *err)
{
    int n;

    if (exec(db, "BEGIN IMMEDIATE", err) != 0)
        return -1;
    if (run(db, prep(db, err, "DELETE FROM webhooks WHERE id=?", "i", id), err) != 0)
        n = -1;
    else
        n = sqlite3_changes(db->db);
    if (end_tx(db, n >= 0 && run(db, prep(db, err, "DELETE FROM outbox WHERE webhook=? AND status='pending'", "i", id),
                                 err) == 0, err) != 0)
        return -1;
    return n > 0 ? 0 : SR_NOTFOUND;
}

int notice_webhooks(noticedb *db, cJSON **out, sr_err *err)
{
    return rows_json(db, prep(db, err, "SELECT id, url, customer, " ISO("created") " AS created, created_by "
                                       "FROM webhooks ORDER BY id", ""), out, err);
}

int notice_cursor(noticedb *db, char rev[41], sr_err *err)
{
    sqlite3_stmt *st = prep(db, err, "SELECT v FROM meta WHERE k='cursor'", "");
    int rc;

    rev[0] = '\0';
    if (!st)
        return -1;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        snprintf(rev, 41, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(db, err, "read");
}

int notice_set_cursor(noticedb *db, const char *rev, sr_err *err)
{
    return run(db, prep(db, err, "INSERT OR REPLACE INTO meta(k, v) VALUES('cursor', ?)", "t", rev), err);
}

int notice_record(noticedb *db, const char *from, const char *to, const char *items,
                  const char *announced, const char *effective, int64_t *changeset,
                  size_t *queued, sr_err *err)
{
    int64_t now = time(NULL), cs;
    int rc = -1;

    *queued = 0;
    if (exec(db, "BEGIN IMMEDIATE", err) != 0)
        return -1;
    if (run(db, prep(db, err, "INSERT INTO changesets(from_rev, to_rev, recorded, announced, effective, items) "
                              "VALUES(?, ?, ?, ?, ?, ?)", "ttittt", from, to, now, announced, effective, items), err) != 0)
        goto out;
    cs = sqlite3_last_insert_rowid(db->db);
    if (run(db, prep(db, err, "INSERT OR IGNORE INTO outbox(kind, changeset, subscriber, recipient, customer, idem, queued, next_at) "
                              "SELECT ?, ?, id, email, customer, 'mail.' || id || '.' || ?, ?, ? FROM subscribers "
                              "WHERE confirmed IS NOT NULL", "iiiii", (int64_t)DELIVER_MAIL, cs, cs, now, now), err) != 0)
        goto out;
    *queued += (size_t)sqlite3_changes(db->db);
    if (run(db, prep(db, err, "INSERT OR IGNORE INTO outbox(kind, changeset, webhook, recipient, customer, idem, queued, next_at) "
                              "SELECT ?, ?, id, url, customer, 'hook.' || id || '.' || ?, ?, ? FROM webhooks",
                     "iiiii", (int64_t)DELIVER_WEBHOOK, cs, cs, now, now), err) != 0)
        goto out;
    *queued += (size_t)sqlite3_changes(db->db);
    if (notice_set_cursor(db, to, err) != 0)
        goto out;
    *changeset = cs;
    rc = 0;
out:
    return end_tx(db, rc == 0, err);
}

int notice_queue_confirmation(noticedb *db, int64_t id, sr_err *err)
{
    int64_t now = time(NULL);
    char idem[64];

    /* one confirmation email per subscriber and second: a second request (rate limited
     * by the API) sends a new one, as a person who lost the first expects */
    snprintf(idem, sizeof(idem), "confirm.%lld.%lld", (long long)id, (long long)now);
    return run(db, prep(db, err, "INSERT OR IGNORE INTO outbox(kind, subscriber, recipient, customer, idem, queued, next_at) "
                                 "SELECT ?, id, email, customer, ?, ?, ? FROM subscribers WHERE id=?",
                        "itiii", (int64_t)DELIVER_CONFIRM, idem, now, now, id), err);
}

cJSON *notice_changeset(noticedb *db, int64_t id, sr_err *err)
{
    cJSON *rows = NULL, *o;

    if (rows_json(db, prep(db, err, "SELECT id, from_rev AS \"from\", to_rev AS \"to\", " ISO("recorded")
                                    " AS recorded, announced, effective, items AS items_json FROM changesets WHERE id=?",
                           "i", id), &rows, err) != 0)
        return NULL;
    o = cJSON_DetachItemFromArray(rows, 0);
    cJSON_Delete(rows);
    return o;
}

int notice_retry_now(noticedb *db, sr_err *err)
{
    return run(db, prep(db, err, "UPDATE outbox SET next_at=? WHERE status='pending' AND next_at > ?", "ii",
                        (int64_t)time(NULL), (int64_t)time(NULL)), err);
}

int notice_due_list(noticedb *db, int64_t now, unsigned kinds, notice_due *out, int max, sr_err *err)
{
    sqlite3_stmt *st = prep(db, err,
        "SELECT o.id, o.kind, coalesce(o.changeset, 0), coalesce(o.subscriber, 0), coalesce(o.webhook, 0), "
        " o.recipient, coalesce(s.lang, 'en'), coalesce(s.nonce, ''), coalesce(w.secret, ''), o.idem, o.attempts, o.queued "
        "FROM outbox o LEFT JOIN subscribers s ON s.id = o.subscriber LEFT JOIN webhooks w ON w.id = o.webhook "
        "WHERE o.status='pending' AND o.next_at <= ? AND ((? >> o.kind) & 1) ORDER BY o.next_at, o.id LIMIT ?", "iii",
        now, (int64_t)kinds, (int64_t)max);
    int n = 0, rc;

    if (!st)
        return -1;
    while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        notice_due *d = &out[n++];
        memset(d, 0, sizeof(*d));
        d->id = sqlite3_column_int64(st, 0);
        d->kind = (notice_kind)sqlite3_column_int(st, 1);
        d->changeset = sqlite3_column_int64(st, 2);
        d->subscriber = sqlite3_column_int64(st, 3);
        d->webhook = sqlite3_column_int64(st, 4);
        snprintf(d->recipient, sizeof(d->recipient), "%s", (const char *)sqlite3_column_text(st, 5));
        snprintf(d->lang, sizeof(d->lang), "%s", (const char *)sqlite3_column_text(st, 6));
        snprintf(d->nonce, sizeof(d->nonce), "%s", (const char *)sqlite3_column_text(st, 7));
        snprintf(d->secret, sizeof(d->secret), "%s", (const char *)sqlite3_column_text(st, 8));
        snprintf(d->idem, sizeof(d->idem), "%s", (const char *)sqlite3_column_text(st, 9));
        d->attempts = sqlite3_column_int(st, 10);
        d->queued = sqlite3_column_int64(st, 11);
    }
    if (n < max && rc != SQLITE_DONE) {
        sqlite3_finalize(st);
        return fail(db, err, "read");
    }
    sqlite3_finalize(st);
    return n;
}

int notice_attempt(noticedb *db, int64_t id, int64_t now, int ok, const char *response,
                   const char *message_id, int64_t next_at, sr_err *err)
{
    int rc = -1;

    if (exec(db, "BEGIN IMMEDIATE", err) != 0)
        return -1;
    if (run(db, prep(db, err, "INSERT INTO attempts(outbox, at, ok, response) VALUES(?, ?, ?, ?)", "iiit",
                     id, now, (int64_t)ok, response), err) != 0)
        goto out;
    if (ok)
        rc = run(db, prep(db, err, "UPDATE outbox SET status='sent', delivered=?, attempts=attempts+1, response=?, "
                                   "message_id=? WHERE id=?", "itti", now, response, message_id, id), err);
    else
        rc = run(db, prep(db, err, "UPDATE outbox SET status=CASE WHEN ?=0 THEN 'failed' ELSE 'pending' END, "
                                   "next_at=?, attempts=attempts+1, response=?, message_id=coalesce(?, message_id) WHERE id=?",
                          "iitti", next_at, next_at, response, message_id, id), err);
out:
    return end_tx(db, rc == 0, err);
}

/* The one number `sql` (a count without parameters) yields, or -1 with err set. */
static int64_t count_of(noticedb *db, const char *sql, sr_err *err)
{
    sqlite3_stmt *st = prep(db, err, sql, "");
    int64_t n = -1;

    if (st && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    else if (st)
        fail(db, err, "read");
    sqlite3_finalize(st);
    return n;
}

int64_t notice_pending(noticedb *db, sr_err *err)
{
    return count_of(db, "SELECT count(*) FROM outbox WHERE status='pending'", err);
}

int64_t notice_unconfirmed(noticedb *db, sr_err *err)
{
    return count_of(db, "SELECT count(*) FROM subscribers WHERE confirmed IS NULL", err);
}

int notice_proof(noticedb *db, int64_t since, int64_t after, int64_t limit, cJSON **out, sr_err *err)
{
    return rows_json(db, prep(db, err,
        "SELECT o.id, o.changeset, c.from_rev AS \"from\", c.to_rev AS \"to\", "
        " CASE o.kind WHEN 0 THEN 'confirmation' WHEN 1 THEN 'email' ELSE 'webhook' END AS channel, "
        " o.recipient, o.customer, o.status, " ISO("o.queued") " AS queued, " ISO("o.delivered") " AS delivered, "
        " o.attempts, o.response, o.message_id "
        "FROM outbox o LEFT JOIN changesets c ON c.id = o.changeset WHERE o.queued >= ? AND o.id > ? "
        "ORDER BY o.id LIMIT ?",
        "iii", since, after, limit > 0 ? limit : (int64_t)-1), out, err);
}

int notice_object(noticedb *db, int64_t changeset, int64_t subscriber, const char *comment,
                  int64_t now, sr_err *err)
{
    if (run(db, prep(db, err, "INSERT OR IGNORE INTO objections(changeset, subscriber, email, customer, created, comment) "
                              "SELECT ?, id, email, customer, ?, ? FROM subscribers WHERE id=?",
                     "iiti", changeset, now, comment, subscriber), err) != 0)
        return -1;
    return sqlite3_changes(db->db) > 0 ? 0 : SR_NOTFOUND;
}

int notice_objections(noticedb *db, cJSON **out, sr_err *err)
{
    return rows_json(db, prep(db, err,
        "SELECT j.id, j.changeset, c.from_rev AS \"from\", c.to_rev AS \"to\", j.email, j.customer, "
        ISO("j.created") " AS date, j.comment, c.items AS items_json "
        "FROM objections j JOIN changesets c ON c.id = j.changeset ORDER BY j.id DESC", ""), out, err);
}

int notice_unsent(noticedb *db, const char *today, cJSON **out, sr_err *err)
{
    return rows_json(db, prep(db, err,
        "SELECT c.id AS changeset, c.to_rev AS \"to\", c.announced, c.effective, "
        " sum(o.status <> 'sent') AS pending, count(*) AS recipients, c.items AS items_json "
        "FROM changesets c JOIN outbox o ON o.changeset = c.id AND o.kind = 1 "
        "WHERE coalesce(c.announced, date(c.recorded, 'unixepoch')) <= ? "
        "GROUP BY c.id HAVING pending > 0 ORDER BY c.id", "t", today), out, err);
}

int notice_expire_unconfirmed(noticedb *db, int64_t before, sr_err *err)
{
    int rc = -1, n = 0;

    if (exec(db, "BEGIN IMMEDIATE", err) != 0)
        return -1;
    /* with the subscription goes everything that names its address: the confirmation sent or
     * pending, and its attempts (the documented promise: removed with its data) */
    if (run(db, prep(db, err, "DELETE FROM attempts WHERE outbox IN (SELECT id FROM outbox WHERE subscriber IN "
                              "(SELECT id FROM subscribers WHERE confirmed IS NULL AND created < ?))", "i", before), err) != 0 ||
        run(db, prep(db, err, "DELETE FROM outbox WHERE subscriber IN "
                              "(SELECT id FROM subscribers WHERE confirmed IS NULL AND created < ?)", "i", before), err) != 0 ||
        run(db, prep(db, err, "DELETE FROM subscribers WHERE confirmed IS NULL AND created < ?", "i", before), err) != 0)
        goto out;
    n = sqlite3_changes(db->db);
    rc = 0;
out:
    return end_tx(db, rc == 0, err) == 0 ? n : -1;
}

int notice_purge(noticedb *db, int64_t before, sr_err *err)
{
    int rc = -1, n = 0;

    if (exec(db, "BEGIN IMMEDIATE", err) != 0)
        return -1;
    /* whole change sets only, and only once nothing of them is pending */
    if (run(db, prep(db, err, "CREATE TEMP TABLE IF NOT EXISTS gone(id INTEGER PRIMARY KEY)", ""), err) != 0 ||
        run(db, prep(db, err, "DELETE FROM temp.gone", ""), err) != 0 ||
        run(db, prep(db, err, "INSERT INTO temp.gone SELECT c.id FROM changesets c WHERE c.recorded < ? AND NOT EXISTS "
                              "(SELECT 1 FROM outbox o WHERE o.changeset = c.id AND o.status = 'pending')", "i", before), err) != 0 ||
        run(db, prep(db, err, "DELETE FROM attempts WHERE outbox IN (SELECT id FROM outbox WHERE changeset IN temp.gone "
                              "OR (changeset IS NULL AND status <> 'pending' AND queued < ?))", "i", before), err) != 0 ||
        run(db, prep(db, err, "DELETE FROM outbox WHERE changeset IN temp.gone OR (changeset IS NULL AND status <> 'pending' "
                              "AND queued < ?)", "i", before), err) != 0)
        goto out;
    n = sqlite3_changes(db->db);
    if (run(db, prep(db, err, "DELETE FROM objections WHERE changeset IN temp.gone", ""), err) != 0 ||
        run(db, prep(db, err, "DELETE FROM changesets WHERE id IN temp.gone", ""), err) != 0)
        goto out;
    rc = 0;
out:
    return end_tx(db, rc == 0, err) == 0 ? n : -1;
}
