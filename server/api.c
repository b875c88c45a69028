/* The HTTP API's routes. Every handler queues exactly one response. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "../registry/date.h"
#include "../registry/embed.h"
#include "../registry/entry.h"
#include "../registry/export.h"
#include "../registry/page.h"
#include "../registry/guard.h"
#include "../registry/report.h"
#include "../registry/rules.h"
#include "../registry/sha256.h"
#include "../registry/writer.h"
#include "../registry/xmldoc.h"
#include "../registry/version.h"
#include "../notices/notify.h"
#include "serve.h"
#include "upstream.h"
#include "writes.h"

/* a CDN may serve a stale copy for 5 minutes while it revalidates (ETag, 304) */
#define PUBLIC_CACHE "public, max-age=30, stale-while-revalidate=300"
#define PRIVATE_CACHE "private, no-cache"

static const char *arg(struct MHD_Connection *c, const char *k)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
    return v && *v ? v : NULL;
}

static const char *hdr(struct MHD_Connection *c, const char *k)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, k);
}

/* The caller's role: ROLE_NONE without a token, -1 for one that does not work. Worked out
 * once per request (hashing the token and checking the token file) and kept in r. */
static int caller(server *s, struct MHD_Connection *c, req *r, char *name, size_t n)
{
    const char *h;

    if (!r->role_known) {
        h = hdr(c, MHD_HTTP_HEADER_AUTHORIZATION);
        r->who[0] = '\0';
        if (!h)
            r->role = ROLE_NONE;
        else if (strncasecmp(h, "Bearer ", 7) != 0) /* the scheme is case-insensitive (RFC 9110 11.1) */
            r->role = -1;
        else {
            const char *tok = h + 7;
            while (*tok == ' ')
                tok++;
            auth_role role = auth_check(s->tokens, tok, r->who, sizeof(r->who));
            r->role = role == ROLE_NONE ? -1 : (int)role;
        }
        r->role_known = 1;
    }
    snprintf(name, n, "%s", r->who);
    return r->role;
}

static const char *const www_auth[] = {"WWW-Authenticate", "Bearer realm=\"subreg\"", NULL};

/* Answer 401/403 unless the caller has at least role need. Returns 1 when answered. */
static int refuse(server *s, struct MHD_Connection *c, req *r, int need, char *name, size_t n,
                  enum MHD_Result *ret)
{
    int role = caller(s, c, r, name, n);

    if (role < 0 || (role < need && role == ROLE_NONE)) {
        cJSON *root = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(root, "error");
        cJSON_AddNumberToObject(e, "status", 401);
        cJSON_AddStringToObject(e, "message", role < 0 ? "invalid token: send Authorization: Bearer TOKEN with a token from `subreg token add`"
                                                       : "this needs a token: send Authorization: Bearer TOKEN");
        *ret = srv_json(c, r, 401, root, NULL, NULL, www_auth);
        return 1;
    }
    if (role < need) {
        *ret = srv_error(c, r, 403, "token %s is a %s token; this needs %s token", name,
                         auth_role_name((auth_role)role),
                         need == ROLE_EDITOR ? "an editor" : need == ROLE_READER ? "a reader" : "a customer");
        return 1;
    }
    return 0;
}

int api_require(server *s, struct MHD_Connection *c, req *r, int need, char *name, size_t n,
                enum MHD_Result *ret)
{
    return refuse(s, c, r, need, name, n, ret);
}

/* If-None-Match against etag (comma list, weak prefixes ignored, * matches). */
static int etag_match(const char *header, const char *etag)
{
    const char *p = header;
    size_t el = strlen(etag);

    if (!header)
        return 0;
    while (*p) {
        size_t l;
        while (*p == ' ' || *p == ',')
            p++;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        l = strcspn(p, ",");
        while (l && p[l - 1] == ' ')
            l--;
        if ((l == 1 && *p == '*') || (l == el && strncmp(p, etag, l) == 0))
            return 1;
        p += strcspn(p, ",");
    }
    return 0;
}

static enum MHD_Result send_cached(struct MHD_Connection *c, req *r, const char *ctype,
                                   const char *body, size_t len, const char *cache,
                                   const char *etag)
{
    if (r->cache_sn && r->cache_key && etag)
        snapshot_cache_put(r->cache_sn, r->cache_key, body, len, etag, ctype);
    if (etag && etag_match(hdr(c, MHD_HTTP_HEADER_IF_NONE_MATCH), etag))
        return srv_send(c, r, 304, NULL, "", 0, cache, etag, NULL);
    return srv_send(c, r, 200, ctype, body, len, cache, etag, NULL);
}

static void fnv_etag(const char *body, size_t len, char out[48])
{
    uint64_t h = 1469598103934665603ULL;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char)body[i];
        h *= 1099511628211ULL;
    }
    snprintf(out, 48, "\"%016llx-%zx\"", (unsigned long long)h, len);
}

/* ---- reads ---- */

/* The view asked for: ?view=internal (a reader's token), ?view=customer (a customer's
 * token or more), else public. -1 for another value. */
static int want_view(struct MHD_Connection *c)
{
    const char *v = arg(c, "view");

    if (!v || strcmp(v, "public") == 0)
        return VIEW_PUBLIC;
    if (strcmp(v, "internal") == 0)
        return VIEW_INTERNAL;
    if (strcmp(v, "customer") == 0)
        return VIEW_CUSTOMER;
    return -1;
}

static int want_internal(struct MHD_Connection *c)
{
    return want_view(c) != VIEW_PUBLIC;
}

/* The role a view needs. */
static int view_role(int view)
{
    return view == VIEW_INTERNAL ? ROLE_READER : view == VIEW_CUSTOMER ? ROLE_CUSTOMER : ROLE_NONE;
}

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
static int refused(server *s, const char *rev)
{
    sr_err err = {{0}};
    store *st = srv_store(s, &err);

    return st && store_is_refused(st, rev);
}

/* Drop the changes of refused revisions from ch[0..*n) in place: history, the feed and the
 * page's versions never show a revision that is not served. */
static void drop_refused(server *s, index_change *ch, size_t *n)
{
    size_t i, k = 0;
    sr_err err = {{0}};
    store *st = srv_store(s, &err);

    if (!st || !store_any_refused(st))
        return; /* the usual case: nothing was ever refused */
    for (i = 0; i < *n; i++) {
        if (refused(s, ch[i].commit)) {
            index_changes_free_one(&ch[i]);
            continue;
        }
        ch[k++] = ch[i];
    }
    *n = k;
}

/* The snapshot a read is about: current, or ?at=DATE|COMMIT. NULL after answering. */
static snapshot *pick_snapshot(server *s, struct MHD_Connection *c, req *r, enum MHD_Result *ret)
{
    const char *at = arg(c, "at");
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

static enum MHD_Result get_list(server *s, struct MHD_Connection *c, req *r)
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
    if (view && refuse(s, c, r, view_role(view), name, sizeof(name), &ret))
        return ret;
    f.statuses = arg(c, "status");
    f.use = arg(c, "use");
    f.mechanism = arg(c, "mechanism");
    f.q = arg(c, "q");
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
    if (arg(c, "country")) {
        if (!reference_country(sn->reg->ref, arg(c, "country"), cc)) {
            ret = srv_error(c, r, 400, "country: not an ISO 3166-1 alpha-2 code");
            goto out;
        }
        f.country = cc;
    }
    if (!f.statuses && !f.country && !f.use && !f.mechanism && !f.q) {
        const char *list = snapshot_default_list(sn, view, &len);
        ret = list ? send_cached(c, r, "application/json", list, len, view_cache(view),
                                 sn->etag[view])
                   : srv_error(c, r, 500, "out of memory");
        goto out;
    }
    body = snapshot_list(sn, &f, view, &len);
    if (!body) {
        ret = srv_error(c, r, 500, "out of memory");
        goto out;
    }
    fnv_etag(body, len, etag);
    ret = send_cached(c, r, "application/json", body, len, view_cache(view), etag);
    free(body);
out:
    snapshot_unref(sn);
    return ret;
}

static enum MHD_Result get_entry(server *s, struct MHD_Connection *c, req *r, const char *id, int xml)
{
    enum MHD_Result ret = MHD_NO;
    char name[80], etag[64];
    int view = xml ? VIEW_INTERNAL : want_view(c);
    snapshot *sn;
    size_t idx;

    r->route = xml ? R_ENTRY_XML : R_ENTRY;
    if (view < 0)
        return srv_error(c, r, 400, "view: public, customer or internal");
    if (view && refuse(s, c, r, view_role(view), name, sizeof(name), &ret))
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
            ret = send_cached(c, r, "application/xml; charset=utf-8", data, len, PRIVATE_CACHE, etag);
        free(data);
        store_snap_free(snap);
        goto out;
    }
    ret = send_cached(c, r, "application/json", sn->reg->entries[idx]->json[view], sn->reg->entries[idx]->json_len[view],
                      view_cache(view), etag);
out:
    snapshot_unref(sn);
    return ret;
}

/* Changes as JSON objects; internal adds author and message. */
static cJSON *changes_json(index_db *idx, const index_change *ch, size_t n, int internal)
{
    cJSON *arr = cJSON_CreateArray();
    buf line;
    size_t i;

    buf_init(&line, 0);
    for (i = 0; arr && i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        char when[21];
        line.len = 0;
        index_change_summary(idx, &ch[i], !internal, &line);
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

static enum MHD_Result get_changes(server *s, struct MHD_Connection *c, req *r, const char *id)
{
    enum MHD_Result ret = MHD_NO;
    char name[80], after[STORE_OID_HEX] = "", etag[48];
    const char *since = arg(c, "since");
    int internal = want_internal(c), day, rc;
    int64_t since_t = 0;
    sr_err err = {{0}};
    index_db *idx;
    index_change *ch = NULL;
    size_t n = 0, shown;
    cJSON *root;
    char *txt;

    r->route = id ? R_HISTORY : R_CHANGES;
    if (want_view(c) < 0)
        return srv_error(c, r, 400, "view: public, customer or internal");
    internal = want_view(c) == VIEW_INTERNAL; /* history has no customer fields */
    if (internal && refuse(s, c, r, ROLE_READER, name, sizeof(name), &ret))
        return ret;
    if (want_view(c) == VIEW_CUSTOMER && refuse(s, c, r, ROLE_CUSTOMER, name, sizeof(name), &ret))
        return ret;
    idx = srv_index(s, &err);
    if (!idx)
        return srv_error(c, r, 500, "%s", err.msg);
    if (since && rev_param(s, c, r, "since", since, &day, after, &ret))
        return ret;
    if (since && day != DATE_NONE)
        since_t = (int64_t)day * 86400;
    rc = index_changes(idx, id, after[0] ? after : NULL, since_t, &ch, &n, &err);
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
    cJSON_AddItemToObject(root, id ? "history" : "changes", changes_json(idx, ch, shown, internal));
    if (shown < n)
        cJSON_AddBoolToObject(root, "truncated", 1); /* ask with a later since= for the rest */
    index_changes_free(ch, n);
    txt = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!txt)
        return srv_error(c, r, 500, "out of memory");
    fnv_etag(txt, strlen(txt), etag);
    ret = send_cached(c, r, "application/json", txt, strlen(txt), internal ? PRIVATE_CACHE : PUBLIC_CACHE, etag);
    cJSON_free(txt);
    return ret;
}

static enum MHD_Result get_feed(server *s, struct MHD_Connection *c, req *r)
{
    /* absolute links (RFC 4287 readers resolve relative ones against the feed's own URL,
     * which a CDN or proxy may change): --public-url, else where the server listens */
    const char *base = s->public_url ? s->public_url : "";
    enum MHD_Result ret = MHD_NO;
    sr_err err = {{0}};
    index_db *idx = srv_index(s, &err);
    snapshot *sn = srv_current(s);
    index_change *ch = NULL;
    size_t n = 0, i;
    buf out, line;
    char when[21], d[11], etag[48];
    const char *owner, *url;
    int today = date_today();

    r->route = R_FEED;
    if (!sn) {
        return srv_error(c, r, 503, "the registry is not loaded yet");
    }
    if (!idx || index_changes(idx, NULL, NULL, 0, &ch, &n, &err) != 0) {
        snapshot_unref(sn);
        return index_failed(s, idx, c, r, &err);
    }
    drop_refused(s, ch, &n);
    owner = sn->reg->settings.owner ? sn->reg->settings.owner : "subreg";
    url = sn->reg->settings.public_url;
    buf_init(&out, 0);
    buf_init(&line, 0);
    buf_puts(&out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <title>");
    buf_xml_escape(&out, owner);
    buf_puts(&out, ": sub-processors</title>\n  <subtitle>Added, changed and removed sub-processors, and those announced ahead of their start.</subtitle>\n");
    buf_printf(&out, "  <id>urn:subreg:feed:%.12s</id>\n", n ? ch[n - 1].commit : sn->rev);
    date_format_time(n ? ch[0].time : (int64_t)time(NULL), when);
    buf_printf(&out, "  <updated>%s</updated>\n  <link rel=\"self\" href=\"%s/v1/feed.atom\"/>\n"
                     "  <link rel=\"alternate\" type=\"text/html\" href=\"%s/\"/>\n", when, base, base);
    if (url) {
        buf_puts(&out, "  <link rel=\"alternate\" href=\"");
        buf_xml_escape(&out, url);
        buf_puts(&out, "\"/>\n");
    }
    buf_puts(&out, "  <author><name>");
    buf_xml_escape(&out, owner);
    buf_puts(&out, "</name></author>\n  <generator>subreg</generator>\n");
    for (i = 0; i < sn->reg->n; i++) {
        const entry *e = sn->reg->entries[i];
        if (e->status != STATUS_PLANNED || e->effective == DATE_NONE || e->effective < today)
            continue;
        buf_printf(&out, "  <entry>\n    <id>urn:subreg:upcoming:%s:%s</id>\n"
                         "    <link rel=\"alternate\" type=\"text/html\" href=\"%s/subprocessors/%s\"/>\n    <title>",
                   e->id, date_format(e->effective, d), base, e->id);
        buf_puts(&out, "Upcoming: ");
        buf_xml_escape(&out, e->name ? e->name : e->id);
        buf_printf(&out, " from %s</title>\n", d);
        buf_printf(&out, "    <updated>%sT00:00:00Z</updated>\n", date_format(e->announced != DATE_NONE ? e->announced : today, d));
        buf_puts(&out, "    <summary>");
        buf_xml_escape(&out, e->purpose ? e->purpose : "");
        buf_printf(&out, " (starts %s)</summary>\n  </entry>\n", date_format(e->effective, d));
    }
    for (i = 0; i < sn->reg->n; i++) {
        const entry *e = sn->reg->entries[i];
        entry_upcoming up[16];
        size_t k, nu;
        if (e->status == STATUS_RETIRED)
            continue;
        nu = entry_upcoming_changes(e, today, up, 16);
        for (k = 0; k < nu && k < 16; k++) {
            char whathash[65];
            /* an IRI has no spaces: the change is named by a digest of its words */
            sha256_hex(up[k].what, strlen(up[k].what), whathash);
            buf_printf(&out, "  <entry>\n    <id>urn:subreg:upcoming-change:%s:%s:%.16s</id>\n"
                             "    <link rel=\"alternate\" type=\"text/html\" href=\"%s/subprocessors/%s\"/>\n"
                             "    <title>Upcoming change: ",
                       e->id, date_format(up[k].effective, d), whathash, base, e->id);
            buf_xml_escape(&out, e->name ? e->name : e->id);
            buf_puts(&out, " adds ");
            buf_xml_escape(&out, up[k].what);
            buf_printf(&out, " from %s</title>\n", date_format(up[k].effective, d));
            buf_printf(&out, "    <updated>%sT00:00:00Z</updated>\n", date_format(up[k].announced != DATE_NONE ? up[k].announced : today, d));
            buf_puts(&out, "    <summary>");
            buf_xml_escape(&out, up[k].what);
            buf_printf(&out, " (from %s)</summary>\n  </entry>\n", date_format(up[k].effective, d));
        }
    }
    for (i = 0; i < n && i < 50; i++) {
        line.len = 0;
        index_change_summary(idx, &ch[i], 1, &line);
        date_format_time(ch[i].time, when);
        buf_printf(&out, "  <entry>\n    <id>urn:subreg:change:%s:%s</id>\n"
                         "    <link rel=\"alternate\" type=\"text/html\" href=\"%s/subprocessors/%s\"/>\n    <title>",
                   ch[i].commit, ch[i].id, base, ch[i].id);
        buf_xml_escape(&out, buf_str(&line));
        buf_printf(&out, "</title>\n    <updated>%s</updated>\n    <summary>", when);
        buf_xml_escape(&out, buf_str(&line));
        buf_puts(&out, "</summary>\n  </entry>\n");
    }
    buf_puts(&out, "</feed>\n");
    fnv_etag(buf_str(&out), out.len, etag);
    ret = out.failed ? srv_error(c, r, 500, "out of memory")
                     : send_cached(c, r, "application/atom+xml; charset=utf-8", buf_str(&out), out.len, PUBLIC_CACHE, etag);
    buf_free(&out);
    buf_free(&line);
    index_changes_free(ch, n);
    snapshot_unref(sn);
    return ret;
}

static enum MHD_Result get_compliance(server *s, struct MHD_Connection *c, req *r)
{
    enum MHD_Result ret = MHD_NO;
    char name[80], ds[11];
    const char *date = arg(c, "date");
    int day = date_today();
    diag_list d = {0};
    report_meta m = {0};
    snapshot *sn;
    buf out;

    r->route = R_COMPLIANCE;
    if (refuse(s, c, r, ROLE_READER, name, sizeof(name), &ret))
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

/* ---- writes ---- */

/* The findings of d (of severity sev_filter, or all when -1) in the one JSON shape of a
 * finding that check, diff and the API share (report_finding_json). */
static cJSON *problems_json(const diag_list *d, int sev_filter)
{
    cJSON *arr = cJSON_CreateArray();
    size_t i;

    for (i = 0; arr && i < d->n; i++)
        if (sev_filter < 0 || (int)d->v[i].sev == sev_filter)
            cJSON_AddItemToArray(arr, report_finding_json(&d->v[i]));
    return arr;
}

static enum MHD_Result unprocessable(struct MHD_Connection *c, req *r, diag_list *d)
{
    cJSON *root = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(root, "error");
    size_t n = diag_count(d, SEV_ERROR, 0);

    diag_sort(d);
    cJSON_AddNumberToObject(e, "status", 422);
    cJSON_AddStringToObject(e, "message", n == 1 ? "the entry breaks 1 rule: nothing was written"
                                                 : "the entry breaks the rules: nothing was written");
    cJSON_AddItemToObject(e, "problems", problems_json(d, -1));
    return srv_json(c, r, 422, root, NULL, NULL, NULL);
}

/* The body of a successful PUT: {"id", "revision", "etag", "changed", "warnings"}. */
static cJSON *write_result(const char *id, const char *revision, const char *etag, int changed,
                           const diag_list *d)
{
    cJSON *root = cJSON_CreateObject();

    cJSON_AddStringToObject(root, "id", id);
    cJSON_AddStringToObject(root, "revision", revision);
    cJSON_AddStringToObject(root, "etag", etag);
    cJSON_AddBoolToObject(root, "changed", changed);
    cJSON_AddItemToObject(root, "warnings", problems_json(d, SEV_WARNING));
    return root;
}

static int xml_type(const char *ct)
{
    return ct && (strncasecmp(ct, "application/xml", 15) == 0 || strncasecmp(ct, "text/xml", 8) == 0) &&
           (ct[ct[0] == 'a' || ct[0] == 'A' ? 15 : 8] == '\0' || ct[ct[0] == 'a' || ct[0] == 'A' ? 15 : 8] == ';');
}

/* The body must be XML whose root id is id: 0 ok; else answered (400/415/422). */
static int check_body(struct MHD_Connection *c, req *r, const char *id, enum MHD_Result *ret)
{
    diag_list d = {0};
    xmlDocPtr doc;
    char *rid;
    char file[128];

    if (!xml_type(hdr(c, MHD_HTTP_HEADER_CONTENT_TYPE))) {
        *ret = srv_error(c, r, 415, "send the entry as Content-Type: application/xml");
        return 1;
    }
    snprintf(file, sizeof(file), "subprocessors/%s.xml", id ? id : "body");
    doc = xmldoc_parse(r->body.p ? r->body.p : "", r->body.len, file, &d);
    if (!doc) {
        *ret = unprocessable(c, r, &d);
        diag_list_free(&d);
        return 1;
    }
    rid = xmldoc_attr(xmlDocGetRootElement(doc), "id");
    xmlFreeDoc(doc);
    diag_list_free(&d);
    if (id && (!rid || strcmp(rid, id) != 0)) {
        *ret = srv_error(c, r, 400, "the body's id=\"%.64s\" does not match %s in the URL", rid ? rid : "", id);
        free(rid);
        return 1;
    }
    free(rid);
    return 0;
}

static void commit_message(struct MHD_Connection *c, const char *verb, const char *id, char *out, size_t n)
{
    const char *h = hdr(c, "X-Commit-Message");
    size_t i;

    if (h && *h) {
        snprintf(out, n, "%s\n", h);
        for (i = 0; out[i]; i++)
            if ((unsigned char)out[i] < 0x20 && out[i] != '\n')
                out[i] = ' ';
        utf8_sanitize(out); /* it comes back inside JSON (history) */
    } else {
        snprintf(out, n, "%s %s through the API\n", verb, id);
    }
}

/* The preconditions of a write (RFC 9110 13.1.1, 13.1.2), checked by the writer against
 * the tip it is about to write on. */
typedef struct write_ctx {
    server *s;
    const char *id, *if_match, *if_none;
    snapshot *held;    /* the snapshot whose registry the guard is using */
} write_ctx;

/* Under the writer's lock the current snapshot is at the tip (each write refreshes it
 * before the lock is let go): its registry spares the guard reading other files. */
static const registry *known_at(void *ctx, const char *tip)
{
    write_ctx *w = ctx;

    w->held = srv_current(w->s);
    return w->held && strcmp(w->held->rev, tip) == 0 ? w->held->reg : NULL;
}

static void release_known(void *ctx)
{
    write_ctx *w = ctx;

    snapshot_unref(w->held);
    w->held = NULL;
}

static int preconditions(void *ctx, int existed, const char *cur_blob, char *why, size_t n)
{
    const write_ctx *w = ctx;
    char etag[64], pub[64], cust[64];

    snprintf(etag, sizeof(etag), "\"%s\"", cur_blob);
    snprintf(pub, sizeof(pub), "\"%s-p\"", cur_blob); /* the other views' ETags: same blob */
    snprintf(cust, sizeof(cust), "\"%s-c\"", cur_blob);
    if (w->if_none && strcmp(w->if_none, "*") == 0 && existed) {
        snprintf(why, n, "%s exists (If-None-Match: *)", w->id);
        return 412;
    }
    if (w->if_match && strcmp(w->if_match, "*") == 0 && !existed) {
        snprintf(why, n, "%s does not exist (If-Match: *)", w->id);
        return 412;
    }
    if (w->if_match && strcmp(w->if_match, "*") != 0 &&
        (!existed || (!etag_match(w->if_match, etag) && !etag_match(w->if_match, pub) &&
                      !etag_match(w->if_match, cust)))) {
        snprintf(why, n, "%s changed since you read it (If-Match does not match its ETag): read "
                         "it again", w->id);
        return 412;
    }
    return 0;
}

/* After a commit, with the writer's lock held: the index and the snapshot catch up, so the
 * answer and the next read agree. */
static int after_commit(void *ctx, store *st, const char *commit, sr_err *err)
{
    const write_ctx *w = ctx;

    (void)commit;
    return srv_refresh_with(w->s, st, err);
}

/* One API write, prepared on a request thread, run on the thread of writes (writes.c)
 * while its connection is suspended, answered when the connection resumes. */
typedef struct write_job {
    server *s;
    char id[80], name[80], email[128], msg[2100];
    int del;
    write_ctx wc;
    store_author who;
    writer_req q;
    writer_result res;
    diag_list d;
    sr_err err;
    int rc;
} write_job;

static void write_job_free(void *p)
{
    write_job *j = p;

    if (j)
        diag_list_free(&j->d);
    free(j);
}

/* On the thread of writes: the write itself, through the one writer. */
static void run_write(void *arg)
{
    write_job *j = arg;

    j->rc = writer_write(j->s->writer, &j->q, &j->res, &j->d, &j->err);
}

/* The answer to a write that has run. */
static enum MHD_Result write_answer(server *s, struct MHD_Connection *c, req *r, write_job *j)
{
    enum MHD_Result ret;
    writer_result *res = &j->res;
    char etag[64];
    const char *id = j->id;

    atomic_fetch_add(&s->write_retries, res->retries);
    atomic_fetch_add(&s->stale_locks, res->stale_locks);
    if (res->stale_locks)
        srv_log(s, "removed a stale %s.lock (older than %d ms) left by a crashed writer",
                STORE_REF, WRITER_STALE_LOCK_MS);
    if (j->rc != 0) {
        ret = srv_error(c, r, j->rc == -2 ? 503 : 500, "%s", j->err.msg);
    } else if (res->outcome == WRITE_REFUSED) {
        ret = srv_error(c, r, res->status, "%s", res->why);
    } else if (res->outcome == WRITE_ABSENT) {
        ret = srv_error(c, r, 404, "no sub-processor %s", id);
    } else if (res->outcome == WRITE_BLOCKED) {
        ret = unprocessable(c, r, &j->d);
    } else if (res->outcome == WRITE_REJECTED) {
        /* the upstream's own words: a protected branch is a matter of rights (403), a hook
         * or a required review a conflict with its rules (409) */
        int st = strcasestr(res->why, "protected") || strcasestr(res->why, "permission") || strcasestr(res->why, "not allowed") ? 403 : 409;
        ret = srv_error(c, r, st, "the upstream refused the change: %s", res->why);
    } else if (res->outcome == WRITE_BUSY || res->outcome == WRITE_OFFLINE) {
        const char *hs[] = {"Retry-After", res->outcome == WRITE_OFFLINE ? "10" : "1", NULL};
        cJSON *root = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(root, "error");
        cJSON_AddNumberToObject(e, "status", 503);
        cJSON_AddStringToObject(e, "message", res->why);
        ret = srv_json(c, r, 503, root, NULL, NULL, hs);
    } else if (res->outcome == WRITE_UNCHANGED) {
        /* the same content again: nothing to commit, the entry is as asked */
        snprintf(etag, sizeof(etag), "\"%s\"", res->blob);
        ret = srv_json(c, r, 200, write_result(id, res->parent, etag, 0, &j->d), NULL, etag, NULL);
    } else {
        if (res->after_failed)
            srv_log(s, "after the write of %s (%s): cannot refresh: %s", id, res->commit, j->err.msg);
        if (j->del) {
            ret = srv_send(c, r, 204, NULL, "", 0, NULL, NULL, NULL);
        } else {
            char loc[160];
            const char *hs[] = {"Location", loc, NULL};
            snprintf(etag, sizeof(etag), "\"%s\"", res->blob);
            snprintf(loc, sizeof(loc), "/v1/subprocessors/%s", id);
            ret = srv_json(c, r, res->existed ? 200 : 201, write_result(id, res->commit, etag, 1, &j->d), NULL, etag, hs);
        }
    }
    return ret;
}

static enum MHD_Result write_entry(server *s, struct MHD_Connection *c, req *r, const char *id, int del)
{
    enum MHD_Result ret = MHD_NO;
    write_job *j;

    r->route = del ? R_DELETE : R_PUT;
    if (r->job) /* the write has run: the connection was resumed */
        return write_answer(s, c, r, r->job);
    if (refuse(s, c, r, ROLE_EDITOR, NULL, 0, &ret))
        return ret;
    if (!del && check_body(c, r, id, &ret))
        return ret;
    j = calloc(1, sizeof(*j));
    if (!j)
        return srv_error(c, r, 500, "out of memory");
    j->s = s;
    j->del = del;
    snprintf(j->id, sizeof(j->id), "%s", id);
    snprintf(j->name, sizeof(j->name), "%s", r->who); /* the token's name, from refuse */
    snprintf(j->email, sizeof(j->email), "%s@api.subreg.invalid", j->name);
    j->who.name = j->name;
    j->who.email = j->email;
    commit_message(c, del ? "Remove" : "Update", id, j->msg, sizeof(j->msg));
    j->wc.s = s;
    j->wc.id = j->id;
    j->wc.if_match = hdr(c, MHD_HTTP_HEADER_IF_MATCH);  /* the connection's: valid while it lives */
    j->wc.if_none = hdr(c, MHD_HTTP_HEADER_IF_NONE_MATCH);
    j->q.id = j->id;
    j->q.data = del ? NULL : r->body.p;
    j->q.len = del ? 0 : r->body.len;
    j->q.who = &j->who;
    j->q.message = j->msg;
    j->q.day = date_today();
    j->q.known = known_at;
    j->q.release = release_known;
    j->q.check = preconditions;
    j->q.after = after_commit;
    j->q.ctx = &j->wc;
    r->job = j;
    r->job_free = write_job_free;
    /* reads keep their threads while this waits for the writer, a push or the upstream */
    MHD_suspend_connection(c);
    if (!s->writes || writes_submit(s->writes, run_write, j, c) != 0) {
        j->rc = -2;
        sr_err_set(&j->err, "the server is stopping: retry on another server or in a moment");
        MHD_resume_connection(c);
    }
    return MHD_YES;
}

static enum MHD_Result post_validate(server *s, struct MHD_Connection *c, req *r)
{
    enum MHD_Result ret = MHD_NO;
    char name[80], *id = NULL;
    sr_err err = {{0}};
    diag_list d = {0};
    store *st;
    store_snap *snap = NULL;
    xmlDocPtr doc;
    int rc;

    r->route = R_VALIDATE;
    if (refuse(s, c, r, ROLE_EDITOR, name, sizeof(name), &ret))
        return ret;
    if (check_body(c, r, NULL, &ret))
        return ret;
    doc = xmldoc_parse(r->body.p, r->body.len, "body", &d);
    if (doc) {
        id = xmldoc_attr(xmlDocGetRootElement(doc), "id");
        xmlFreeDoc(doc);
    }
    diag_list_free(&d);
    if (!id || !entry_id_valid(id)) {
        ret = srv_error(c, r, 400, "the entry's id is missing or not valid ([a-z0-9][a-z0-9-]{0,62})");
        free(id);
        return ret;
    }
    st = srv_store(s, &err);
    if (!st || store_snap_open(st, NULL, &snap, &err) != 0) {
        free(id);
        return srv_error(c, r, 500, "%s", err.msg);
    }
    {
        snapshot *cur = srv_current(s);
        rc = guard_check_entry(s->xs, snap, id, r->body.p, r->body.len, date_today(),
                               cur ? cur->reg : NULL, &d, &err);
        snapshot_unref(cur);
    }
    if (rc == GUARD_BLOCKED) {
        ret = unprocessable(c, r, &d);
    } else if (rc != 0) {
        ret = srv_error(c, r, 500, "%s", err.msg);
    } else {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "id", id);
        cJSON_AddBoolToObject(root, "valid", 1);
        cJSON_AddItemToObject(root, "warnings", problems_json(&d, SEV_WARNING));
        ret = srv_json(c, r, 200, root, NULL, NULL, NULL);
    }
    store_snap_free(snap);
    diag_list_free(&d);
    free(id);
    return ret;
}

/* ---- small ones ---- */

void api_metrics_text(server *s, buf *out)
{
    static const char *routes[R_COUNT] = {"list", "entry", "entry_xml", "history", "changes", "feed",
                                          "countries", "schema", "openapi", "healthz", "metrics",
                                          "compliance", "put", "delete", "validate", "options",
                                          "page", "asset", "notify", "notice_page", "git_hook", "other"};
    static const char *les[N_BUCKETS] = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.05", "0.25", "+Inf"};
    snapshot *sn = srv_current(s);
    unsigned long cum = 0;
    int i, k;

    buf_puts(out, "# HELP subreg_http_requests_total HTTP requests by route and status.\n# TYPE subreg_http_requests_total counter\n");
    for (i = 0; i < R_COUNT; i++)
        for (k = 0; k < N_STATUS; k++) {
            unsigned long v = atomic_load(&s->m.count[i][k]);
            if (v && srv_status_codes[k])
                buf_printf(out, "subreg_http_requests_total{route=\"%s\",status=\"%d\"} %lu\n", routes[i], srv_status_codes[k], v);
            else if (v) /* answers cut short by the client, rare codes */
                buf_printf(out, "subreg_http_requests_total{route=\"%s\",status=\"other\"} %lu\n", routes[i], v);
        }
    buf_puts(out, "# HELP subreg_http_request_duration_seconds Time from the first byte of a request to the end of its response.\n"
                  "# TYPE subreg_http_request_duration_seconds histogram\n");
    for (i = 0; i < N_BUCKETS; i++) {
        cum += atomic_load(&s->m.buckets[i]);
        buf_printf(out, "subreg_http_request_duration_seconds_bucket{le=\"%s\"} %lu\n", les[i], cum);
    }
    buf_printf(out, "subreg_http_request_duration_seconds_sum %.6f\nsubreg_http_request_duration_seconds_count %lu\n",
               atomic_load(&s->m.sum_us) / 1e6, atomic_load(&s->m.total));
    buf_printf(out, "# HELP subreg_write_retries_total API writes retried because another process moved or locked main.\n"
                    "# TYPE subreg_write_retries_total counter\nsubreg_write_retries_total %lu\n",
               atomic_load(&s->write_retries));
    buf_printf(out, "# HELP subreg_index_rebuilds_total Damaged index files moved aside and rebuilt from git.\n"
                    "# TYPE subreg_index_rebuilds_total counter\nsubreg_index_rebuilds_total %lu\n",
               atomic_load(&s->index_rebuilds));
    buf_printf(out, "# HELP subreg_stale_locks_removed_total Locks of main left by crashed writers and removed by the server.\n"
                    "# TYPE subreg_stale_locks_removed_total counter\nsubreg_stale_locks_removed_total %lu\n",
               atomic_load(&s->stale_locks));
    if (s->upstream) {
        upstream_status us;
        upstream_get_status(s->upstream, &us);
        buf_printf(out, "# HELP subreg_upstream_fetches_total Fetches of the upstream's main.\n"
                        "# TYPE subreg_upstream_fetches_total counter\nsubreg_upstream_fetches_total %lu\n"
                        "# HELP subreg_upstream_fetch_failures_total Fetches that could not reach the upstream.\n"
                        "# TYPE subreg_upstream_fetch_failures_total counter\nsubreg_upstream_fetch_failures_total %lu\n"
                        "# HELP subreg_upstream_invalid_revisions_total Upstream revisions refused as invalid.\n"
                        "# TYPE subreg_upstream_invalid_revisions_total counter\nsubreg_upstream_invalid_revisions_total %lu\n"
                        "# HELP subreg_upstream_webhooks_total Signed webhooks received from the upstream.\n"
                        "# TYPE subreg_upstream_webhooks_total counter\nsubreg_upstream_webhooks_total %lu\n"
                        "# HELP subreg_upstream_invalid 1 while the upstream's main is invalid and not served.\n"
                        "# TYPE subreg_upstream_invalid gauge\nsubreg_upstream_invalid %d\n"
                        "# HELP subreg_upstream_last_success_timestamp_seconds When a fetch last worked.\n"
                        "# TYPE subreg_upstream_last_success_timestamp_seconds gauge\n"
                        "subreg_upstream_last_success_timestamp_seconds %lld\n",
                   us.fetches, us.failures, us.invalid, us.webhooks, us.bad[0] != 0, (long long)us.last_ok);
    }
    if (s->notify) {
        notify_stats *ns = notify_counters(s->notify);
        buf_printf(out, "# HELP subreg_notices_changesets_total Change sets recorded for notice.\n"
                        "# TYPE subreg_notices_changesets_total counter\nsubreg_notices_changesets_total %lu\n"
                        "# HELP subreg_notices_delivered_total Emails and webhooks delivered.\n"
                        "# TYPE subreg_notices_delivered_total counter\nsubreg_notices_delivered_total %lu\n"
                        "# HELP subreg_notices_failed_attempts_total Delivery attempts that failed (retried later).\n"
                        "# TYPE subreg_notices_failed_attempts_total counter\nsubreg_notices_failed_attempts_total %lu\n"
                        "# HELP subreg_notices_given_up_total Deliveries given up after the retry period.\n"
                        "# TYPE subreg_notices_given_up_total counter\nsubreg_notices_given_up_total %lu\n",
                   atomic_load(&ns->changesets), atomic_load(&ns->sent), atomic_load(&ns->failed_attempts),
                   atomic_load(&ns->given_up));
    }
    if (sn) {
        size_t errors, warnings;
        snapshot_findings(sn, &errors, &warnings);
        buf_printf(out, "# HELP subreg_revision_info The commit of main being served.\n# TYPE subreg_revision_info gauge\n"
                        "subreg_revision_info{revision=\"%s\"} 1\n", sn->rev);
        buf_printf(out, "# HELP subreg_entries Sub-processors in the served revision.\n# TYPE subreg_entries gauge\nsubreg_entries %zu\n", sn->reg->n);
        buf_printf(out, "# HELP subreg_findings Unwaived findings of the served revision as of the day it was loaded.\n# TYPE subreg_findings gauge\n"
                        "subreg_findings{severity=\"error\"} %zu\nsubreg_findings{severity=\"warning\"} %zu\n", errors, warnings);
    }
    snapshot_unref(sn);
}

static enum MHD_Result get_embedded(struct MHD_Connection *c, req *r, const char *name, const char *ctype)
{
    size_t len;
    const char *data = embed_get(name, &len);
    char etag[48];

    if (!data)
        return srv_error(c, r, 404, "no such document");
    fnv_etag(data, len, etag);
    return send_cached(c, r, ctype, data, len, PUBLIC_CACHE, etag);
}

/* 405 with Allow: the route's methods, HEAD beside GET, and OPTIONS (every route). */
static enum MHD_Result method_not_allowed(struct MHD_Connection *c, req *r, const char *route_allow)
{
    char allow[96], msg[160];
    const char *hs[] = {"Allow", allow, NULL};
    cJSON *root = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(root, "error");

    snprintf(allow, sizeof(allow), "%s%s, OPTIONS", route_allow, strstr(route_allow, "GET") ? ", HEAD" : "");
    snprintf(msg, sizeof(msg), "method not allowed here; allowed: %s", allow);
    cJSON_AddNumberToObject(e, "status", 405);
    cJSON_AddStringToObject(e, "message", msg);
    return srv_json(c, r, 405, root, NULL, NULL, hs);
}

/* ---- routing ---- */

static const char *const no_args[] = {NULL};
static const char *const list_args[] = {"status", "country", "use", "mechanism", "q", "view", "at", NULL};
static const char *const entry_args[] = {"view", "at", NULL};
static const char *const xml_args[] = {"at", NULL};
static const char *const changes_args[] = {"since", "view", NULL};
static const char *const compliance_args[] = {"date", "at", NULL};
static const char *const page_args[] = {"lang", "at", NULL};
static const char *const notices_args[] = {"since", "after", "limit", NULL};

typedef struct arg_count {
    const char *name;
    int n;
} arg_count;

static enum MHD_Result count_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    arg_count *ct = cls;

    (void)kind;
    (void)value;
    ct->n += strcmp(ct->name, key) == 0;
    return MHD_YES;
}

typedef struct arg_check {
    const char *const *allowed;
    char bad[64];
    int dup;
} arg_check;

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    arg_check *ac = cls;
    size_t i;

    (void)kind;
    (void)value;
    for (i = 0; ac->allowed[i]; i++)
        if (strcmp(ac->allowed[i], key) == 0)
            return MHD_YES;
    snprintf(ac->bad, sizeof(ac->bad), "%s", key);
    return MHD_NO;
}

/* Every query parameter must be one the route takes, each at most once: a typo gets a 400
 * that says what is allowed instead of the unfiltered list. Returns 1 after answering. */
static int check_args(struct MHD_Connection *c, req *r, const char *const *allowed,
                      enum MHD_Result *ret)
{
    arg_check ac = {allowed, "", 0};
    buf names;
    size_t i;
    int n;

    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, check_arg, &ac);
    if (!ac.bad[0]) {
        for (i = 0; allowed[i]; i++) {
            arg_count ct = {allowed[i], 0};
            MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, count_arg, &ct);
            n = ct.n;
            if (n > 1) {
                *ret = srv_error(c, r, 400, "parameter %s given %d times: give it once", allowed[i], n);
                return 1;
            }
        }
        return 0;
    }
    buf_init(&names, 0);
    for (i = 0; allowed[i]; i++)
        buf_printf(&names, "%s%s", i ? ", " : "", allowed[i]);
    for (i = 0; ac.bad[i]; i++)
        if ((unsigned char)ac.bad[i] < 0x20 || (unsigned char)ac.bad[i] >= 0x7f || ac.bad[i] == '"')
            ac.bad[i] = '?';
    *ret = srv_error(c, r, 400, "unknown parameter \"%s\": this resource takes %s", ac.bad,
                     names.len ? buf_str(&names) : "none");
    buf_free(&names);
    return 1;
}

/* The cache key of a public GET: the path, then the route's parameters in a fixed order,
 * percent-encoded (decoded pairs are never joined as they came: "a%3Db%26c" stays one
 * value), and the day for answers that depend on it. */
static char *cache_key(struct MHD_Connection *c, const char *url, const char *const *allowed,
                       int dated)
{
    static const char hex[] = "0123456789ABCDEF";
    buf key;
    size_t i;

    buf_init(&key, 8192);
    buf_puts(&key, url);
    for (i = 0; allowed[i]; i++) {
        const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, allowed[i]);
        const unsigned char *p;
        if (!v)
            continue;
        buf_printf(&key, "%c%s=", i ? '&' : '?', allowed[i]);
        for (p = (const unsigned char *)v; *p; p++) {
            if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                *p == '-' || *p == '_' || *p == '.' || *p == '~') {
                buf_add(&key, p, 1);
            } else {
                char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
                buf_add(&key, e, 3);
            }
        }
    }
    if (dated) {
        char d[11];
        buf_printf(&key, "#%s", date_format(date_today(), d));
    }
    if (key.failed) {
        buf_free(&key);
        return NULL;
    }
    return buf_steal(&key);
}

/* Public GETs of the current revision are answered from the snapshot's response cache;
 * a miss arms the request to fill it. Returns 1 when answered from the cache. */
static int from_cache(server *s, struct MHD_Connection *c, req *r, const char *url,
                      const char *const *allowed, int dated, enum MHD_Result *ret)
{
    const char *body, *etag, *ctype;
    snapshot *sn;
    size_t len;
    char *key;

    if (hdr(c, MHD_HTTP_HEADER_AUTHORIZATION) || arg(c, "at") || want_internal(c))
        return 0;
    sn = srv_current(s);
    if (!sn)
        return 0;
    key = cache_key(c, url, allowed, dated);
    if (!key) {
        snapshot_unref(sn);
        return 0;
    }
    if (snapshot_cache_get(sn, key, &body, &len, &etag, &ctype)) {
        *ret = send_cached(c, r, ctype, body, len, PUBLIC_CACHE, etag);
        free(key);
        snapshot_unref(sn);
        return 1;
    }
    r->cache_sn = sn;
    r->cache_key = key;
    return 0;
}

static enum MHD_Result get_countries(server *s, struct MHD_Connection *c, req *r)
{
    snapshot *sn;
    cJSON *j;
    char *txt, etag[48];
    enum MHD_Result ret;

    if (!(sn = srv_current(s)))
        return srv_error(c, r, 503, "the registry is not loaded yet");
    j = reference_to_json(sn->reg->ref);
    txt = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    snapshot_unref(sn);
    if (!txt)
        return srv_error(c, r, 500, "out of memory");
    fnv_etag(txt, strlen(txt), etag);
    ret = send_cached(c, r, "application/json", txt, strlen(txt), PUBLIC_CACHE, etag);
    cJSON_free(txt);
    return ret;
}

static enum MHD_Result get_schema(struct MHD_Connection *c, req *r, const char *file)
{
    char name[64];
    size_t l = strlen(file);

    if (l < 5 || l > 40 || strcmp(file + l - 4, ".xsd") != 0 || strchr(file, '/'))
        return srv_error(c, r, 404, "no such schema: try subprocessor.xsd, registry.xsd, reference.xsd or hosting.xsd");
    snprintf(name, sizeof(name), "schemas/%s", file);
    return get_embedded(c, r, name, "application/xml; charset=utf-8");
}

/* ok: serving main; degraded: the served revision has lagged main for more than
 * HEALTH_LAG_MS (a refresh keeps failing); loading: nothing served yet. */
/* Whether this server can serve, for a load balancer: 200 while it serves a revision (the
 * body says "degraded" when the served revision lags main or the upstream's main is refused:
 * reads are still right, so a balancer keeps it), 503 only while nothing is loaded yet. The
 * public answer names no reason beyond its kind: why (an upstream's error, the findings of a
 * refused revision, which may name unpublished entries) needs a reader's token. */
static enum MHD_Result get_health(server *s, struct MHD_Connection *c, req *r)
{
    snapshot *sn = srv_current(s);
    char tip[STORE_OID_HEX], why[1200], name[80];
    int lag = srv_lagging(s, tip), bad = 0, details = caller(s, c, r, name, sizeof(name)) >= ROLE_READER;
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

static enum MHD_Result get_metrics(server *s, struct MHD_Connection *c, req *r)
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
                               "form-action 'none'; frame-ancestors 'none'",
    "X-Frame-Options", "DENY", "Referrer-Policy", "no-referrer", "Content-Language", NULL, NULL};

/* The days on which the public list changed, newest first, with their public summaries. */
static size_t page_versions(server *s, page_version *v, size_t max, int *last)
{
    sr_err err = {{0}};
    index_db *idx = srv_index(s, &err);
    index_change *ch = NULL;
    size_t n = 0, i, k = 0;
    buf line;

    *last = DATE_NONE;
    if (!idx || index_changes(idx, NULL, NULL, 0, &ch, &n, &err) != 0)
        return 0;
    drop_refused(s, ch, &n);
    buf_init(&line, 0);
    for (i = 0; i < n; i++) {
        int day = (int)(ch[i].time / 86400);
        line.len = 0;
        index_change_summary(idx, &ch[i], 1, &line);
        if (k && v[k - 1].day == day) {
            size_t l = strlen(v[k - 1].summary);
            if (l + 3 < sizeof(v[k - 1].summary))
                snprintf(v[k - 1].summary + l, sizeof(v[k - 1].summary) - l, "; %s", buf_str(&line));
            continue;
        }
        if (k == max)
            break;
        v[k].day = day;
        snprintf(v[k].summary, sizeof(v[k].summary), "%s", buf_str(&line));
        utf8_sanitize(v[k].summary); /* a cut may split a character */
        k++;
    }
    if (k)
        *last = v[0].day;
    buf_free(&line);
    index_changes_free(ch, n);
    return k;
}

static enum MHD_Result get_page(server *s, struct MHD_Connection *c, req *r, const char *only)
{
    const char *lang = page_lang(arg(c, "lang"), hdr(c, MHD_HTTP_HEADER_ACCEPT_LANGUAGE));
    const char *at = arg(c, "at");
    char key[160], rev[STORE_OID_HEX], d[11], etag[48];
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
    sn = pick_snapshot(s, c, r, &ret);
    if (!sn)
        return ret;
    snprintf(key, sizeof(key), "page|%s|%s|%s|%s", lang, date_format(day, d), at ? at : "", only ? only : "");
    if (snapshot_cache_get(sn, key, &body, &len, &cetag, &ctype)) {
        if (etag_match(hdr(c, MHD_HTTP_HEADER_IF_NONE_MATCH), cetag))
            return srv_send_held(c, r, sn, 304, NULL, "", 0, PUBLIC_CACHE, cetag, hs);
        return srv_send_held(c, r, sn, 200, ctype, body, len, PUBLIC_CACHE, cetag, hs);
    }
    if (only && !registry_find(sn->reg, only, NULL)) {
        snapshot_unref(sn);
        return srv_error(c, r, 404, "no sub-processor %s", only);
    }
    memset(&o, 0, sizeof(o));
    o.lang = lang;
    o.day = day;
    o.at = atday;
    o.only = only;
    o.versions = versions;
    o.nversions = page_versions(s, versions, 30, &o.last_updated);
    (void)rev;
    buf_init(&out, 0);
    if (page_render(sn->reg, &o, &out) != 0) {
        ret = srv_error(c, r, 500, "out of memory");
    } else {
        fnv_etag(buf_str(&out), out.len, etag);
        snapshot_cache_put(sn, key, buf_str(&out), out.len, etag, "text/html; charset=utf-8");
        if (etag_match(hdr(c, MHD_HTTP_HEADER_IF_NONE_MATCH), etag))
            ret = srv_send(c, r, 304, NULL, "", 0, PUBLIC_CACHE, etag, hs);
        else
            ret = srv_send(c, r, 200, "text/html; charset=utf-8", buf_str(&out), out.len, PUBLIC_CACHE, etag, hs);
    }
    buf_free(&out);
    snapshot_unref(sn);
    return ret;
}

static enum MHD_Result get_asset(struct MHD_Connection *c, req *r, const char *url)
{
    if (strcmp(url, "/favicon.ico") == 0) /* browsers ask; there is none */
        return srv_send(c, r, 204, NULL, "", 0, "public, max-age=86400", NULL, NULL);
    if (strcmp(url, "/robots.txt") == 0) {
        /* the public list is meant to be found; the pages behind the links in emails are
         * someone's own and carry their tokens */
        static const char robots[] = "User-agent: *\nAllow: /\nDisallow: /subscriptions/\n"
                                     "Disallow: /unsubscribe/\nDisallow: /objections/\n";
        return srv_send(c, r, 200, "text/plain; charset=utf-8", robots, sizeof(robots) - 1,
                        "public, max-age=86400", NULL, NULL);
    }
    if (strcmp(url, "/page.css") == 0) {
        size_t len;
        const char *css = page_css(&len);
        char etag[48];
        fnv_etag(css, len, etag);
        return send_cached(c, r, "text/css; charset=utf-8", css, len, PUBLIC_CACHE, etag);
    }
    return get_embedded(c, r, "web/embed.js", "text/javascript; charset=utf-8");
}

/* How a route's path is matched after /v1/ (or at the root for the service routes). */
typedef enum { M_EXACT, M_PREFIX, M_ENTRY, M_ENTRY_XML, M_HISTORY } match_kind;

typedef struct route {
    match_kind match;
    const char *path;               /* M_EXACT: the path; M_PREFIX: its prefix */
    route_id id;
    const char *allow;              /* the methods, for 405 and Allow */
    const char *const *args;        /* the query parameters it takes */
    int cache;                      /* public GETs answered from the cache: 1, 2 = dated */
} route;

static const route routes[] = {
    {M_EXACT, "/", R_PAGE, "GET", page_args, 0},
    {M_PREFIX, "/subprocessors/", R_PAGE, "GET", page_args, 0},
    {M_EXACT, "/page.css", R_ASSET, "GET", no_args, 0},
    {M_EXACT, "/embed.js", R_ASSET, "GET", no_args, 0},
    {M_EXACT, "/favicon.ico", R_ASSET, "GET", no_args, 0},
    {M_EXACT, "/robots.txt", R_ASSET, "GET", no_args, 0},
    {M_EXACT, "/healthz", R_HEALTH, "GET", NULL, 0},
    {M_EXACT, "/metrics", R_METRICS, "GET", NULL, 0},
    {M_EXACT, "/v1/openapi.json", R_OPENAPI, "GET", no_args, 0},
    {M_EXACT, "/v1/reference/countries", R_COUNTRIES, "GET", no_args, 1},
    {M_PREFIX, "/v1/schemas/", R_SCHEMA, "GET", no_args, 0},
    {M_EXACT, "/v1/changes", R_CHANGES, "GET", changes_args, 2},
    {M_EXACT, "/v1/feed.atom", R_FEED, "GET", no_args, 2},
    {M_EXACT, "/v1/compliance", R_COMPLIANCE, "GET", compliance_args, 0},
    {M_EXACT, "/v1/validate", R_VALIDATE, "POST", no_args, 0},
    {M_EXACT, "/v1/subprocessors", R_LIST, "GET", list_args, 1},
    {M_ENTRY_XML, "/v1/subprocessors/", R_ENTRY_XML, "GET", xml_args, 0},
    {M_HISTORY, "/v1/subprocessors/", R_HISTORY, "GET", changes_args, 2},
    {M_ENTRY, "/v1/subprocessors/", R_ENTRY, "GET, PUT, DELETE", entry_args, 0},
    {M_EXACT, "/v1/subscriptions", R_NOTIFY, "POST", no_args, 0},
    {M_EXACT, "/v1/subscribers", R_NOTIFY, "GET, POST", no_args, 0},
    {M_PREFIX, "/v1/subscribers/", R_NOTIFY, "DELETE", no_args, 0},
    {M_EXACT, "/v1/webhooks", R_NOTIFY, "GET, POST", no_args, 0},
    {M_PREFIX, "/v1/webhooks/", R_NOTIFY, "DELETE", no_args, 0},
    {M_EXACT, "/v1/notices", R_NOTIFY, "GET", notices_args, 0},
    {M_EXACT, "/v1/objections", R_NOTIFY, "GET", no_args, 0},
    {M_PREFIX, "/subscriptions/confirm/", R_NOTICE_PAGE, "GET, POST", no_args, 0},
    {M_PREFIX, "/unsubscribe/", R_NOTICE_PAGE, "GET, POST", no_args, 0},
    {M_PREFIX, "/objections/", R_NOTICE_PAGE, "GET, POST", no_args, 0},
    {M_EXACT, "/v1/hooks/git", R_GIT_HOOK, "POST", no_args, 0},
};

/* The id in /v1/subprocessors/<id><tail>; 0 when url is of that shape with that tail, 1
 * when it is an entry URL with a bad id (answered), -1 when it is not. */
static int entry_url(const char *url, const char *tail, char id[80])
{
    const char *rest = url + strlen("/v1/subprocessors/");
    size_t l = strcspn(rest, "/.");

    if (strncmp(url, "/v1/subprocessors/", 18) != 0 || strcmp(rest + l, tail) != 0)
        return -1;
    if (l == 0 || l >= 80)
        return 1;
    memcpy(id, rest, l);
    id[l] = '\0';
    return entry_id_valid(id) ? 0 : 1;
}

static int allowed_method(const char *allow, const char *method)
{
    size_t n = strlen(method);
    const char *p = allow;

    if (strcmp(method, "HEAD") == 0)
        method = "GET", n = 3;
    while ((p = strstr(p, method))) {
        if ((p == allow || p[-1] == ' ') && (p[n] == '\0' || p[n] == ','))
            return 1;
        p += n;
    }
    return 0;
}

enum MHD_Result api_handle(server *s, struct MHD_Connection *c, req *r, const char *method,
                           const char *url)
{
    const route *rt = NULL;
    enum MHD_Result ret;
    char id[80] = "", name[80];
    size_t i;
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0, badid = 0;

    if (strcmp(method, "OPTIONS") == 0) {
        const char *hs[] = {"Access-Control-Allow-Methods", "GET, HEAD, PUT, DELETE, POST, OPTIONS",
                            "Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match, If-None-Match, X-Commit-Message, X-Request-Id",
                            "Access-Control-Max-Age", "86400", NULL};
        r->route = R_OPTIONS;
        return srv_send(c, r, 204, NULL, "", 0, PUBLIC_CACHE, NULL, hs);
    }
    if (hdr(c, MHD_HTTP_HEADER_AUTHORIZATION)) {
        /* a token that does not work is refused everywhere, public reads included: a
         * misconfigured client learns it at once instead of getting the public view */
        if (refuse(s, c, r, ROLE_NONE, name, sizeof(name), &ret))
            return ret;
    }
    for (i = 0; !rt && i < sizeof(routes) / sizeof(routes[0]); i++) {
        const route *x = &routes[i];
        int m;
        switch (x->match) {
        case M_EXACT: m = strcmp(url, x->path) == 0 ? 0 : -1; break;
        case M_PREFIX: m = strncmp(url, x->path, strlen(x->path)) == 0 ? 0 : -1; break;
        case M_ENTRY_XML: m = entry_url(url, ".xml", id); break;
        case M_HISTORY: m = entry_url(url, "/history", id); break;
        default: m = entry_url(url, "", id); break;
        }
        if (m == 1)
            badid = 1;
        if (m == 0)
            rt = x;
    }
    if (!rt && (badid || strncmp(url, "/v1/subprocessors/", 18) == 0)) {
        r->route = R_ENTRY;
        return srv_error(c, r, 400, "\"%.64s\" is not a valid sub-processor URL: /v1/subprocessors/ID[.xml|/history], "
                                    "the id 1 to 63 characters of a-z, 0-9 and '-'", url + 18);
    }
    if (!rt) {
        if (strncmp(url, "/v1/", 4) != 0)
            return srv_error(c, r, 404, "no such resource; the API lives under /v1/ (see /v1/openapi.json)");
        return srv_error(c, r, 404, "no such resource (see /v1/openapi.json)");
    }
    r->route = rt->id;
    if (!allowed_method(rt->allow, method))
        return method_not_allowed(c, r, rt->allow);
    if (rt->args && check_args(c, r, rt->args, &ret))
        return ret;
    /* a replica takes no writes and keeps no notices: the primary does */
    if (s->read_only && ((!get && rt->id != R_VALIDATE && rt->id != R_GIT_HOOK) || rt->id == R_NOTIFY ||
                         rt->id == R_NOTICE_PAGE)) {
        char loc[400];
        const char *hs[] = {"Retry-After", "5", s->primary ? "Location" : NULL, loc, NULL};
        cJSON *root = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(root, "error");
        snprintf(loc, sizeof(loc), "%s%s", s->primary ? s->primary : "", url);
        cJSON_AddNumberToObject(e, "status", 503);
        cJSON_AddStringToObject(e, "message", s->primary ? "this server is a read-only replica: send it to the primary (Location)"
                                                         : "this server is a read-only replica: send it to the primary");
        return srv_json(c, r, 503, root, "no-store", NULL, hs);
    }
    if (get && rt->cache && (rt->id != R_LIST || MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, NULL, NULL) > 0) &&
        from_cache(s, c, r, url, rt->args, rt->cache == 2, &ret))
        return ret;
    switch (rt->id) {
    case R_PAGE: return get_page(s, c, r, strncmp(url, "/subprocessors/", 15) == 0 ? url + 15 : NULL);
    case R_ASSET: return get_asset(c, r, url);
    case R_HEALTH: return get_health(s, c, r);
    case R_METRICS: return get_metrics(s, c, r);
    case R_OPENAPI: return get_embedded(c, r, "docs/openapi.json", "application/json");
    case R_COUNTRIES: return get_countries(s, c, r);
    case R_SCHEMA: return get_schema(c, r, url + strlen(rt->path));
    case R_CHANGES: return get_changes(s, c, r, NULL);
    case R_FEED: return get_feed(s, c, r);
    case R_COMPLIANCE: return get_compliance(s, c, r);
    case R_VALIDATE: return post_validate(s, c, r);
    case R_LIST: return get_list(s, c, r);
    case R_ENTRY_XML: return get_entry(s, c, r, id, 1);
    case R_HISTORY: return get_changes(s, c, r, id);
    case R_NOTIFY:
    case R_NOTICE_PAGE: return api_notify(s, c, r, method, url);
    case R_GIT_HOOK: return upstream_hook(s, c, r);
    default:
        if (get)
            return get_entry(s, c, r, id, 0);
        return write_entry(s, c, r, id, strcmp(method, "DELETE") == 0);
    }
}
