#include "guard.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "customer.h"
#include "date.h"
#include "entry.h"
#include "registry.h"
#include "rules.h"
#include "source.h"
#include "xmldoc.h"

/* 1 when d from index from holds an error that is not waived. */
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

/* A <hosting provider> belongs to one entry: an error in d for each provider of e that
 * another entry of src claims (known's entries when known is src's revision; else the files
 * that mention <hosting). Returns 0 or -1. */
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
        sr_err skip = {{0}}; /* another entry that cannot be read claims nothing: not an error */
        entry *o;

        if (strlen(names[i]) == strlen(e->id) + 4 && strncmp(names[i], e->id, strlen(e->id)) == 0)
            continue;
        snprintf(rel, sizeof(rel), "subprocessors/%s", names[i]);
        if (source_read(src, rel, XMLDOC_MAX_BYTES, &data, &len, NULL, &skip) != 0)
            continue;
        if (!strstr(data, "<hosting")) {
            free(data);
            continue;
        }
        registry_parse_entry(xs, data, len, rel, &o, &ignore, &skip);
        free(data);
        diag_list_free(&ignore);
        claim_conflicts(e, o, names[i], d);
        entry_free(o);
    }
    rc = 0;
    source_names_free(names, n);
    return rc;
}

/* The material changes of neu (in r, checked as of day) against old, its version on the
 * base the change lands on (NULL: a new entry), with neu's waivers applied: the one place
 * where "is this change allowed" is decided for the API, the push, check and diff. */
static void change_of(const registry *r, const entry *old, const entry *neu, int day, diag_list *d)
{
    size_t from = d->n;

    rules_check_change(r, old, neu, day, d);
    rules_apply_waivers(r, day, d, from);
    entry_locate(neu, d, from);
}

/* A material change against the entry's version in src (the base), if there is one. known
 * (may be NULL) is the registry at the base: its parsed entry is used when it is that file's
 * (same blob), so the old version is neither read nor parsed again. */
static int compare_with_tip(const schemas *xs, store_snap *snap, source *src,
                            const registry *known, const registry *r, const entry *neu,
                            const char *file, int day, diag_list *d, sr_err *err)
{
    char *data = NULL;
    size_t len;
    diag_list ignore = {0};
    entry *old = NULL;
    const entry *held = NULL;
    int rc;

    if (known && source_revision(src) && strcmp(known->revision, source_revision(src)) == 0 &&
        neu->id && (held = registry_find(known, neu->id, NULL)) != NULL) {
        char want[STORE_OID_HEX];
        if (!held->blob[0] || store_snap_blob_id(snap, file, want) != 0 ||
            strcmp(want, held->blob) != 0)
            held = NULL; /* not known by blob: read it */
    }
    if (held) {
        change_of(r, held, neu, day, d);
        return 0;
    }
    rc = source_read(src, file, XMLDOC_MAX_BYTES, &data, &len, NULL, err);
    if (rc == STORE_NOTFOUND) {
        err->msg[0] = '\0';
        change_of(r, NULL, neu, day, d); /* a new entry */
        return 0;
    }
    if (rc != 0)
        return -1;
    /* an old version that does not parse changes nothing */
    rc = registry_parse_entry(xs, data, len, file, &old, &ignore, err);
    free(data);
    if (old) {
        registry_check_entry(r->ref, old, NULL, &ignore);
        change_of(r, old, neu, day, d);
    }
    entry_free(old);
    diag_list_free(&ignore);
    return rc;
}

/* 1 when c has an objection to the same change as o (entry, day objected to, day made),
 * whatever its status. */
static int has_objection(const customer *c, const customer_objection *o)
{
    size_t i;

    for (i = 0; c && i < c->nobjections; i++)
        if (c->objections[i].entry && o->entry && strcmp(c->objections[i].entry, o->entry) == 0 &&
            c->objections[i].change == o->change && c->objections[i].made == o->made)
            return 1;
    return 0;
}

/* An open objection is resolved, never removed: each one open in was (the base's customers)
 * must still be in now's files, open or with its resolution. A "registry" error in d for
 * each one removed, or whose customer's file was removed. */
static void kept_objections(const customer_set *was_set, const customer_set *now_set, diag_list *d)
{
    size_t i, k;
    char made[11];

    for (i = 0; was_set && i < was_set->n; i++) {
        const customer *was = was_set->v[i], *now = customers_find(now_set, was->id);
        for (k = 0; k < was->nobjections; k++) {
            const customer_objection *o = &was->objections[k];
            if (o->status != OBJ_OPEN || has_objection(now, o))
                continue;
            diag_add(d, now ? now->file : was->file, now ? now->line_root : 0, 0, SEV_ERROR, "registry", NULL,
                     "the open objection of %s to %s made on %s (line %d before this change) is gone: an "
                     "objection is resolved, never removed; keep it and record its resolution "
                     "(status=\"withdrawn\", \"accepted\" or \"terminated\" with resolved=\"YYYY-MM-DD\")",
                     was->id ? was->id : "?", o->entry ? o->entry : "?", date_format(o->made, made), o->line);
        }
    }
}

void guard_check_changes(const registry *base, const registry *neu, int day, diag_list *d)
{
    size_t i;

    if (base)
        kept_objections(base->customers, neu->customers, d);

    for (i = 0; base && i < neu->n; i++) {
        const entry *e = neu->entries[i];
        const entry *old = e->id ? registry_find(base, e->id, NULL) : NULL;
        if (!old || !old->blob[0] || strcmp(old->blob, e->blob) != 0)
            change_of(neu, old, e, day, d);
    }
}

int guard_parse(const schemas *xs, const char *id, const char *data, size_t len, entry **out,
                diag_list *d, sr_err *err)
{
    char file[128];
    char *rid = NULL;
    xmlDocPtr doc;
    size_t from = d->n;
    int rc = GUARD_BLOCKED;

    *out = NULL;
    snprintf(file, sizeof(file), "subprocessors/%s.xml", id ? id : "body");
    doc = xmldoc_parse(data ? data : "", data ? len : 0, file, d);
    if (!doc)
        goto out;
    if (!id && (rid = xmldoc_attr(xmlDocGetRootElement(doc), "id")) && entry_id_valid(rid))
        snprintf(file, sizeof(file), "subprocessors/%s.xml", rid);
    if (registry_entry_from_doc(xs, doc, data, len, file, from, out, d, err) != 0)
        rc = -1;
    else if (*out)
        rc = 0;
out:
    xmlFreeDoc(doc);
    free(rid);
    return rc;
}

int guard_check_entry(const schemas *xs, store_snap *snap, const char *id, entry *e, int day,
                      const registry *known, diag_list *d, sr_err *err)
{
    source *src = NULL;
    registry *r = NULL;
    char file[256];
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
    registry_check_entry(r->ref, e, id, d);
    registry_check_categories(r, e, d);
    if (check_hosting_claims(xs, src, known, e, d, err) != 0)
        goto out;
    /* The rules need the entry inside the registry (waivers are looked up by id). */
    if (registry_add(r, entry_ref(e), NULL) != 0) {
        entry_free(e);
        sr_err_set(err, "out of memory");
        goto out;
    }
    if (compare_with_tip(xs, snap, src, known, r, e, file, day, d, err) != 0)
        goto out;
    rules_check_entry(r, e, day, d);
    rc = blocking(d, 0) ? GUARD_BLOCKED : 0; /* the parse's findings too */
out:
    registry_free(r);
    source_close(src);
    return rc;
}

int guard_check_customer(const schemas *xs, store_snap *snap, const char *id, const char *data,
                         size_t len, diag_list *d, sr_err *err)
{
    source *src = NULL;
    registry *r = NULL;
    customer *cu = NULL;
    diag_list base = {0};
    char file[128];
    int rc = -1;

    snprintf(file, sizeof(file), "customers/%s.xml", id);
    /* the reference data of the revision, for the countries; its own findings are not this write's */
    if (source_from_snap(snap, &src, err) != 0 || registry_load_base(src, xs, &r, &base, err) != 0)
        goto out;
    if (customer_parse(xs, data, len, file, &cu, d, err) != 0)
        goto out;
    if (cu)
        customer_check(r->ref, cu, id, d);
    rc = !cu || blocking(d, 0) ? GUARD_BLOCKED : 0;
out:
    customer_free(cu);
    registry_free(r);
    source_close(src);
    diag_list_free(&base);
    return rc;
}

int guard_commit(store *s, const schemas *xs, const char *expected_parent, const guard_change *c,
                 const registry *known, diag_list *d, char commit_out[STORE_OID_HEX],
                 char blob_out[STORE_OID_HEX], sr_err *err)
{
    store_snap *snap = NULL;
    store_change ch = {0};
    char path[256];
    int rc;

    blob_out[0] = '\0';
    if (!entry_id_valid(c->id)) {
        sr_err_set(err, "\"%s\" is not a valid id", c->id);
        return -1;
    }
    snprintf(path, sizeof(path), "%s/%s.xml", c->customer ? "customers" : "subprocessors", c->id);
    rc = store_snap_open(s, expected_parent, &snap, err);
    if (rc != 0)
        goto out;
    if (c->customer && c->data) {
        rc = guard_check_customer(xs, snap, c->id, c->data, c->len, d, err);
        if (rc != 0)
            goto out;
    } else if (c->e) {
        rc = guard_check_entry(xs, snap, c->id, c->e, c->day, known, d, err);
        if (rc != 0)
            goto out;
    }
    ch.path = path;
    ch.data = c->e || c->customer ? c->data : NULL;
    ch.len = c->e || c->customer ? c->len : 0;
    ch.blob_out = blob_out;
    rc = store_commit(s, store_snap_commit(snap), &ch, 1, c->who, c->message, commit_out, err);
    if (rc == 0 && c->e)
        snprintf(c->e->blob, sizeof(c->e->blob), "%s", blob_out);
out:
    store_snap_free(snap);
    return rc;
}

int guard_write(store *s, const schemas *xs, const char *expected_parent, const char *id,
                const char *data, size_t len, const store_author *who, const char *message,
                int day, const registry *known, diag_list *d, char commit_out[STORE_OID_HEX],
                char blob_out[STORE_OID_HEX], sr_err *err)
{
    guard_change c = {id, 0, NULL, data, len, who, message, day};
    int rc;

    blob_out[0] = '\0';
    if (data && (rc = guard_parse(xs, id, data, len, &c.e, d, err)) != 0)
        return rc;
    rc = guard_commit(s, xs, expected_parent, &c, known, d, commit_out, blob_out, err);
    entry_free(c.e);
    return rc;
}

typedef struct shape_ctx {
    store_snap *snap;
    const char *prefix;
    size_t max_bytes;
    diag_list *d;
    sr_err *err;
    int failed;
} shape_ctx;

/* A "registry" error about path (prefixed with the context's prefix). */
static void shape_error(shape_ctx *c, const char *path, const char *what)
{
    char file[4300];

    snprintf(file, sizeof(file), "%s%s", c->prefix, path);
    diag_add(c->d, file, 0, 0, SEV_ERROR, "registry", NULL, "%s", what);
}

/* name is <stem>.xml with a stem the directory allows (an entry id under subprocessors/,
 * lower case letters, digits and '-' under reference/). */
static int xml_name(const char *name, int is_entry)
{
    size_t n = strlen(name);
    char stem[80];

    if (n <= 4 || n - 4 >= sizeof(stem) || strcmp(name + n - 4, ".xml") != 0)
        return 0;
    memcpy(stem, name, n - 4);
    stem[n - 4] = '\0';
    return is_entry ? entry_id_valid(stem) : stem[0] != '.' && stem[0] != '\0';
}

/* One item of the tree: an error for anything the registry cannot represent
 * (guard_check_shape). Returns 0 (go on). */
static int shape_item(const store_tree_item *it, void *ctx)
{
    shape_ctx *c = ctx;
    const char *name = strrchr(it->path, '/');
    int in_sub = strncmp(it->path, "subprocessors/", 14) == 0 || strncmp(it->path, "customers/", 10) == 0;
    int in_ref = strncmp(it->path, "reference/", 10) == 0;

    name = name ? name + 1 : it->path;
    if (it->type == 'c') {
        shape_error(c, it->path, "a submodule (gitlink): the registry holds files only; remove it");
        return 0;
    }
    if (it->mode == 0120000) {
        shape_error(c, it->path, "a symbolic link: the registry holds regular files only (a link "
                                 "reads differently in git and in a checkout); commit the file itself");
        return 0;
    }
    if (it->type == 't') {
        if (in_sub || in_ref)
            shape_error(c, it->path, "a directory inside subprocessors/, customers/ or reference/: put "
                                     "each file directly in the directory as <id>.xml");
        return 0;
    }
    if (in_sub || in_ref || strcmp(it->path, "registry.xml") == 0) {
        if (in_sub && !xml_name(name, 1))
            shape_error(c, it->path, "not an entry file: subprocessors/ and customers/ hold <id>.xml files only "
                                     "(id: a-z, 0-9 and '-', lower case, file name ending .xml); rename or "
                                     "remove it");
        else if (in_ref && !xml_name(name, 0))
            shape_error(c, it->path, "reference/ holds .xml files only; rename or remove it");
        else if (it->mode != 0100644)
            shape_error(c, it->path, "an executable file: registry files are regular files (mode "
                                     "100644); run `git update-index --chmod=-x` on it");
        return 0;
    }
    {
        size_t size = 0;
        if (store_snap_size(c->snap, it->path, &size, c->err) != 0) {
            c->failed = 1;
            return 1;
        }
        if (size > c->max_bytes) {
            char msg[300];
            snprintf(msg, sizeof(msg), "%zu bytes, over the limit of %zu bytes for files beside the "
                                       "registry (max-file-mib in registry.xml); keep large files elsewhere",
                     size, c->max_bytes);
            shape_error(c, it->path, msg);
        }
    }
    return 0;
}

int guard_check_shape(store_snap *snap, const char *prefix, size_t max_bytes, diag_list *d,
                      sr_err *err)
{
    shape_ctx c = {snap, prefix ? prefix : "", max_bytes, d, err, 0};

    if (store_snap_walk(snap, shape_item, &c, err) != 0 || c.failed)
        return -1;
    return 0;
}

/* The schema, registry and shape checks of one commit (no dated rules). */
static int check_commit(store *s, const schemas *xs, const char *id, const char *prefix,
                        registry **out, diag_list *d, sr_err *err)
{
    store_snap *snap = NULL;
    source *src = NULL;
    registry *r = NULL;
    diag_list local = {0};
    size_t i;
    int rc = -1;

    if (store_snap_open(s, id, &snap, err) != 0 || source_from_snap(snap, &src, err) != 0)
        goto out;
    if (registry_load(src, xs, &r, prefix[0] ? &local : d, err) != 0)
        goto out;
    if (guard_check_shape(snap, prefix, (size_t)r->settings.max_file_mib << 20,
                          prefix[0] ? &local : d, err) != 0)
        goto out;
    for (i = 0; i < local.n; i++) { /* an intermediate commit: its findings name it */
        const diag *g = &local.v[i];
        char file[4400];
        if (g->sev != SEV_ERROR)
            continue;
        snprintf(file, sizeof(file), "%s%s", strncmp(g->file, prefix, strlen(prefix)) == 0 ? "" : prefix, g->file);
        diag_add(d, file, g->line, g->col, g->sev, g->rule, g->entry, "%s", g->message);
    }
    rc = 0;
out:
    if (out && rc == 0)
        *out = r;
    else
        registry_free(r);
    diag_list_free(&local);
    source_close(src);
    store_snap_free(snap);
    return rc;
}

typedef struct range_ctx {
    store *s;
    const schemas *xs;
    const char *tip;
    diag_list *d;
    sr_err *err;
    int failed;
} range_ctx;

/* One commit of a push's range checked like its tip but for the dated rules; its findings
 * name the commit. Returns 0, or -1 to stop (err in the context). */
static int range_commit(const char *id, const char *summary, void *ctx)
{
    range_ctx *c = ctx;
    char prefix[120];

    (void)summary;
    if (strcmp(id, c->tip) == 0)
        return 0;
    snprintf(prefix, sizeof(prefix), "%.12s:", id);
    if (check_commit(c->s, c->xs, id, prefix, NULL, c->d, c->err) != 0) {
        c->failed = 1;
        return 1;
    }
    return 0;
}

typedef struct invalid_ctx {
    store *s;
    const schemas *xs;
    const char *tip;
    void (*fn)(void *ctx, const char *id);
    void *ctx;
    sr_err *err;
    int failed;
} invalid_ctx;

/* One commit of a range handed to the caller's function when it fails the schema, registry or
 * shape checks. Returns 0, or -1 to stop. */
static int invalid_commit(const char *id, const char *summary, void *ctx)
{
    invalid_ctx *c = ctx;
    diag_list d = {0};

    (void)summary;
    if (strcmp(id, c->tip) == 0)
        return 0;
    if (check_commit(c->s, c->xs, id, "x:", NULL, &d, c->err) != 0) {
        c->failed = 1;
        diag_list_free(&d);
        return 1;
    }
    if (blocking(&d, 0))
        c->fn(c->ctx, id);
    diag_list_free(&d);
    return 0;
}

int guard_each_invalid_commit(store *s, const schemas *xs, const char *base, const char *tip,
                              void (*fn)(void *ctx, const char *id), void *ctx, sr_err *err)
{
    invalid_ctx c = {s, xs, tip, fn, ctx, err, 0};

    if (store_range(s, base, tip, invalid_commit, &c, err) != 0 || c.failed)
        return -1;
    return 0;
}

/* kept_objections of the customers of src (the base a push lands on) against r's. Returns
 * 0, or -1 (err set). */
static int kept_objections_since(const schemas *xs, source *src, const registry *r, diag_list *d,
                                 sr_err *err)
{
    customer_set *old = NULL;
    diag_list ignore = {0};
    int rc = customers_load(src, xs, r->ref, &old, &ignore, err);

    if (rc == 0)
        kept_objections(old, r->customers, d);
    customers_free(old);
    diag_list_free(&ignore);
    return rc;
}

int guard_check_push(store *s, const schemas *xs, const char *base, const char *new_id, int day,
                     int every_commit, diag_list *d, sr_err *err)
{
    store_snap *snap = NULL, *bsnap = NULL;
    source *src = NULL, *bsrc = NULL;
    registry *r = NULL;
    store_delta *deltas = NULL;
    size_t nd = 0, i, from = d->n;
    int rc = -1;

    if (check_commit(s, xs, new_id, "", &r, d, err) != 0)
        goto out;
    if (every_commit) {
        range_ctx rc_ = {s, xs, new_id, d, err, 0};
        if (store_range(s, base, new_id, range_commit, &rc_, err) != 0 || rc_.failed)
            goto out;
    }
    if (store_diff(s, base, new_id, "subprocessors", &deltas, &nd, err) != 0)
        goto out;
    if (base && *base && (store_snap_open(s, base, &bsnap, err) != 0 ||
                          source_from_snap(bsnap, &bsrc, err) != 0))
        goto out;
    for (i = 0; i < nd; i++) {
        char id[256], file[300];
        size_t nl = strlen(deltas[i].name);
        entry *e;

        if (deltas[i].status == 'D' || nl <= 4 || strcmp(deltas[i].name + nl - 4, ".xml") != 0)
            continue;
        snprintf(id, sizeof(id), "%.*s", (int)(nl - 4 < 255 ? nl - 4 : 255), deltas[i].name);
        e = registry_find(r, id, NULL);
        if (!e)
            continue;
        rules_check_entry(r, e, day, d);
        snprintf(file, sizeof(file), "subprocessors/%s", deltas[i].name);
        if (bsrc && compare_with_tip(xs, bsnap, bsrc, NULL, r, e, file, day, d, err) != 0)
            goto out;
    }
    if (bsrc && kept_objections_since(xs, bsrc, r, d, err) != 0)
        goto out;
    rc = blocking(d, from) ? GUARD_BLOCKED : 0;
out:
    store_deltas_free(deltas, nd);
    registry_free(r);
    source_close(src);
    source_close(bsrc);
    store_snap_free(bsnap);
    store_snap_free(snap);
    return rc;
}
