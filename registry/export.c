#include "export.h"
#include <string.h>
#include "date.h"

int export_status_match(const entry *e, const char *statuses)
{
    const char *name = entry_status_name(e->status), *p;
    size_t n = strlen(name);

    if (!statuses)
        return e->status == STATUS_PLANNED || e->status == STATUS_ACTIVE;
    if (strcmp(statuses, "all") == 0)
        return 1;
    for (p = strstr(statuses, name); p; p = strstr(p + 1, name))
        if ((p == statuses || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
            return 1;
    return 0;
}

int export_statuses_valid(const char *s)
{
    if (strcmp(s, "all") == 0)
        return 1;
    if (!*s)
        return 0;
    while (*s) {
        size_t l = strcspn(s, ",");
        if (!((l == 7 && !strncmp(s, "planned", 7)) || (l == 6 && !strncmp(s, "active", 6)) ||
              (l == 7 && !strncmp(s, "retired", 7))))
            return 0;
        s += l + (s[l] == ',');
    }
    return 1;
}

static int contains_ci(const char *hay, const char *needle)
{
    return hay && strcasestr(hay, needle) != NULL;
}

int export_match(const entry *e, const export_filter *f)
{
    size_t i;
    int hit;

    if (!export_status_match(e, f->statuses))
        return 0;
    if (f->country || f->use) {
        for (i = 0, hit = 0; i < e->nlocations && !hit; i++)
            hit = (!f->country || strcmp(e->locations[i].country.cc, f->country) == 0) &&
                  (!f->use || strcmp(entry_use_name(e->locations[i].use), f->use) == 0);
        if (!hit)
            return 0;
    }
    if (f->mechanism) {
        for (i = 0, hit = 0; i < e->ntransfers && !hit; i++)
            hit = strcmp(entry_mechanism_name(e->transfers[i].mechanism), f->mechanism) == 0;
        if (!hit)
            return 0;
    }
    if (f->q && !contains_ci(e->name, f->q) && !contains_ci(e->purpose, f->q))
        return 0;
    return 1;
}

cJSON *export_json(const registry *r, const export_filter *f, int internal)
{
    cJSON *root = cJSON_CreateObject(), *arr;
    size_t i;

    if (!root)
        return NULL;
    if (r->revision[0])
        cJSON_AddStringToObject(root, "revision", r->revision);
    arr = cJSON_AddArrayToObject(root, "subprocessors");
    if (!arr)
        goto fail;
    for (i = 0; i < r->n; i++) {
        cJSON *o;
        if (!export_match(r->entries[i], f))
            continue;
        o = entry_to_json(r->entries[i], internal);
        if (!o)
            goto fail;
        cJSON_AddItemToArray(arr, o);
    }
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

/* The locations of e as one line of text ("DE storage; US access") into t (replaced). */
static void locations_text(const entry *e, int internal, buf *t)
{
    size_t i;

    t->len = 0;
    buf_puts(t, "");
    for (i = 0; i < e->nlocations; i++) {
        const entry_location *l = &e->locations[i];
        buf_printf(t, "%s%s %s", i ? "; " : "", l->country.cc[0] ? l->country.cc : l->country.raw,
                   entry_use_name(l->use));
        if (internal && l->provider)
            buf_printf(t, " (%s%s%s)", l->provider, l->region ? " " : "", l->region ? l->region : "");
    }
}

/* The transfers of e as one line of text into t (replaced); internal adds their dates. */
static void transfers_text(const entry *e, int internal, buf *t)
{
    size_t i;
    char d[11];

    t->len = 0;
    buf_puts(t, "");
    for (i = 0; i < e->ntransfers; i++) {
        const entry_transfer *x = &e->transfers[i];
        buf_printf(t, "%s%s %s", i ? "; " : "", x->country.cc[0] ? x->country.cc : x->country.raw,
                   entry_mechanism_name(x->mechanism));
        if (x->clauses)
            buf_printf(t, " %s", x->clauses);
        if (x->module_text)
            buf_printf(t, " module %s", x->module_text);
        if (internal && x->tia != DATE_NONE)
            buf_printf(t, " TIA %s", date_format(x->tia, d));
    }
}

int export_csv(const registry *r, const export_filter *f, int internal, buf *out)
{
    buf t;
    size_t i;
    char d[11];

    buf_init(&t, 0);
    buf_puts(out, "id,name,entity_country,website,purpose,recipient,flows,status,announced,effective,retired,"
                  "locations,transfers");
    buf_puts(out, internal ? ",entity_address,dpa_signed,dpa_expires,internal\r\n" : "\r\n");
    for (i = 0; i < r->n; i++) {
        const entry *e = r->entries[i];
        if (!export_match(e, f))
            continue;
        buf_csv_field(out, e->id, 0);
        buf_csv_field(out, e->name, 0);
        buf_csv_field(out, e->entity_country.cc[0] ? e->entity_country.cc : e->entity_country.raw, 0);
        buf_csv_field(out, e->website, 0);
        buf_csv_field(out, e->purpose, 0);
        buf_csv_field(out, e->recipient == ROLE_CONTROLLER ? "independent controller" : "processor", 0);
        buf_csv_field(out, e->flows == (ROLE_PROCESSOR | ROLE_CONTROLLER) ? "processor controller"
                           : e->flows & ROLE_CONTROLLER                  ? "controller"
                                                                         : "processor", 0);
        buf_csv_field(out, entry_status_name(e->status), 0);
        buf_csv_field(out, date_format(e->announced, d), 0);
        buf_csv_field(out, date_format(e->effective, d), 0);
        buf_csv_field(out, date_format(e->retired, d), 0);
        locations_text(e, internal, &t);
        buf_csv_field(out, buf_str(&t), 0);
        transfers_text(e, internal, &t);
        buf_csv_field(out, buf_str(&t), !internal);
        if (internal) {
            buf_csv_field(out, e->entity_address, 0);
            buf_csv_field(out, e->has_dpa ? date_format(e->dpa_signed, d) : "", 0);
            buf_csv_field(out, e->has_dpa ? date_format(e->dpa_expires, d) : "", 0);
            buf_csv_field(out, e->internal, 1);
        }
    }
    buf_free(&t);
    return out->failed ? -1 : 0;
}

int export_md(const registry *r, const export_filter *f, int internal, buf *out)
{
    buf t;
    size_t i;
    char d[11];

    buf_init(&t, 0);
    buf_puts(out, "| Recipient | Role | Purpose | Entity | Locations | Transfers | Status | Since |\n"
                  "|---|---|---|---|---|---|---|---|\n");
    for (i = 0; i < r->n; i++) {
        const entry *e = r->entries[i];
        if (!export_match(e, f))
            continue;
        buf_puts(out, "|");
        buf_md_cell(out, e->name);
        buf_md_cell(out, e->recipient == ROLE_CONTROLLER ? "independent controller" : "sub-processor");
        buf_md_cell(out, e->purpose);
        buf_md_cell(out, e->entity_country.cc[0] ? e->entity_country.cc : e->entity_country.raw);
        locations_text(e, internal, &t);
        buf_md_cell(out, buf_str(&t));
        transfers_text(e, internal, &t);
        buf_md_cell(out, t.len ? buf_str(&t) : "none (EEA only)");
        buf_md_cell(out, entry_status_name(e->status));
        buf_md_cell(out, date_format(e->effective, d));
        buf_puts(out, "\n");
    }
    buf_free(&t);
    return out->failed ? -1 : 0;
}
