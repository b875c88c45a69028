#include "hosting.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "date.h"
#include "rules.h"
#include "source.h"
#include "tfplan.h"
#include "xmldoc.h"

#define MAX_PLAN (256u << 20) /* a plan of a big estate can be large; still bounded */

hosting_deploy *hosting_add(hosting_list *l, const char *provider, const char *what, int line)
{
    hosting_deploy *h;

    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        hosting_deploy *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return NULL;
        l->v = v;
        l->cap = cap;
    }
    h = &l->v[l->n];
    memset(h, 0, sizeof(*h));
    h->use = -1;
    h->line = line > 0 ? line : 1;
    h->col = 1;
    h->provider = strdup(provider);
    h->what = strdup(what ? what : provider);
    if (!h->provider || !h->what) {
        free(h->provider);
        free(h->what);
        return NULL;
    }
    l->n++;
    return h;
}

int hosting_set(char **field, const char *s)
{
    char *c = s ? strdup(s) : NULL;

    if (s && !c)
        return -1;
    free(*field);
    *field = c;
    return 0;
}

void hosting_list_free(hosting_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        free(l->v[i].provider);
        free(l->v[i].region);
        free(l->v[i].country);
        free(l->v[i].what);
        free(l->v[i].type);
        free(l->v[i].source);
        free(l->v[i].reason);
    }
    free(l->v);
    free(l->file);
    memset(l, 0, sizeof(*l));
}

const char *hosting_result_name(hosting_result r)
{
    static const char *names[] = {"pending", "placed", "skipped", "unmapped"};

    return names[r];
}

/* Normalise a region id: lower case, spaces removed ("West Europe" -> "westeurope"). */
static void norm_region(const char *in, char *out, size_t n)
{
    size_t k = 0;

    for (; *in && k + 1 < n; in++)
        if (*in != ' ')
            out[k++] = (char)tolower((unsigned char)*in);
    out[k] = '\0';
}

/* A zone to its region: aws "us-east-1a" -> "us-east-1"; gcp "europe-west1-b" ->
 * "europe-west1". Returns 1 when zone looked like a zone. */
static int zone_to_region(const char *provider, const char *zone, char *out, size_t n)
{
    size_t l = strlen(zone);

    snprintf(out, n, "%s", zone);
    if (strcmp(provider, "aws") == 0 && l > 1 && isalpha((unsigned char)zone[l - 1]) &&
        isdigit((unsigned char)zone[l - 2])) {
        out[l - 1] = '\0';
        return 1;
    }
    if (strcmp(provider, "gcp") == 0 && l > 2 && zone[l - 2] == '-' &&
        isalpha((unsigned char)zone[l - 1])) {
        out[l - 2] = '\0';
        return 1;
    }
    return 0;
}

/* A hosting manifest (XML, schemas/hosting.xsd) into l; problems go to d. Returns 0, or -1
 * with err set. */
static int load_manifest(const char *data, size_t len, const schemas *xs, hosting_list *l,
                         diag_list *d, sr_err *err)
{
    xmlDocPtr doc = xmldoc_parse(data, len, l->file, d);
    xmlNodePtr root, n;
    int rc = 0;

    if (!doc)
        return 0;
    root = xmlDocGetRootElement(doc);
    /* The manifest may be written without the namespace: put it on. */
    if (!root->ns) {
        xmlNsPtr ns = xmlNewNs(root, (const xmlChar *)"urn:subreg:1", NULL);
        for (n = root; n; n = n == root ? xmldoc_elem(root->children) : xmldoc_elem(n->next))
            if (!n->ns)
                xmlSetNs(n, ns);
    }
    if (schema_validate(xs->hosting, doc, l->file, d) != 0)
        goto out;
    l->format = "manifest";
    for (n = xmldoc_elem(root->children); n; n = xmldoc_elem(n->next)) {
        char *p = xmldoc_attr(n, "provider"), *r = xmldoc_attr(n, "region");
        char *c = xmldoc_attr(n, "country"), *s = xmldoc_attr(n, "service");
        char *u = xmldoc_attr(n, "use");
        char reg[256], what[512];
        hosting_deploy *h;

        if (r)
            norm_region(r, reg, sizeof(reg));
        snprintf(what, sizeof(what), "%s%s%s", p ? p : "?", s ? " " : "", s ? s : "");
        if (!r && !c) {
            diag_add(d, l->file, xmldoc_line(n), 0, SEV_ERROR, "schema", NULL,
                     "<deploy> needs region=\"...\" or country=\"...\"");
        } else if (!(h = hosting_add(l, p ? p : "?", what, xmldoc_line(n))) ||
                   hosting_set(&h->region, r ? reg : NULL) != 0 ||
                   hosting_set(&h->country, c) != 0 ||
                   hosting_set(&h->source, r ? "manifest region" : "manifest country") != 0) {
            rc = -1;
        } else {
            /* storage unless the manifest says less: fail closed */
            h->use = u && strcmp(u, "processing") == 0 ? USE_PROCESSING : USE_STORAGE;
        }
        free(p);
        free(r);
        free(c);
        free(s);
        free(u);
    }
    if (rc)
        sr_err_set(err, "out of memory reading %s", l->file);
out:
    xmlFreeDoc(doc);
    return rc;
}

/* A hosting file into out: a Terraform plan or state (JSON) or a manifest (XML), told apart
 * by the first character; UTF-16 is refused with a message. Returns 0, or -1 with err set. */
static int parse_into(const char *data, size_t len, const schemas *xs, hosting_list *out,
                      diag_list *d, sr_err *err)
{
    size_t i = 0;

    if (len >= 2 && (((unsigned char)data[0] == 0xff && (unsigned char)data[1] == 0xfe) ||
                     ((unsigned char)data[0] == 0xfe && (unsigned char)data[1] == 0xff) ||
                     (data[0] != 0 && data[1] == 0) || (data[0] == 0 && data[1] != 0))) {
        diag_add(d, out->file, 1, 1, SEV_ERROR, "schema", NULL,
                 "this file is UTF-16 (Windows PowerShell writes `>` redirections so): write it "
                 "as UTF-8, e.g. `terraform show -json plan.out | Out-File -Encoding utf8 "
                 "plan.json`, or run the redirection in PowerShell 7, cmd or a POSIX shell");
        return 0;
    }
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
        data += 3; /* a UTF-8 byte order mark: accepted, line numbers unchanged */
        len -= 3;
    }
    while (i < len && isspace((unsigned char)data[i]))
        i++;
    return i < len && data[i] == '{' ? tfplan_load(data, len, out, d, err)
                                     : load_manifest(data, len, xs, out, d, err);
}

int hosting_parse(const char *data, size_t len, const char *file, const schemas *xs,
                  hosting_list *out, diag_list *d, sr_err *err)
{
    memset(out, 0, sizeof(*out));
    out->file = strdup(file);
    if (!out->file) {
        sr_err_set(err, "out of memory");
        return -1;
    }
    out->format = "unreadable";
    return parse_into(data, len, xs, out, d, err);
}

int hosting_load(const char *path, const schemas *xs, hosting_list *out, diag_list *d,
                 sr_err *err)
{
    char *data = NULL;
    size_t len;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = source_read_path(path, MAX_PLAN, &data, &len, err);
    if (rc == STORE_NOTFOUND)
        sr_err_set(err, "%s: no such file", path);
    if (rc != 0)
        return -1;
    rc = hosting_parse(data, len, path, xs, out, d, err);
    free(data);
    return rc;
}

/* The entry whose <hosting provider> is provider, or NULL. */
static const entry *claimant(const registry *r, const char *provider)
{
    size_t i, k;

    for (i = 0; i < r->n; i++)
        for (k = 0; k < r->entries[i]->nhosting; k++)
            if (r->entries[i]->hosting[k] && strcmp(r->entries[i]->hosting[k], provider) == 0)
                return r->entries[i];
    return NULL;
}


/* The country of h, resolving the region with the reference data (a zone is reduced to its
 * region). Returns 1 with cc; 0 after setting h->reason. */
static int place(const registry *r, hosting_deploy *h)
{
    char reg[256];
    int rc;

    if (h->country) {
        if (reference_country(r->ref, h->country, h->cc))
            return 1;
        return hosting_set(&h->reason, "not an ISO 3166-1 country code"), 0;
    }
    if (!h->region)
        return 0;
    norm_region(h->region, reg, sizeof(reg));
    rc = reference_region(r->ref, h->provider, reg, h->cc);
    if (rc == -2) {
        char zr[256];
        if (zone_to_region(h->provider, reg, zr, sizeof(zr)) &&
            reference_region(r->ref, h->provider, zr, h->cc) == 0) {
            char how[1024];
            snprintf(how, sizeof(how), "%s, zone %s of region %s", h->source ? h->source : "",
                     reg, zr);
            if (hosting_set(&h->source, how) != 0 || hosting_set(&h->region, zr) != 0)
                return 0;
            return 1;
        }
    }
    if (rc == 0)
        return hosting_set(&h->region, reg), 1;
    {
        char why[512];
        snprintf(why, sizeof(why), "region \"%s\" of %s cannot be placed in a country: %s", reg,
                 h->provider,
                 rc == -1 ? "the reference data has no regions for this provider"
                          : "not in reference/regions.xml; multi-regions, global and edge "
                            "locations fail closed");
        hosting_set(&h->reason, why);
    }
    return 0;
}

/* 1 when e declares cc with a use that covers a deployment needing use need (storage:
 * storage; processing: processing or storage); *uses gets the bits (1 << use) e lists cc
 * with. */
static int declared(const entry *e, const char *cc, entry_use need, int day, unsigned *uses)
{
    size_t k;
    int ok = 0;

    *uses = 0;
    for (k = 0; k < e->nlocations; k++) {
        const entry_location *loc = &e->locations[k];
        if (strcmp(loc->country.cc, cc) != 0)
            continue;
        if (loc->effective != DATE_NONE && loc->effective > day)
            continue; /* announced, not in force yet: it declares nothing before its date */
        *uses |= 1u << loc->use;
        ok |= loc->use == USE_STORAGE || (need == USE_PROCESSING && loc->use == USE_PROCESSING);
    }
    return ok;
}

/* One deployment h of hosting list l in country cc for use need, against entry e (its
 * claimant): an error in d when e does not list that place, or when it is outside the EEA
 * without a transfer. */
static void check_country(const registry *r, const hosting_list *l, const hosting_deploy *h,
                          const entry *e, const char *cc, entry_use need, int day, diag_list *d)
{
    int transferred = 0;
    unsigned uses;
    size_t k;

    if (!declared(e, cc, need, day, &uses))
        diag_add(d, l->file, h->line, h->col, SEV_ERROR, "hosting-undeclared", e->id,
                 "%s (%s: %s) deploys to %s (%s %s), which %s %s%s%s%s: add <location "
                 "country=\"%s\" use=\"%s\"/> to %s, or deploy in a declared country",
                 h->what, h->kind, need == USE_STORAGE ? "stores data" : "processes data", cc,
                 h->provider, h->region ? h->region : cc, e->id,
                 uses ? "lists there only for" : "does not list",
                 (uses & (1u << USE_PROCESSING)) ? " processing" : "",
                 (uses & (1u << USE_ACCESS)) ? (uses & (1u << USE_PROCESSING) ? " and access" : " access") : "",
                 uses & (1u << USE_ACCESS) && !(uses & (1u << USE_PROCESSING)) ? " (remote access declares no deployment)" : "",
                 cc, need == USE_STORAGE ? "storage" : "processing", e->file);
    for (k = 0; k < e->ntransfers; k++)
        transferred |= strcmp(e->transfers[k].country.cc, cc) == 0;
    if (!reference_in_eea_on(r->ref, cc, day) && !transferred)
        diag_add(d, l->file, h->line, h->col, SEV_ERROR, "transfer-missing", e->id,
                 "%s deploys to %s, outside the EEA, and %s has no transfer to %s: add "
                 "<transfer country=\"%s\" mechanism=\"...\"/> with a valid mechanism (e.g. "
                 "scc clauses=\"2021/914\" with a TIA)",
                 h->what, cc, e->id, cc, cc);
}

void hosting_check(const registry *r, hosting_list *l, int day, diag_list *d)
{
    size_t i, from = d->n;

    for (i = 0; i < l->n; i++) {
        hosting_deploy *h = &l->v[i];
        const entry *e;
        const char *countries = NULL, *note = NULL;
        resource_kind kind = KIND_STORAGE;
        entry_use need;

        if (h->skip) {
            h->result = HOST_SKIPPED;
            h->kind = h->type ? "none" : "manifest";
            continue;
        }
        if (h->type) {
            kind = reference_resource_kind(r->ref, h->provider, h->type, &countries, &note);
            h->kind = reference_kind_name(kind);
        } else {
            h->kind = "manifest";
        }
        if (kind == KIND_CONTROL) {
            char why[512];
            place(r, h); /* for the audit only */
            snprintf(why, sizeof(why), "a control-plane object that holds no personal data%s%s",
                     note ? ": " : "", note ? note : "");
            h->result = HOST_SKIPPED;
            hosting_set(&h->reason, why);
            continue;
        }
        e = claimant(r, h->provider);
        if (!e)
            diag_add(d, l->file, h->line, h->col, SEV_ERROR, "hosting-provider-unknown", NULL,
                     "%s deploys on provider %s, which no sub-processor claims: add <hosting "
                     "provider=\"%s\"/> to its entry, or add the provider as a sub-processor",
                     h->what, h->provider, h->provider);
        need = h->use >= 0 ? (entry_use)h->use : kind == KIND_STORAGE ? USE_STORAGE
                                                                        : USE_PROCESSING;
        if (kind == KIND_EDGE) {
            char why[512];
            if (countries) {
                h->result = HOST_PLACED;
                snprintf(h->cc, sizeof(h->cc), "%.2s", countries);
                hosting_set(&h->source, "reference data (edge service countries)");
                for (const char *c = countries; e && c[0] && c[1]; c += c[2] ? 3 : 2) {
                    char cc[3] = {c[0], c[1], '\0'};
                    check_country(r, l, h, e, cc, USE_PROCESSING, day, d);
                    if (!c[2])
                        break;
                }
                continue;
            }
            snprintf(why, sizeof(why),
                     "a global or edge service: it handles requests in many countries, whatever "
                     "the provider's region, and the reference data maps it to none%s%s%s",
                     note ? " (" : "", note ? note : "", note ? ")" : "");
            hosting_set(&h->reason, why);
            h->result = HOST_UNMAPPED;
            diag_add(d, l->file, h->line, h->col, SEV_ERROR, "hosting-unmapped", e ? e->id : NULL,
                     "%s: %s: serve it from regional resources, or list its countries with "
                     "<type match=\"%s\" kind=\"edge\" countries=\"...\"/> in reference/regions.xml "
                     "and declare them",
                     h->what, h->reason, h->type);
            continue;
        }
        if (!place(r, h)) {
            h->result = HOST_UNMAPPED;
            if (h->country)
                diag_add(d, l->file, h->line, h->col, SEV_ERROR, "country-unknown", e ? e->id : NULL,
                         "%s: \"%s\" is not an ISO 3166-1 country code", h->what, h->country);
            else
                diag_add(d, l->file, h->line, h->col, SEV_ERROR, "hosting-unmapped", e ? e->id : NULL,
                         "%s on %s cannot be placed: %s", h->what, h->provider,
                         h->reason ? h->reason : "no region");
            continue;
        }
        h->result = HOST_PLACED;
        if (!e || (e->status == STATUS_RETIRED && (e->retired == DATE_NONE || day > e->retired)))
            continue;
        check_country(r, l, h, e, h->cc, need, day, d);
    }
    rules_apply_waivers(r, day, d, from);
}
