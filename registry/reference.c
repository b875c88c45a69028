#include "reference.h"
#include <assert.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/tree.h>
#include "date.h"
#include "embed.h"
#include "xmldoc.h"

#define NCODES (26 * 26)

typedef struct bridge {
    char country[3];
    int from, until;
} bridge;

typedef struct rtype {
    char *provider, *match, *countries, *note;
    resource_kind kind;
} rtype;

typedef struct region {
    char *provider, *id;
    char country[3];
} region;

struct reference {
    atomic_int refs;              /* shared by registries of consecutive revisions */
    unsigned char kind[NCODES];   /* 0 unknown, 1 country, 2 alias */
    unsigned char eea[NCODES];
    int eea_until[NCODES];        /* last day inside the EEA of a State that left, or DATE_NONE */
    bridge *bridges;
    size_t nbridges;
    short alias_to[NCODES];
    char *names[NCODES];
    adequacy *adq;
    size_t nadq;
    region *regions;              /* sorted by provider, id */
    size_t nregions;
    rtype *types;                 /* in file order: the first match wins */
    size_t ntypes;
};

static int code_index(const char *c)
{
    if (!c || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' || c[2] != '\0')
        return -1;
    return (c[0] - 'A') * 26 + (c[1] - 'A');
}

static void index_code(int i, char out[3])
{
    out[0] = (char)('A' + i / 26);
    out[1] = (char)('A' + i % 26);
    out[2] = '\0';
}

/* Attribute name of n as a date into *out (DATE_NONE when absent). Returns 0, or -1 when it
 * is not a calendar day. */
static int attr_date(xmlNodePtr n, const char *name, int *out)
{
    char *v = xmldoc_attr(n, name);
    int rc = 0;

    *out = DATE_NONE;
    if (v && date_parse(v, out) != 0)
        rc = -1;
    free(v);
    return rc;
}

/* The <country> elements of countries.xml into r (EEA membership and adequacy with their
 * dates). Returns 0, or -1 after adding errors to d. */
static int load_countries(reference *r, xmlDocPtr doc, const char *file, diag_list *d)
{
    xmlNodePtr n;
    int bad = 0;

    for (n = xmldoc_elem(xmlDocGetRootElement(doc)->children); n; n = xmldoc_elem(n->next)) {
        char *code = xmldoc_attr(n, "code");
        char *name = xmldoc_attr(n, "name");
        char *eea = xmldoc_attr(n, "eea");
        char *to = xmldoc_attr(n, "country");
        int i = code_index(code), j = code_index(to);

        if (xmldoc_is(n, "country") && i >= 0) {
            r->kind[i] = 1;
            r->eea[i] = eea && (strcmp(eea, "true") == 0 || strcmp(eea, "1") == 0);
            free(r->names[i]);
            r->names[i] = name;
            name = NULL;
            if (attr_date(n, "eea-until", &r->eea_until[i]) != 0) {
                diag_add(d, file, xmldoc_line(n), 0, SEV_ERROR, "registry", NULL,
                         "eea-until of %s is not a real calendar day (YYYY-MM-DD)", code);
                bad = 1;
            }
        } else if (xmldoc_is(n, "bridge") && j >= 0) {
            bridge *v = realloc(r->bridges, (r->nbridges + 1) * sizeof(*v)), *b;
            if (!v) {
                bad = 1;
                goto next;
            }
            r->bridges = v;
            b = &v[r->nbridges++];
            memcpy(b->country, to, 3);
            if (attr_date(n, "from", &b->from) || attr_date(n, "until", &b->until) ||
                b->from == DATE_NONE || b->until == DATE_NONE || b->until < b->from) {
                diag_add(d, file, xmldoc_line(n), 0, SEV_ERROR, "registry", NULL,
                         "bridge for %s needs real from and until days, from first", to);
                bad = 1;
            }
        } else if (xmldoc_is(n, "alias") && i >= 0 && j >= 0) {
            if (r->kind[j] != 1) {
                diag_add(d, file, xmldoc_line(n), 0, SEV_ERROR, "registry", NULL,
                         "alias %s points to %s, which is not a country listed above it", code, to);
                bad = 1;
            } else {
                r->kind[i] = 2;
                r->alias_to[i] = (short)j;
            }
        } else if (xmldoc_is(n, "adequacy")) {
            adequacy *a, *v = realloc(r->adq, (r->nadq + 1) * sizeof(*v));
            char *sc = xmldoc_attr(n, "scope");
            xmlNodePtr c;

            if (!v) {
                free(sc);
                bad = 1;
                goto next;
            }
            r->adq = v;
            a = &v[r->nadq++];
            memset(a, 0, sizeof(*a));
            if (j >= 0)
                memcpy(a->country, to, 3);
            a->organisation = xmldoc_attr(n, "organisation");
            a->instrument = xmldoc_attr(n, "instrument");
            a->line = xmldoc_line(n);
            a->scope = sc && strcmp(sc, "dpf") == 0                ? SCOPE_DPF
                       : sc && strcmp(sc, "partial") == 0          ? SCOPE_PARTIAL
                       : sc && strcmp(sc, "former-framework") == 0 ? SCOPE_FORMER
                                                                   : SCOPE_WHOLE;
            free(sc);
            a->contested = xmldoc_attr(n, "contested");
            if (attr_date(n, "adopted", &a->adopted) || attr_date(n, "ends", &a->ends) ||
                attr_date(n, "revoked", &a->revoked) || attr_date(n, "in-force", &a->in_force) ||
                attr_date(n, "contested-since", &a->contested_since) ||
                a->adopted == DATE_NONE) {
                diag_add(d, file, a->line, 0, SEV_ERROR, "registry", NULL,
                         "adequacy decision has a date that is not a real calendar day (YYYY-MM-DD)");
                bad = 1;
            }
            for (c = xmldoc_elem(n->children); c; c = xmldoc_elem(c->next)) {
                if (xmldoc_is(c, "note")) {
                    free(a->note);
                    a->note = xmldoc_text(c);
                } else if (xmldoc_is(c, "amendment")) {
                    adequacy_amendment *av, *m;
                    av = realloc(a->amendments, (a->namendments + 1) * sizeof(*av));
                    if (!av) {
                        bad = 1;
                        break;
                    }
                    a->amendments = av;
                    m = &av[a->namendments++];
                    m->instrument = xmldoc_attr(c, "instrument");
                    m->note = xmldoc_attr(c, "note");
                    if (attr_date(c, "adopted", &m->adopted) || attr_date(c, "ends", &m->ends) ||
                        m->adopted == DATE_NONE ||
                        (a->namendments > 1 && m->adopted < av[a->namendments - 2].adopted) ||
                        m->adopted < a->adopted) {
                        diag_add(d, file, xmldoc_line(c), 0, SEV_ERROR, "registry", NULL,
                                 "an amendment needs a real adopted day, after the decision and "
                                 "after the amendment before it");
                        bad = 1;
                    }
                }
            }
            if (j < 0 && !a->organisation) {
                diag_add(d, file, a->line, 0, SEV_ERROR, "registry", NULL,
                         "adequacy decision needs a country or an organisation");
                bad = 1;
            }
        }
    next:
        free(code);
        free(name);
        free(eea);
        free(to);
    }
    for (size_t k = 0; k < r->nadq; k++) {
        int i = code_index(r->adq[k].country);
        if (i >= 0 && r->kind[i] != 1) {
            diag_add(d, file, r->adq[k].line, 0, SEV_ERROR, "country-unknown", NULL,
                     "adequacy decision for %s, which is not a country listed in this file",
                     r->adq[k].country);
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

static int cmp_region(const void *a, const void *b)
{
    const region *x = a, *y = b;
    int c = strcmp(x->provider, y->provider);

    return c ? c : strcmp(x->id, y->id);
}

/* One <type> of a provider's regions file into r. Returns 0, or -1 after adding errors to d. */
static int load_type(reference *r, const char *provider, xmlNodePtr n, const char *file,
                     diag_list *d)
{
    rtype *v = realloc(r->types, (r->ntypes + 1) * sizeof(*v)), *t;
    char *kind, *c;
    int bad = 0;

    if (!v)
        return -1;
    r->types = v;
    t = &v[r->ntypes++];
    memset(t, 0, sizeof(*t));
    t->provider = strdup(provider);
    t->match = xmldoc_attr(n, "match");
    t->countries = xmldoc_attr(n, "countries");
    t->note = xmldoc_attr(n, "note");
    kind = xmldoc_attr(n, "kind");
    t->kind = !kind                                ? KIND_STORAGE
              : strcmp(kind, "control-plane") == 0 ? KIND_CONTROL
              : strcmp(kind, "edge") == 0          ? KIND_EDGE
              : strcmp(kind, "compute") == 0       ? KIND_COMPUTE
                                                   : KIND_STORAGE;
    free(kind);
    for (c = t->countries; c && *c; c += 3) {
        char cc[3] = {c[0], c[1], '\0'};
        int i = code_index(cc);
        if (i < 0 || r->kind[i] != 1) {
            diag_add(d, file, xmldoc_line(n), 0, SEV_ERROR, "country-unknown", NULL,
                     "type %s maps to %s, which is not a country of countries.xml",
                     t->match ? t->match : "?", cc);
            bad = 1;
        }
        if (!c[2])
            break;
    }
    if (!t->provider || !t->match)
        return -1;
    return bad ? -1 : 0;
}

/* regions.xml into r: each provider's regions and their countries. Returns 0, or -1 after
 * adding errors to d. */
static int load_regions(reference *r, xmlDocPtr doc, const char *file, diag_list *d)
{
    xmlNodePtr p, n;
    size_t cap = 0;
    int bad = 0;

    for (p = xmldoc_elem(xmlDocGetRootElement(doc)->children); p; p = xmldoc_elem(p->next)) {
        char *pid;

        if (!xmldoc_is(p, "provider"))
            continue;
        pid = xmldoc_attr(p, "id");
        for (n = xmldoc_elem(p->children); n && pid; n = xmldoc_elem(n->next)) {
            char *id, *cc;
            int i;

            if (xmldoc_is(n, "type")) {
                if (load_type(r, pid, n, file, d) != 0)
                    bad = 1;
                continue;
            }
            id = xmldoc_attr(n, "id");
            cc = xmldoc_attr(n, "country");
            i = code_index(cc);
            if (i < 0 || r->kind[i] != 1) {
                diag_add(d, file, xmldoc_line(n), 0, SEV_ERROR, "country-unknown", NULL,
                         "region %s of %s is mapped to %s, which is not a country of countries.xml",
                         id ? id : "?", pid, cc ? cc : "?");
                bad = 1;
            } else if (id) {
                if (r->nregions == cap) {
                    region *v;
                    cap = cap ? cap * 2 : 128;
                    v = realloc(r->regions, cap * sizeof(*v));
                    if (!v) {
                        free(id);
                        free(cc);
                        bad = 1;
                        break;
                    }
                    r->regions = v;
                }
                r->regions[r->nregions].provider = strdup(pid);
                r->regions[r->nregions].id = id;
                memcpy(r->regions[r->nregions].country, cc, 3);
                r->nregions++;
                id = NULL;
            }
            free(id);
            free(cc);
        }
        free(pid);
    }
    if (r->nregions)
        qsort(r->regions, r->nregions, sizeof(*r->regions), cmp_region);
    for (size_t k = 1; k < r->nregions; k++) {
        if (cmp_region(&r->regions[k - 1], &r->regions[k]) == 0) {
            diag_add(d, file, 0, 0, SEV_ERROR, "registry", NULL, "region %s of %s is listed twice",
                     r->regions[k].id, r->regions[k].provider);
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

/* data parsed and validated with xsd; NULL when it is not (d says why). */
static xmlDocPtr parse_valid(const char *data, size_t len, const char *file, const schema *xsd,
                             diag_list *d)
{
    xmlDocPtr doc = xmldoc_parse(data, len, file, d);

    if (doc && schema_validate(xsd, doc, file, d) != 0) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    return doc;
}

int reference_load(const char *countries, size_t clen, const char *cfile, const char *regions,
                   size_t rlen, const char *rfile, const schema *xsd, reference **out,
                   diag_list *d, sr_err *err)
{
    reference *r = calloc(1, sizeof(*r));
    xmlDocPtr cdoc = NULL, rdoc = NULL;
    int ok = 0;

    *out = NULL;
    if (!r) {
        sr_err_set(err, "out of memory");
        return -1;
    }
    atomic_init(&r->refs, 1);
    for (int i = 0; i < NCODES; i++)
        r->eea_until[i] = DATE_NONE;
    cdoc = parse_valid(countries, clen, cfile, xsd, d);
    rdoc = parse_valid(regions, rlen, rfile, xsd, d);
    if (!cdoc || !rdoc)
        goto out;
    if (!xmldoc_is(xmlDocGetRootElement(cdoc), "countries")) {
        diag_add(d, cfile, 1, 0, SEV_ERROR, "schema", NULL, "root element must be <countries>");
        goto out;
    }
    if (!xmldoc_is(xmlDocGetRootElement(rdoc), "regions")) {
        diag_add(d, rfile, 1, 0, SEV_ERROR, "schema", NULL, "root element must be <regions>");
        goto out;
    }
    if (load_countries(r, cdoc, cfile, d) != 0 || load_regions(r, rdoc, rfile, d) != 0)
        goto out;
    ok = 1;
out:
    xmlFreeDoc(cdoc);
    xmlFreeDoc(rdoc);
    if (!ok) {
        reference_free(r);
        r = NULL;
    }
    *out = r;
    return 0;
}

reference *reference_builtin(const schema *xsd, sr_err *err)
{
    size_t clen = 0, rlen = 0;
    const char *c = embed_get("reference/countries.xml", &clen);
    const char *g = embed_get("reference/regions.xml", &rlen);
    diag_list d = {0};
    reference *r = NULL;

    if (reference_load(c, clen, "reference/countries.xml", g, rlen, "reference/regions.xml", xsd,
                       &r, &d, err) == 0 && !r)
        sr_err_set(err, "built-in reference data is invalid: %s",
                   d.n ? d.v[0].message : "(no reason given)");
    diag_list_free(&d);
    return r;
}

reference *reference_ref(reference *r)
{
    if (r)
        atomic_fetch_add(&r->refs, 1);
    return r;
}

void reference_free(reference *r)
{
    size_t i;
    int left;

    if (!r)
        return;
    left = atomic_fetch_sub(&r->refs, 1);
    assert(left > 0); /* a reference dropped twice */
    if (left != 1)
        return;
    for (i = 0; i < NCODES; i++)
        free(r->names[i]);
    for (i = 0; i < r->nadq; i++) {
        free(r->adq[i].organisation);
        free(r->adq[i].instrument);
        free(r->adq[i].note);
        free(r->adq[i].contested);
        for (size_t k = 0; k < r->adq[i].namendments; k++) {
            free(r->adq[i].amendments[k].instrument);
            free(r->adq[i].amendments[k].note);
        }
        free(r->adq[i].amendments);
    }
    free(r->bridges);
    for (i = 0; i < r->nregions; i++) {
        free(r->regions[i].provider);
        free(r->regions[i].id);
    }
    for (i = 0; i < r->ntypes; i++) {
        free(r->types[i].provider);
        free(r->types[i].match);
        free(r->types[i].countries);
        free(r->types[i].note);
    }
    free(r->types);
    free(r->adq);
    free(r->regions);
    free(r);
}

const char *reference_country(const reference *r, const char *code, char out[3])
{
    int i = code_index(code);

    if (i < 0 || !r->kind[i])
        return NULL;
    if (r->kind[i] == 2)
        i = r->alias_to[i];
    index_code(i, out);
    return out;
}

int reference_in_eea(const reference *r, const char *cc)
{
    int i = code_index(cc);

    return i >= 0 && r->kind[i] == 1 && r->eea[i];
}

int reference_in_eea_on(const reference *r, const char *cc, int day)
{
    int i = code_index(cc);
    size_t k;

    if (i < 0 || r->kind[i] != 1)
        return 0;
    if (r->eea[i] || (r->eea_until[i] != DATE_NONE && day <= r->eea_until[i]))
        return 1;
    for (k = 0; k < r->nbridges; k++)
        if (strcmp(r->bridges[k].country, cc) == 0 && day >= r->bridges[k].from &&
            day <= r->bridges[k].until)
            return 1;
    return 0;
}

int reference_in_eu_on(const reference *r, const char *cc, int day)
{
    return reference_in_eea_on(r, cc, day) && strcmp(cc, "IS") != 0 && strcmp(cc, "LI") != 0 &&
           strcmp(cc, "NO") != 0;
}

const char *reference_country_name(const reference *r, const char *cc)
{
    int i = code_index(cc);

    return i >= 0 ? r->names[i] : NULL;
}

const adequacy *reference_adequacy(const reference *r, const char *cc, int day)
{
    const adequacy *best = NULL;
    size_t i;

    for (i = 0; i < r->nadq; i++) {
        const adequacy *a = &r->adq[i];
        int start = a->in_force != DATE_NONE ? a->in_force : a->adopted;
        int end = reference_adequacy_end(a, day), bend;
        if (a->scope == SCOPE_FORMER || strcmp(a->country, cc) != 0 || day < start)
            continue;
        if (end != DATE_NONE && day > end)
            continue;
        if (a->revoked != DATE_NONE && day >= a->revoked)
            continue;
        bend = best ? reference_adequacy_end(best, day) : 0;
        if (!best || (bend != DATE_NONE && (end == DATE_NONE || end > bend)))
            best = a;
    }
    return best;
}

int reference_adequacy_end(const adequacy *a, int day)
{
    int end = a->ends;
    size_t k;

    for (k = 0; k < a->namendments; k++)
        if (a->amendments[k].adopted <= day)
            end = a->amendments[k].ends;
    return end;
}

int reference_region(const reference *r, const char *provider, const char *id, char out[3])
{
    region key;
    const region *hit;

    key.provider = (char *)provider;
    key.id = (char *)id;
    hit = bsearch(&key, r->regions, r->nregions, sizeof(*r->regions), cmp_region);
    if (hit) {
        memcpy(out, hit->country, 3);
        return 0;
    }
    return reference_has_provider(r, provider) ? -2 : -1;
}

resource_kind reference_resource_kind(const reference *r, const char *provider, const char *type,
                                      const char **countries, const char **note)
{
    size_t i;

    for (i = 0; type && i < r->ntypes; i++) {
        const rtype *t = &r->types[i];
        if (strcmp(t->provider, provider) == 0 && fnmatch(t->match, type, 0) == 0) {
            if (countries)
                *countries = t->countries;
            if (note)
                *note = t->note;
            return t->kind;
        }
    }
    if (countries)
        *countries = NULL;
    if (note)
        *note = NULL;
    return KIND_STORAGE;
}

const char *reference_kind_name(resource_kind k)
{
    static const char *names[] = {"storage", "compute", "edge", "control-plane"};

    return names[k];
}

int reference_has_provider(const reference *r, const char *provider)
{
    size_t i;

    for (i = 0; i < r->nregions; i++)
        if (strcmp(r->regions[i].provider, provider) == 0)
            return 1;
    return 0;
}

cJSON *reference_to_json(const reference *r)
{
    cJSON *root = cJSON_CreateObject(), *eea, *countries, *adq;
    char cc[3], d1[11];
    int i;
    size_t k;

    if (!root)
        return NULL;
    eea = cJSON_AddArrayToObject(root, "eea");
    countries = cJSON_AddArrayToObject(root, "countries");
    adq = cJSON_AddArrayToObject(root, "adequacy");
    for (i = 0; i < NCODES && eea && countries; i++) {
        cJSON *c;
        if (r->kind[i] != 1)
            continue;
        index_code(i, cc);
        if (r->eea[i])
            cJSON_AddItemToArray(eea, cJSON_CreateString(cc));
        c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "code", cc);
        cJSON_AddStringToObject(c, "name", r->names[i] ? r->names[i] : cc);
        cJSON_AddBoolToObject(c, "eea", r->eea[i]);
        cJSON_AddItemToArray(countries, c);
    }
    for (k = 0; k < r->nadq && adq; k++) {
        const adequacy *a = &r->adq[k];
        cJSON *o = cJSON_CreateObject();
        static const char *scopes[] = {"whole", "partial", "dpf", "former-framework"};

        if (a->country[0])
            cJSON_AddStringToObject(o, "country", a->country);
        if (a->organisation)
            cJSON_AddStringToObject(o, "organisation", a->organisation);
        cJSON_AddStringToObject(o, "instrument", a->instrument ? a->instrument : "");
        cJSON_AddStringToObject(o, "adopted", date_format(a->adopted, d1));
        if (a->in_force != DATE_NONE)
            cJSON_AddStringToObject(o, "in_force", date_format(a->in_force, d1));
        if (reference_adequacy_end(a, INT_MAX) != DATE_NONE)
            cJSON_AddStringToObject(o, "ends", date_format(reference_adequacy_end(a, INT_MAX), d1));
        if (a->contested)
            cJSON_AddStringToObject(o, "contested", a->contested);
        if (a->namendments) {
            cJSON *am = cJSON_AddArrayToObject(o, "amendments");
            for (size_t m = 0; am && m < a->namendments; m++) {
                cJSON *x = cJSON_CreateObject();
                cJSON_AddStringToObject(x, "instrument", a->amendments[m].instrument);
                cJSON_AddStringToObject(x, "adopted", date_format(a->amendments[m].adopted, d1));
                if (a->amendments[m].ends != DATE_NONE)
                    cJSON_AddStringToObject(x, "ends", date_format(a->amendments[m].ends, d1));
                if (a->amendments[m].note)
                    cJSON_AddStringToObject(x, "note", a->amendments[m].note);
                cJSON_AddItemToArray(am, x);
            }
        }
        if (a->revoked != DATE_NONE)
            cJSON_AddStringToObject(o, "revoked", date_format(a->revoked, d1));
        cJSON_AddStringToObject(o, "scope", scopes[a->scope]);
        if (a->note)
            cJSON_AddStringToObject(o, "note", a->note);
        cJSON_AddItemToArray(adq, o);
    }
    return root;
}
