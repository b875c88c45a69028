#include "snapshot.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "../registry/date.h"
#include "../registry/export.h"
#include "../registry/rules.h"
#include "../registry/source.h"

static void free_snapshot(snapshot *sn)
{
    size_t i;
    int v;

    if (!sn)
        return;
    for (v = 0; v < 2; v++) {
        for (i = 0; sn->json[v] && sn->reg && i < sn->reg->n; i++)
            free(sn->json[v][i]);
        free(sn->json[v]);
        free(sn->json_len[v]);
        free(sn->list[v]);
    }
    registry_free(sn->reg);
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
    if (sn && atomic_fetch_sub(&sn->refs, 1) == 1)
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
        if (!export_match(sn->reg->entries[i], f))
            continue;
        if (!first)
            buf_add(&b, ",", 1);
        first = 0;
        buf_add(&b, sn->json[view][i], sn->json_len[view][i]);
    }
    buf_puts(&b, "]}");
    if (b.failed) {
        buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return buf_steal(&b);
}

snapshot *snapshot_build(store *s, const schemas *xs, const char *rev, sr_err *err)
{
    snapshot *sn = calloc(1, sizeof(*sn));
    store_snap *snap = NULL;
    source *src = NULL;
    diag_list d = {0};
    export_filter all = {0};
    size_t i;
    int v;

    if (!sn) {
        sr_err_set(err, "out of memory");
        return NULL;
    }
    atomic_init(&sn->refs, 1);
    if (store_snap_open(s, rev, &snap, err) != 0 || source_from_snap(snap, &src, err) != 0 ||
        registry_load(src, xs, &sn->reg, &d, err) != 0)
        goto fail;
    snprintf(sn->rev, sizeof(sn->rev), "%s", store_snap_commit(snap));
    for (v = 0; v < 2; v++) {
        sn->json[v] = calloc(sn->reg->n + 1, sizeof(char *));
        sn->json_len[v] = calloc(sn->reg->n + 1, sizeof(size_t));
        if (!sn->json[v] || !sn->json_len[v])
            goto oom;
        for (i = 0; i < sn->reg->n; i++) {
            cJSON *j = entry_to_json(sn->reg->entries[i], v);
            char *txt = j ? cJSON_PrintUnformatted(j) : NULL;
            cJSON_Delete(j);
            if (!txt)
                goto oom;
            sn->json[v][i] = strdup(txt);
            cJSON_free(txt);
            if (!sn->json[v][i])
                goto oom;
            sn->json_len[v][i] = strlen(sn->json[v][i]);
        }
        sn->list[v] = snapshot_list(sn, &all, v, &sn->list_len[v]);
        if (!sn->list[v])
            goto oom;
        snprintf(sn->etag[v], sizeof(sn->etag[v]), "\"%.20s-%s\"", sn->rev, v ? "i" : "p");
    }
    sn->day = date_today();
    rules_check(sn->reg, sn->day, &d);
    sn->errors = diag_count(&d, SEV_ERROR, 0);
    sn->warnings = diag_count(&d, SEV_WARNING, 0);
    diag_list_free(&d);
    source_close(src);
    store_snap_free(snap);
    return sn;
oom:
    sr_err_set(err, "out of memory building the snapshot");
fail:
    diag_list_free(&d);
    source_close(src);
    store_snap_free(snap);
    free_snapshot(sn);
    return NULL;
}
