#include "guard.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "entry.h"
#include "registry.h"
#include "rules.h"
#include "source.h"
#include "xmldoc.h"

static int blocking(const diag_list *d, size_t from)
{
    size_t i;

    for (i = from; i < d->n; i++)
        if (d->v[i].sev == SEV_ERROR && !d->v[i].waived)
            return 1;
    return 0;
}

/* A <hosting provider> must belong to one entry: look for other entries claiming the same
 * provider. Only entries whose text mentions <hosting are parsed. */
static void claim_conflicts(const entry *e, const entry *o, const char *oname, diag_list *d)
{
    size_t k, m;

    for (k = 0; o && k < o->nhosting; k++)
        for (m = 0; m < e->nhosting; m++)
            if (o->hosting[k] && e->hosting[m] && strcmp(o->hosting[k], e->hosting[m]) == 0)
                diag_add(d, e->file, e->line_root, 0, SEV_ERROR, "registry", e->id,
                         "hosting provider \"%s\" is already claimed by %s: one entry per "
                         "provider",
                         e->hosting[m], o->id ? o->id : oname);
}

static int check_hosting_claims(const schemas *xs, source *src, const registry *known,
                                const entry *e, diag_list *d, sr_err *err)
{
    char **names = NULL, rel[512], *data = NULL;
    size_t n = 0, i, len;
    int rc = -1;

    if (e->nhosting == 0)
        return 0;
    if (known && source_revision(src) && strcmp(known->revision, source_revision(src)) == 0) {
        for (i = 0; i < known->n; i++)
            if (!known->entries[i]->id || strcmp(known->entries[i]->id, e->id) != 0)
                claim_conflicts(e, known->entries[i], known->entries[i]->file, d);
        return 0;
    }
    if (source_list(src, "subprocessors", &names, &n, err) != 0)
        return -1;
    for (i = 0; i < n; i++) {
        diag_list ignore = {0};
        entry *o;

        if (strlen(names[i]) == strlen(e->id) + 4 && strncmp(names[i], e->id, strlen(e->id)) == 0)
            continue;
        snprintf(rel, sizeof(rel), "subprocessors/%s", names[i]);
        if (source_read(src, rel, XMLDOC_MAX_BYTES, &data, &len, NULL, err) != 0)
            continue;
        if (!strstr(data, "<hosting")) {
            free(data);
            continue;
        }
        o = registry_parse_entry(xs, data, len, rel, &ignore, err);
        free(data);
        diag_list_free(&ignore);
        claim_conflicts(e, o, names[i], d);
        entry_free(o);
    }
    rc = 0;
    source_names_free(names, n);
    return rc;
}

int guard_check_entry(const schemas *xs, store_snap *snap, const char *id, const char *data,
                      size_t len, int day, const registry *known, diag_list *d, sr_err *err)
{
    source *src = NULL;
    registry *r = NULL;
    entry *e = NULL;
    char file[256];
    size_t from = d->n;
    int rc = -1;

    snprintf(file, sizeof(file), "subprocessors/%s.xml", id);
    if (source_from_snap(snap, &src, err) != 0)
        goto out;
    /* the caller's registry at this revision has the settings and reference data loaded */
    if (known && strcmp(known->revision, store_snap_commit(snap)) == 0) {
        if (!(r = registry_new_like(known))) {
            sr_err_set(err, "out of memory");
            goto out;
        }
    } else if (registry_load_base(src, xs, &r, d, err) != 0) {
        goto out;
    }
    e = registry_parse_entry(xs, data, len, file, d, err);
    if (!e) {
        if (err->msg[0])
            goto out;
        rc = GUARD_BLOCKED;
        goto out;
    }
    registry_check_entry(r->ref, e, id, d);
    if (check_hosting_claims(xs, src, known, e, d, err) != 0)
        goto out;
    /* The rules need the entry inside the registry (waivers are looked up by id). */
    if (registry_add(r, e, NULL) != 0) {
        entry_free(e);
        sr_err_set(err, "out of memory");
        goto out;
    }
    rules_check_entry(r, e, day, d);
    rc = blocking(d, from) ? GUARD_BLOCKED : 0;
out:
    registry_free(r);
    source_close(src);
    return rc;
}

int guard_write(store *s, const schemas *xs, const char *expected_parent, const char *id,
                const char *data, size_t len, const store_author *who, const char *message,
                int day, const registry *known, diag_list *d, char commit_out[STORE_OID_HEX],
                char blob_out[STORE_OID_HEX], sr_err *err)
{
    store_snap *snap = NULL;
    store_change ch;
    char path[256];
    int rc;

    blob_out[0] = '\0';
    if (!entry_id_valid(id)) {
        sr_err_set(err, "\"%s\" is not a valid id", id);
        return -1;
    }
    snprintf(path, sizeof(path), "subprocessors/%s.xml", id);
    rc = store_snap_open(s, expected_parent, &snap, err);
    if (rc != 0)
        goto out;
    if (data) {
        rc = guard_check_entry(xs, snap, id, data, len, day, known, d, err);
        if (rc != 0)
            goto out;
    }
    ch.path = path;
    ch.data = data;
    ch.len = len;
    rc = store_commit(s, store_snap_commit(snap), &ch, 1, who, message, commit_out, err);
    if (rc == 0 && data)
        store_hash_blob(data, len, blob_out);
out:
    store_snap_free(snap);
    return rc;
}

int guard_check_push(store *s, const schemas *xs, const char *base, const char *new_id, int day,
                     diag_list *d, sr_err *err)
{
    store_snap *snap = NULL;
    source *src = NULL;
    registry *r = NULL;
    store_delta *deltas = NULL;
    size_t nd = 0, i, from = d->n;
    int rc = -1;

    if (store_snap_open(s, new_id, &snap, err) != 0 || source_from_snap(snap, &src, err) != 0)
        goto out;
    if (registry_load(src, xs, &r, d, err) != 0)
        goto out;
    if (store_diff(s, base, new_id, "subprocessors", &deltas, &nd, err) != 0)
        goto out;
    for (i = 0; i < nd; i++) {
        char id[256];
        size_t nl = strlen(deltas[i].name);
        entry *e;

        if (deltas[i].status == 'D' || nl <= 4 || strcmp(deltas[i].name + nl - 4, ".xml") != 0)
            continue;
        snprintf(id, sizeof(id), "%.*s", (int)(nl - 4 < 255 ? nl - 4 : 255), deltas[i].name);
        e = registry_find(r, id, NULL);
        if (e)
            rules_check_entry(r, e, day, d);
    }
    rc = blocking(d, from) ? GUARD_BLOCKED : 0;
out:
    store_deltas_free(deltas, nd);
    registry_free(r);
    source_close(src);
    store_snap_free(snap);
    return rc;
}
