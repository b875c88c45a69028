/* libmicrohttpd glue: request lifecycle (bodies capped, response queued on the second
 * handler call so keep-alive works), responses, per-thread handles, snapshots, log lines
 * and metrics. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "../registry/date.h"
#include "../registry/netaddr.h"
#include "serve.h"
#include <sys/socket.h>
#include <unistd.h>
#include <errno.h>

const int srv_status_codes[N_STATUS] = {200, 201, 204, 304, 400, 401, 403, 404, 405,
                                        406, 409, 412, 413, 415, 422, 500, 503, 0};

static __thread store *t_store;
static __thread index_db *t_index;
static __thread int t_index_gen;

store *srv_store(server *s, sr_err *err)
{
    if (!t_store && store_open(s->registry_path, 0, &t_store, err) != 0)
        return NULL;
    return t_store;
}

/* Move the index aside (or, when it is gone already, its -wal and -shm), so that every
 * thread opens a new one, unless gen is no longer the index's generation (another thread
 * replaced it meanwhile). gen < 0: whatever the generation. */
static void discard_index(server *s, int gen, const char *why)
{
    char aside[4300], side[4300];
    static const char *ext[] = {"-wal", "-shm"};
    int i, moved;

    pthread_mutex_lock(&s->mu);
    if (gen >= 0 && atomic_load(&s->index_gen) != gen) {
        pthread_mutex_unlock(&s->mu);
        return;
    }
    snprintf(aside, sizeof(aside), "%s.damaged-%ld", s->index_path, (long)time(NULL));
    moved = rename(s->index_path, aside) == 0;
    if (moved || errno == ENOENT) {
        for (i = 0; i < 2; i++) {
            snprintf(side, sizeof(side), "%s%s", s->index_path, ext[i]);
            unlink(side);
        }
        atomic_fetch_add(&s->index_gen, 1);
        atomic_fetch_add(&s->index_rebuilds, 1);
        pthread_mutex_unlock(&s->mu);
        srv_log(s, "the index was damaged (%s): %s%s; building a new one from git", why,
                moved ? "moved to " : "it was removed", moved ? aside : "");
        return;
    }
    pthread_mutex_unlock(&s->mu);
}

void srv_index_discard(server *s, const char *why)
{
    pthread_mutex_lock(&s->index_mu);
    discard_index(s, -1, why);
    pthread_mutex_unlock(&s->index_mu);
}

index_db *srv_index(server *s, sr_err *err)
{
    int gen = atomic_load(&s->index_gen), rc = 0;

    /* the usual case, without a lock: this thread's connection is to the current file, and
     * that file (whole once) was not truncated or removed under the server since */
    if (t_index && t_index_gen == gen &&
        !(atomic_load(&s->index_made_gen) == gen + 1 && index_file_cut(s->index_path)))
        return t_index;
    /* one thread at a time replaces or opens the file: one being created (empty for a moment)
     * is never taken for a cut one, nor set up by two threads at once */
    pthread_mutex_lock(&s->index_mu);
    gen = atomic_load(&s->index_gen);
    if (atomic_load(&s->index_made_gen) == gen + 1 && index_file_cut(s->index_path)) {
        discard_index(s, gen, "the file was cut short or removed while the server ran");
        gen = atomic_load(&s->index_gen);
    }
    if (t_index && t_index_gen != gen) { /* moved aside: open the new one */
        index_close(t_index);
        t_index = NULL;
    }
    if (!t_index) {
        rc = index_open(s->index_path, s->repo_real, &t_index, err);
        if (rc == SR_DAMAGED) {
            discard_index(s, -1, "sqlite cannot open it: not a database, or damaged");
            gen = atomic_load(&s->index_gen);
            rc = index_open(s->index_path, s->repo_real, &t_index, err);
        }
        if (rc != 0) {
            t_index = NULL;
        } else {
            /* the server's own catch-ups take milliseconds: a lock held for 2 s is a file
             * changed under it (index_damaged), which is then replaced, not waited on for 10 s */
            index_busy_timeout(t_index, 2000);
            t_index_gen = gen;
            atomic_store(&s->index_made_gen, gen + 1); /* under index_mu: gen is the newest */
        }
    }
    pthread_mutex_unlock(&s->index_mu);
    return rc == 0 ? t_index : NULL;
}

int srv_lagging(server *s, char tip[STORE_OID_HEX])
{
    long since = atomic_load(&s->lag_since_ms);

    pthread_mutex_lock(&s->mu);
    snprintf(tip, STORE_OID_HEX, "%s", s->tip);
    pthread_mutex_unlock(&s->mu);
    return since && date_mono_ms() - since > HEALTH_LAG_MS;
}

/* libmicrohttpd has no hook for the end of a pool thread: a thread-specific key with a
 * destructor closes each thread's handles when the thread exits. */
static pthread_key_t cleanup_key;
static pthread_once_t cleanup_once = PTHREAD_ONCE_INIT;

/* A request thread's end: close its index and store handles. */
static void thread_cleanup(void *unused)
{
    (void)unused;
    index_close(t_index);
    store_close(t_store);
    t_index = NULL;
    t_store = NULL;
}

void srv_thread_done(void)
{
    thread_cleanup(NULL);
}

/* Create the thread key whose destructor closes a thread's handles (once). */
static void make_key(void)
{
    pthread_key_create(&cleanup_key, thread_cleanup);
}

/* Make sure the calling thread's handles are closed when it ends. */
static void arm_cleanup(void)
{
    pthread_once(&cleanup_once, make_key);
    if (!pthread_getspecific(cleanup_key))
        pthread_setspecific(cleanup_key, (void *)1);
}

snapshot *srv_current(server *s)
{
    snapshot *sn;

    pthread_mutex_lock(&s->mu);
    sn = snapshot_ref(s->cur);
    pthread_mutex_unlock(&s->mu);
    return sn;
}

int srv_refresh(server *s, sr_err *err)
{
    return srv_refresh_with(s, NULL, NULL, err);
}

int srv_refresh_with(server *s, store *st, entry *fresh, sr_err *err)
{
    char tip[STORE_OID_HEX];
    index_db *idx;
    snapshot *sn, *old = NULL;
    int rc = -1;

    arm_cleanup();
    pthread_mutex_lock(&s->refresh_mu);
    if (!st)
        st = srv_store(s, err);
    if (!st || store_resolve(st, NULL, tip, err) != 0)
        goto out;
    pthread_mutex_lock(&s->mu);
    snprintf(s->tip, sizeof(s->tip), "%s", tip);
    if (s->cur && strcmp(s->cur->rev, tip) != 0 && !atomic_load(&s->lag_since_ms))
        atomic_store(&s->lag_since_ms, date_mono_ms());
    pthread_mutex_unlock(&s->mu);
    idx = srv_index(s, err);
    if (idx) {
        int crc = index_catch_up(idx, st, s->xs, fresh, NULL, err);
        if (crc != 0 && index_damaged(idx)) {
            /* the index is derived: a damaged one is replaced, never trusted */
            srv_index_discard(s, err->msg);
            idx = srv_index(s, err);
            crc = idx ? index_catch_up(idx, st, s->xs, fresh, NULL, err) : -1;
        }
        if (crc != 0)
            idx = NULL;
    }
    if (!idx)
        goto out;
    pthread_mutex_lock(&s->mu);
    if (s->cur && strcmp(s->cur->rev, tip) == 0) {
        atomic_store(&s->lag_since_ms, 0);
        pthread_mutex_unlock(&s->mu);
        rc = 0;
        goto out;
    }
    old = snapshot_ref(s->cur);
    pthread_mutex_unlock(&s->mu);
    sn = snapshot_build(st, s->xs, tip, old, fresh, err);
    snapshot_unref(old);
    old = NULL;
    if (!sn)
        goto out;
    pthread_mutex_lock(&s->mu);
    old = s->cur;
    s->cur = sn;
    if (strcmp(sn->rev, s->tip) == 0)
        atomic_store(&s->lag_since_ms, 0);
    pthread_mutex_unlock(&s->mu);
    snapshot_unref(old);
    rc = 0;
out:
    pthread_mutex_unlock(&s->refresh_mu);
    return rc;
}

snapshot *srv_snapshot_at(server *s, const char *rev, sr_err *err)
{
    snapshot *sn = NULL;
    store *st;
    int i;

    pthread_mutex_lock(&s->mu);
    if (s->cur && strcmp(s->cur->rev, rev) == 0)
        sn = snapshot_ref(s->cur);
    for (i = 0; !sn && i < 4; i++)
        if (s->hist[i] && strcmp(s->hist[i]->rev, rev) == 0)
            sn = snapshot_ref(s->hist[i]);
    pthread_mutex_unlock(&s->mu);
    if (sn)
        return sn;
    arm_cleanup();
    st = srv_store(s, err);
    {
        /* built from the current snapshot: unchanged entries are shared, not parsed */
        snapshot *base = srv_current(s);
        sn = st ? snapshot_build(st, s->xs, rev, base, NULL, err) : NULL;
        snapshot_unref(base);
    }
    if (!sn)
        return NULL;
    pthread_mutex_lock(&s->mu);
    snapshot_unref(s->hist[s->hist_next]);
    s->hist[s->hist_next] = snapshot_ref(sn);
    s->hist_next = (s->hist_next + 1) % 4;
    pthread_mutex_unlock(&s->mu);
    return sn;
}

void srv_log(server *s, const char *fmt, ...)
{
    FILE *f = s->log ? s->log : stderr;
    char when[21], msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    date_format_time((int64_t)time(NULL), when);
    flockfile(f);
    fprintf(f, "%s subreg serve: %s\n", when, msg);
    fflush(f); /* rare and important: not left in the request log's buffer */
    funlockfile(f);
}

/* The snapshot_source functions the server hands to its background threads. */
static snapshot *src_current(void *ctx)
{
    return srv_current(ctx);
}

static snapshot *src_at(void *ctx, const char *rev, sr_err *err)
{
    return srv_snapshot_at(ctx, rev, err);
}

static void src_log(void *ctx, const char *line)
{
    srv_log(ctx, "%s", line);
}

void srv_snapshot_source(server *s, snapshot_source *out)
{
    out->ctx = s;
    out->current = src_current;
    out->at = src_at;
    out->log = src_log;
    out->thread_done = srv_thread_done;
}

/* The upstream_host functions the server hands to the follower. */
static store *host_store(void *ctx, sr_err *err)
{
    return srv_store(ctx, err);
}

static int host_refresh(void *ctx, store *st, sr_err *err)
{
    return srv_refresh_with(ctx, st, NULL, err);
}

void srv_upstream_host(server *s, upstream_host *out)
{
    out->ctx = s;
    out->xs = s->xs;
    out->store = host_store;
    out->refresh = host_refresh;
    out->log = src_log;
    out->thread_done = srv_thread_done;
}

/* Queue an answer: status, the headers every answer has (CORS for public ones, request id,
 * nosniff, caching), and body in mode. Returns MHD_YES, or MHD_NO when out of memory. */
static enum MHD_Result send_mode(struct MHD_Connection *c, req *r, int status, const char *ctype,
                                  const char *body, size_t len, const char *cache,
                                  const char *etag, const char *const *headers,
                                  enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    size_t i;

    resp = MHD_create_response_from_buffer(len, (void *)body, mode);
    if (!resp)
        return MHD_NO;
    if (ctype)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    /* public answers may be read from any page; answers to a token are not shared */
    if (!r->has_auth) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
        MHD_add_response_header(resp, "Access-Control-Expose-Headers", "ETag, X-Request-Id, Location");
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Authorization");
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache ? cache : "no-store");
    if (etag)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    for (i = 0; headers && headers[i] && headers[i + 1]; i += 2)
        MHD_add_response_header(resp, headers[i], headers[i + 1]);
    r->status = status;
    r->bytes = len;
    ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

enum MHD_Result srv_send(struct MHD_Connection *c, req *r, int status, const char *ctype,
                         const char *body, size_t len, const char *cache, const char *etag,
                         const char *const *headers)
{
    return send_mode(c, r, status, ctype, body, len, cache, etag, headers, MHD_RESPMEM_MUST_COPY);
}

enum MHD_Result srv_send_held(struct MHD_Connection *c, req *r, snapshot *sn, int status,
                              const char *ctype, const char *body, size_t len, const char *cache,
                              const char *etag, const char *const *headers)
{
    snapshot_unref(r->cache_sn); /* the request keeps sn (and so body) until it completes */
    r->cache_sn = sn;
    return send_mode(c, r, status, ctype, body, len, cache, etag, headers, MHD_RESPMEM_PERSISTENT);
}

enum MHD_Result srv_json(struct MHD_Connection *c, req *r, int status, void *cjson,
                         const char *cache, const char *etag, const char *const *headers)
{
    char *txt = cjson ? cJSON_PrintUnformatted(cjson) : NULL;
    enum MHD_Result ret;

    cJSON_Delete(cjson);
    if (!txt)
        return srv_send(c, r, 500, "application/json", "{\"error\":{\"status\":500,\"message\":\"out of memory\"}}",
                        51, NULL, NULL, NULL);
    ret = srv_send(c, r, status, "application/json", txt, strlen(txt), cache, etag, headers);
    cJSON_free(txt);
    return ret;
}

enum MHD_Result srv_error(struct MHD_Connection *c, req *r, int status, const char *fmt, ...)
{
    cJSON *root = cJSON_CreateObject(), *e;
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    {
        /* a browser (Accept: text/html) gets a page with a way back, a program JSON */
        const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
        if (accept && strstr(accept, "text/html")) {
            static const char *const hs[] = {"Content-Security-Policy",
                                             "default-src 'none'; style-src 'self'; base-uri 'none'; "
                                             "form-action 'none'; frame-ancestors 'none'", NULL};
            enum MHD_Result ret;
            buf page;
            cJSON_Delete(root);
            buf_init(&page, 0);
            buf_printf(&page, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                              "<title>%d %s</title>\n<link rel=\"stylesheet\" href=\"/page.css\">\n</head>\n"
                              "<body>\n<main>\n<h1>%d %s</h1>\n<p>",
                       status, MHD_get_reason_phrase_for((unsigned)status), status,
                       MHD_get_reason_phrase_for((unsigned)status));
            buf_xml_escape(&page, msg);
            buf_puts(&page, "</p>\n<p><a href=\"/\">The list of sub-processors</a></p>\n</main>\n</body>\n</html>\n");
            ret = page.failed ? MHD_NO
                              : srv_send(c, r, status, "text/html; charset=utf-8", page.p, page.len, "no-store", NULL, hs);
            buf_free(&page);
            return ret;
        }
    }
    e = cJSON_AddObjectToObject(root, "error");
    cJSON_AddNumberToObject(e, "status", status);
    cJSON_AddStringToObject(e, "message", msg);
    return srv_json(c, r, status, root, NULL, NULL, NULL);
}

typedef struct cl_count {
    const char *first;
    int n, differ;
} cl_count;

/* Count the Content-Length headers (two different ones are a request smuggling attempt). */
static enum MHD_Result count_cl(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    cl_count *cc = cls;

    (void)kind;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) != 0)
        return MHD_YES;
    if (cc->n++ == 0)
        cc->first = value;
    else if (!value || !cc->first || strcmp(value, cc->first) != 0)
        cc->differ = 1;
    return MHD_YES;
}

/* The access handler: first call sets up (and refuses declared oversize bodies at once),
 * further calls collect the body, the last queues the answer. */
/* ---- the request head's deadline ----
 * libmicrohttpd 0.9.75 has only an idle timeout, which a client resets with one header
 * line every few seconds: a handful of addresses dripping headers held every connection.
 * Each connection's wait for a request head is timed here, and a watchdog shuts down the
 * socket of one that has waited longer than HEAD_DEADLINE_MS. */
#define HEAD_DEADLINE_MS 10000
#define BODY_DEADLINE_US (30ULL * 1000000)

typedef struct conn_track {
    int fd;
    atomic_long waiting_since; /* ms (monotonic) since the head of a request is awaited, 0 */
    struct conn_track *prev, *next;
} conn_track;

/* The connection's tracking record (when it started, for the slow-client watchdog). */
static conn_track *track_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    return ci ? ci->socket_context : NULL;
}

/* libmicrohttpd's connection start and end: the descriptor bound and the slow-client
 * watchdog's record. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    server *s = cls;
    conn_track *t = *socket_context;

    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        t = calloc(1, sizeof(*t));
        if (!t)
            return;
        t->fd = ci ? ci->connect_fd : -1;
        atomic_store(&t->waiting_since, date_mono_ms());
        pthread_mutex_lock(&s->conn_mu);
        t->next = s->conns;
        if (s->conns)
            s->conns->prev = t;
        s->conns = t;
        pthread_mutex_unlock(&s->conn_mu);
        *socket_context = t;
    } else if (t) {
        pthread_mutex_lock(&s->conn_mu);
        if (t->prev)
            t->prev->next = t->next;
        else
            s->conns = t->next;
        if (t->next)
            t->next->prev = t->prev;
        pthread_mutex_unlock(&s->conn_mu);
        free(t);
        *socket_context = NULL;
    }
}

void srv_watchdog_step(server *s)
{
    long now = date_mono_ms();
    conn_track *t;

    pthread_mutex_lock(&s->conn_mu);
    for (t = s->conns; t; t = t->next) {
        long since = atomic_load(&t->waiting_since);
        if (since && now - since > HEAD_DEADLINE_MS && t->fd >= 0) {
            shutdown(t->fd, SHUT_RDWR); /* libmicrohttpd then closes it as any broken connection */
            atomic_store(&t->waiting_since, 0);
            atomic_fetch_add(&s->head_timeouts, 1);
        }
    }
    pthread_mutex_unlock(&s->conn_mu);
}

/* libmicrohttpd's access handler: the request's state on first call, its body read within
 * bounds, then the route (through the handler cmd_serve gives). */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    server *s = cls;
    req *r = *con_cls;

    (void)version;
    if (!r) {
        conn_track *t = track_of(c);
        if (t)
            atomic_store(&t->waiting_since, 0); /* the head is here */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        const char *rid = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Request-Id");
        size_t k;
        int ok = rid && strlen(rid) <= 36;

        r = calloc(1, sizeof(*r));
        if (!r)
            return MHD_NO;
        r->start_us = date_mono_us();
        r->route = R_OTHER;
        buf_init(&r->body, MAX_BODY);
        for (k = 0; ok && rid[k]; k++)
            ok = (rid[k] >= 'a' && rid[k] <= 'z') || (rid[k] >= 'A' && rid[k] <= 'Z') ||
                 (rid[k] >= '0' && rid[k] <= '9') || rid[k] == '-' || rid[k] == '_';
        if (ok && rid[0])
            snprintf(r->id, sizeof(r->id), "%s", rid);
        else
            snprintf(r->id, sizeof(r->id), "%08x-%06lx", s->id_prefix,
                     (unsigned long)atomic_fetch_add(&s->next_id, 1));
        snprintf(r->method, sizeof(r->method), "%s", method);
        snprintf(r->path, sizeof(r->path), "%s", url);
        r->has_auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION) != NULL;
        *con_cls = r;
        {
            /* two different lengths are a request smuggling attempt (RFC 9112 6.3) */
            cl_count cc = {NULL, 0, 0};
            MHD_get_connection_values(c, MHD_HEADER_KIND, count_cl, &cc);
            if (cc.differ) {
                r->calls = 2;
                return srv_error(c, r, 400, "several different Content-Length headers");
            }
        }
        if (cl && strtoull(cl, NULL, 10) > MAX_BODY) {
            r->calls = 2;
            return srv_error(c, r, 413, "the request body is over the limit of %d bytes", MAX_BODY);
        }
        return MHD_YES;
    }
    r->calls++;
    if (*upload_data_size && date_mono_us() - r->start_us > BODY_DEADLINE_US)
        return MHD_NO; /* a body dripped slower than anyone sends one: the connection goes */
    if (*upload_data_size) {
        if (!r->too_large && buf_add(&r->body, upload_data, *upload_data_size) != 0)
            r->too_large = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->status) /* answered already */
        return MHD_YES;
    if (r->too_large)
        return srv_error(c, r, 413, "the request body is over the limit of %d bytes", MAX_BODY);
    arm_cleanup();
    return s->handle(s, c, r, method, url);
}

/* A request ended: its metrics (status and latency buckets) and the access log line. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    static const unsigned bounds[N_BUCKETS - 1] = {100, 250, 500, 1000, 2500, 5000, 10000, 50000, 250000};
    server *s = cls;
    req *r = *con_cls;
    uint64_t us;
    int k, slot = N_STATUS - 1;
    char when[21];

    (void)toe;
    {
        conn_track *t = track_of(c);
        if (t)
            atomic_store(&t->waiting_since, date_mono_ms()); /* keep-alive: the next head is awaited */
    }
    if (!r)
        return;
    us = date_mono_us() - r->start_us;
    for (k = 0; k < N_STATUS - 1; k++)
        if (srv_status_codes[k] == r->status)
            slot = k;
    atomic_fetch_add(&s->m.count[r->route][slot], 1);
    for (k = 0; k < N_BUCKETS - 1 && us > bounds[k]; k++)
        ;
    atomic_fetch_add(&s->m.buckets[k], 1);
    atomic_fetch_add(&s->m.sum_us, us);
    atomic_fetch_add(&s->m.total, 1);
    if (s->log) {
        size_t k2;
        /* the path as received may hold anything: keep the log line one line */
        for (k2 = 0; r->path[k2]; k2++)
            if ((unsigned char)r->path[k2] < 0x20 || r->path[k2] == 0x7f || r->path[k2] == ' ')
                r->path[k2] = '?';
        /* the links of emails carry tokens that act for their subscriber: never in logs,
         * whatever the method or answer (a 401, an OPTIONS, a trailing slash) */
        {
            static const char *const tokened[] = {"/objections/", "/unsubscribe/", "/subscriptions/confirm/", "/customer/"};
            size_t q;
            for (q = 0; q < sizeof(tokened) / sizeof(tokened[0]); q++) {
                char *t = strstr(r->path, tokened[q]);
                if (t && t[strlen(tokened[q])]) {
                    t += strlen(tokened[q]);
                    snprintf(t, sizeof(r->path) - (size_t)(t - r->path), "...");
                }
            }
        }
        date_format_time((int64_t)time(NULL), when);
        fprintf(s->log, "%s %s %s %d %zu %lluus %s\n", when, r->method, r->path, r->status,
                r->bytes, (unsigned long long)us, r->id);
    }
    snapshot_unref(r->cache_sn);
    free(r->cache_key);
    if (r->job_free)
        r->job_free(r->job);
    buf_free(&r->body);
    free(r);
    *con_cls = NULL;
}

/* 1 when address text is in one of the --trust-proxy ranges. */
static int trusted(const server *s, const char *text)
{
    unsigned char a[16];
    int k;

    if (netaddr_parse(text, a) != 0)
        return 0;
    for (k = 0; k < s->ntrusted; k++)
        if (netaddr_in(a, &s->trusted[k]))
            return 1;
    return 0;
}

int srv_trust_proxy(server *s, const char *cidr, sr_err *err)
{
    if (s->ntrusted >= 8 || netaddr_range_parse(cidr, &s->trusted[s->ntrusted]) != 0) {
        sr_err_set(err, "--trust-proxy %s: give the proxy's address range, e.g. 10.0.0.0/24 or fd00::/64 (at most 8)",
                   cidr);
        return -1;
    }
    s->ntrusted++;
    return 0;
}

void srv_client_ip(server *s, struct MHD_Connection *c, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    const char *xff;

    snprintf(out, n, "unknown");
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)n);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)n);
    if (!s->ntrusted || !trusted(s, out))
        return; /* X-Forwarded-For only from a proxy we trust: anyone else could forge it */
    xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
    if (!xff)
        return;
    {
        /* right to left: the nearest address no trusted proxy added is the client */
        char list[1024], *p;
        snprintf(list, sizeof(list), "%s", xff);
        for (;;) {
            char *item;
            p = strrchr(list, ',');
            item = p ? p + 1 : list;
            while (*item == ' ')
                item++;
            item[strcspn(item, " ")] = '\0';
            if (*item && !trusted(s, item)) {
                unsigned char probe[16];
                if (netaddr_parse(item, probe) == 0)
                    snprintf(out, n, "%s", item);
                return;
            }
            if (!p)
                return;
            *p = '\0';
        }
    }
}

int srv_listen(const char *host, unsigned short port, unsigned short *bound, sr_err *err)
{
    struct sockaddr_in addr;
    socklen_t len = sizeof(addr);
    int fd = -1, on = 1;

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        sr_err_set(err, "--listen: %s is not an IPv4 address", host);
        return -1;
    }
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 1024) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        sr_err_set(err, "cannot listen on %s:%u: %s", host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *bound = ntohs(addr.sin_port);
    return fd;
}

struct MHD_Daemon *srv_start(server *s, int fd, int threads, sr_err *err)
{
    struct MHD_Daemon *d;

    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                             MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME,
                         0, NULL, NULL, on_request, s,
                         MHD_OPTION_LISTEN_SOCKET, fd,
                         MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(threads > 1 ? threads : 0),
                         MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                         MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
                         /* an idle or slow connection is closed after 15 s; one address
                          * holds at most 64 connections, so one client (a browser opens
                          * 6) cannot take the service from everybody else */
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)15,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)4000,
                         /* behind a trusted proxy every client has its address: the proxy
                          * limits per client, not this server */
                         MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)(s->ntrusted ? 0 : 64),
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                         MHD_OPTION_END);
    if (!d)
        sr_err_set(err, "cannot start the HTTP daemon on its socket");
    return d;
}
