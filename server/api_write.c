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

/* The 422 answer of an entry that breaks the rules: every finding, sorted. */
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

/* 1 when Content-Type ct is application/xml or text/xml (parameters allowed). */
static int xml_type(const char *ct)
{
    return ct && (strncasecmp(ct, "application/xml", 15) == 0 || strncasecmp(ct, "text/xml", 8) == 0) &&
           (ct[ct[0] == 'a' || ct[0] == 'A' ? 15 : 8] == '\0' || ct[ct[0] == 'a' || ct[0] == 'A' ? 15 : 8] == ';');
}

/* The body, parsed once for every check and the catch-up after the commit: a PUT's must be
 * XML whose root id is id, validate's (id NULL) names its file after its own id. Returns 0
 * with *e (one reference), or 1 when answered (415, 422, 400 or 500). */
static int parse_body(server *s, struct MHD_Connection *c, req *r, const char *id, entry **e,
                      diag_list *d, enum MHD_Result *ret)
{
    sr_err err = {{0}};
    int rc;

    *e = NULL;
    if (!xml_type(api_hdr(c, MHD_HTTP_HEADER_CONTENT_TYPE))) {
        *ret = srv_error(c, r, 415, "send the entry as Content-Type: application/xml");
        return 1;
    }
    rc = guard_parse(s->xs, id, r->body.p, r->body.len, e, d, &err);
    if (rc == GUARD_BLOCKED) {
        *ret = unprocessable(c, r, d);
        return 1;
    }
    if (rc != 0) {
        *ret = srv_error(c, r, 500, "%s", err.msg);
        return 1;
    }
    if (id && (!(*e)->id || strcmp((*e)->id, id) != 0)) {
        *ret = srv_error(c, r, 400, "the body's id=\"%.64s\" does not match %s in the URL",
                         (*e)->id ? (*e)->id : "", id);
    } else if (!id && (!(*e)->id || !entry_id_valid((*e)->id))) {
        *ret = srv_error(c, r, 400, "the entry's id is missing or not valid ([a-z0-9][a-z0-9-]{0,62})");
    } else {
        return 0;
    }
    entry_free(*e);
    *e = NULL;
    return 1;
}

/* The commit message: X-Commit-Message with control characters blanked and UTF-8 made valid,
 * or "VERB ID through the API". */
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

/* The preconditions of a write (RFC 9110 13.1.1, 13.1.2), against the tip the writer is
 * about to write on (res: existed, blob). Returns 0, or 412 with res->why set. */
static int preconditions(const char *id, const char *if_match, const char *if_none,
                         writer_result *res)
{
    char etag[64], pub[64], cust[64];
    char *why = res->why;
    size_t n = sizeof(res->why);

    snprintf(etag, sizeof(etag), "\"%s\"", res->blob);
    snprintf(pub, sizeof(pub), "\"%s-p\"", res->blob); /* the other views' ETags: same blob */
    snprintf(cust, sizeof(cust), "\"%s-c\"", res->blob);
    if (if_none && strcmp(if_none, "*") == 0 && res->existed) {
        snprintf(why, n, "%s exists (If-None-Match: *)", id);
        return 412;
    }
    if (if_match && strcmp(if_match, "*") == 0 && !res->existed) {
        snprintf(why, n, "%s does not exist (If-Match: *)", id);
        return 412;
    }
    if (if_match && strcmp(if_match, "*") != 0 &&
        (!res->existed || (!api_etag_match(if_match, etag) && !api_etag_match(if_match, pub) &&
                           !api_etag_match(if_match, cust)))) {
        snprintf(why, n, "%s changed since you read it (If-Match does not match its ETag): read "
                         "it again", id);
        return 412;
    }
    return 0;
}

/* One API write, prepared on a request thread, run on the thread of writes (writes.c)
 * while its connection is suspended, answered when the connection resumes. */
typedef struct write_job {
    server *s;
    char id[80], name[80], email[128], msg[2100];
    const char *if_match, *if_none; /* the connection's headers: valid while it lives */
    store_author who;
    guard_change change;            /* change.e: the body, parsed once (NULL: a DELETE) */
    writer_result res;
    diag_list d;
    sr_err err;
    int rc;
} write_job;

static void write_job_free(void *p)
{
    write_job *j = p;

    if (j) {
        diag_list_free(&j->d);
        entry_free(j->change.e);
    }
    free(j);
}

/* On the thread of writes, the write from top to bottom: take the writer, check the
 * preconditions and the entry against the tip (again when another process moved it),
 * commit, bring the index and the snapshot up to the new commit so that the answer and the
 * next read agree, let the writer go. */
static void run_write(void *arg)
{
    write_job *j = arg;
    server *s = j->s;
    writer_result *res = &j->res;

    if ((j->rc = writer_begin(s->writer, j->id, res, &j->err)) != 0)
        return;
    do {
        snapshot *cur;
        if ((res->status = preconditions(j->id, j->if_match, j->if_none, res)) != 0) {
            res->outcome = WRITE_REFUSED;
            break;
        }
        /* the served snapshot is usually at the tip: its registry spares the guard reading
         * and parsing other files */
        cur = srv_current(s);
        j->rc = writer_commit(s->writer, &j->change,
                              cur && strcmp(cur->rev, res->parent) == 0 ? cur->reg : NULL, res,
                              &j->d, &j->err);
        snapshot_unref(cur);
    } while (j->rc == 0 && res->outcome == WRITE_MOVED);
    if (j->rc == 0 && res->outcome == WRITE_DONE &&
        srv_refresh_with(s, writer_store(s->writer), j->change.e, &j->err) != 0)
        res->after_failed = 1;
    writer_end(s->writer);
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
        if (!j->change.e) {
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
    j = calloc(1, sizeof(*j));
    if (!j)
        return srv_error(c, r, 500, "out of memory");
    if (!del && parse_body(s, c, r, id, &j->change.e, &j->d, &ret)) {
        write_job_free(j);
        return ret;
    }
    j->s = s;
    snprintf(j->id, sizeof(j->id), "%s", id);
    snprintf(j->name, sizeof(j->name), "%s", r->who); /* the token's name, from refuse */
    snprintf(j->email, sizeof(j->email), "%s@api.subreg.invalid", j->name);
    j->who.name = j->name;
    j->who.email = j->email;
    commit_message(c, del ? "Remove" : "Update", id, j->msg, sizeof(j->msg));
    j->if_match = api_hdr(c, MHD_HTTP_HEADER_IF_MATCH);
    j->if_none = api_hdr(c, MHD_HTTP_HEADER_IF_NONE_MATCH);
    j->change.id = j->id;
    j->change.data = del ? NULL : r->body.p;
    j->change.len = del ? 0 : r->body.len;
    j->change.who = &j->who;
    j->change.message = j->msg;
    j->change.day = date_today();
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
    sr_err err = {{0}};
    diag_list d = {0};
    store *st;
    store_snap *snap = NULL;
    snapshot *cur = NULL;
    entry *e = NULL;
    int rc;

    r->route = R_VALIDATE;
    if (api_require(s, c, r, ROLE_EDITOR, NULL, 0, &ret))
        return ret;
    if (parse_body(s, c, r, NULL, &e, &d, &ret))
        goto out;
    st = srv_store(s, &err);
    if (!st || store_snap_open(st, NULL, &snap, &err) != 0) {
        ret = srv_error(c, r, 500, "%s", err.msg);
        goto out;
    }
    cur = srv_current(s);
    rc = guard_check_entry(s->xs, snap, e->id, e, date_today(), cur ? cur->reg : NULL, &d, &err);
    if (rc == GUARD_BLOCKED) {
        ret = unprocessable(c, r, &d);
    } else if (rc != 0) {
        ret = srv_error(c, r, 500, "%s", err.msg);
    } else {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "id", e->id);
        cJSON_AddBoolToObject(root, "valid", 1);
        cJSON_AddItemToObject(root, "warnings", problems_json(&d, SEV_WARNING));
        ret = srv_json(c, r, 200, root, NULL, NULL, NULL);
    }
out:
    snapshot_unref(cur);
    store_snap_free(snap);
    diag_list_free(&d);
    entry_free(e);
    return ret;
}
