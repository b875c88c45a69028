#include "registry.h"
#include <stdlib.h>
#include <string.h>
#include "date.h"
#include "rules.h"
#include "template.h"
#include "xmldoc.h"

#define MAX_FILE XMLDOC_MAX_BYTES

int registry_parse_entry(const schemas *xs, const char *data, size_t len, const char *file,
                         entry **out, diag_list *d, sr_err *err)
{
    return registry_parse_entry_with(NULL, xs, data, len, file, out, d, err);
}

int registry_parse_entry_with(xmldoc_parser *p, const schemas *xs, const char *data, size_t len,
                              const char *file, entry **out, diag_list *d, sr_err *err)
{
    size_t from = d->n;
    xmlDocPtr doc = xmldoc_parser_parse(p, data, len, file, d);
    int rc;

    *out = NULL;
    if (!doc)
        return 0;
    rc = registry_entry_from_doc(xs, doc, data, len, file, from, out, d, err);
    xmlFreeDoc(doc);
    return rc;
}

int registry_entry_from_doc(const schemas *xs, xmlDocPtr doc, const char *data, size_t len,
                            const char *file, size_t from, entry **out, diag_list *d,
                            sr_err *err)
{
    schema_validate(xs->subprocessor, doc, file, d);
    if (entry_from_doc(doc, file, out, d, err) != 0)
        return -1;
    if (*out)
        entry_index_lines(*out, data, len, d, from); /* out of memory: findings keep column 1 */
    return 0;
}

/* Normalise c (EL to GR, UK to GB) into its code; a code that is no country is a
 * country-unknown error naming what. */
static void norm_country(const reference *ref, entry *e, entry_country *c, int line,
                         const char *what, diag_list *d)
{
    if (!c->raw[0])
        return;
    if (!reference_country(ref, c->raw, c->cc))
        diag_add(d, e->file, line, 0, SEV_ERROR, "country-unknown", e->id,
                 "%s \"%s\" is not an ISO 3166-1 alpha-2 country code: use the country's "
                 "two-letter code (e.g. DE, US; EL and UK are accepted for GR and GB); "
                 "regions such as EU are not countries",
                 what, c->raw);
}

/* 1 when e lists a location in cc, or its entity is there. */
static int has_location(const entry *e, const char *cc)
{
    size_t i;

    for (i = 0; i < e->nlocations; i++)
        if (strcmp(e->locations[i].country.cc, cc) == 0)
            return 1;
    return strcmp(e->entity_country.cc, cc) == 0;
}

/* The bidirectional embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069)
 * in text: shown on the page, in the feed and in emails they can reorder what a reader sees
 * (a U+202E before "ecivres" shows "service"). Returns the code point found, or 0. */
static unsigned bidi_control(const char *t)
{
    const unsigned char *p;

    for (p = (const unsigned char *)(t ? t : ""); *p; p++)
        if (p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE)
            return 0x2000u + (p[2] - 0x80u);
        else if (p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)
            return 0x2040u + (p[2] - 0x80u);
    return 0;
}

/* A value of the `subreg new` template left in e (it would be published as it is). */
static void check_placeholders(const entry *e, diag_list *d)
{
    const struct { const char *what, *text; int line; } f[] = {
        {"<name>", e->name, e->line_root}, {"<entity>", e->entity_address, e->line_entity},
        {"<website>", e->website, e->line_root}, {"<purpose>", e->purpose, e->line_root},
        {"<dpa reference>", e->dpa_reference, e->line_dpa}, {"<internal>", e->internal, e->line_root},
    };
    const char *p;
    size_t i;

    for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        if ((p = template_placeholder(f[i].text)) != NULL)
            diag_add(d, e->file, f[i].line ? f[i].line : e->line_root, 0, SEV_ERROR, "placeholder", e->id,
                     "%s still says \"%s\" from the template: write the vendor's real value", f[i].what, p);
    for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        unsigned cp = bidi_control(f[i].text);
        if (cp)
            diag_add(d, e->file, f[i].line ? f[i].line : e->line_root, 0, SEV_ERROR, "registry", e->id,
                     "%s contains the invisible bidirectional control U+%04X, which can make the "
                     "published text read differently: remove it", f[i].what, cp);
    }
    for (i = 0; i < e->nonward; i++)
        if (bidi_control(e->onward[i].name) || bidi_control(e->onward[i].purpose))
            diag_add(d, e->file, e->onward[i].line, 0, SEV_ERROR, "registry", e->id,
                     "<onward> contains an invisible bidirectional control character (U+202A-U+202E, "
                     "U+2066-U+2069), which can make the published text read differently: remove it");
    for (i = 0; i < e->npurposes; i++)
        if (bidi_control(e->purposes[i].text))
            diag_add(d, e->file, e->line_root, 0, SEV_ERROR, "registry", e->id,
                     "<purpose xml:lang=\"%s\"> contains an invisible bidirectional control character: "
                     "remove it", e->purposes[i].lang);
    for (i = 0; i < e->npurposes; i++)
        if ((p = template_placeholder(e->purposes[i].text)) != NULL)
            diag_add(d, e->file, e->line_root, 0, SEV_ERROR, "placeholder", e->id,
                     "<purpose xml:lang=\"%s\"> still says \"%s\" from the template: write the real purpose",
                     e->purposes[i].lang, p);
}

void registry_check_entry(const reference *ref, entry *e, const char *expected_id,
                          diag_list *d)
{
    size_t locate_from = d->n;
    size_t i, j;

    if (!e->id || !entry_id_valid(e->id)) {
        diag_add(d, e->file, e->line_root, 0, SEV_ERROR, "registry", e->id,
                 "id \"%s\" is not a valid id: use 1 to 63 characters of a-z, 0-9 and '-', "
                 "starting with a letter or digit",
                 e->id ? e->id : "");
    } else if (expected_id && strcmp(expected_id, e->id) != 0) {
        diag_add(d, e->file, e->line_root, 0, SEV_ERROR, "registry", e->id,
                 "id=\"%s\" does not match the file name %s.xml: rename the file to %s.xml or "
                 "set id=\"%s\"",
                 e->id, expected_id, e->id, expected_id);
    }
    norm_country(ref, e, &e->entity_country, e->line_entity, "entity country", d);
    for (i = 0; i < e->nlocations; i++) {
        entry_location *l = &e->locations[i];
        char cc[3];
        int rc;

        norm_country(ref, e, &l->country, l->line, "location country", d);
        if (l->region && !l->provider) {
            diag_add(d, e->file, l->line, 0, SEV_ERROR, "registry", e->id,
                     "region=\"%s\" needs provider=\"...\" to say whose region it is", l->region);
        } else if (l->region && l->country.cc[0]) {
            rc = reference_region(ref, l->provider, l->region, cc);
            if (rc == -2)
                diag_add(d, e->file, l->line, 0, SEV_ERROR, "hosting-unmapped", e->id,
                         "region \"%s\" of provider %s is not in reference/regions.xml: correct "
                         "the region id or add it to the reference data with its country",
                         l->region, l->provider);
            else if (rc == 0 && strcmp(cc, l->country.cc) != 0)
                diag_add(d, e->file, l->line, 0, SEV_ERROR, "registry", e->id,
                         "region %s of %s is in %s, not %s: set country=\"%s\"", l->region,
                         l->provider, cc, l->country.cc, cc);
        }
    }
    for (i = 0; i < e->ntransfers; i++) {
        entry_transfer *t = &e->transfers[i];

        norm_country(ref, e, &t->country, t->line, "transfer country", d);
        if (!t->country.cc[0])
            continue;
        if (!has_location(e, t->country.cc))
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "registry", e->id,
                     "transfer to %s matches no location and not the entity's country: add "
                     "<location country=\"%s\" use=\"...\"/> or remove this transfer",
                     t->country.cc, t->country.cc);
        for (j = 0; j < i; j++)
            if (strcmp(e->transfers[j].country.cc, t->country.cc) == 0 &&
                e->transfers[j].mechanism == t->mechanism)
                diag_add(d, e->file, t->line, 0, SEV_ERROR, "registry", e->id,
                         "a second %s transfer to %s: keep one <transfer> per country and mechanism",
                         entry_mechanism_name(t->mechanism), t->country.cc);
    }
    for (i = 0; i < e->nonward; i++) {
        entry_onward *o = &e->onward[i];
        norm_country(ref, e, &o->country, o->line, "onward country", d);
        for (j = 0; j < o->nlocations; j++)
            norm_country(ref, e, &o->locations[j].country, o->locations[j].line,
                         "onward location country", d);
        for (j = 0; j < o->ntransfers; j++)
            norm_country(ref, e, &o->transfers[j].country, o->transfers[j].line,
                         "onward transfer country", d);
    }
    for (i = 0; i < e->nwaivers; i++) {
        const entry_waiver *w = &e->waivers[i];
        if (w->rule && !rules_find(w->rule))
            diag_add(d, e->file, w->line, 0, SEV_ERROR, "registry", e->id,
                     "waiver for unknown rule \"%s\": use a rule id from docs/rules.md",
                     w->rule);
        else if (w->rule && !rules_waivable(w->rule)) {
            const rule_info *ri = rules_find(w->rule);
            if (strcmp(w->rule, "schema") == 0 || strcmp(w->rule, "registry") == 0 ||
                strcmp(w->rule, "country-unknown") == 0 || strcmp(w->rule, "placeholder") == 0 ||
                strncmp(w->rule, "waiver-", 7) == 0)
                diag_add(d, e->file, w->line, 0, SEV_ERROR, "registry", e->id,
                         "%s findings cannot be waived: fix the file instead", w->rule);
            else if (strcmp(w->rule, "ai-training") == 0)
                diag_add(d, e->file, w->line, 0, SEV_ERROR, "waiver-not-allowed", e->id,
                         "ai-training cannot be waived: a vendor that trains on the data it "
                         "processes for us decides a purpose of its own and is no longer only a "
                         "processor (Art. 28(10)): remove this waiver (%s)",
                         ri ? ri->fix : "");
            else
                diag_add(d, e->file, w->line, 0, SEV_ERROR, "waiver-not-allowed", e->id,
                         "%s cannot be waived: a transfer without a valid mechanism has no grace "
                         "period (Art. 44; C-311/18; SCC Clauses 14(f), 16(b)): remove this waiver, "
                         "and put a mechanism in place or stop the transfer (%s)",
                         w->rule, ri ? ri->fix : "");
        }
    }
    check_placeholders(e, d);
    if (e->status == STATUS_RETIRED && e->retired == DATE_NONE)
        diag_add(d, e->file, e->line_status, 0, SEV_ERROR, "registry", e->id,
                 "status retired needs the last day of processing: add <retired>YYYY-MM-DD</retired> "
                 "(until then the entry is checked as live)");
    if (e->retired != DATE_NONE && e->status != STATUS_RETIRED && e->status != STATUS_UNKNOWN)
        diag_add(d, e->file, e->line_retired, 0, SEV_ERROR, "registry", e->id,
                 "<retired> is only for status retired: remove it or set <status>retired</status>");
    if (e->has_dpa && e->dpa_signed != DATE_NONE && e->dpa_expires != DATE_NONE &&
        e->dpa_expires < e->dpa_signed)
        diag_add(d, e->file, e->line_dpa, 0, SEV_ERROR, "registry", e->id,
                 "the DPA expires before it was signed: check the signed and expires dates");
    if (e->announced != DATE_NONE && e->effective != DATE_NONE && e->effective < e->announced)
        diag_add(d, e->file, e->line_effective, 0, SEV_ERROR, "registry", e->id,
                 "<effective> is before <announced>: processing cannot start before the notice");
    entry_locate(e, d, locate_from);
}

void registry_check_categories(const registry *r, const entry *e, diag_list *d)
{
    size_t locate_from = d->n;
    size_t i;

    if (!r->settings.ncategories)
        return; /* a registry without a vocabulary takes any category */
    for (i = 0; i < e->ncategories; i++)
        if (e->categories[i] && !registry_category(r, e->categories[i]))
            diag_add(d, e->file, e->category_line && e->category_line[i] ? e->category_line[i] : e->line_root,
                     0, SEV_ERROR, "registry", e->id,
                     "category \"%s\" is not declared in registry.xml's <categories>: use a "
                     "declared id, or declare it there", e->categories[i]);
    entry_locate(e, d, locate_from);
}

const registry_category_def *registry_category(const registry *r, const char *id)
{
    size_t i;

    for (i = 0; i < r->settings.ncategories; i++)
        if (strcmp(r->settings.categories[i].id, id) == 0)
            return &r->settings.categories[i];
    return NULL;
}

void registry_check_all(registry *r, diag_list *d)
{
    size_t i, j, k;

    for (i = 0; i < r->n; i++)
        registry_check_categories(r, r->entries[i], d);
    for (i = 1; i < r->n; i++) {
        entry *a = r->entries[i - 1], *b = r->entries[i];
        if (a->id && b->id && strcmp(a->id, b->id) == 0)
            diag_add(d, b->file, b->line_root, 0, SEV_ERROR, "registry", b->id,
                     "id \"%s\" is also used by %s: ids must be unique", b->id, a->file);
    }
    /* A provider named by <hosting> must belong to one entry, or hosting checks could not
     * say whose locations a deployment must match. */
    for (i = 0; i < r->n; i++)
        for (k = 0; k < r->entries[i]->nhosting; k++)
            for (j = 0; j < i; j++) {
                const entry *o = r->entries[j];
                size_t m;
                for (m = 0; m < o->nhosting; m++)
                    if (o->hosting[m] && r->entries[i]->hosting[k] &&
                        strcmp(o->hosting[m], r->entries[i]->hosting[k]) == 0)
                        diag_add(d, r->entries[i]->file, r->entries[i]->line_root, 0, SEV_ERROR,
                                 "registry", r->entries[i]->id,
                                 "hosting provider \"%s\" is already claimed by %s: one entry per "
                                 "provider",
                                 o->hosting[m], o->id);
            }
}

registry *registry_new(reference *ref)
{
    registry *r = calloc(1, sizeof(*r));

    if (!r)
        return NULL;
    r->ref = ref;
    r->settings.notice_days = 0;
    r->settings.tia_months = 12;
    r->settings.max_waiver_days = 90;
    r->settings.max_file_mib = 10;
    r->settings.breach_notice_hours = 24;
    r->settings.emergency_days = -1;
    return r;
}

registry *registry_new_like(const registry *other)
{
    registry *r = registry_new(reference_ref(other->ref));
    const registry_settings *o = &other->settings;

    if (!r) {
        reference_free(other->ref);
        return NULL;
    }
    r->settings = *o;
    r->settings.owner = o->owner ? strdup(o->owner) : NULL;
    r->settings.public_url = o->public_url ? strdup(o->public_url) : NULL;
    r->settings.contact = o->contact ? strdup(o->contact) : NULL;
    r->settings.dpo = o->dpo ? strdup(o->dpo) : NULL;
    r->settings.security = o->security ? strdup(o->security) : NULL;
    r->settings.categories = NULL;
    r->settings.ncategories = 0;
    r->customers = customers_ref(other->customers);
    if ((o->owner && !r->settings.owner) || (o->public_url && !r->settings.public_url) ||
        (o->contact && !r->settings.contact) || (o->dpo && !r->settings.dpo) ||
        (o->security && !r->settings.security)) {
        registry_free(r);
        return NULL;
    }
    if (o->ncategories) {
        size_t i;
        r->settings.categories = calloc(o->ncategories, sizeof(*r->settings.categories));
        if (!r->settings.categories) {
            registry_free(r);
            return NULL;
        }
        r->settings.ncategories = o->ncategories;
        for (i = 0; i < o->ncategories; i++) {
            const registry_category_def *c = &o->categories[i];
            r->settings.categories[i].id = c->id ? strdup(c->id) : NULL;
            r->settings.categories[i].label = c->label ? strdup(c->label) : NULL;
            r->settings.categories[i].special = c->special ? strdup(c->special) : NULL;
            r->settings.categories[i].label_fr = c->label_fr ? strdup(c->label_fr) : NULL;
            r->settings.categories[i].label_nl = c->label_nl ? strdup(c->label_nl) : NULL;
        }
    }
    return r;
}

static int cmp_id(const entry *a, const char *id)
{
    return strcmp(a->id ? a->id : "", id ? id : "");
}

entry *registry_find(const registry *r, const char *id, size_t *idx)
{
    size_t lo = 0, hi = r->n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = cmp_id(r->entries[mid], id);
        if (c == 0) {
            if (idx)
                *idx = mid;
            return r->entries[mid];
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (idx)
        *idx = lo;
    return NULL;
}

int registry_reserve(registry *r, size_t n)
{
    entry **ev;

    if (n <= r->cap)
        return 0;
    ev = realloc(r->entries, n * sizeof(*ev));
    if (!ev)
        return -1;
    r->entries = ev;
    r->cap = n;
    return 0;
}

int registry_add(registry *r, entry *e, const char *blob)
{
    entry **ev;
    size_t pos;

    if (r->n == r->cap && registry_reserve(r, r->cap ? r->cap * 2 : 64) != 0)
        return -1;
    ev = r->entries;
    if (blob)
        snprintf(e->blob, sizeof(e->blob), "%s", blob);
    /* Files arrive sorted by name, so appending is the common case. */
    if (r->n == 0 || cmp_id(r->entries[r->n - 1], e->id) <= 0) {
        pos = r->n;
    } else {
        registry_find(r, e->id, &pos);
        memmove(&r->entries[pos + 1], &r->entries[pos], (r->n - pos) * sizeof(*ev));
    }
    r->entries[pos] = e;
    r->n++;
    return 0;
}

void registry_free(registry *r)
{
    size_t i;

    if (!r)
        return;
    for (i = 0; i < r->n; i++)
        entry_free(r->entries[i]);
    free(r->entries);
    free(r->settings.owner);
    free(r->settings.public_url);
    free(r->settings.contact);
    free(r->settings.dpo);
    free(r->settings.security);
    for (i = 0; i < r->settings.ncategories; i++) {
        free(r->settings.categories[i].id);
        free(r->settings.categories[i].label);
        free(r->settings.categories[i].special);
        free(r->settings.categories[i].label_fr);
        free(r->settings.categories[i].label_nl);
    }
    free(r->settings.categories);
    reference_free(r->ref);
    customers_free(r->customers);
    free(r);
}

/* registry.xml's <promises> into the settings (the promised storage area and mechanisms). */
static void read_promises(registry *r, xmlNodePtr n)
{
    xmlNodePtr k;

    for (k = xmldoc_elem(n->children); k; k = xmldoc_elem(k->next)) {
        if (xmldoc_is(k, "storage")) {
            char *region = xmldoc_attr(k, "region"), *cs = xmldoc_attr(k, "countries");
            r->settings.promise_storage = region && strcmp(region, "EU") == 0    ? PROMISE_EU
                                          : region && strcmp(region, "EEA") == 0 ? PROMISE_EEA
                                          : cs                                   ? PROMISE_COUNTRIES
                                                                                 : PROMISE_NONE;
            snprintf(r->settings.promise_countries, sizeof(r->settings.promise_countries), "%s",
                     cs ? cs : "");
            free(region);
            free(cs);
        } else if (xmldoc_is(k, "transfers")) {
            char *m = xmldoc_attr(k, "mechanisms"), *p, *save = NULL;
            r->settings.promise_mechanisms = 0;
            for (p = m ? strtok_r(m, " ", &save) : NULL; p; p = strtok_r(NULL, " ", &save))
                r->settings.promise_mechanisms |= 1u << entry_mechanism_parse(p);
            r->settings.has_mechanism_promise = 1;
            free(m);
        } else if (xmldoc_is(k, "training")) {
            char *none = xmldoc_attr(k, "none");
            r->settings.promise_training_none = none && (strcmp(none, "true") == 0 || strcmp(none, "1") == 0);
            free(none);
        } else if (xmldoc_is(k, "retention") && r->settings.nretention < REGISTRY_MAX_RETENTION) {
            char *c = xmldoc_attr(k, "category"), *m = xmldoc_attr(k, "max-days");
            registry_retention *p = &r->settings.retention[r->settings.nretention];
            if (c && m) {
                snprintf(p->category, sizeof(p->category), "%s", c);
                p->max_days = atoi(m);
                r->settings.nretention++;
            }
            free(c);
            free(m);
        }
    }
}

/* registry.xml's <categories> into the settings (id, label, special category). Returns 0, or
 * -1 when out of memory. */
static int read_categories_vocab(registry *r, xmlNodePtr n)
{
    xmlNodePtr k;

    for (k = xmldoc_elem(n->children); k; k = xmldoc_elem(k->next)) {
        registry_category_def *v, *c;
        char *sp;
        xmlChar *lang;
        if (!xmldoc_is(k, "category"))
            continue;
        /* the same id again with xml:lang: its label in that language (after the default) */
        if ((lang = xmlGetNsProp(k, (const xmlChar *)"lang", XML_XML_NAMESPACE)) != NULL) {
            char *id = xmldoc_attr(k, "id");
            registry_category_def *d = id ? (registry_category_def *)registry_category(r, id) : NULL;
            char **slot = !d ? NULL : xmlStrncmp(lang, (const xmlChar *)"fr", 2) == 0 ? &d->label_fr
                                  : xmlStrncmp(lang, (const xmlChar *)"nl", 2) == 0 ? &d->label_nl : NULL;
            if (slot) {
                free(*slot);
                *slot = xmldoc_text(k);
            }
            free(id);
            xmlFree(lang);
            continue;
        }
        v = realloc(r->settings.categories, (r->settings.ncategories + 1) * sizeof(*v));
        if (!v)
            return -1;
        r->settings.categories = v;
        c = &v[r->settings.ncategories++];
        c->id = xmldoc_attr(k, "id");
        c->label = xmldoc_text(k);
        c->label_fr = c->label_nl = NULL;
        sp = xmldoc_attr(k, "special");
        c->special = sp ? strdup(sp) : NULL;
        free(sp);
    }
    return 0;
}

/* registry.xml of src into r's settings (defaults when absent). Problems go to d. Returns 0,
 * or -1 with err set. */
static int load_settings(registry *r, source *src, const schemas *xs, diag_list *d,
                         sr_err *err)
{
    char *data = NULL, file[4200];
    size_t len;
    xmlDocPtr doc = NULL;
    xmlNodePtr n;
    int rc;

    snprintf(file, sizeof(file), "%sregistry.xml", source_prefix(src));
    rc = source_read(src, "registry.xml", MAX_FILE, &data, &len, NULL, err);
    if (rc == STORE_NOTFOUND) {
        diag_add(d, file, 0, 0, SEV_ERROR, "registry", NULL,
                 "registry.xml is missing: a registry's root must hold its settings "
                 "(owner, notice-days, tia-review-months)");
        return 0;
    }
    if (rc != 0)
        return -1;
    doc = xmldoc_parse(data, len, file, d);
    if (doc && schema_validate(xs->registry, doc, file, d) == 0) {
        for (n = xmldoc_elem(xmlDocGetRootElement(doc)->children); n; n = xmldoc_elem(n->next)) {
            char *t = xmldoc_text(n);
            if (xmldoc_is(n, "owner")) {
                char *c = xmldoc_attr(n, "country");
                free(r->settings.owner);
                r->settings.owner = t;
                t = NULL;
                if (c && strlen(c) == 2)
                    memcpy(r->settings.owner_country, c, 3);
                free(c);
            } else if (xmldoc_is(n, "notice-days")) {
                r->settings.notice_days = atoi(t);
            } else if (xmldoc_is(n, "emergency-notice-days")) {
                r->settings.emergency_days = atoi(t);
            } else if (xmldoc_is(n, "tia-review-months")) {
                r->settings.tia_months = atoi(t);
            } else if (xmldoc_is(n, "max-waiver-days")) {
                r->settings.max_waiver_days = atoi(t);
            } else if (xmldoc_is(n, "max-file-mib")) {
                r->settings.max_file_mib = atoi(t);
            } else if (xmldoc_is(n, "breach-notice-hours")) {
                r->settings.breach_notice_hours = atoi(t);
            } else if (xmldoc_is(n, "allow-tags")) {
                r->settings.allow_tags = t && (strcmp(t, "true") == 0 || strcmp(t, "1") == 0);
            } else if (xmldoc_is(n, "public-url")) {
                free(r->settings.public_url);
                r->settings.public_url = t;
                t = NULL;
            } else if (xmldoc_is(n, "contact")) {
                free(r->settings.contact);
                r->settings.contact = t;
                t = NULL;
            } else if (xmldoc_is(n, "dpo")) {
                free(r->settings.dpo);
                r->settings.dpo = t;
                t = NULL;
            } else if (xmldoc_is(n, "security")) {
                free(r->settings.security);
                r->settings.security = t;
                t = NULL;
            } else if (xmldoc_is(n, "promises")) {
                read_promises(r, n);
            } else if (xmldoc_is(n, "categories")) {
                if (read_categories_vocab(r, n) != 0) {
                    free(t);
                    xmlFreeDoc(doc);
                    free(data);
                    sr_err_set(err, "out of memory");
                    return -1;
                }
            }
            free(t);
        }
    }
    xmlFreeDoc(doc);
    free(data);
    return 0;
}

/* The reference data of src (the files under reference/); the built-in one when those are
 * missing or invalid (d says why). Returns it, or NULL with err set. */
static reference *load_reference(source *src, const schemas *xs, diag_list *d, sr_err *err)
{
    char *c = NULL, *g = NULL, cfile[4200], gfile[4200];
    size_t clen = 0, glen = 0;
    reference *ref = NULL;
    int rc1, rc2;

    snprintf(cfile, sizeof(cfile), "%sreference/countries.xml", source_prefix(src));
    snprintf(gfile, sizeof(gfile), "%sreference/regions.xml", source_prefix(src));
    rc1 = source_read(src, "reference/countries.xml", 16 * MAX_FILE, &c, &clen, NULL, err);
    if (rc1 < 0)
        goto out;
    rc2 = source_read(src, "reference/regions.xml", 16 * MAX_FILE, &g, &glen, NULL, err);
    if (rc2 < 0)
        goto out;
    if (rc1 == STORE_NOTFOUND)
        diag_add(d, cfile, 0, 0, SEV_ERROR, "registry", NULL,
                 "reference/countries.xml is missing: copy it from data/seed/reference");
    if (rc2 == STORE_NOTFOUND)
        diag_add(d, gfile, 0, 0, SEV_ERROR, "registry", NULL,
                 "reference/regions.xml is missing: copy it from data/seed/reference");
    if (rc1 == 0 && rc2 == 0 &&
        reference_load(c, clen, cfile, g, glen, gfile, xs->reference, &ref, d, err) != 0)
        goto out;
    if (!ref) /* still check the entries, against the built-in reference */
        ref = reference_builtin(xs->reference, err);
out:
    free(c);
    free(g);
    return ref;
}

int registry_load_base(source *src, const schemas *xs, registry **out, diag_list *d,
                       sr_err *err)
{
    registry *r = NULL;
    reference *ref;

    *out = NULL;
    err->msg[0] = '\0';
    ref = load_reference(src, xs, d, err);
    if (!ref)
        return -1;
    r = registry_new(ref);
    if (!r) {
        reference_free(ref);
        sr_err_set(err, "out of memory");
        return -1;
    }
    if (source_revision(src))
        snprintf(r->revision, sizeof(r->revision), "%s", source_revision(src));
    if (load_settings(r, src, xs, d, err) != 0 ||
        customers_load(src, xs, r->ref, &r->customers, d, err) != 0) {
        registry_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

int registry_load(source *src, const schemas *xs, registry **out, diag_list *d, sr_err *err)
{
    registry *r = NULL;
    char **names = NULL, *data = NULL, file[4300], rel[4300], blob[41];
    size_t nnames = 0, i, len;
    xmldoc_parser *parser = xmldoc_parser_new();
    int rc = -1;

    *out = NULL;
    err->msg[0] = '\0';
    if (!parser) {
        sr_err_set(err, "out of memory");
        goto out;
    }
    if (registry_load_base(src, xs, &r, d, err) != 0)
        goto out;
    if (source_list(src, "subprocessors", &names, &nnames, err) != 0)
        goto out;
    for (i = 0; i < nnames; i++) {
        entry *e;
        char id[256];
        size_t nl = strlen(names[i]) - 4;

        snprintf(rel, sizeof(rel), "subprocessors/%s", names[i]);
        snprintf(file, sizeof(file), "%s%s", source_prefix(src), rel);
        snprintf(id, sizeof(id), "%.*s", (int)(nl < sizeof(id) ? nl : sizeof(id) - 1), names[i]);
        rc = source_read(src, rel, MAX_FILE, &data, &len, blob, err);
        if (rc != 0) {
            diag_add(d, file, 0, 0, SEV_ERROR, "schema", NULL, "%s", err->msg);
            err->msg[0] = '\0';
            continue;
        }
        rc = registry_parse_entry_with(parser, xs, data, len, file, &e, d, err);
        free(data);
        data = NULL;
        if (rc != 0)
            goto out;
        if (!e)
            continue;
        registry_check_entry(r->ref, e, id, d);
        if (registry_add(r, e, blob) != 0) {
            entry_free(e);
            sr_err_set(err, "out of memory");
            rc = -1;
            goto out;
        }
    }
    registry_check_all(r, d);
    *out = r;
    r = NULL;
    rc = 0;
out:
    xmldoc_parser_free(parser);
    source_names_free(names, nnames);
    registry_free(r);
    return rc;
}

/* 1 when e was read from subprocessors/<name>. */
static int same_file(const entry *e, const char *name)
{
    size_t fl = strlen(e->file), nl = strlen(name);

    return fl > nl && e->file[fl - nl - 1] == '/' && strcmp(e->file + fl - nl, name) == 0;
}

int registry_derive(store *s, const schemas *xs, store_snap *snap, source *src,
                    const registry *prev, const char *prev_rev, entry *fresh, registry **out,
                    sr_err *err)
{
    registry *r = NULL;
    store_delta *deltas = NULL;
    char *skip = NULL, *data = NULL, rel[300];
    size_t nd = 0, i, len;
    diag_list d = {0};
    xmldoc_parser *parser = xmldoc_parser_new();
    int rc = -1;

    *out = NULL;
    /* same settings and reference files (same_base): share them */
    if (!parser || !(r = registry_new_like(prev)))
        goto oom;
    {
        /* the customers' files are few: a change among them loads them again, the entries
         * are still shared */
        store_delta *cd = NULL;
        size_t ncd = 0;
        if (store_diff(s, prev_rev, store_snap_commit(snap), "customers", &cd, &ncd, err) != 0)
            goto fail;
        store_deltas_free(cd, ncd);
        if (ncd) {
            customers_free(r->customers);
            r->customers = NULL;
            if (customers_load(src, xs, r->ref, &r->customers, &d, err) != 0)
                goto fail;
        }
    }
    if (store_diff(s, prev_rev, store_snap_commit(snap), "subprocessors", &deltas, &nd, err) != 0)
        goto fail;
    /* Which entries of prev the changed files replace: found by id (file name = id in a
     * valid registry), checked against the entry's file; a scan only when that fails. */
    skip = calloc(prev->n + 1, 1);
    if (!skip || registry_reserve(r, prev->n + nd) != 0)
        goto oom;
    for (i = 0; i < nd; i++) {
        size_t nl = strlen(deltas[i].name), k;
        char id[256];
        entry *e;

        snprintf(id, sizeof(id), "%.*s", (int)(nl > 4 && nl - 4 < 255 ? nl - 4 : 0), deltas[i].name);
        if ((e = registry_find(prev, id, &k)) && same_file(e, deltas[i].name)) {
            skip[k] = 1;
            continue;
        }
        for (k = 0; k < prev->n; k++)
            if (same_file(prev->entries[k], deltas[i].name))
                skip[k] = 1;
    }
    for (i = 0; i < prev->n; i++) {
        if (skip[i])
            continue;
        if (registry_add(r, entry_ref(prev->entries[i]), NULL) != 0) {
            entry_free(prev->entries[i]);
            goto oom;
        }
    }
    for (i = 0; i < nd; i++) {
        size_t nl = strlen(deltas[i].name);
        char id[256];
        entry *e;

        if (deltas[i].status == 'D' || nl <= 4 || strcmp(deltas[i].name + nl - 4, ".xml") != 0)
            continue;
        snprintf(rel, sizeof(rel), "subprocessors/%s", deltas[i].name);
        snprintf(id, sizeof(id), "%.*s", (int)(nl - 4 < 255 ? nl - 4 : 255), deltas[i].name);
        if (fresh && strcmp(fresh->blob, deltas[i].new_blob) == 0 && fresh->id &&
            strcmp(fresh->id, id) == 0) {
            e = entry_ref(fresh); /* parsed and checked by the write that made this blob */
        } else {
            if (source_read(src, rel, XMLDOC_MAX_BYTES, &data, &len, NULL, err) != 0)
                goto fail;
            rc = registry_parse_entry_with(parser, xs, data, len, rel, &e, &d, err);
            free(data);
            data = NULL;
            if (rc != 0)
                goto fail;
            if (!e)
                continue;
            registry_check_entry(r->ref, e, id, &d);
        }
        if (entry_render(e) != 0 || registry_add(r, e, deltas[i].new_blob) != 0) {
            entry_free(e);
            goto oom;
        }
    }
    *out = r;
    r = NULL;
    rc = 0;
    goto out;
oom:
    sr_err_set(err, "out of memory");
fail:
out:
    registry_free(r);
    free(skip);
    store_deltas_free(deltas, nd);
    xmldoc_parser_free(parser);
    diag_list_free(&d);
    return rc;
}

