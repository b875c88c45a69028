#include "tfplan.h"
#include "json.h"
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <cjson/cJSON.h>

/* Terraform providers that deploy nothing anywhere (they run on the machine running
 * Terraform or only compute values). */
static const char *local_providers[] = {"random", "null", "tls", "local", "time", "archive",
                                        "external", "http", "template", "terraform",
                                        "cloudinit", NULL};

#define MAX_DEPTH 64   /* modules nested deeper than this are refused as unknown */
#define REGION_MAX 128

/* snprintf for messages, where cutting a long one short is acceptable. */
static void say(char *out, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(out, n, fmt, ap);
    va_end(ap);
}

/* ---- a string -> pointer map (open addressing; keys copied) ---- */

typedef struct smap {
    char **keys;
    void **vals;
    size_t cap, n;
} smap;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int smap_grow(smap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 256, i;
    char **keys = calloc(cap, sizeof(*keys));
    void **vals = calloc(cap, sizeof(*vals));

    if (!keys || !vals) {
        free(keys);
        free(vals);
        return -1;
    }
    for (i = 0; i < m->cap; i++) {
        size_t j;
        if (!m->keys[i])
            continue;
        for (j = hash_str(m->keys[i]) & (cap - 1); keys[j]; j = (j + 1) & (cap - 1))
            ;
        keys[j] = m->keys[i];
        vals[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    return 0;
}

/* Insert key -> val unless key is there (the first one stays). 0, or -1 out of memory. */
static int smap_put(smap *m, const char *key, void *val)
{
    size_t j;

    if ((m->n + 1) * 2 > m->cap && smap_grow(m) != 0)
        return -1;
    for (j = hash_str(key) & (m->cap - 1); m->keys[j]; j = (j + 1) & (m->cap - 1))
        if (strcmp(m->keys[j], key) == 0)
            return 0;
    if (!(m->keys[j] = strdup(key)))
        return -1;
    m->vals[j] = val;
    m->n++;
    return 0;
}

static void *smap_get(const smap *m, const char *key)
{
    size_t j;

    if (!m->cap)
        return NULL;
    for (j = hash_str(key) & (m->cap - 1); m->keys[j]; j = (j + 1) & (m->cap - 1))
        if (strcmp(m->keys[j], key) == 0)
            return m->vals[j];
    return NULL;
}

static void smap_free(smap *m)
{
    size_t i;

    for (i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof(*m));
}

/* ---- reading ---- */

typedef struct ctx {
    const cJSON *provider_config; /* configuration.provider_config, or NULL */
    const cJSON *variables;       /* the plan's root input variables, or NULL */
    smap calls;                   /* module path "a.b" -> its module call (config) */
    smap resources;               /* "a.b|type.name" -> config resource */
    smap placed;                  /* "a.b|type.name" -> deploy index + 1 (first instance) */
    int oom;
} ctx;

static const cJSON *jget(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* "registry.terraform.io/hashicorp/aws" or "aws.east" (0.12) -> "aws"; google, google-beta
 * -> gcp; azurerm, azapi -> azure. */
static void provider_short(const char *name, char *out, size_t n)
{
    const char *p = name ? strrchr(name, '/') : NULL;
    size_t k;

    p = p ? p + 1 : (name ? name : "");
    k = strcspn(p, ".");
    if (strncmp(p, "google", 6) == 0 && (k == 6 || strncmp(p, "google-beta", k) == 0))
        say(out, n, "gcp");
    else if ((k == 7 && strncmp(p, "azurerm", 7) == 0) || (k == 5 && strncmp(p, "azapi", 5) == 0))
        say(out, n, "azure");
    else
        say(out, n, "%.*s", (int)k, p);
}

/* Split a resource address into its module path ("a.b" for module.a["x"].module.b[0]) and
 * its module-local address ("aws_s3_bucket.this", "data.aws_x.y"), instance keys dropped.
 * Returns 0, -1 when it is not an address or too long. */
static int split_address(const char *a, char *path, size_t pn, char *local, size_t ln)
{
    size_t pl = 0;
    int depth = 0;

    path[0] = '\0';
    while (strncmp(a, "module.", 7) == 0) {
        size_t k;
        a += 7;
        k = strcspn(a, ".[");
        if (k == 0 || pl + k + 2 > pn || ++depth > MAX_DEPTH)
            return -1;
        if (pl)
            path[pl++] = '.';
        memcpy(path + pl, a, k);
        pl += k;
        path[pl] = '\0';
        a += k;
        if (*a == '[') { /* an instance key: a number or a quoted string */
            int q = 0;
            for (a++; *a && (q || *a != ']'); a++) {
                if (q && *a == '\\' && a[1])
                    a++;
                else if (*a == '"')
                    q = !q;
            }
            if (*a != ']')
                return -1;
            a++;
        }
        if (*a != '.')
            return -1;
        a++;
    }
    say(local, ln, "%.*s", (int)strcspn(a, "["), a);
    return local[0] ? 0 : -1;
}

/* The module path of a resource address, without its last part (the resource itself). */
static void parent_path(const char *path, char *out, size_t n)
{
    const char *dot = strrchr(path, '.');

    say(out, n, "%.*s", dot ? (int)(dot - path) : 0, path);
}

/* Index configuration modules (calls by path) and resources ("path|address"). */
static void index_module(ctx *c, const cJSON *module, const char *path, int depth)
{
    const cJSON *r, *call;
    char key[2048];

    if (!module || depth > MAX_DEPTH)
        return;
    cJSON_ArrayForEach(r, jget(module, "resources"))
    {
        const char *a = json_text(r, "address");
        if (!a)
            continue;
        say(key, sizeof(key), "%s|%s", path, a);
        if (smap_put(&c->resources, key, (void *)r) != 0)
            c->oom = 1;
    }
    cJSON_ArrayForEach(call, jget(module, "module_calls"))
    {
        char sub[1024];
        if (!call->string)
            continue;
        say(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", call->string);
        if (smap_put(&c->calls, sub, (void *)call) != 0)
            c->oom = 1;
        index_module(c, jget(call, "module"), sub, depth + 1);
    }
}

/* "module.a.module.b" for the module path "a.b". */
static void module_addr(const char *path, char *out, size_t n)
{
    size_t k = 0;

    out[0] = '\0';
    while (*path && k + 8 < n) {
        size_t seg = strcspn(path, ".");
        k += (size_t)snprintf(out + k, n - k, "%smodule.%.*s", k ? "." : "", (int)seg, path);
        path += seg;
        if (*path == '.')
            path++;
    }
}

/* Resolve a configuration expression in module path to a string: a constant, or a
 * reference to one input variable (the plan's variables at the root, the module call's
 * argument below it). Returns 1 with out and how set, 0 when unknown (why says so). */
static int resolve_expr(const ctx *c, const cJSON *expr, const char *path, char *out, size_t n,
                        char *how, size_t hn, char *why, size_t wn, int depth)
{
    const cJSON *cv = jget(expr, "constant_value"), *refs = jget(expr, "references"), *ref;
    const char *var = NULL;

    if (cJSON_IsString(cv) && cv->valuestring[0]) {
        say(out, n, "%s", cv->valuestring);
        say(how, hn, "constant");
        return 1;
    }
    cJSON_ArrayForEach(ref, refs)
    {
        if (!cJSON_IsString(ref))
            continue;
        if (strncmp(ref->valuestring, "var.", 4) == 0) {
            if (!var)
                var = ref->valuestring + 4;
            continue;
        }
        /* var.x listed with its parts (var.x["k"]) is still var.x; anything else is not */
        if (!var || strncmp(ref->valuestring, "var.", 4) != 0) {
            say(why, wn, "it is computed from %s; subreg resolves constants and input "
                              "variables only", ref->valuestring);
            return 0;
        }
    }
    if (!var) {
        say(why, wn, "%s", cJSON_IsNull(cv) || !expr ? "it is not set" : "it is not a constant");
        return 0;
    }
    {
        char name[256];
        say(name, sizeof(name), "%.*s", (int)strcspn(var, ".["), var);
        if (depth > MAX_DEPTH) {
            say(why, wn, "variables nest too deeply");
            return 0;
        }
        if (!path[0]) {
            const cJSON *v = jget(jget(c->variables, name), "value");
            if (cJSON_IsString(v) && v->valuestring[0]) {
                say(out, n, "%s", v->valuestring);
                say(how, hn, "variable %s", name);
                return 1;
            }
            say(why, wn, "variable %s has no string value in the plan's variables", name);
            return 0;
        } else {
            const cJSON *call = smap_get(&c->calls, path);
            const cJSON *arg = jget(jget(call, "expressions"), name);
            char parent[1024], how2[512], maddr[1024];
            module_addr(path, maddr, sizeof(maddr));
            if (!arg) {
                say(why, wn, "input %s of %s is not set by its caller (its default is not in "
                             "the plan)", name, maddr);
                return 0;
            }
            parent_path(path, parent, sizeof(parent));
            if (!resolve_expr(c, arg, parent, out, n, how2, sizeof(how2), why, wn, depth + 1))
                return 0;
            say(how, hn, "input %s of %s (%s)", name, maddr, how2);
            return 1;
        }
    }
}

/* The provider_config key for (module path, local provider name "aws" or "aws.east"). */
static void config_key(const char *path, const char *local, char *out, size_t n)
{
    size_t k;

    module_addr(path, out, n);
    k = strlen(out);
    snprintf(out + k, n - k, "%s%s", k ? ":" : "", local);
}

/* The region a provider configuration gives resources of module path using local provider
 * name local. Returns 1 with region and how; 0 with why. */
static int provider_region(const ctx *c, const char *path, const char *local, char *region,
                           char *how, size_t hn, char *why, size_t wn, int depth)
{
    char key[1024], sub[512], parent[1024];
    const cJSON *pc, *ex, *e;

    config_key(path, local, key, sizeof(key));
    pc = jget(c->provider_config, key);
    ex = jget(pc, "expressions");
    if (pc && (ex || json_text(pc, "alias") || !path[0])) {
        /* a provider block: its region (google: or its zone) */
        if ((e = jget(ex, "region")) || (e = jget(ex, "zone"))) {
            if (resolve_expr(c, e, path, region, REGION_MAX, sub, sizeof(sub), why, wn, 0)) {
                say(how, hn, "provider block %s (%s)", key, sub);
                return 1;
            }
            {
                char w2[512];
                say(w2, sizeof(w2), "%s", why);
                say(why, wn, "the region of provider block %s is unknown: %s", key, w2);
            }
            return 0;
        }
        say(why, wn,
                 "provider block %s sets no region: Terraform then takes it from the environment "
                 "(AWS_REGION, a profile, GOOGLE_REGION) at apply time, which the plan does not "
                 "record; set region in the provider block or on the resource", key);
        return 0;
    }
    if (!path[0]) {
        say(why, wn,
                 "no provider block configures %s (the plan has none for it): its region comes "
                 "from the environment at apply time; add provider \"%.*s\" { region = ... }",
                 local, (int)strcspn(local, "."), local);
        return 0;
    }
    module_addr(path, key, sizeof(key));
    if (strchr(local, '.')) {
        say(why, wn,
                 "%s uses provider %s passed in by its caller, and this plan does not "
                 "record which configuration (Terraform 1.1 and later do): plan with a newer "
                 "Terraform, or set the region on the resource", key, local);
        return 0;
    }
    if (depth > MAX_DEPTH) {
        say(why, wn, "modules nest too deeply");
        return 0;
    }
    /* a module without its own block inherits the default provider of its caller */
    parent_path(path, parent, sizeof(parent));
    if (!provider_region(c, parent, local, region, sub, sizeof(sub), why, wn, depth + 1))
        return 0;
    say(how, hn, "%s, inherited by %s", sub, key);
    return 1;
}

/* The region of a resource from its provider: its provider_config_key (module-local
 * "child:aws" in plans before Terraform 1.1), else the default configuration of its
 * provider's local name. */
static int resource_provider_region(const ctx *c, const cJSON *conf, const char *path,
                                    const char *prov_local, char *region, char *how, size_t hn,
                                    char *why, size_t wn)
{
    const char *key = json_text(conf, "provider_config_key");
    char kpath[1024], local[256];

    if (!c->provider_config) {
        say(why, wn, "the file has no provider configuration (a state, or a plan without "
                          "its configuration): only the resource's own attributes can place it");
        return 0;
    }
    if (key) {
        const char *colon = strrchr(key, ':');
        say(local, sizeof(local), "%s", colon ? colon + 1 : key);
        if (colon && strncmp(key, "module.", 7) == 0) {
            /* "module.a.module.b:aws": the module path is explicit */
            char tmp[1024], dummy[256];
            say(tmp, sizeof(tmp), "%.*s.x", (int)(colon - key), key);
            if (split_address(tmp, kpath, sizeof(kpath), dummy, sizeof(dummy)) != 0)
                say(kpath, sizeof(kpath), "%s", path);
        } else if (colon) {
            say(kpath, sizeof(kpath), "%s", path); /* module-local (old plans) */
        } else {
            kpath[0] = '\0'; /* a root configuration (resolved by Terraform 1.1+) */
            if (path[0] && !jget(c->provider_config, key))
                say(kpath, sizeof(kpath), "%s", path);
        }
    } else {
        say(local, sizeof(local), "%s", prov_local);
        say(kpath, sizeof(kpath), "%s", path);
    }
    return provider_region(c, kpath, local, region, how, hn, why, wn, 0);
}

/* ---- line numbers: the line of each "address" key's value after from ---- */

typedef struct scan {
    const char *start, *p, *end;
    int line;
    int col;   /* of the last match: its "address" key, 1-based */
} scan;

/* Decode the JSON string at s (after its opening quote) into out; returns the position after
 * the closing quote, or NULL when it does not fit or is malformed. */
static const char *decode_string(const char *s, const char *end, char *out, size_t n)
{
    size_t k = 0;

    while (s < end && *s != '"') {
        unsigned c = (unsigned char)*s++;
        if (c == '\\' && s < end) {
            char e = *s++;
            c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b'
                : e == 'f' ? '\f' : (unsigned char)e;
            if (e == 'u') {
                unsigned v = 0;
                int i;
                for (i = 0; i < 4 && s < end; i++, s++)
                    v = v * 16 + (unsigned)(isdigit((unsigned char)*s) ? *s - '0'
                                                                      : (tolower((unsigned char)*s) - 'a' + 10));
                if (v < 0x80) {
                    c = v;
                } else { /* rare in addresses: keep the bytes distinct, never equal */
                    if (k + 2 >= n)
                        return NULL;
                    out[k++] = (char)(0xc0 | (v >> 6 & 0x1f));
                    c = 0x80 | (v & 0x3f);
                }
            }
        }
        if (k + 1 >= n)
            return NULL;
        out[k++] = (char)c;
    }
    out[k] = '\0';
    return s < end ? s + 1 : NULL;
}

/* Advance sc to the next "address" key whose value equals want; returns its line, or 0
 * (sc unchanged) when there is none. */
static int scan_address(scan *sc, const char *want)
{
    const char *p = sc->p;
    int line = sc->line;
    char val[1024];

    for (;;) {
        const char *hit = memmem(p, (size_t)(sc->end - p), "\"address\"", 9), *q, *after;
        if (!hit)
            return 0;
        for (q = p; q < hit; q++)
            line += *q == '\n';
        q = hit + 9;
        while (q < sc->end && isspace((unsigned char)*q))
            line += *q++ == '\n';
        if (q < sc->end && *q == ':') {
            q++;
            while (q < sc->end && isspace((unsigned char)*q))
                line += *q++ == '\n';
            if (q < sc->end && *q == '"' && (after = decode_string(q + 1, sc->end, val, sizeof(val))) &&
                strcmp(val, want) == 0) {
                const char *bol = hit;
                while (bol > sc->start && bol[-1] != '\n')
                    bol--;
                sc->col = (int)(hit - bol) + 1;
                sc->p = after;
                sc->line = line;
                return line;
            }
        }
        p = hit + 9;
        for (q = hit; q < p; q++)
            line += *q == '\n';
    }
}

/* ---- placements ---- */

/* The first of region, location, availability_zone, zone (or an AWS arn's region) that the
 * values state. An attribute known only after apply counts when the configuration sets it
 * (from a variable it can still be resolved; else it is unknown): when the configuration
 * does not set it, the provider's default applies. Returns 1 with region and how; 0, with
 * why set when the place is unknown, empty when the provider should decide. */
static int attribute_region(const ctx *c, const cJSON *vals, const cJSON *unknown,
                            const cJSON *conf, const char *path, char *region, char *how,
                            size_t hn, char *why, size_t wn)
{
    static const char *attrs[] = {"region", "location", "availability_zone", "zone", NULL};
    const cJSON *ex = jget(conf, "expressions");
    const char *v;
    int i;

    for (i = 0; attrs[i]; i++) {
        const cJSON *e;
        if ((v = json_text(vals, attrs[i]))) {
            say(region, REGION_MAX, "%s", v);
            say(how, hn, "resource attribute %s", attrs[i]);
            return 1;
        }
        if (!cJSON_IsTrue(jget(unknown, attrs[i])) || !(e = jget(ex, attrs[i])))
            continue;
        {
            char sub[512], w[512];
            if (resolve_expr(c, e, path, region, REGION_MAX, sub, sizeof(sub), w, sizeof(w), 0)) {
                say(how, hn, "resource attribute %s (%s)", attrs[i], sub);
                return 1;
            }
            say(why, wn, "its %s is known only after apply: %s", attrs[i], w);
            return 0;
        }
    }
    if ((v = json_text(vals, "arn")) && strncmp(v, "arn:", 4) == 0) {
        const char *p = v;
        for (i = 0; i < 3 && p; i++)
            p = strchr(p + 1, ':');
        if (p && p[1] && p[1] != ':') {
            say(region, REGION_MAX, "%.*s", (int)strcspn(p + 1, ":"), p + 1);
            say(how, hn, "resource arn");
            return 1;
        }
    }
    return 0;
}

/* Collect the resources a configuration resource references (type.name in the same
 * module), the resource group last: a child resource's own parent is more specific. */
static size_t parent_refs(const cJSON *node, const char **out, size_t max, size_t n, int rg)
{
    const cJSON *x;

    if (cJSON_IsArray(node) || cJSON_IsObject(node)) {
        const cJSON *refs = cJSON_IsObject(node) ? jget(node, "references") : NULL;
        cJSON_ArrayForEach(x, refs)
        {
            const char *s = cJSON_IsString(x) ? x->valuestring : NULL;
            int is_rg;
            if (!s || n == max || !strchr(s, '.') || strncmp(s, "var.", 4) == 0 ||
                strncmp(s, "local.", 6) == 0 || strncmp(s, "data.", 5) == 0 ||
                strncmp(s, "module.", 7) == 0 || strncmp(s, "each.", 5) == 0 ||
                strncmp(s, "count.", 6) == 0)
                continue;
            is_rg = strncmp(s, "azurerm_resource_group.", 23) == 0;
            if (is_rg == rg)
                out[n++] = s;
        }
        cJSON_ArrayForEach(x, node)
        {
            if (x != refs)
                n = parent_refs(x, out, max, n, rg);
        }
    }
    return n;
}

typedef struct pending {
    size_t idx;           /* deploy index */
    const cJSON *conf;    /* its configuration resource */
    char path[512];
} pending;

/* Place an Azure resource without a location by a parent it references. */
static void place_by_parent(ctx *c, hosting_list *l, const pending *pd, int depth)
{
    const char *refs[32];
    size_t n = parent_refs(jget(pd->conf, "expressions"), refs, 16, 0, 0), i;
    hosting_deploy *h = &l->v[pd->idx];

    n = parent_refs(jget(pd->conf, "expressions"), refs, 32, n, 1);
    for (i = 0; i < n && depth < 8; i++) {
        char key[1024], addr[512];
        size_t pi;
        const hosting_deploy *p;
        say(addr, sizeof(addr), "%s", refs[i]);
        /* "azurerm_network_security_group.nsg.name" -> "azurerm_network_security_group.nsg" */
        {
            char *dot = strchr(addr, '.');
            if (dot && (dot = strchr(dot + 1, '.')))
                *dot = '\0';
            addr[strcspn(addr, "[")] = '\0';
        }
        say(key, sizeof(key), "%s|%s", pd->path, addr);
        pi = (size_t)(uintptr_t)smap_get(&c->placed, key);
        if (!pi)
            continue;
        p = &l->v[pi - 1];
        if (p->region) {
            char how[1024];
            say(how, sizeof(how), "parent resource %s (%s)", addr, p->source ? p->source : "");
            if (hosting_set(&h->region, p->region) != 0 || hosting_set(&h->source, how) != 0 ||
                hosting_set(&h->reason, NULL) != 0)
                c->oom = 1;
            return;
        }
    }
}

/* 1 when a planned change only deletes or forgets the resource (nothing is deployed). */
static int deletes_only(const cJSON *change)
{
    const cJSON *a;
    int n = 0;

    cJSON_ArrayForEach(a, jget(change, "actions"))
    {
        if (!cJSON_IsString(a) || (strcmp(a->valuestring, "delete") != 0 &&
                                   strcmp(a->valuestring, "forget") != 0))
            return 0;
        n++;
    }
    return n > 0;
}

/* One resource: a resource_changes item (plan) or a values resource (state). */
static int place_one(ctx *c, hosting_list *l, scan *sc, const cJSON *rc, int is_plan,
                     pending **pend, size_t *npend)
{
    const cJSON *change = jget(rc, "change");
    const cJSON *vals = is_plan ? jget(change, "after") : jget(rc, "values");
    const cJSON *unk = is_plan ? jget(change, "after_unknown") : NULL, *conf;
    const char *addr = json_text(rc, "address"), *mode = json_text(rc, "mode"), *type = json_text(rc, "type");
    char prov[64], plocal[256], path[512], local[512], key[1100], region[REGION_MAX] = "",
                                                                  how[1024] = "", why[1024] = "";
    hosting_deploy *h;
    int line, i, is_local = 0;

    if (!addr)
        return 0;
    line = scan_address(sc, addr);
    provider_short(json_text(rc, "provider_name"), prov, sizeof(prov));
    if (!(h = hosting_add(l, prov[0] ? prov : "?", addr, line ? line : 1)))
        return -1;
    h->col = line ? sc->col : 1;
    if (hosting_set(&h->type, type) != 0)
        return -1;
    for (i = 0; local_providers[i]; i++)
        is_local |= strcmp(prov, local_providers[i]) == 0;
    if (mode && strcmp(mode, "data") == 0) {
        h->skip = 1;
        return hosting_set(&h->reason, "a data source: it reads, it deploys nothing");
    }
    if (is_local) {
        h->skip = 1;
        return hosting_set(&h->reason, "a local provider: it computes values on the machine "
                                       "running Terraform and deploys nothing");
    }
    if (is_plan && deletes_only(change)) {
        h->skip = 1;
        return hosting_set(&h->reason, "deleted by this plan");
    }
    if (split_address(addr, path, sizeof(path), local, sizeof(local)) != 0) {
        return hosting_set(&h->reason, "its address cannot be read");
    }
    say(key, sizeof(key), "%s|%s", path, local);
    if (smap_put(&c->placed, key, (void *)(uintptr_t)l->n) != 0)
        return -1;
    conf = smap_get(&c->resources, key);
    {
        const char *pn = json_text(rc, "provider_name"), *slash = pn ? strrchr(pn, '/') : NULL;
        snprintf(plocal, sizeof(plocal), "%s", slash ? slash + 1 : pn ? pn : prov);
    }
    if (attribute_region(c, vals, unk, conf, path, region, how, sizeof(how), why, sizeof(why)) ||
        (!why[0] && resource_provider_region(c, conf, path, plocal, region, how, sizeof(how), why,
                                             sizeof(why)))) {
        if (hosting_set(&h->region, region) != 0 || hosting_set(&h->source, how) != 0)
            return -1;
        return 0;
    }
    if (strcmp(prov, "azure") == 0 && conf) {
        pending *v = realloc(*pend, (*npend + 1) * sizeof(*v));
        if (!v)
            return -1;
        *pend = v;
        v[*npend].idx = l->n - 1;
        v[*npend].conf = conf;
        say(v[*npend].path, sizeof(v[*npend].path), "%s", path);
        (*npend)++;
        say(why, sizeof(why),
                 "an Azure resource without a location of its own, and no parent resource it "
                 "references in this plan has one: Azure child resources run where their parent "
                 "(server, account, security group) does; put the parent in the same plan, or "
                 "declare the place in a hosting manifest");
    }
    return hosting_set(&h->reason, why[0] ? why : "no region could be found");
}

/* The resources of a state's module (and its children, up to a depth) placed in hosting list
 * l; those whose region comes from elsewhere are left in pend. Returns 0 or -1. */
static int place_state_module(ctx *c, hosting_list *l, scan *sc, const cJSON *module, int depth,
                              pending **pend, size_t *npend)
{
    const cJSON *r, *m;

    if (depth > MAX_DEPTH)
        return 0;
    cJSON_ArrayForEach(r, jget(module, "resources"))
    {
        if (place_one(c, l, sc, r, 0, pend, npend) != 0)
            return -1;
    }
    cJSON_ArrayForEach(m, jget(module, "child_modules"))
    {
        if (place_state_module(c, l, sc, m, depth + 1, pend, npend) != 0)
            return -1;
    }
    return 0;
}

/* Where the top-level key name starts in the text (its value follows), or NULL. */
static const char *find_key(const char *data, size_t len, const char *name)
{
    char pat[64];
    size_t pn = (size_t)snprintf(pat, sizeof(pat), "\"%s\"", name);
    const char *p = data, *end = data + len, *hit;

    while ((hit = memmem(p, (size_t)(end - p), pat, pn))) {
        const char *q = hit + pn;
        while (q < end && isspace((unsigned char)*q))
            q++;
        if (q < end && *q == ':' && hit > data && hit[-1] != '\\')
            return hit;
        p = hit + pn;
    }
    return NULL;
}

int tfplan_load(const char *data, size_t len, hosting_list *l, diag_list *d, sr_err *err)
{
    cJSON *root = cJSON_ParseWithLength(data, len);
    const cJSON *rcs, *rc, *conf, *values;
    pending *pend = NULL;
    size_t npend = 0, i;
    ctx c;
    scan sc = {data, data, data + len, 1, 1};
    int ret = -1;

    memset(&c, 0, sizeof(c));
    if (!root || !cJSON_IsObject(root)) {
        const char *e = cJSON_GetErrorPtr();
        int line = 1;
        for (const char *q = data; root == NULL && e && q < e && q < data + len; q++)
            line += *q == '\n';
        diag_add(d, l->file, line, 1, SEV_ERROR, "schema", NULL,
                 "not JSON of a Terraform plan or state: produce it with `terraform show -json "
                 "plan.out > plan.json` (or `terraform show -json` for the state)");
        ret = 0;
        goto out;
    }
    rcs = jget(root, "resource_changes");
    values = jget(jget(root, "values"), "root_module");
    conf = jget(root, "configuration");
    if (!cJSON_IsArray(rcs) && !jget(root, "planned_values") && !conf &&
        !cJSON_IsObject(values) && !jget(root, "format_version")) {
        diag_add(d, l->file, 1, 1, SEV_ERROR, "schema", NULL,
                 "neither a Terraform plan nor a state: give the output of `terraform show "
                 "-json plan.out` (a saved plan) or of `terraform show -json` (the state)");
        ret = 0;
        goto out;
    }
    c.provider_config = jget(conf, "provider_config");
    c.variables = jget(root, "variables");
    index_module(&c, jget(conf, "root_module"), "", 0);
    if (c.oom)
        goto oom;
    if (cJSON_IsArray(rcs) || !cJSON_IsObject(values)) {
        /* a plan; one without resource_changes (Terraform 1.10+ when nothing changes) or
         * with an empty list deploys nothing */
        const char *from = find_key(data, len, "resource_changes");
        l->format = "plan";
        if (from)
            for (const char *q = data; q < from; q++)
                sc.line += *q == '\n';
        sc.p = from ? from : data;
        cJSON_ArrayForEach(rc, rcs)
        {
            if (place_one(&c, l, &sc, rc, 1, &pend, &npend) != 0)
                goto oom;
        }
    } else {
        l->format = "state";
        if (place_state_module(&c, l, &sc, values, 0, &pend, &npend) != 0)
            goto oom;
    }
    for (i = 0; i < npend; i++)
        place_by_parent(&c, l, &pend[i], 0);
    /* a second round places children of children placed in the first */
    for (i = 0; i < npend; i++)
        if (!l->v[pend[i].idx].region)
            place_by_parent(&c, l, &pend[i], 1);
    if (c.oom)
        goto oom;
    ret = 0;
    goto out;
oom:
    sr_err_set(err, "out of memory reading %s", l->file);
out:
    free(pend);
    smap_free(&c.calls);
    smap_free(&c.resources);
    smap_free(&c.placed);
    cJSON_Delete(root);
    return ret;
}
