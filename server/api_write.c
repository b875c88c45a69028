/* The HTTP API's writes: PUT and DELETE of an entry (run on the thread of writes,
 * server/writes.c) and POST /v1/validate. */
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

    if (!xml_type(api_hdr(c, MHD_HTTP_HEADER_CONTENT_TYPE))) {
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
    const char *h = api_hdr(c, "X-Commit-Message");
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
        (!existed || (!api_etag_match(w->if_match, etag) && !api_etag_match(w->if_match, pub) &&
                      !api_etag_match(w->if_match, cust)))) {
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

enum MHD_Result api_write_entry(server *s, struct MHD_Connection *c, req *r, const char *id, int del)
{
    enum MHD_Result ret = MHD_NO;
    write_job *j;

    r->route = del ? R_DELETE : R_PUT;
    if (r->job) /* the write has run: the connection was resumed */
        return write_answer(s, c, r, r->job);
    if (api_require(s, c, r, ROLE_EDITOR, NULL, 0, &ret))
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
    j->wc.if_match = api_hdr(c, MHD_HTTP_HEADER_IF_MATCH);  /* the connection's: valid while it lives */
    j->wc.if_none = api_hdr(c, MHD_HTTP_HEADER_IF_NONE_MATCH);
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

enum MHD_Result api_post_validate(server *s, struct MHD_Connection *c, req *r)
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
    if (api_require(s, c, r, ROLE_EDITOR, name, sizeof(name), &ret))
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

