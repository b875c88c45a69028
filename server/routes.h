/* routes.h: what the route files of the HTTP API share: api.c (the router, the argument
 * whitelists, the answer cache, authentication and small routes), api_read.c (the reads, the
 * feed, compliance, health and the public page), api_write.c (PUT, DELETE, validate).
 * Nothing outside server/api*.c includes it. Every handler queues exactly one response. */
#ifndef SUBREG_ROUTES_H
#define SUBREG_ROUTES_H
#include <cjson/cJSON.h>
#include "serve.h"

/* a CDN may serve a stale copy for 5 minutes while it revalidates (ETag, 304) */
#define PUBLIC_CACHE "public, max-age=30, stale-while-revalidate=300"
#define PRIVATE_CACHE "private, no-cache"

/* ---- api.c ---- */

/* The query argument k, or NULL when absent or empty. */
const char *api_arg(struct MHD_Connection *c, const char *k);
/* The request header k, or NULL. */
const char *api_hdr(struct MHD_Connection *c, const char *k);
/* The caller's role: ROLE_NONE without a token, -1 for one that does not work; its token's
 * name in name. Worked out once per request (hashing the token) and kept in r. */
int api_caller(server *s, struct MHD_Connection *c, req *r, char *name, size_t n);
/* 1 when the If-None-Match header (a comma list; weak prefixes ignored; * matches) names
 * etag. header may be NULL. */
int api_etag_match(const char *header, const char *etag);
/* Answer 200 with body (copied), or 304 when If-None-Match names etag; a public GET's answer
 * is kept in the snapshot's cache first (r->cache_sn). */
enum MHD_Result api_send_cached(struct MHD_Connection *c, req *r, const char *ctype, const char *body,
                                size_t len, const char *cache, const char *etag);
/* A strong ETag of body (FNV-1a and length, quoted) into out. */
void api_fnv_etag(const char *body, size_t len, char out[48]);
/* Answer root (taken over; NULL: out of memory, a 500) as application/json with the ETag of
 * its text and Cache-Control cache, through api_send_cached. */
enum MHD_Result api_send_json(struct MHD_Connection *c, req *r, cJSON *root, const char *cache);
/* Answer a file compiled into the binary (registry/embed.h) with its ETag. */
enum MHD_Result api_get_embedded(struct MHD_Connection *c, req *r, const char *name, const char *ctype);

/* ---- api_read.c: the route handlers of reads ---- */

/* 1 when ?view=internal is asked for. */
int api_want_internal(struct MHD_Connection *c);
/* GET /v1/subprocessors (filters, views, ?at=). */
enum MHD_Result api_get_list(server *s, struct MHD_Connection *c, req *r);
/* GET /v1/subprocessors/{id} (JSON) and /v1/subprocessors/{id}.xml (xml = 1). */
enum MHD_Result api_get_entry(server *s, struct MHD_Connection *c, req *r, const char *id, int xml);
/* GET /v1/changes (id NULL) and /v1/subprocessors/{id}/history, from the index. */
enum MHD_Result api_get_changes(server *s, struct MHD_Connection *c, req *r, const char *id);
/* GET /v1/feed.atom. */
enum MHD_Result api_get_feed(server *s, struct MHD_Connection *c, req *r);
/* GET /v1/compliance: the rules' findings on the served revision (a reader's token). */
enum MHD_Result api_get_compliance(server *s, struct MHD_Connection *c, req *r);
/* GET /v1/reference/countries. */
enum MHD_Result api_get_countries(server *s, struct MHD_Connection *c, req *r);
/* GET /v1/widget?lang=: {"lang", "revision", "day", "html", "full"}: the widget's fragment
 * (page_widget) for /embed.js, in the language asked, public and cached per revision. */
enum MHD_Result api_get_widget(server *s, struct MHD_Connection *c, req *r);
/* GET /v1/schemas/{file}. */
enum MHD_Result api_get_schema(struct MHD_Connection *c, req *r, const char *file);
/* GET /healthz: 200 while a revision is served ("ok" or "degraded"), 503 while none is;
 * reasons beyond the kind need a reader's token. */
enum MHD_Result api_get_health(server *s, struct MHD_Connection *c, req *r);
/* GET /metrics (Prometheus text). */
enum MHD_Result api_get_metrics(server *s, struct MHD_Connection *c, req *r);
/* GET / (only NULL) and /subprocessors/{id} (only: the id): the public page. */
enum MHD_Result api_get_page(server *s, struct MHD_Connection *c, req *r, const char *only);

/* ---- api_customers.c ---- */

/* GET /v1/customers (id NULL: a reader's token) and /v1/customers/{id} (a reader's token or
 * that customer's own). */
enum MHD_Result api_get_customers(server *s, struct MHD_Connection *c, req *r, const char *id);

/* ---- api_write.c: the route handlers of writes ---- */

/* PUT (del 0) or DELETE (del 1) /v1/subprocessors/{id}: suspends the connection while the
 * thread of writes works, answers when resumed. */
enum MHD_Result api_write_entry(server *s, struct MHD_Connection *c, req *r, const char *id, int del);
/* POST /v1/validate: schema and rules on a body, nothing written. */
enum MHD_Result api_post_validate(server *s, struct MHD_Connection *c, req *r);
#endif
