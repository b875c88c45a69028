#include "entry.h"
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "date.h"
#include "xmldoc.h"
#include "json.h"

static const char *status_names[] = {"planned", "active", "retired"};
static const char *use_names[] = {"storage", "processing", "access"};
static const char *mech_names[] = {"adequacy", "dpf", "scc", "bcr", "code-of-conduct",
                                   "certification", "ad-hoc-clauses", "derogation"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int find_name(const char **names, size_t n, const char *s)
{
    size_t i;

    for (i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0)
            return (int)i;
    return -1;
}

const char *entry_status_name(entry_status s)
{
    return s < COUNT(status_names) ? status_names[s] : "unknown";
}

const char *entry_use_name(entry_use u)
{
    return u < COUNT(use_names) ? use_names[u] : "unknown";
}

const char *entry_mechanism_name(entry_mechanism m)
{
    return m < COUNT(mech_names) ? mech_names[m] : "unknown";
}

entry_status entry_status_parse(const char *s)
{
    int i = find_name(status_names, COUNT(status_names), s);
    return i < 0 ? STATUS_UNKNOWN : (entry_status)i;
}

entry_use entry_use_parse(const char *s)
{
    int i = find_name(use_names, COUNT(use_names), s);
    return i < 0 ? USE_UNKNOWN : (entry_use)i;
}

entry_mechanism entry_mechanism_parse(const char *s)
{
    int i = find_name(mech_names, COUNT(mech_names), s);
    return i < 0 ? MECH_UNKNOWN : (entry_mechanism)i;
}

static entry_role role_parse(const char *s)
{
    if (s && strcmp(s, "processor") == 0)
        return ROLE_PROCESSOR;
    if (s && strcmp(s, "controller") == 0)
        return ROLE_CONTROLLER;
    return 0;
}

int entry_id_valid(const char *s)
{
    size_t i, n = s ? strlen(s) : 0;

    if (n == 0 || n > 63)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0)))
            return 0;
    }
    return 1;
}

typedef struct reader {
    const char *file;
    diag_list *d;
    int oom;
} reader;

static void set_country(entry_country *c, const char *s)
{
    memset(c, 0, sizeof(*c));
    if (s) {
        strncpy(c->raw, s, sizeof(c->raw) - 1);
    }
}

/* Parse s (may be NULL: no date) as YYYY-MM-DD into *out; a day that is not in the calendar
 * is a "registry" error naming what. Returns 0 or -1. */
static int read_date(reader *rd, xmlNodePtr n, const char *what, const char *s, int *out)
{
    *out = DATE_NONE;
    if (!s)
        return 0;
    if (date_parse(s, out) != 0) {
        diag_add(rd->d, rd->file, xmldoc_line(n), 0, SEV_ERROR, "registry", NULL,
                 "%s \"%s\" is not a real calendar day: write YYYY-MM-DD", what, s);
        *out = DATE_NONE;
        return -1;
    }
    return 0;
}

/* Attribute attr of n as a date into *out (DATE_NONE when absent or invalid: then an error in
 * rd's list). */
static void date_attr(reader *rd, xmlNodePtr n, const char *attr, int *out)
{
    char *v = xmldoc_attr(n, attr);
    char what[64];

    snprintf(what, sizeof(what), "%s=", attr);
    read_date(rd, n, what, v, out);
    free(v);
}

/* The text of element n as a date into *out, and n's line into *line. */
static void date_text(reader *rd, xmlNodePtr n, int *out, int *line)
{
    char *v = xmldoc_text(n);
    char what[64];

    snprintf(what, sizeof(what), "<%s>", (const char *)n->name);
    *line = xmldoc_line(n);
    read_date(rd, n, what, v, out);
    free(v);
}

/* The SCC modules named in s ("2 3") as bits 1 << module. */
static unsigned parse_modules(const char *s)
{
    unsigned m = 0;

    for (; s && *s; s++)
        if (*s >= '1' && *s <= '4')
            m |= 1u << (*s - '0');
    return m;
}

static void *grow(void *v, size_t n, size_t size, reader *rd)
{
    void *p = realloc(v, (n + 1) * size);

    if (!p) {
        rd->oom = 1;
        return NULL;
    }
    memset((char *)p + n * size, 0, size);
    return p;
}

/* <location> n into l (country, use, provider, region, dates, line). */
static void read_location(reader *rd, xmlNodePtr n, entry_location *l)
{
    char *c = xmldoc_attr(n, "country"), *u = xmldoc_attr(n, "use");

    set_country(&l->country, c);
    l->use = entry_use_parse(u);
    l->provider = xmldoc_attr(n, "provider");
    l->region = xmldoc_attr(n, "region");
    l->line = xmldoc_line(n);
    date_attr(rd, n, "announced", &l->announced);
    date_attr(rd, n, "effective", &l->effective);
    free(c);
    free(u);
}

/* <transfer> n into t (mechanism, clauses, modules, dates, measures, approval, line). */
static void read_transfer(reader *rd, xmlNodePtr n, entry_transfer *t)
{
    char *c = xmldoc_attr(n, "country"), *m = xmldoc_attr(n, "mechanism"),
         *hr = xmldoc_attr(n, "hr"), *o = xmldoc_attr(n, "tia-outcome");
    xmlNodePtr k;

    set_country(&t->country, c);
    t->mechanism = entry_mechanism_parse(m);
    t->clauses = xmldoc_attr(n, "clauses");
    t->module_text = xmldoc_attr(n, "module");
    t->modules = parse_modules(t->module_text);
    t->hr = hr && (strcmp(hr, "true") == 0 || strcmp(hr, "1") == 0);
    t->line = xmldoc_line(n);
    date_attr(rd, n, "signed", &t->signed_on);
    date_attr(rd, n, "tia", &t->tia);
    date_attr(rd, n, "verified", &t->verified);
    date_attr(rd, n, "approved", &t->approved);
    date_attr(rd, n, "announced", &t->announced);
    date_attr(rd, n, "effective", &t->effective);
    t->approval = xmldoc_attr(n, "approval");
    t->certified = xmldoc_attr(n, "certified");
    t->organisation = xmldoc_attr(n, "organisation");
    t->tia_outcome = !o                                          ? TIA_NONE
                     : strcmp(o, "adequate") == 0                ? TIA_ADEQUATE
                     : strcmp(o, "adequate-with-measures") == 0 ? TIA_WITH_MEASURES
                     : strcmp(o, "not-adequate") == 0           ? TIA_NOT_ADEQUATE
                                                                  : TIA_NONE;
    for (k = xmldoc_elem(n->children); k; k = xmldoc_elem(k->next))
        if (xmldoc_is(k, "measures")) {
            free(t->measures);
            t->measures = xmldoc_text(k);
        }
    free(c);
    free(m);
    free(hr);
    free(o);
}

/* Append the <location> and <transfer> children of parent to the arrays given. */
static void read_places(reader *rd, xmlNodePtr parent, entry_location **locs, size_t *nlocs,
                        entry_transfer **trs, size_t *ntrs)
{
    xmlNodePtr n;

    for (n = xmldoc_elem(parent->children); n; n = xmldoc_elem(n->next)) {
        if (locs && xmldoc_is(n, "location")) {
            entry_location *v = grow(*locs, *nlocs, sizeof(*v), rd);
            if (!v)
                return;
            *locs = v;
            read_location(rd, n, &v[(*nlocs)++]);
        } else if (trs && xmldoc_is(n, "transfer")) {
            entry_transfer *v = grow(*trs, *ntrs, sizeof(*v), rd);
            if (!v)
                return;
            *trs = v;
            read_transfer(rd, n, &v[(*ntrs)++]);
        }
    }
}

/* <onward> n appended to e's chain of sub-processors, with its own locations and transfers. */
static void read_onward(reader *rd, entry *e, xmlNodePtr n)
{
    entry_onward *v = grow(e->onward, e->nonward, sizeof(*v), rd), *o;
    xmlNodePtr k;
    char *c;

    if (!v)
        return;
    e->onward = v;
    o = &v[e->nonward++];
    o->name = xmldoc_attr(n, "name");
    c = xmldoc_attr(n, "country");
    set_country(&o->country, c);
    free(c);
    o->line = xmldoc_line(n);
    date_attr(rd, n, "announced", &o->announced);
    date_attr(rd, n, "effective", &o->effective);
    for (k = xmldoc_elem(n->children); k; k = xmldoc_elem(k->next))
        if (xmldoc_is(k, "purpose")) {
            free(o->purpose);
            o->purpose = xmldoc_text(k);
        }
    read_places(rd, n, &o->locations, &o->nlocations, &o->transfers, &o->ntransfers);
}

/* The <category> children of parent appended to e's categories, with their dates and lines. */
static void read_categories(reader *rd, entry *e, xmlNodePtr parent)
{
    xmlNodePtr n;

    for (n = xmldoc_elem(parent->children); n; n = xmldoc_elem(n->next)) {
        char **v;
        int *a, *f;
        if (!xmldoc_is(n, "category"))
            continue;
        v = grow(e->categories, e->ncategories, sizeof(*v), rd);
        if (v)
            e->categories = v;
        a = grow(e->category_announced, e->ncategories, sizeof(*a), rd);
        if (a)
            e->category_announced = a;
        f = grow(e->category_effective, e->ncategories, sizeof(*f), rd);
        if (f)
            e->category_effective = f;
        {
            int *l = grow(e->category_line, e->ncategories, sizeof(*l), rd);
            if (l)
                e->category_line = l;
            if (!l)
                return;
            l[e->ncategories] = xmldoc_line(n);
        }
        if (!v || !a || !f)
            return;
        v[e->ncategories] = xmldoc_text(n);
        date_attr(rd, n, "announced", &a[e->ncategories]);
        date_attr(rd, n, "effective", &f[e->ncategories]);
        e->ncategories++;
    }
}

/* One child element n of <subprocessor> into e; unknown elements are left to the schema. */
static void read_child(reader *rd, entry *e, xmlNodePtr n)
{
    const char *name = (const char *)n->name;
    char *t;

    if (strcmp(name, "name") == 0) {
        free(e->name);
        e->name = xmldoc_text(n);
    } else if (strcmp(name, "entity") == 0) {
        char *c = xmldoc_attr(n, "country");
        set_country(&e->entity_country, c);
        free(c);
        free(e->entity_address);
        e->entity_address = xmldoc_text(n);
        e->line_entity = xmldoc_line(n);
        date_attr(rd, n, "effective", &e->entity_effective);
        {
            char *intl = xmldoc_attr(n, "international");
            e->international = intl && (strcmp(intl, "true") == 0 || strcmp(intl, "1") == 0);
            free(intl);
        }
    } else if (strcmp(name, "website") == 0) {
        free(e->website);
        e->website = xmldoc_text(n);
    } else if (strcmp(name, "purpose") == 0) {
        xmlChar *lang = xmlNodeGetLang(n);
        if (lang && n->properties && xmlHasNsProp(n, (const xmlChar *)"lang", XML_XML_NAMESPACE)) {
            struct entry_text *v = grow(e->purposes, e->npurposes, sizeof(*v), rd);
            if (v) {
                e->purposes = v;
                snprintf(v[e->npurposes].lang, sizeof(v[e->npurposes].lang), "%.7s", (const char *)lang);
                v[e->npurposes].text = xmldoc_text(n);
                e->npurposes++;
            }
        } else if (!e->purpose) {
            e->purpose = xmldoc_text(n);
        }
        xmlFree(lang);
    } else if (strcmp(name, "categories") == 0) {
        read_categories(rd, e, n);
    } else if (strcmp(name, "flow") == 0) {
        t = xmldoc_text(n);
        e->flows |= role_parse(t);
        if (role_parse(t))
            date_attr(rd, n, "effective", &e->flow_effective[role_parse(t)]);
        if (!e->line_flow)
            e->line_flow = xmldoc_line(n);
        free(t);
    } else if (strcmp(name, "customers") == 0) {
        free(e->customers_only);
        free(e->customers_except);
        e->customers_only = xmldoc_attr(n, "only");
        e->customers_except = xmldoc_attr(n, "except");
        e->line_customers = xmldoc_line(n);
    } else if (strcmp(name, "recipient") == 0) {
        t = xmldoc_text(n);
        e->recipient = role_parse(t) ? role_parse(t) : ROLE_PROCESSOR;
        free(t);
    } else if (strcmp(name, "status") == 0) {
        t = xmldoc_text(n);
        e->status = entry_status_parse(t);
        e->line_status = xmldoc_line(n);
        free(t);
    } else if (strcmp(name, "announced") == 0) {
        date_text(rd, n, &e->announced, &e->line_announced);
        free(e->notice_ref);
        e->notice_ref = xmldoc_attr(n, "notice-ref");
    } else if (strcmp(name, "effective") == 0) {
        date_text(rd, n, &e->effective, &e->line_effective);
    } else if (strcmp(name, "retired") == 0) {
        date_text(rd, n, &e->retired, &e->line_retired);
    } else if (strcmp(name, "dpa") == 0) {
        if (facts_read(&e->facts, n, rd->file, rd->d) < 0)
            rd->oom = 1;
        e->has_dpa = 1;
        e->line_dpa = xmldoc_line(n);
        date_attr(rd, n, "signed", &e->dpa_signed);
        date_attr(rd, n, "expires", &e->dpa_expires);
        free(e->dpa_reference);
        e->dpa_reference = xmldoc_attr(n, "reference");
    } else if (strcmp(name, "locations") == 0) {
        e->line_locations = xmldoc_line(n);
        read_places(rd, n, &e->locations, &e->nlocations, NULL, NULL);
    } else if (strcmp(name, "transfers") == 0) {
        read_places(rd, n, NULL, NULL, &e->transfers, &e->ntransfers);
    } else if (strcmp(name, "onward") == 0) {
        read_onward(rd, e, n);
    } else if (strcmp(name, "hosting") == 0) {
        char **v = grow(e->hosting, e->nhosting, sizeof(*v), rd);
        if (v) {
            e->hosting = v;
            v[e->nhosting++] = xmldoc_attr(n, "provider");
        }
    } else if (strcmp(name, "waiver") == 0) {
        entry_waiver *v = grow(e->waivers, e->nwaivers, sizeof(*v), rd), *w;
        if (v) {
            e->waivers = v;
            w = &v[e->nwaivers++];
            w->rule = xmldoc_attr(n, "rule");
            w->owner = xmldoc_attr(n, "owner");
            w->reason = xmldoc_text(n);
            w->line = xmldoc_line(n);
            date_attr(rd, n, "until", &w->until);
        }
    } else if (strcmp(name, "internal") == 0) {
        free(e->internal);
        e->internal = xmldoc_text(n);
    } else if (facts_read(&e->facts, n, rd->file, rd->d) < 0) { /* <parent>, <ai>, <erasure> */
        rd->oom = 1;
    }
}

int entry_from_doc(xmlDocPtr doc, const char *file, entry **out, diag_list *d, sr_err *err)
{
    xmlNodePtr root = xmlDocGetRootElement(doc), n;
    reader rd = {file, d, 0};
    entry *e = NULL;
    int rc = 0;

    if (!xmldoc_is(root, "subprocessor")) {
        diag_add(d, file, root ? xmldoc_line(root) : 1, 0, SEV_ERROR, "schema", NULL,
                 "the root element must be <subprocessor xmlns=\"urn:subreg:1\">");
        goto out;
    }
    e = calloc(1, sizeof(*e));
    if (!e)
        goto oom;
    atomic_init(&e->refs, 1);
    facts_init(&e->facts);
    e->id = xmldoc_attr(root, "id");
    e->dpia = xmldoc_attr(root, "dpia");
    e->emergency = xmldoc_attr(root, "emergency");
    e->file = strdup(file);
    e->recipient = ROLE_PROCESSOR;
    e->status = STATUS_UNKNOWN;
    e->announced = e->effective = e->retired = DATE_NONE;
    e->flow_effective[0] = e->flow_effective[1] = e->flow_effective[2] = e->entity_effective = DATE_NONE;
    e->dpa_signed = e->dpa_expires = DATE_NONE;
    e->line_root = xmldoc_line(root);
    if (!e->file)
        goto oom;
    for (n = xmldoc_elem(root->children); n; n = xmldoc_elem(n->next))
        if (n->ns && strcmp((const char *)n->ns->href, "urn:subreg:1") == 0)
            read_child(&rd, e, n);
    if (rd.oom)
        goto oom;
    goto out;
oom:
    sr_err_set(err, "out of memory reading %s", file);
    entry_free(e);
    e = NULL;
    rc = -1;
out:
    *out = e;
    return rc;
}

entry *entry_ref(entry *e)
{
    if (e)
        atomic_fetch_add(&e->refs, 1);
    return e;
}

int entry_render(entry *e)
{
    int v;

    for (v = 0; v < VIEW_COUNT; v++) {
        cJSON *j;
        char *txt;
        if (e->json[v])
            continue;
        j = entry_to_json(e, v);
        txt = j ? cJSON_PrintUnformatted(j) : NULL;
        cJSON_Delete(j);
        if (!txt)
            return -1;
        e->json[v] = strdup(txt);
        cJSON_free(txt);
        if (!e->json[v])
            return -1;
        e->json_len[v] = strlen(e->json[v]);
    }
    return 0;
}

static void free_places(entry_location *locs, size_t nlocs, entry_transfer *trs, size_t ntrs)
{
    size_t i;

    for (i = 0; i < nlocs; i++) {
        free(locs[i].provider);
        free(locs[i].region);
    }
    free(locs);
    for (i = 0; i < ntrs; i++) {
        free(trs[i].clauses);
        free(trs[i].module_text);
        free(trs[i].approval);
        free(trs[i].certified);
        free(trs[i].organisation);
        free(trs[i].measures);
    }
    free(trs);
}

void entry_free(entry *e)
{
    size_t i;
    int left;

    if (!e)
        return;
    left = atomic_fetch_sub(&e->refs, 1);
    assert(left > 0); /* a reference dropped twice */
    if (left != 1)
        return;
    for (i = 0; i < VIEW_COUNT; i++)
        free(e->json[i]);
    free(e->id);
    free(e->dpia);
    free(e->notice_ref);
    free(e->emergency);
    free(e->customers_only);
    free(e->customers_except);
    free(e->file);
    free(e->name);
    free(e->entity_address);
    free(e->website);
    free(e->purpose);
    for (i = 0; i < e->npurposes; i++)
        free(e->purposes[i].text);
    free(e->purposes);
    free(e->internal);
    free(e->dpa_reference);
    for (i = 0; i < e->ncategories; i++)
        free(e->categories[i]);
    free(e->categories);
    free(e->category_announced);
    free(e->category_effective);
    free(e->category_line);
    free(e->line_col);
    free_places(e->locations, e->nlocations, e->transfers, e->ntransfers);
    for (i = 0; i < e->nonward; i++) {
        free(e->onward[i].name);
        free(e->onward[i].purpose);
        free_places(e->onward[i].locations, e->onward[i].nlocations, e->onward[i].transfers,
                    e->onward[i].ntransfers);
    }
    free(e->onward);
    for (i = 0; i < e->nhosting; i++)
        free(e->hosting[i]);
    free(e->hosting);
    for (i = 0; i < e->nwaivers; i++) {
        free(e->waivers[i].rule);
        free(e->waivers[i].owner);
        free(e->waivers[i].reason);
    }
    free(e->waivers);
    facts_free(&e->facts);
    free(e);
}

/* The country as written out: the normalised code, or what the file says when it is not one. */
static const char *country_out(const entry_country *c)
{
    return c->cc[0] ? c->cc : c->raw;
}

const char *entry_purpose(const entry *e, const char *lang)
{
    size_t i;

    for (i = 0; lang && i < e->npurposes; i++)
        if (strncmp(e->purposes[i].lang, lang, 2) == 0)
            return e->purposes[i].text;
    return e->purpose;
}

size_t entry_upcoming_changes(const entry *e, int day, entry_upcoming *out, size_t max)
{
    size_t i, n = 0;

    for (i = 0; i < e->nlocations; i++) {
        const entry_location *l = &e->locations[i];
        if (l->effective == DATE_NONE || l->effective <= day)
            continue;
        if (n < max) {
            snprintf(out[n].what, sizeof(out[n].what), "location %s (%s)", country_out(&l->country),
                     entry_use_name(l->use));
            out[n].kind = 'L';
            memcpy(out[n].cc, l->country.cc, 3);
            out[n].use = l->use;
            out[n].announced = l->announced;
            out[n].effective = l->effective;
        }
        n++;
    }
    for (i = 0; i < e->ntransfers; i++) {
        const entry_transfer *t = &e->transfers[i];
        if (t->effective == DATE_NONE || t->effective <= day)
            continue;
        if (n < max) {
            snprintf(out[n].what, sizeof(out[n].what), "transfer to %s (%s)", country_out(&t->country),
                     entry_mechanism_name(t->mechanism));
            out[n].kind = 'T';
            memcpy(out[n].cc, t->country.cc, 3);
            out[n].mechanism = t->mechanism;
            out[n].announced = t->announced;
            out[n].effective = t->effective;
        }
        n++;
    }
    for (i = 0; i < e->ncategories; i++) {
        if (e->category_effective[i] == DATE_NONE || e->category_effective[i] <= day)
            continue;
        if (n < max) {
            snprintf(out[n].what, sizeof(out[n].what), "category %s", e->categories[i] ? e->categories[i] : "?");
            out[n].kind = 'C';
            out[n].category = e->categories[i];
            out[n].announced = e->category_announced[i];
            out[n].effective = e->category_effective[i];
        }
        n++;
    }
    return n;
}

/* The locations as a JSON array; internal adds what only editors see (provider, region). */
static cJSON *locations_json(const entry_location *locs, size_t n, int internal)
{
    cJSON *a = cJSON_CreateArray(), *x;
    size_t i;

    for (i = 0; a && i < n; i++) {
        const entry_location *l = &locs[i];
        if (!(x = cJSON_CreateObject()))
            break;
        json_add_str(x, "country", country_out(&l->country));
        json_add_str(x, "use", entry_use_name(l->use));
        json_add_date(x, "announced", l->announced, 0);
        json_add_date(x, "effective", l->effective, 0);
        if (internal) {
            json_add_str(x, "provider", l->provider);
            json_add_str(x, "region", l->region);
        }
        cJSON_AddItemToArray(a, x);
    }
    return a;
}

/* The transfers as a JSON array; internal adds the TIA, its measures and outcome, and the
 * approval. */
static cJSON *transfers_json(const entry_transfer *trs, size_t n, int internal)
{
    static const char *outcomes[] = {NULL, "adequate", "adequate-with-measures", "not-adequate"};
    cJSON *a = cJSON_CreateArray(), *x;
    size_t i;

    for (i = 0; a && i < n; i++) {
        const entry_transfer *t = &trs[i];
        if (!(x = cJSON_CreateObject()))
            break;
        json_add_str(x, "country", country_out(&t->country));
        json_add_str(x, "mechanism", entry_mechanism_name(t->mechanism));
        json_add_str(x, "clauses", t->clauses);
        json_add_str(x, "module", t->module_text);
        json_add_date(x, "announced", t->announced, 0);
        json_add_date(x, "effective", t->effective, 0);
        json_add_str(x, "organisation", t->organisation);
        if (internal) {
            json_add_str(x, "certified", t->certified);
            json_add_date(x, "signed", t->signed_on, 0);
            json_add_date(x, "tia", t->tia, 0);
            json_add_str(x, "tia_outcome", outcomes[t->tia_outcome]);
            json_add_str(x, "measures", t->measures);
            json_add_date(x, "verified", t->verified, 0);
            json_add_str(x, "approval", t->approval);
            json_add_date(x, "approved", t->approved, 0);
            if (t->hr)
                cJSON_AddBoolToObject(x, "hr", 1);
        }
        cJSON_AddItemToArray(a, x);
    }
    return a;
}

cJSON *entry_to_json(const entry *e, int view)
{
    cJSON *o = cJSON_CreateObject(), *a, *x;
    int internal = view == VIEW_INTERNAL, customer = view == VIEW_CUSTOMER;
    size_t i;

    if (!o)
        return NULL;
    json_add_str(o, "id", e->id ? e->id : "");
    json_add_str(o, "name", e->name ? e->name : "");
    x = cJSON_AddObjectToObject(o, "entity");
    if (x) {
        json_add_str(x, "country", country_out(&e->entity_country));
        if (internal || customer)
            json_add_str(x, "address", e->entity_address);
    }
    json_add_str(o, "website", e->website);
    json_add_str(o, "purpose", e->purpose ? e->purpose : "");
    if (e->npurposes) {
        x = cJSON_AddObjectToObject(o, "purpose_i18n");
        for (i = 0; x && i < e->npurposes; i++)
            json_add_str(x, e->purposes[i].lang, e->purposes[i].text);
    }
    a = cJSON_AddArrayToObject(o, "categories");
    for (i = 0; a && i < e->ncategories; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(e->categories[i]));
    for (i = 0; i < e->ncategories; i++)
        if (e->category_effective[i] != DATE_NONE)
            break;
    if (i < e->ncategories) { /* categories added by a material change, with their dates */
        a = cJSON_AddArrayToObject(o, "category_changes");
        for (i = 0; a && i < e->ncategories; i++) {
            if (e->category_effective[i] == DATE_NONE)
                continue;
            x = cJSON_CreateObject();
            json_add_str(x, "category", e->categories[i]);
            json_add_date(x, "announced", e->category_announced[i], 0);
            json_add_date(x, "effective", e->category_effective[i], 0);
            cJSON_AddItemToArray(a, x);
        }
    }
    /* public in every view: whose data the vendor gets (customers' through the processor
     * flow, the owner's users' through the controller flow), and whether it is a processor
     * or an independent controller (which signs no DPA and is no sub-processor) */
    a = cJSON_AddArrayToObject(o, "flows");
    if (a && (e->flows & ROLE_PROCESSOR))
        cJSON_AddItemToArray(a, cJSON_CreateString("processor"));
    if (a && (e->flows & ROLE_CONTROLLER))
        cJSON_AddItemToArray(a, cJSON_CreateString("controller"));
    json_add_str(o, "recipient", e->recipient == ROLE_CONTROLLER ? "controller" : "processor");
    if (internal)
        json_add_str(o, "dpia", e->dpia);
    json_add_str(o, "status", entry_status_name(e->status));
    json_add_date(o, "announced", e->announced, 0);
    json_add_date(o, "effective", e->effective, 0);
    json_add_date(o, "retired", e->retired, 0);
    x = NULL;
    if (internal && e->has_dpa) {
        x = cJSON_AddObjectToObject(o, "dpa");
        if (x) {
            json_add_date(x, "signed", e->dpa_signed, 0);
            json_add_date(x, "expires", e->dpa_expires, 0);
            json_add_str(x, "reference", e->dpa_reference);
        }
    } else if (customer) {
        cJSON_AddBoolToObject(o, "dpa", e->has_dpa);
    }
    if (facts_json(&e->facts, view, o, x) != 0) {
        cJSON_Delete(o);
        return NULL;
    }
    cJSON_AddItemToObject(o, "locations", locations_json(e->locations, e->nlocations, internal));
    cJSON_AddItemToObject(o, "transfers", transfers_json(e->transfers, e->ntransfers, internal));
    if (e->nonward) {
        a = cJSON_AddArrayToObject(o, "onward");
        for (i = 0; a && i < e->nonward; i++) {
            const entry_onward *w = &e->onward[i];
            if (!(x = cJSON_CreateObject()))
                break;
            json_add_str(x, "name", w->name ? w->name : "");
            json_add_str(x, "country", country_out(&w->country));
            json_add_str(x, "purpose", w->purpose ? w->purpose : "");
            cJSON_AddItemToObject(x, "locations", locations_json(w->locations, w->nlocations, internal));
            if (internal || customer)
                cJSON_AddItemToObject(x, "transfers", transfers_json(w->transfers, w->ntransfers, internal));
            cJSON_AddItemToArray(a, x);
        }
    }
    if (internal) {
        a = cJSON_AddArrayToObject(o, "hosting");
        for (i = 0; a && i < e->nhosting; i++)
            cJSON_AddItemToArray(a, cJSON_CreateString(e->hosting[i] ? e->hosting[i] : ""));
        a = cJSON_AddArrayToObject(o, "waivers");
        for (i = 0; a && i < e->nwaivers; i++) {
            x = cJSON_CreateObject();
            if (!x)
                break;
            json_add_str(x, "rule", e->waivers[i].rule);
            json_add_date(x, "until", e->waivers[i].until, 0);
            json_add_str(x, "owner", e->waivers[i].owner);
            json_add_str(x, "reason", e->waivers[i].reason);
            cJSON_AddItemToArray(a, x);
        }
        json_add_str(o, "internal", e->internal);
        json_add_str(o, "emergency", e->emergency);
        if (e->line_customers) { /* which customers it serves: never outside the internal view */
            x = cJSON_AddObjectToObject(o, "customers");
            json_add_str(x, "only", e->customers_only);
            json_add_str(x, "except", e->customers_except);
        }
    }
    return o;
}

/* The column (1-based, in characters) of byte offset off in line, counting UTF-8 lead bytes. */
static int char_col(const char *line, size_t off)
{
    size_t i;
    int col = 1;

    for (i = 0; i < off; i++)
        if (((unsigned char)line[i] & 0xC0) != 0x80)
            col++;
    return col;
}

int entry_index_lines(entry *e, const char *text, size_t len, diag_list *d, size_t from)
{
    const char *p = text, *end = text + len;
    int n = 1, *cols;
    size_t i;

    for (i = 0; i < len; i++)
        n += text[i] == '\n';
    cols = calloc((size_t)n + 1, sizeof(*cols));
    if (!cols)
        return -1;
    for (n = 1; p < end; n++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *lt;
        size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
        lt = memchr(p, '<', ll);
        cols[n] = lt ? char_col(p, (size_t)(lt - p)) : 0;
        /* the findings of the parser and the schema on this line: at what they name */
        for (i = from; i < d->n; i++) {
            diag *g = &d->v[i];
            char key[140];
            const char *q, *hit = NULL;
            size_t kl;
            if (g->line != n || g->col > 0 || strcmp(g->file, e->file) != 0)
                continue;
            q = strstr(g->message, "=\"");
            kl = q ? (size_t)(q - g->message) : 0;
            if (kl && kl + 3 < sizeof(key) && !memchr(g->message, ' ', kl)) { /* attr="..." on <el> */
                snprintf(key, sizeof(key), " %.*s=", (int)kl, g->message);
                hit = memmem(p, ll, key, strlen(key));
                if (hit)
                    hit++;
            } else if ((q = strchr(g->message, '<')) != NULL && q[1] != '/') { /* <el> */
                size_t el = strcspn(q + 1, "> ");
                if (el && el + 2 < sizeof(key)) {
                    snprintf(key, sizeof(key), "<%.*s", (int)el, q + 1);
                    hit = memmem(p, ll, key, strlen(key));
                }
            }
            g->col = hit ? char_col(p, (size_t)(hit - p)) : cols[n];
        }
        p = nl ? nl + 1 : end;
    }
    free(e->line_col);
    e->line_col = cols;
    e->nlines = n;
    return 0;
}

void entry_locate(const entry *e, diag_list *d, size_t from)
{
    size_t i;

    for (i = from; e->line_col && i < d->n; i++) {
        diag *g = &d->v[i];
        if (g->line > 0 && g->line < e->nlines && g->col <= 0 && strcmp(g->file, e->file) == 0)
            g->col = e->line_col[g->line];
    }
}
