#include "hosting.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "rules.h"
#include "source.h"
#include "xmldoc.h"

#define MAX_PLAN (256u << 20) /* a plan of a big estate can be large; still bounded */

/* Terraform providers that deploy nothing anywhere (they run on the machine running
 * Terraform or only compute values). */
static const char *local_providers[] = {"random", "null", "tls", "local", "time", "archive",
                                        "external", "http", "template", "terraform", NULL};

static int add(hosting_list *l, const char *provider, const char *region, const char *country,
               const char *what, int line)
{
    hosting_deploy *v = realloc(l->v, (l->n + 1) * sizeof(*v)), *h;

    if (!v)
        return -1;
    l->v = v;
    h = &v[l->n];
    memset(h, 0, sizeof(*h));
    h->provider = strdup(provider);
    h->region = region ? strdup(region) : NULL;
    h->country = country ? strdup(country) : NULL;
    h->what = strdup(what ? what : provider);
    h->line = line;
    l->n++;
    return h->provider && h->what ? 0 : -1;
}

void hosting_list_free(hosting_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++) {
        free(l->v[i].provider);
        free(l->v[i].region);
        free(l->v[i].country);
        free(l->v[i].what);
    }
    free(l->v);
    free(l->file);
    memset(l, 0, sizeof(*l));
}

/* "registry.terraform.io/hashicorp/aws" -> "aws"; google -> gcp; azurerm -> azure. */
static void provider_short(const char *name, char *out, size_t n)
{
    const char *p = name ? strrchr(name, '/') : NULL;

    p = p ? p + 1 : (name ? name : "");
    if (strncmp(p, "google", 6) == 0) /* google, google-beta */
        p = "gcp";
    else if (strcmp(p, "azurerm") == 0 || strcmp(p, "azapi") == 0)
        p = "azure";
    snprintf(out, n, "%s", p);
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
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

/* A zone to its region: aws "us-east-1a" -> "us-east-1"; gcp "europe-west1-b" -> "europe-west1". */
static void zone_to_region(const char *provider, const char *zone, char *out, size_t n)
{
    size_t l = strlen(zone);

    snprintf(out, n, "%s", zone);
    if (strcmp(provider, "aws") == 0 && l > 1 && isalpha((unsigned char)zone[l - 1]) &&
        isdigit((unsigned char)zone[l - 2]))
        out[l - 1] = '\0';
    else if (strcmp(provider, "gcp") == 0 && l > 2 && zone[l - 2] == '-')
        out[l - 2] = '\0';
}

typedef struct pconf {
    char key[128];      /* provider config key: "aws", "aws.eu" */
    char provider[64];
    char region[128];
} pconf;

static const char *config_region(const pconf *pc, size_t npc, const char *key, const char *provider)
{
    size_t i, hits = 0;
    const char *only = NULL;

    for (i = 0; key && i < npc; i++)
        if (strcmp(pc[i].key, key) == 0)
            return pc[i].region[0] ? pc[i].region : NULL;
    /* no key known: the provider's default configuration, or the only one there is */
    for (i = 0; i < npc; i++) {
        if (strcmp(pc[i].provider, provider) != 0)
            continue;
        if (strcmp(pc[i].key, pc[i].provider) == 0 || strcmp(pc[i].key, provider) == 0)
            return pc[i].region[0] ? pc[i].region : NULL;
        hits++;
        only = pc[i].region[0] ? pc[i].region : NULL;
    }
    return hits == 1 ? only : NULL;
}

/* address -> provider_config_key, from configuration.root_module (and module calls). */
static const char *config_key_of(const cJSON *module, const char *prefix, const char *address,
                                 char *kbuf, size_t n)
{
    const cJSON *r, *calls, *c;

    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(module, "resources"))
    {
        const char *a = jstr(r, "address"), *k = jstr(r, "provider_config_key");
        char full[512];
        snprintf(full, sizeof(full), "%s%s", prefix, a ? a : "");
        if (a && k && strncmp(address, full, strlen(full)) == 0 &&
            (address[strlen(full)] == '\0' || address[strlen(full)] == '[')) {
            const char *colon = strrchr(k, ':'); /* "module.x:aws" in older plans */
            snprintf(kbuf, n, "%s", colon ? colon + 1 : k);
            return kbuf;
        }
    }
    calls = cJSON_GetObjectItemCaseSensitive(module, "module_calls");
    cJSON_ArrayForEach(c, calls)
    {
        char sub[512];
        const char *k;
        snprintf(sub, sizeof(sub), "%smodule.%s.", prefix, c->string);
        if (strncmp(address, sub, strlen(sub)) != 0 && !strstr(address, sub))
            continue;
        k = config_key_of(cJSON_GetObjectItemCaseSensitive(c, "module"), sub, address, kbuf, n);
        if (k)
            return k;
    }
    return NULL;
}

static int all_deletes(const cJSON *change)
{
    const cJSON *a, *actions = cJSON_GetObjectItemCaseSensitive(change, "actions");
    int n = 0;

    cJSON_ArrayForEach(a, actions)
    {
        if (!cJSON_IsString(a) || strcmp(a->valuestring, "delete") != 0)
            return 0;
        n++;
    }
    return n > 0;
}

static int load_plan(const char *data, size_t len, hosting_list *l, diag_list *d, sr_err *err)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(data, len, &end, 0);
    const cJSON *conf, *pcs, *p, *rcs, *rc;
    pconf *pc = NULL;
    size_t npc = 0;
    int ret = -1;

    if (!root || !cJSON_IsObject(root)) {
        diag_add(d, l->file, 1, 1, SEV_ERROR, "schema", NULL,
                 "not a Terraform plan in JSON: produce it with `terraform show -json plan.out`");
        ret = 0;
        goto out;
    }
    conf = cJSON_GetObjectItemCaseSensitive(root, "configuration");
    pcs = cJSON_GetObjectItemCaseSensitive(conf, "provider_config");
    cJSON_ArrayForEach(p, pcs)
    {
        pconf *v = realloc(pc, (npc + 1) * sizeof(*v));
        const cJSON *reg;
        if (!v)
            goto oom;
        pc = v;
        memset(&pc[npc], 0, sizeof(*pc));
        snprintf(pc[npc].key, sizeof(pc[npc].key), "%s", p->string ? p->string : "");
        provider_short(jstr(p, "full_name") ? jstr(p, "full_name") : jstr(p, "name"),
                       pc[npc].provider, sizeof(pc[npc].provider));
        reg = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "expressions"),
                                             "region"),
            "constant_value");
        if (cJSON_IsString(reg))
            norm_region(reg->valuestring, pc[npc].region, sizeof(pc[npc].region));
        npc++;
    }
    rcs = cJSON_GetObjectItemCaseSensitive(root, "resource_changes");
    if (!cJSON_IsArray(rcs)) {
        diag_add(d, l->file, 1, 1, SEV_ERROR, "schema", NULL,
                 "no resource_changes in this plan: give the output of `terraform show -json` "
                 "of a saved plan");
        ret = 0;
        goto out;
    }
    cJSON_ArrayForEach(rc, rcs)
    {
        const cJSON *change = cJSON_GetObjectItemCaseSensitive(rc, "change");
        const cJSON *after = cJSON_GetObjectItemCaseSensitive(change, "after");
        const char *addr = jstr(rc, "address"), *mode = jstr(rc, "mode");
        const char *region = NULL, *v;
        char prov[64], rbuf[256], keybuf[256];
        int local = 0, i;

        if (!addr || (mode && strcmp(mode, "managed") != 0) || all_deletes(change))
            continue;
        provider_short(jstr(rc, "provider_name"), prov, sizeof(prov));
        for (i = 0; local_providers[i]; i++)
            local |= strcmp(prov, local_providers[i]) == 0;
        if (local)
            continue;
        if ((v = jstr(after, "region"))) {
            norm_region(v, rbuf, sizeof(rbuf));
            region = rbuf;
        } else if ((v = jstr(after, "location"))) {
            norm_region(v, rbuf, sizeof(rbuf));
            region = rbuf;
        } else if ((v = jstr(after, "availability_zone")) || (v = jstr(after, "zone"))) {
            char z[256];
            norm_region(v, z, sizeof(z));
            zone_to_region(prov, z, rbuf, sizeof(rbuf));
            region = rbuf;
        } else {
            const char *key = config_key_of(cJSON_GetObjectItemCaseSensitive(conf, "root_module"),
                                            "", addr, keybuf, sizeof(keybuf));
            region = config_region(pc, npc, key, prov);
        }
        if (add(l, prov, region, NULL, addr, 0) != 0)
            goto oom;
    }
    ret = 0;
    goto out;
oom:
    sr_err_set(err, "out of memory reading %s", l->file);
out:
    free(pc);
    cJSON_Delete(root);
    return ret;
}

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
    for (n = xmldoc_elem(root->children); n; n = xmldoc_elem(n->next)) {
        char *p = xmldoc_attr(n, "provider"), *r = xmldoc_attr(n, "region");
        char *c = xmldoc_attr(n, "country"), *s = xmldoc_attr(n, "service");
        char reg[256], what[512];

        if (r)
            norm_region(r, reg, sizeof(reg));
        snprintf(what, sizeof(what), "%s%s%s", p ? p : "?", s ? " " : "", s ? s : "");
        if (!r && !c)
            diag_add(d, l->file, xmldoc_line(n), 0, SEV_ERROR, "schema", NULL,
                     "<deploy> needs region=\"...\" or country=\"...\"");
        else if (add(l, p ? p : "?", r ? reg : NULL, c, what, xmldoc_line(n)) != 0)
            rc = -1;
        free(p);
        free(r);
        free(c);
        free(s);
    }
    if (rc)
        sr_err_set(err, "out of memory reading %s", l->file);
out:
    xmlFreeDoc(doc);
    return rc;
}

static int parse_into(const char *data, size_t len, const schemas *xs, hosting_list *out,
                      diag_list *d, sr_err *err)
{
    size_t i = 0;

    while (i < len && isspace((unsigned char)data[i]))
        i++;
    return i < len && data[i] == '{' ? load_plan(data, len, out, d, err)
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

static const entry *claimant(const registry *r, const char *provider)
{
    size_t i, k;

    for (i = 0; i < r->n; i++)
        for (k = 0; k < r->entries[i]->nhosting; k++)
            if (r->entries[i]->hosting[k] && strcmp(r->entries[i]->hosting[k], provider) == 0)
                return r->entries[i];
    return NULL;
}

void hosting_check(const registry *r, const hosting_list *l, int day, diag_list *d)
{
    size_t i, k, from = d->n;

    for (i = 0; i < l->n; i++) {
        const hosting_deploy *h = &l->v[i];
        const entry *e = claimant(r, h->provider);
        char cc[3] = "";
        int line = h->line ? h->line : 1, declared = 0, transferred = 0;

        if (!e) {
            diag_add(d, l->file, line, 0, SEV_ERROR, "hosting-provider-unknown", NULL,
                     "%s deploys on provider %s, which no sub-processor claims: add <hosting "
                     "provider=\"%s\"/> to its entry, or add the provider as a sub-processor",
                     h->what, h->provider, h->provider);
        }
        if (h->country) {
            if (!reference_country(r->ref, h->country, cc)) {
                diag_add(d, l->file, line, 0, SEV_ERROR, "country-unknown", e ? e->id : NULL,
                         "%s: \"%s\" is not an ISO 3166-1 country code", h->what, h->country);
                continue;
            }
        } else if (!h->region) {
            diag_add(d, l->file, line, 0, SEV_ERROR, "hosting-unmapped", e ? e->id : NULL,
                     "%s on %s has no region the plan states: set the provider's region or the "
                     "resource's location",
                     h->what, h->provider);
            continue;
        } else {
            int rc = reference_region(r->ref, h->provider, h->region, cc);
            if (rc != 0) {
                diag_add(d, l->file, line, 0, SEV_ERROR, "hosting-unmapped", e ? e->id : NULL,
                         "%s: region \"%s\" of %s cannot be placed in a country (%s): use a "
                         "single-country region, or add it to reference/regions.xml",
                         h->what, h->region, h->provider,
                         rc == -1 ? "the reference data has no regions for this provider"
                                  : "not in reference/regions.xml; multi-regions, global and "
                                    "edge locations fail closed");
                continue;
            }
        }
        if (!e || e->status == STATUS_RETIRED)
            continue;
        for (k = 0; k < e->nlocations; k++)
            declared |= strcmp(e->locations[k].country.cc, cc) == 0;
        for (k = 0; k < e->ntransfers; k++)
            transferred |= strcmp(e->transfers[k].country.cc, cc) == 0;
        if (!declared)
            diag_add(d, l->file, line, 0, SEV_ERROR, "hosting-undeclared", e->id,
                     "%s deploys to %s (%s %s), which %s does not list: add <location "
                     "country=\"%s\" use=\"storage\"/> to %s, or deploy in a declared country",
                     h->what, cc, h->provider, h->region ? h->region : cc, e->id, cc, e->file);
        if (!reference_in_eea(r->ref, cc) && !transferred)
            diag_add(d, l->file, line, 0, SEV_ERROR, "transfer-missing", e->id,
                     "%s deploys to %s, outside the EEA, and %s has no transfer to %s: add "
                     "<transfer country=\"%s\" mechanism=\"...\"/> with a valid mechanism (e.g. "
                     "scc clauses=\"2021/914\" with a TIA)",
                     h->what, cc, e->id, cc, cc);
    }
    rules_apply_waivers(r, day, d, from);
}
