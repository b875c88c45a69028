/* The HTTP API's reads: the list, an entry, history and changes, the Atom feed,
 * compliance, countries, schemas, health, metrics and the public page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "../registry/date.h"
#include "../registry/embed.h"
#include "../registry/entry.h"
#include "../registry/export.h"
#include "../registry/feed.h"
#include "../registry/page.h"
#include "../registry/guard.h"
#include "../registry/report.h"
#include "../registry/rules.h"
#include "../registry/sha256.h"
#include "../registry/writer.h"
#include "../registry/xmldoc.h"
#include "../registry/version.h"
#include "../notices/notify.h"
#include "routes.h"
#include "../registry/upstream.h"
#include "writes.h"

/* ---- reads ---- */

/* The view asked for: ?view=internal (a reader's token), ?view=customer (a customer's
 * token or more), else public. -1 for another value. */
static int want_view(struct MHD_Connection *c)
{
    const char *v = api_arg(c, "view");

    if (!v || strcmp(v, "public") == 0)
        return VIEW_PUBLIC;
    if (strcmp(v, "internal") == 0)
        return VIEW_INTERNAL;
    if (strcmp(v, "customer") == 0)
        return VIEW_CUSTOMER;
    return -1;
}

int api_want_internal(struct MHD_Connection *c)
{
    return want_view(c) != VIEW_PUBLIC;
}

/* The role a view needs. */
static int view_role(int view)
{
    return view == VIEW_INTERNAL ? ROLE_READER : view == VIEW_CUSTOMER ? ROLE_CUSTOMER : ROLE_NONE;
}

/* The Cache-Control of an answer in view: public for the public view, private otherwise. */
static const char *view_cache(int view)
{
    return view == VIEW_PUBLIC ? PUBLIC_CACHE : PRIVATE_CACHE;
}

/* An index query failed: a damaged index is moved aside (a new one is built from git by
 * the next refresh) and the caller told to retry; anything else is a 500. */
static enum MHD_Result index_failed(server *s, index_db *idx, struct MHD_Connection *c, req *r,
                                    const sr_err *err)
{
    if (idx && index_damaged(idx)) {
        const char *hs[] = {"Retry-After", "2", NULL};
        cJSON *root = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(root, "error");
        srv_index_discard(s, err->msg);
        cJSON_AddNumberToObject(e, "status", 503);
        cJSON_AddStringToObject(e, "message", "the index was damaged and is being rebuilt from git: retry shortly");
        return srv_json(c, r, 503, root, NULL, NULL, hs);
    }
    return srv_error(c, r, 500, "%s", err->msg);
}

/* 1 when v is 40 lower-case hex digits. */
static int full_commit_id(const char *v)
{
    size_t i;

    for (i = 0; v[i]; i++)
        if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
            return 0;
    return i == 40;
}

/* A revision parameter (at=, since=): a day YYYY-MM-DD (*day set, rev ""), or the full
 * 40-hex id of a commit on main's history (rev set, *day DATE_NONE). Never an expression:
 * anything else is 400 before git is asked. Returns 0, or 1 after answering. */
static int rev_param(server *s, struct MHD_Connection *c, req *r, const char *name,
                     const char *v, int *day, char rev[STORE_OID_HEX], enum MHD_Result *ret)
{
    sr_err err = {{0}};
    char tip[STORE_OID_HEX];
    store *st;
    int rc;

    rev[0] = '\0';
    *day = DATE_NONE;
    if (date_parse(v, day) == 0)
        return 0;
    *day = DATE_NONE;
    if (!full_commit_id(v)) {
        *ret = srv_error(c, r, 400, "%s: give a day (YYYY-MM-DD) or the full 40-hex id of a commit of main", name);
        return 1;
    }
    st = srv_store(s, &err);
    if (!st || store_resolve(st, NULL, tip, &err) != 0) {
        *ret = srv_error(c, r, 500, "%s", err.msg);
        return 1;
    }
    rc = store_resolve(st, v, rev, &err);
    if (rc == 0)
        rc = store_descends(st, tip, rev, &err) == 1 ? 0 : STORE_NOTFOUND;
    if (rc != 0) {
        *ret = rc == STORE_NOTFOUND ? srv_error(c, r, 404, "%s: %s is not a commit of main's history", name, v)
                                    : srv_error(c, r, 500, "%s", err.msg);
        return 1;
    }
    return 0;
}

/* 1 when rev failed the registry's checks (an invalid commit an upstream took): never served. */
/* 1 when revision rev is marked refused (never served). */
static int refused(server *s, const char *rev)
{
    sr_err err = {{0}};
    store *st = srv_store(s, &err);

    return st && store_is_refused(st, rev);
}

/* Drop the changes of refused revisions from ch[0..*n) (index_drop_refused). */
static void drop_refused(server *s, index_change *ch, size_t *n)
{
    sr_err err = {{0}};

    index_drop_refused(srv_store(s, &err), ch, n);
}

/* The snapshot a read is about: current, or ?at=DATE|COMMIT. NULL after answering. */
static snapshot *pick_snapshot(server *s, struct MHD_Connection *c, req *r, enum MHD_Result *ret)
{
    const char *at = api_arg(c, "at");
    char rev[STORE_OID_HEX];
    sr_err err = {{0}};
    snapshot *sn;
    int day;

    if (!at) {
        sn = srv_current(s);
        if (!sn)
            *ret = srv_error(c, r, 503, "the registry is not loaded yet");
        return sn;
    }
    if (rev_param(s, c, r, "at", at, &day, rev, ret))
        return NULL;
    if (day != DATE_NONE) {
        index_db *idx = srv_index(s, &err);
        int rc = idx ? index_revision_before(idx, (int64_t)(day + 1) * 86400, rev, &err) : -1;
        if (rc != 0) {
            *ret = rc == STORE_NOTFOUND ? srv_error(c, r, 404, "no revision at the end of %s: %s", at, err.msg)
                                        : index_failed(s, idx, c, r, &err);
            return NULL;
        }
    }
    if (refused(s, rev)) {
        store *st = srv_store(s, &err);
        char prev[STORE_OID_HEX + 4];
        int k;
        if (day == DATE_NONE) {
            *ret = srv_error(c, r, 404, "revision %.12s failed the registry's checks (schema, registry "
                                        "checks, rules) and is never served", rev);
            return NULL;
        }
        /* a day whose last revision was refused: what was served then, the last valid one */
        for (k = 0; st && k < 1000 && refused(s, rev); k++) {
            snprintf(prev, sizeof(prev), "%.40s~1", rev);
            if (store_resolve(st, prev, rev, &err) != 0) {
                *ret = srv_error(c, r, 404, "no valid revision at the end of %s", at);
                return NULL;
            }
        }
    }
    sn = srv_snapshot_at(s, rev, &err);
    if (!sn)
        *ret = srv_error(c, r, 500, "%s", err.msg);
    return sn;
}

enum MHD_Result api_get_list(server *s, struct MHD_Connection *c, req *r)
{
    export_filter f = {0};
    enum MHD_Result ret = MHD_NO;
    char name[80], cc[3], etag[48];
    int view = want_view(c);
    snapshot *sn;
    char *body;
    size_t len;

    r->route = R_LIST;
    if (view < 0)
        return srv_error(c, r, 400, "view: public, customer or internal");
    if (view && api_require(s, c, r, view_role(view), name, sizeof(name), &ret))
        return ret;
    f.statuses = api_arg(c, "status");
    f.use = api_arg(c, "use");
    f.mechanism = api_arg(c, "mechanism");
    f.q = api_arg(c, "q");
    if (f.statuses && !export_statuses_valid(f.statuses))
        return srv_error(c, r, 400, "status: use planned, active, retired, a comma list of them, or all");
    if (f.use && entry_use_parse(f.use) == USE_UNKNOWN)
        return srv_error(c, r, 400, "use: storage, processing or access");
    if (f.mechanism && entry_mechanism_parse(f.mechanism) == MECH_UNKNOWN)
        return srv_error(c, r, 400, "mechanism: adequacy, dpf, scc, bcr, code-of-conduct, certification, ad-hoc-clauses or derogation");
    if (f.q && strlen(f.q) > 200)
        return srv_error(c, r, 400, "q: at most 200 characters");
    sn = pick_snapshot(s, c, r, &ret);
    if (!sn)
        return ret;
    if (api_arg(c, "country")) {
        if (!reference_country(sn->reg->ref, api_arg(c, "country"), cc)) {
            ret = srv_error(c, r, 400, "country: not an ISO 3166-1 alpha-2 code");
            goto out;
        }
        f.country = cc;
    }
    if (!f.statuses && !f.country && !f.use && !f.mechanism && !f.q) {
        const char *list = snapshot_default_list(sn, view, &len);
        ret = list ? api_send_cached(c, r, "application/json", list, len, view_cache(view),
                                 sn->etag[view])
                   : srv_error(c, r, 500, "out of memory");
        goto out;
    }
    body = snapshot_list(sn, &f, view, &len);
    if (!body) {
        ret = srv_error(c, r, 500, "out of memory");
        goto out;
    }
    api_fnv_etag(body, len, etag);
    ret = api_send_cached(c, r, "application/json", body, len, view_cache(view), etag);
    free(body);
out:
    snapshot_unref(sn);
    return ret;
}

enum MHD_Result api_get_entry(server *s, struct MHD_Connection *c, req *r, const char *id, int xml)
{
    enum MHD_Result ret = MHD_NO;
    char name[80], etag[64];
    int view = xml ? VIEW_INTERNAL : want_view(c);
    snapshot *sn;
    size_t idx;

    r->route = xml ? R_ENTRY_XML : R_ENTRY;
    if (view < 0)
        return srv_error(c, r, 400, "view: public, customer or internal");
    if (view && api_require(s, c, r, view_role(view), name, sizeof(name), &ret))
        return ret;
    sn = pick_snapshot(s, c, r, &ret);
    if (!sn)
        return ret;
    if (!registry_find(sn->reg, id, &idx)) {
        ret = srv_error(c, r, 404, "no sub-processor %s", id);
        goto out;
    }
    snprintf(etag, sizeof(etag), "\"%s%s\"", sn->reg->entries[idx]->blob,
             view == VIEW_INTERNAL ? "" : view == VIEW_CUSTOMER ? "-c" : "-p");
    if (xml) {
        sr_err err = {{0}};
        store *st = srv_store(s, &err);
        store_snap *snap = NULL;
        char *data = NULL, path[128];
        size_t len;
        snprintf(path, sizeof(path), "subprocessors/%s.xml", id);
        if (!st || store_snap_open(st, sn->rev, &snap, &err) != 0 ||
            store_snap_read(snap, path, &data, &len, NULL, &err) != 0)
            ret = srv_error(c, r, 500, "%s", err.msg);
        else
            ret = api_send_cached(c, r, "application/xml; charset=utf-8", data, len, PRIVATE_CACHE, etag);
        free(data);
        store_snap_free(snap);
        goto out;
    }
    ret = api_send_cached(c, r, "application/json", sn->reg->entries[idx]->json[view], sn->reg->entries[idx]->json_len[view],
                      view_cache(view), etag);
out:
    snapshot_unref(sn);
    return ret;
}

/* Changes as JSON objects; internal adds author and message. */
static cJSON *changes_json(const index_change *ch, size_t n, int internal)
{
    cJSON *arr = cJSON_CreateArray();
    buf line;
    size_t i;

    buf_init(&line, 0);
    for (i = 0; arr && i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        char when[21];
        line.len = 0;
        buf_puts(&line, index_change_summary(&ch[i], !internal));
        date_format_time(ch[i].time, when);
        cJSON_AddStringToObject(o, "commit", ch[i].commit);
        cJSON_AddStringToObject(o, "date", when);
        cJSON_AddStringToObject(o, "id", ch[i].id);
        cJSON_AddStringToObject(o, "change", ch[i].status == 'A' ? "added" : ch[i].status == 'D' ? "removed" : "changed");
        cJSON_AddStringToObject(o, "summary", buf_str(&line));
        if (internal) {
            /* pushed commits may carry any bytes: JSON gets well-formed UTF-8 */
            char *author = strdup(ch[i].author ? ch[i].author : ""), *message = strdup(ch[i].message ? ch[i].message : "");
            utf8_sanitize(author);
            utf8_sanitize(message);
            cJSON_AddStringToObject(o, "author", author ? author : "");
            cJSON_AddStringToObject(o, "message", message ? message : "");
            free(author);
            free(message);
            cJSON_AddStringToObject(o, "before", ch[i].old_blob);
            cJSON_AddStringToObject(o, "after", ch[i].new_blob);
        }
        cJSON_AddItemToArray(arr, o);
    }
    buf_free(&line);
    return arr;
}

/* Announced material changes not in force yet (today), of one entry (id) or all. */
static cJSON *upcoming_json(const registry *reg, const char *id)
{
    cJSON *arr = cJSON_CreateArray();
    entry_upcoming up[32];
    size_t i, k, n;
    char d[11];
    int today = date_today();

    for (i = 0; arr && i < reg->n; i++) {
        const entry *e = reg->entries[i];
        if (id && strcmp(e->id, id) != 0)
            continue;
        if (e->status == STATUS_RETIRED)
            continue;
        n = entry_upcoming_changes(e, today, up, 32);
        for (k = 0; k < n && k < 32; k++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "id", e->id);
            cJSON_AddStringToObject(o, "change", up[k].what);
            if (up[k].announced != DATE_NONE)
                cJSON_AddStringToObject(o, "announced", date_format(up[k].announced, d));
            cJSON_AddStringToObject(o, "effective", date_format(up[k].effective, d));
            cJSON_AddItemToArray(arr, o);
        }
    }
    return arr;
}

enum MHD_Result api_get_changes(server *s, struct MHD_Connection *c, req *r, const char *id)
{
    enum MHD_Result ret = MHD_NO;
    char name[80], after[STORE_OID_HEX] = "";
    const char *since = api_arg(c, "since");
    int internal = api_want_internal(c), day, rc;
    int64_t since_t = 0;
    sr_err err = {{0}};
    index_db *idx;
    index_change *ch = NULL;
    size_t n = 0, shown;
    cJSON *root;

    r->route = id ? R_HISTORY : R_CHANGES;
    if (want_view(c) < 0)
        return srv_error(c, r, 400, "view: public, customer or internal");
    internal = want_view(c) == VIEW_INTERNAL; /* history has no customer fields */
    if (internal && api_require(s, c, r, ROLE_READER, name, sizeof(name), &ret))
        return ret;
    if (want_view(c) == VIEW_CUSTOMER && api_require(s, c, r, ROLE_CUSTOMER, name, sizeof(name), &ret))
        return ret;
    idx = srv_index(s, &err);
    if (!idx)
        return srv_error(c, r, 500, "%s", err.msg);
    if (since && rev_param(s, c, r, "since", since, &day, after, &ret))
        return ret;
    if (since && day != DATE_NONE)
        since_t = (int64_t)day * 86400;
    rc = index_changes(idx, id, after[0] ? after : NULL, since_t, 1001, &ch, &n, &err);
    if (rc == 0)
        drop_refused(s, ch, &n);
    if (rc == STORE_NOTFOUND)
        return srv_error(c, r, 400, "since: %s", err.msg);
    if (rc != 0)
        return index_failed(s, idx, c, r, &err);
    if (id && n == 0 && !since) {
        index_changes_free(ch, n);
        return srv_error(c, r, 404, "no sub-processor %s in the history", id);
    }
    shown = n > 1000 ? 1000 : n; /* the newest 1000 */
    root = cJSON_CreateObject();
    if (id)
        cJSON_AddStringToObject(root, "id", id);
    if (since)
        cJSON_AddStringToObject(root, "since", since);
    {
        snapshot *sn = srv_current(s); /* one view of the state: the served revision */
        cJSON_AddStringToObject(root, "revision", sn ? sn->rev : index_tip(idx));
        if (sn && !id)
            cJSON_AddItemToObject(root, "upcoming", upcoming_json(sn->reg, NULL));
        else if (sn)
            cJSON_AddItemToObject(root, "upcoming", upcoming_json(sn->reg, id));
        snapshot_unref(sn);
    }
    cJSON_AddItemToObject(root, id ? "history" : "changes", changes_json(ch, shown, internal));
    if (shown < n)
        cJSON_AddBoolToObject(root, "truncated", 1); /* ask with a later since= for the rest */
    index_changes_free(ch, n);
    return api_send_json(c, r, root, internal ? PRIVATE_CACHE : PUBLIC_CACHE);
}

enum MHD_Result api_get_feed(server *s, struct MHD_Connection *c, req *r)
{
    /* absolute links (RFC 4287 readers resolve relative ones against the feed's own URL,
     * which a CDN or proxy may change): --public-url, else where the server listens */
    const char *base = s->public_url ? s->public_url : "";
    enum MHD_Result ret = MHD_NO;
    sr_err err = {{0}};
    index_db *idx = srv_index(s, &err);
    snapshot *sn = srv_current(s);
    index_change *ch = NULL;
    size_t n = 0;
    buf out;
    char etag[48], first[STORE_OID_HEX];

    r->route = R_FEED;
    if (!sn) {
        return srv_error(c, r, 503, "the registry is not loaded yet");
    }
    /* the newest 50 are shown: twice as many read, for those of refused commits dropped */
    if (!idx || index_changes(idx, NULL, NULL, 0, 100, &ch, &n, &err) != 0 || index_first(idx, first, &err) != 0) {
        snapshot_unref(sn);
        return index_failed(s, idx, c, r, &err);
    }
    drop_refused(s, ch, &n);
    buf_init(&out, 0);
    feed_render(sn->reg, base, first[0] ? first : sn->rev, ch, n, date_today(), &out);
    api_fnv_etag(buf_str(&out), out.len, etag);
    ret = out.failed ? srv_error(c, r, 500, "out of memory")
                     : api_send_cached(c, r, "application/atom+xml; charset=utf-8", buf_str(&out), out.len, PUBLIC_CACHE, etag);
    buf_free(&out);
    index_changes_free(ch, n);
    snapshot_unref(sn);
    return ret;
}

enum MHD_Result api_get_compliance(server *s, struct MHD_Connection *c, req *r)
{
    enum MHD_Result ret = MHD_NO;
    char name[80], ds[11];
    const char *date = api_arg(c, "date");
    int day = date_today();
    diag_list d = {0};
    report_meta m = {0};
    snapshot *sn;
    buf out;

    r->route = R_COMPLIANCE;
    if (api_require(s, c, r, ROLE_READER, name, sizeof(name), &ret))
        return ret;
    if (date && date_parse(date, &day) != 0)
        return srv_error(c, r, 400, "date: a real day as YYYY-MM-DD");
    sn = pick_snapshot(s, c, r, &ret);
    if (!sn)
        return ret;
    rules_check(sn->reg, day, &d);
    if (s->notify)
        api_notice_findings(s, day, &d);
    diag_sort(&d);
    m.date = date_format(day, ds);
    m.revision = sn->rev;
    m.version = subreg_version;
    m.reg = sn->reg;
    buf_init(&out, 0);
    if (report_write(REPORT_JSON, &d, &m, &out) != 0)
        ret = srv_error(c, r, 500, "out of memory");
    else
        ret = srv_send(c, r, 200, "application/json", buf_str(&out), out.len, PRIVATE_CACHE, NULL, NULL);
    buf_free(&out);
    diag_list_free(&d);
    snapshot_unref(sn);
    return ret;
}

enum MHD_Result api_get_countries(server *s, struct MHD_Connection *c, req *r)
{
    snapshot *sn;
    cJSON *j;

    if (!(sn = srv_current(s)))
        return srv_error(c, r, 503, "the registry is not loaded yet");
    j = reference_to_json(sn->reg->ref);
    snapshot_unref(sn);
    return api_send_json(c, r, j, PUBLIC_CACHE);
}

enum MHD_Result api_get_widget(server *s, struct MHD_Connection *c, req *r)
{
    const char *lang = page_lang(api_arg(c, "lang"), api_hdr(c, MHD_HTTP_HEADER_ACCEPT_LANGUAGE));
    const char *body, *cetag, *ctype;
    char key[64], d[11], etag[48], full[32];
    snapshot *sn;
    page_opts o;
    cJSON *root = NULL;
    char *txt = NULL;
    enum MHD_Result ret = MHD_NO;
    size_t len;
    buf out;

    sn = pick_snapshot(s, c, r, &ret);
    if (!sn)
        return ret;
    memset(&o, 0, sizeof(o));
    o.lang = lang;
    o.day = date_today();
    o.at = DATE_NONE;
    o.removed_day = DATE_NONE;
    snprintf(key, sizeof(key), "widget|%s|%s", lang, date_format(o.day, d));
    if (snapshot_cache_get(sn, key, &body, &len, &cetag, &ctype)) {
        if (api_etag_match(api_hdr(c, MHD_HTTP_HEADER_IF_NONE_MATCH), cetag))
            return srv_send_held(c, r, sn, 304, NULL, "", 0, PUBLIC_CACHE, cetag, NULL);
        return srv_send_held(c, r, sn, 200, ctype, body, len, PUBLIC_CACHE, cetag, NULL);
    }
    buf_init(&out, 0);
    snprintf(full, sizeof(full), "/?lang=%s", lang);
    if (page_widget(sn->reg, &o, &out) == 0 && (root = cJSON_CreateObject()) &&
        cJSON_AddStringToObject(root, "lang", lang) && cJSON_AddStringToObject(root, "revision", sn->rev) &&
        cJSON_AddStringToObject(root, "day", d) && cJSON_AddStringToObject(root, "html", buf_str(&out)) &&
        cJSON_AddStringToObject(root, "full", full))
        txt = cJSON_PrintUnformatted(root);
    if (!txt) {
        ret = srv_error(c, r, 500, "out of memory");
    } else {
        api_fnv_etag(txt, strlen(txt), etag);
        snapshot_cache_put(sn, key, txt, strlen(txt), etag, "application/json");
        ret = srv_send(c, r, 200, "application/json", txt, strlen(txt), PUBLIC_CACHE, etag, NULL);
    }
    cJSON_free(txt);
    cJSON_Delete(root);
    buf_free(&out);
    snapshot_unref(sn);
    return ret;
}

enum MHD_Result api_get_schema(struct MHD_Connection *c, req *r, const char *file)
{
    char name[64];
    size_t l = strlen(file);

    if (l < 5 || l > 40 || strcmp(file + l - 4, ".xsd") != 0 || strchr(file, '/'))
        return srv_error(c, r, 404, "no such schema: try subprocessor.xsd, registry.xsd, reference.xsd or hosting.xsd");
    snprintf(name, sizeof(name), "schemas/%s", file);
    return api_get_embedded(c, r, name, "application/xml; charset=utf-8");
}

/* ok: serving main; degraded: the served revision has lagged main for more than
 * HEALTH_LAG_MS (a refresh keeps failing); loading: nothing served yet. */
/* Whether this server can serve, for a load balancer: 200 while it serves a revision (the
 * body says "degraded" when the served revision lags main or the upstream's main is refused:
 * reads are still right, so a balancer keeps it), 503 only while nothing is loaded yet. The
 * public answer names no reason beyond its kind: why (an upstream's error, the findings of a
 * refused revision, which may name unpublished entries) needs a reader's token. */
enum MHD_Result api_get_health(server *s, struct MHD_Connection *c, req *r)
{
    snapshot *sn = srv_current(s);
    char tip[STORE_OID_HEX], why[1200], name[80];
    int lag = srv_lagging(s, tip), bad = 0, details = api_caller(s, c, r, name, sizeof(name)) >= ROLE_READER;
    cJSON *root = cJSON_CreateObject();
    enum MHD_Result ret;

    cJSON_AddStringToObject(root, "revision", sn ? sn->rev : "");
    if (s->upstream) {
        upstream_status us;
        cJSON *u = cJSON_AddObjectToObject(root, "upstream");
        char when[21];
        upstream_get_status(s->upstream, &us);
        cJSON_AddStringToObject(u, "main", us.tip);
        if (us.last_ok)
            cJSON_AddStringToObject(u, "fetched", date_format_time(us.last_ok, when));
        /* an unreachable upstream does not make this server unhealthy: it serves reads */
        cJSON_AddBoolToObject(u, "reachable", !us.error[0]);
        if (us.error[0] && details)
            cJSON_AddStringToObject(u, "error", us.error);
        if (us.bad[0]) {
            bad = 1;
            cJSON_AddStringToObject(u, "invalid", us.bad);
            if (details)
                snprintf(why, sizeof(why), "the upstream's main %.12s is invalid and not served: %s", us.bad, us.bad_why);
            else
                snprintf(why, sizeof(why), "the upstream's main %.12s is invalid and not served (details with a token)", us.bad);
        }
    }
    if (!sn) {
        cJSON_AddStringToObject(root, "status", "loading");
    } else if (lag) {
        cJSON_AddStringToObject(root, "status", "degraded");
        cJSON_AddStringToObject(root, "main", tip);
        cJSON_AddStringToObject(root, "reason", "the served revision lags main: see the server's log");
    } else if (bad) {
        cJSON_AddStringToObject(root, "status", "degraded");
        cJSON_AddStringToObject(root, "reason", why);
    } else {
        cJSON_AddStringToObject(root, "status", "ok");
    }
    ret = srv_json(c, r, sn ? 200 : 503, root, "no-store", NULL, NULL);
    snapshot_unref(sn);
    return ret;
}

enum MHD_Result api_get_metrics(server *s, struct MHD_Connection *c, req *r)
{
    buf out;
    enum MHD_Result ret;

    buf_init(&out, 0);
    api_metrics_text(s, &out);
    ret = srv_send(c, r, 200, "text/plain; version=0.0.4", buf_str(&out), out.len, NULL, NULL, NULL);
    buf_free(&out);
    return ret;
}

/* ---- the public page ---- */

/* The page's security headers: no script at all, styles from this origin only, never in a
 * frame (the widget, /embed.js, is how other sites show the list). */
static const char *const page_headers[] = {
    "Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options", "DENY", "Referrer-Policy", "no-referrer", "Content-Language", NULL, NULL};

/* Whether entry id was on the list and its file was removed since (its newest change in the
 * history is a removal): 0 with the day (UTC) and its name then, or -1 (never there, still
 * there, or the index cannot say). */
static int removed_entry(server *s, const char *id, int *day, char *name, size_t n)
{
    sr_err err = {{0}};
    index_db *idx = srv_index(s, &err);
    index_change *ch = NULL;
    size_t nch = 0;
    int rc = -1;

    if (!idx || index_changes(idx, id, NULL, 0, 1, &ch, &nch, &err) != 0)
        return -1;
    if (nch && ch[0].status == 'D') {
        const char *sum = ch[0].summary_public ? ch[0].summary_public : "";
        *day = (int)(ch[0].time / 86400);
        snprintf(name, n, "%s", strncmp(sum, "Removed: ", 9) == 0 ? sum + 9 : id);
        name[strcspn(name, "\n")] = '\0';
        rc = 0;
    }
    index_changes_free(ch, nch);
    return rc;
}

/* The public page: the list, or one entry's (only), in the visitor's language. */
enum MHD_Result api_get_page(server *s, struct MHD_Connection *c, req *r, const char *only)
{
    const char *lang = page_lang(api_arg(c, "lang"), api_hdr(c, MHD_HTTP_HEADER_ACCEPT_LANGUAGE));
    const char *at = api_arg(c, "at"), *q = api_arg(c, "q"), *country = api_arg(c, "country");
    char key[160], d[11], etag[48], cc[3], qbuf[128], removed_name[200];
    int search, status = 200;
    const char *body, *cetag, *ctype;
    const char *hs[sizeof(page_headers) / sizeof(page_headers[0])];
    page_version versions[30];
    page_opts o;
    snapshot *sn;
    enum MHD_Result ret = MHD_NO;
    size_t len, i;
    int day = date_today(), atday = DATE_NONE;
    buf out;

    for (i = 0; i < sizeof(hs) / sizeof(hs[0]); i++)
        hs[i] = page_headers[i];
    hs[sizeof(hs) / sizeof(hs[0]) - 2] = lang;
    if (only && (!entry_id_valid(only)))
        return srv_error(c, r, 404, "no such page");
    if (at) {
        if (date_parse(at, &atday) != 0)
            return srv_error(c, r, 400, "at: a day as YYYY-MM-DD");
    }
    if (q && strlen(q) > 100)
        return srv_error(c, r, 400, "q: at most 100 characters of text");
    if (q) { /* shown back in the form: well-formed UTF-8 only */
        snprintf(qbuf, sizeof(qbuf), "%s", q);
        utf8_sanitize(qbuf);
        q = qbuf;
    }
    if (q && !q[0])
        q = NULL;
    if (country && !country[0])
        country = NULL;
    search = q || country; /* a search is rendered each time: never cached */
    sn = pick_snapshot(s, c, r, &ret);
    if (!sn)
        return ret;
    if (country && !reference_country(sn->reg->ref, country, cc)) {
        snapshot_unref(sn);
        return srv_error(c, r, 400, "country: an ISO 3166-1 alpha-2 code such as DE");
    }
    memset(&o, 0, sizeof(o));
    o.removed_day = DATE_NONE;
    if (only) { /* a vendor no longer on the list: 410, with a page that says since when */
        const entry *e = registry_find(sn->reg, only, NULL);
        if (e && e->status == STATUS_RETIRED)
            status = 410;
        else if (!e && removed_entry(s, only, &o.removed_day, removed_name, sizeof(removed_name)) == 0)
            status = 410, o.removed_name = removed_name;
        else if (!e) {
            snapshot_unref(sn);
            return srv_error(c, r, 404, "no sub-processor %s", only);
        }
    }
    snprintf(key, sizeof(key), "page|%s|%s|%s|%s", lang, date_format(day, d), at ? at : "", only ? only : "");
    if (!search && snapshot_cache_get(sn, key, &body, &len, &cetag, &ctype)) {
        if (api_etag_match(api_hdr(c, MHD_HTTP_HEADER_IF_NONE_MATCH), cetag))
            return srv_send_held(c, r, sn, 304, NULL, "", 0, PUBLIC_CACHE, cetag, hs);
        return srv_send_held(c, r, sn, status, ctype, body, len, PUBLIC_CACHE, cetag, hs);
    }
    o.lang = lang;
    o.day = day;
    o.at = atday;
    o.only = only;
    o.subscribe = s->notify != NULL; /* not on a read-only replica */
    o.search = 1;
    o.q = q;
    o.country = country ? cc : NULL;
    o.versions = versions;
    {
        sr_err err = {{0}};
        index_db *idx = srv_index(s, &err);
        o.nversions = idx ? page_versions(idx, srv_store(s, &err), only, versions, 30, &o.last_updated) : 0;
    }
    buf_init(&out, 0);
    if (page_render(sn->reg, &o, &out) != 0) {
        ret = srv_error(c, r, 500, "out of memory");
    } else {
        api_fnv_etag(buf_str(&out), out.len, etag);
        if (!search)
            snapshot_cache_put(sn, key, buf_str(&out), out.len, etag, "text/html; charset=utf-8");
        if (api_etag_match(api_hdr(c, MHD_HTTP_HEADER_IF_NONE_MATCH), etag))
            ret = srv_send(c, r, 304, NULL, "", 0, PUBLIC_CACHE, etag, hs);
        else
            ret = srv_send(c, r, status, "text/html; charset=utf-8", buf_str(&out), out.len, PUBLIC_CACHE, etag, hs);
    }
    buf_free(&out);
    snapshot_unref(sn);
    return ret;
}

