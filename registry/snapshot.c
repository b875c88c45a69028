#include "snapshot.h"
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "date.h"
#include "export.h"
#include "rules.h"
#include "source.h"
#include "xmldoc.h"

#define CACHE_MAX 512
#define CACHE_BYTES (16u << 20)

struct snapshot_resp {
    char *key, *body, *etag, *ctype;
    size_t len;
};

static void free_snapshot(snapshot *sn)
{
    size_t i;

    if (!sn)
        return;
    for (i = 0; i < sn->ncache; i++) {
        free(sn->cache[i].key);
        free(sn->cache[i].body);
        free(sn->cache[i].etag);
        free(sn->cache[i].ctype);
    }
    free(sn->cache);
    pthread_mutex_destroy(&sn->cache_mu);
    for (i = 0; i < VIEW_COUNT; i++)
        free(sn->list[i]);
    registry_free(sn->reg);
    pthread_mutex_destroy(&sn->list_mu);
    free(sn);
}

snapshot *snapshot_ref(snapshot *sn)
{
    if (sn)
        atomic_fetch_add(&sn->refs, 1);
    return sn;
}

void snapshot_unref(snapshot *sn)
{
    int left;

    if (!sn)
        return;
    left = atomic_fetch_sub(&sn->refs, 1);
    assert(left > 0); /* a reference dropped twice */
    if (left == 1)
        free_snapshot(sn);
}

char *snapshot_list(const snapshot *sn, const void *filter, int view, size_t *len)
{
    const export_filter *f = filter;
    buf b;
    size_t i;
    int first = 1;

    buf_init(&b, 0);
    buf_printf(&b, "{\"revision\":\"%s\",\"subprocessors\":[", sn->rev);
    for (i = 0; i < sn->reg->n; i++) {
        const entry *e = sn->reg->entries[i];
        if (!export_match(e, f))
            continue;
        if (!first)
            buf_add(&b, ",", 1);
        first = 0;
        buf_add(&b, e->json[view], e->json_len[view]);
    }
    buf_puts(&b, "]}");
    if (b.failed) {
        buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return buf_steal(&b);
}

const char *snapshot_default_list(snapshot *sn, int view, size_t *len)
{
    export_filter all = {0};
    const char *out;

    pthread_mutex_lock(&sn->list_mu);
    if (!sn->list[view])
        sn->list[view] = snapshot_list(sn, &all, view, &sn->list_len[view]);
    out = sn->list[view];
    *len = sn->list_len[view];
    pthread_mutex_unlock(&sn->list_mu);
    return out;
}

void snapshot_findings(snapshot *sn, size_t *errors, size_t *warnings)
{
    pthread_mutex_lock(&sn->list_mu);
    if (!sn->counted) {
        diag_list d = {0};
        sn->day = date_today();
        rules_check(sn->reg, sn->day, &d);
        sn->errors = diag_count(&d, SEV_ERROR, 0);
        sn->warnings = diag_count(&d, SEV_WARNING, 0);
        sn->counted = 1;
        diag_list_free(&d);
    }
    *errors = sn->errors;
    *warnings = sn->warnings;
    pthread_mutex_unlock(&sn->list_mu);
}

int snapshot_cache_get(snapshot *sn, const char *key, const char **body, size_t *len,
                       const char **etag, const char **ctype)
{
    size_t i;
    int hit = 0;

    pthread_mutex_lock(&sn->cache_mu);
    for (i = 0; i < sn->ncache && !hit; i++) {
        if (strcmp(sn->cache[i].key, key) == 0) {
            *body = sn->cache[i].body;
            *len = sn->cache[i].len;
            *etag = sn->cache[i].etag;
            *ctype = sn->cache[i].ctype;
            hit = 1;
        }
    }
    pthread_mutex_unlock(&sn->cache_mu);
    return hit;
}

void snapshot_cache_put(snapshot *sn, const char *key, const char *body, size_t len,
                        const char *etag, const char *ctype)
{
    struct snapshot_resp *r;
    size_t i;

    pthread_mutex_lock(&sn->cache_mu);
    for (i = 0; i < sn->ncache; i++)
        if (strcmp(sn->cache[i].key, key) == 0)
            goto out;
    if (sn->ncache >= CACHE_MAX || sn->cache_bytes + len > CACHE_BYTES)
        goto out;
    if (!sn->cache && !(sn->cache = calloc(CACHE_MAX, sizeof(*sn->cache))))
        goto out;
    r = &sn->cache[sn->ncache];
    r->key = strdup(key);
    r->body = malloc(len + 1);
    r->etag = strdup(etag ? etag : "");
    r->ctype = strdup(ctype ? ctype : "application/json");
    if (!r->key || !r->body || !r->etag || !r->ctype) {
        free(r->key);
        free(r->body);
        free(r->etag);
        free(r->ctype);
        memset(r, 0, sizeof(*r));
        goto out;
    }
    memcpy(r->body, body, len);
    r->body[len] = '\0';
    r->len = len;
    sn->cache_bytes += len;
    sn->ncache++;
out:
    pthread_mutex_unlock(&sn->cache_mu);
}

/* 1 when the settings and reference files are the same blobs in both revisions (the
 * customers' files may differ: registry_derive loads them again). */
static int same_base(store_snap *a, store_snap *b)
{
    static const char *files[] = {"registry.xml", "reference/countries.xml", "reference/regions.xml"};
    char x[STORE_OID_HEX], y[STORE_OID_HEX];
    size_t i;

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        store_snap_blob_id(a, files[i], x);
        store_snap_blob_id(b, files[i], y);
        if (strcmp(x, y) != 0)
            return 0;
    }
    return 1;
}

snapshot *snapshot_build(store *s, const schemas *xs, const char *rev, const snapshot *prev,
                         entry *fresh, sr_err *err)
{
    snapshot *sn = calloc(1, sizeof(*sn));
    store_snap *snap = NULL, *psnap = NULL;
    source *src = NULL;
    diag_list d = {0};
    size_t i;
    int v;

    if (!sn) {
        sr_err_set(err, "out of memory");
        return NULL;
    }
    atomic_init(&sn->refs, 1);
    pthread_mutex_init(&sn->list_mu, NULL);
    pthread_mutex_init(&sn->cache_mu, NULL);
    if (store_snap_open(s, rev, &snap, err) != 0 || source_from_snap(snap, &src, err) != 0)
        goto fail;
    snprintf(sn->rev, sizeof(sn->rev), "%s", store_snap_commit(snap));
    if (prev && store_snap_open(s, prev->rev, &psnap, err) == 0 && same_base(psnap, snap)) {
        if (registry_derive(s, xs, snap, src, prev->reg, prev->rev, fresh, &sn->reg, err) != 0)
            sn->reg = NULL;
        sn->incremental = 1;
    } else {
        if (registry_load(src, xs, &sn->reg, &d, err) != 0)
            goto fail;
        for (i = 0; i < sn->reg->n; i++)
            if (entry_render(sn->reg->entries[i]) != 0)
                goto oom;
    }
    if (!sn->reg)
        goto fail;
    snprintf(sn->reg->revision, sizeof(sn->reg->revision), "%s", sn->rev);
    for (v = 0; v < VIEW_COUNT; v++)
        snprintf(sn->etag[v], sizeof(sn->etag[v]), "\"%.20s-%s\"", sn->rev,
                 v == VIEW_INTERNAL ? "i" : v == VIEW_CUSTOMER ? "c" : "p");
    diag_list_free(&d);
    source_close(src);
    store_snap_free(snap);
    store_snap_free(psnap);
    return sn;
oom:
    sr_err_set(err, "out of memory building the snapshot");
fail:
    diag_list_free(&d);
    source_close(src);
    store_snap_free(snap);
    store_snap_free(psnap);
    free_snapshot(sn);
    return NULL;
}
