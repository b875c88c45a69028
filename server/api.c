/* The HTTP API's router: routes, argument whitelists, the answer cache, authentication,
 * and the small routes (schemas, assets, metrics text). Reads are in api_read.c, writes in
 * api_write.c, notices in api_notify.c; routes.h is what they share. */
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
#include "routes.h"
#include "../registry/upstream.h"
#include "writes.h"

const char *api_arg(struct MHD_Connection *c, const char *k)
{
    const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, k);
    return v && *v ? v : NULL;
}

const char *api_hdr(struct MHD_Connection *c, const char *k)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, k);
}

/* The caller's role: ROLE_NONE without a token, -1 for one that does not work. Worked out
 * once per request (hashing the token and checking the token file) and kept in r. */
int api_caller(server *s, struct MHD_Connection *c, req *r, char *name, size_t n)
{
    const char *h;

    if (!r->role_known) {
        h = api_hdr(c, MHD_HTTP_HEADER_AUTHORIZATION);
        r->who[0] = '\0';
        r->customer[0] = '\0';
        if (!h)
            r->role = ROLE_NONE;
        else if (strncasecmp(h, "Bearer ", 7) != 0) /* the scheme is case-insensitive (RFC 9110 11.1) */
            r->role = -1;
        else {
            const char *tok = h + 7;
            while (*tok == ' ')
                tok++;
            auth_role role = auth_check(s->tokens, tok, r->who, sizeof(r->who), r->customer,
                                         sizeof(r->customer));
            r->role = role == ROLE_NONE ? -1 : (int)role;
        }
        r->role_known = 1;
    }
    snprintf(name, n, "%s", r->who);
    return r->role;
}

static const char *const www_auth[] = {"WWW-Authenticate", "Bearer realm=\"subreg\"", NULL};

/* Answer 401/403 unless the caller has at least role need (serve.h). */
int api_require(server *s, struct MHD_Connection *c, req *r, int need, char *name, size_t n,
                enum MHD_Result *ret)
{
    int role = api_caller(s, c, r, name, n);

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

/* If-None-Match against etag (comma list, weak prefixes ignored, * matches). */
int api_etag_match(const char *header, const char *etag)
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

enum MHD_Result api_send_cached(struct MHD_Connection *c, req *r, const char *ctype,
                                   const char *body, size_t len, const char *cache,
                                   const char *etag)
{
    if (r->cache_sn && r->cache_key && etag)
        snapshot_cache_put(r->cache_sn, r->cache_key, body, len, etag, ctype);
    if (etag && api_etag_match(api_hdr(c, MHD_HTTP_HEADER_IF_NONE_MATCH), etag))
        return srv_send(c, r, 304, NULL, "", 0, cache, etag, NULL);
    return srv_send(c, r, 200, ctype, body, len, cache, etag, NULL);
}

void api_fnv_etag(const char *body, size_t len, char out[48])
{
    uint64_t h = 1469598103934665603ULL;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char)body[i];
        h *= 1099511628211ULL;
    }
    snprintf(out, 48, "\"%016llx-%zx\"", (unsigned long long)h, len);
}

enum MHD_Result api_send_json(struct MHD_Connection *c, req *r, cJSON *root, const char *cache)
{
    char *txt = root ? cJSON_PrintUnformatted(root) : NULL, etag[48];
    enum MHD_Result ret;

    cJSON_Delete(root);
    if (!txt)
        return srv_error(c, r, 500, "out of memory");
    api_fnv_etag(txt, strlen(txt), etag);
    ret = api_send_cached(c, r, "application/json", txt, strlen(txt), cache, etag);
    cJSON_free(txt);
    return ret;
}

/* ---- small ones ---- */

void api_metrics_text(server *s, buf *out)
{
    static const char *routes[R_COUNT] = {"list", "entry", "entry_xml", "history", "changes", "feed",
                                          "countries", "schema", "openapi", "healthz", "metrics",
                                          "compliance", "put", "delete", "validate", "options",
                                          "page", "asset", "notify", "notice_page", "git_hook", "widget",
                                          "customer", "other"};
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

enum MHD_Result api_get_embedded(struct MHD_Connection *c, req *r, const char *name, const char *ctype)
{
    size_t len;
    const char *data = embed_get(name, &len);
    char etag[48];

    if (!data)
        return srv_error(c, r, 404, "no such document");
    api_fnv_etag(data, len, etag);
    return api_send_cached(c, r, ctype, data, len, PUBLIC_CACHE, etag);
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
static const char *const page_args[] = {"lang", "at", "q", "country", NULL};
static const char *const widget_args[] = {"lang", NULL};
static const char *const notices_args[] = {"since", "after", "limit", NULL};

typedef struct arg_count {
    const char *name;
    int n;
} arg_count;

/* Count the query arguments named as the arg_count's name (a repeated argument is refused). */
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

/* Note a query argument the route does not take (the arg_check's allowed list). */
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

    if (api_hdr(c, MHD_HTTP_HEADER_AUTHORIZATION) || api_arg(c, "at") || api_want_internal(c))
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
        *ret = api_send_cached(c, r, ctype, body, len, PUBLIC_CACHE, etag);
        free(key);
        snapshot_unref(sn);
        return 1;
    }
    r->cache_sn = sn;
    r->cache_key = key;
    return 0;
}

/* The small static answers: favicon (none), robots.txt, the page's style sheet, the widget. */
static enum MHD_Result get_asset(struct MHD_Connection *c, req *r, const char *url)
{
    if (strcmp(url, "/favicon.ico") == 0) /* browsers ask; there is none */
        return srv_send(c, r, 204, NULL, "", 0, "public, max-age=86400", NULL, NULL);
    if (strcmp(url, "/robots.txt") == 0) {
        /* the public list is meant to be found; the pages behind the links in emails are
         * someone's own and carry their tokens */
        static const char robots[] = "User-agent: *\nAllow: /\nDisallow: /subscriptions/\n"
                                     "Disallow: /unsubscribe/\nDisallow: /objections/\nDisallow: /customer/\n";
        return srv_send(c, r, 200, "text/plain; charset=utf-8", robots, sizeof(robots) - 1,
                        "public, max-age=86400", NULL, NULL);
    }
    if (strcmp(url, "/page.css") == 0) {
        size_t len;
        const char *css = page_css(&len);
        char etag[48];
        api_fnv_etag(css, len, etag);
        return api_send_cached(c, r, "text/css; charset=utf-8", css, len, PUBLIC_CACHE, etag);
    }
    return api_get_embedded(c, r, "web/embed.js", "text/javascript; charset=utf-8");
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
    {M_EXACT, "/v1/widget", R_WIDGET, "GET", widget_args, 1},
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
    {M_PREFIX, "/customer/", R_NOTICE_PAGE, "GET", no_args, 0},
    {M_EXACT, "/subscribe", R_NOTICE_PAGE, "POST", no_args, 0},
    {M_EXACT, "/v1/hooks/git", R_GIT_HOOK, "POST", no_args, 0},
    {M_EXACT, "/v1/customers", R_CUSTOMER, "GET", no_args, 0},
    {M_PREFIX, "/v1/customers/", R_CUSTOMER, "GET", no_args, 0},
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

/* 1 when method is in the Allow list allow ("GET, HEAD, PUT"); HEAD counts as GET. */
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

/* POST /v1/hooks/git: the upstream says it moved. 202 and a fetch when GitHub's or GitLab's
 * proof matches the secret (upstream_webhook); 401 otherwise, and nothing fetched. */
static enum MHD_Result git_hook(server *s, struct MHD_Connection *c, req *r)
{
    const char *gh = api_hdr(c, "X-Hub-Signature-256"), *gl = api_hdr(c, "X-Gitlab-Token");
    cJSON *root;

    if (!upstream_has_webhook(s->upstream))
        return srv_error(c, r, 404, "no upstream webhook here: start serve with --upstream URL --webhook-secret-file FILE");
    if (!upstream_webhook(s->upstream, gh, gl, r->body.p, r->body.len))
        return srv_error(c, r, 401, "%s", gh || gl ? "the webhook's signature does not match the secret"
                                                   : "send X-Hub-Signature-256 (GitHub) or X-Gitlab-Token (GitLab)");
    root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "status", "fetching");
    return srv_json(c, r, 202, root, "no-store", NULL, NULL);
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
    if (api_hdr(c, MHD_HTTP_HEADER_AUTHORIZATION)) {
        /* a token that does not work is refused everywhere, public reads included: a
         * misconfigured client learns it at once instead of getting the public view */
        if (api_require(s, c, r, ROLE_NONE, name, sizeof(name), &ret))
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
    case R_PAGE: return api_get_page(s, c, r, strncmp(url, "/subprocessors/", 15) == 0 ? url + 15 : NULL);
    case R_ASSET: return get_asset(c, r, url);
    case R_HEALTH: return api_get_health(s, c, r);
    case R_METRICS: return api_get_metrics(s, c, r);
    case R_OPENAPI: return api_get_embedded(c, r, "docs/openapi.json", "application/json");
    case R_COUNTRIES: return api_get_countries(s, c, r);
    case R_WIDGET: return api_get_widget(s, c, r);
    case R_SCHEMA: return api_get_schema(c, r, url + strlen(rt->path));
    case R_CHANGES: return api_get_changes(s, c, r, NULL);
    case R_FEED: return api_get_feed(s, c, r);
    case R_COMPLIANCE: return api_get_compliance(s, c, r);
    case R_VALIDATE: return api_post_validate(s, c, r);
    case R_LIST: return api_get_list(s, c, r);
    case R_ENTRY_XML: return api_get_entry(s, c, r, id, 1);
    case R_HISTORY: return api_get_changes(s, c, r, id);
    case R_NOTIFY:
    case R_NOTICE_PAGE: return api_notify(s, c, r, method, url);
    case R_GIT_HOOK: return git_hook(s, c, r);
    case R_CUSTOMER: return api_get_customers(s, c, r, url[13] == '/' ? url + 14 : NULL);
    default:
        if (get)
            return api_get_entry(s, c, r, id, 0);
        return api_write_entry(s, c, r, id, strcmp(method, "DELETE") == 0);
    }
}

