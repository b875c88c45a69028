/* customer_view: what one customer's DPO needs from the registry (see customer_view.h). */
#include "customer_view.h"
#include <stdio.h>
#include <string.h>
#include "date.h"
#include "json.h"

/* 1 when e is in the customer's list as of day: planned or active, and processes its data. */
static int listed(const entry *e, const customer *c)
{
    return (e->status == STATUS_PLANNED || e->status == STATUS_ACTIVE) && customer_served_by(e, c->id);
}

int customer_object_until(const registry *r, const customer *c, int announced, int effective,
                          int day)
{
    int from = announced != DATE_NONE ? announced : day;
    int window = c->objection_days ? c->objection_days
                 : c->notice_days  ? c->notice_days
                                   : r->settings.notice_days;
    int until = from + window;

    if (effective != DATE_NONE && until >= effective)
        until = effective - 1;
    return until;
}

size_t customer_changes(const registry *r, const customer *c, int day, customer_change *out,
                        size_t max)
{
    size_t i, k, n = 0;

    for (i = 0; i < r->n; i++) {
        const entry *e = r->entries[i];
        entry_upcoming up[32];
        size_t m;
        if (!listed(e, c))
            continue;
        if (e->status == STATUS_PLANNED && (e->effective == DATE_NONE || e->effective > day)) {
            if (n < max) {
                customer_change *x = &out[n];
                x->e = e;
                snprintf(x->what, sizeof(x->what), "new sub-processor");
                x->announced = e->announced;
                x->effective = e->effective;
                x->object_until = customer_object_until(r, c, e->announced, e->effective, day);
            }
            n++;
            continue; /* its additions are part of it */
        }
        m = entry_upcoming_changes(e, day, up, sizeof(up) / sizeof(up[0]));
        for (k = 0; k < m && k < sizeof(up) / sizeof(up[0]); k++) {
            if (n < max) {
                customer_change *x = &out[n];
                x->e = e;
                memcpy(x->what, up[k].what, sizeof(up[k].what)); /* 160 terminated bytes into 200 */
                x->announced = up[k].announced;
                x->effective = up[k].effective;
                x->object_until = customer_object_until(r, c, up[k].announced, up[k].effective, day);
            }
            n++;
        }
    }
    return n;
}

#define MAX_CHANGES 500

cJSON *customer_view_json(const registry *r, const customer *c, int day)
{
    static customer_change none;
    cJSON *root = cJSON_CreateObject(), *a, *x;
    customer_change *ch = NULL;
    size_t i, n;
    char d[11];

    if (!root)
        return NULL;
    cJSON_AddItemToObject(root, "customer", customer_to_json(c, r->settings.notice_days));
    cJSON_AddStringToObject(root, "as_of", date_format(day, d));
    if (r->revision[0])
        cJSON_AddStringToObject(root, "revision", r->revision);
    a = cJSON_AddArrayToObject(root, "subprocessors");
    for (i = 0; a && i < r->n; i++)
        if (listed(r->entries[i], c))
            cJSON_AddItemToArray(a, entry_to_json(r->entries[i], VIEW_CUSTOMER));
    a = cJSON_AddArrayToObject(root, "upcoming");
    n = customer_changes(r, c, day, &none, 0);
    if (n > MAX_CHANGES)
        n = MAX_CHANGES;
    if (n && !(ch = calloc(n, sizeof(*ch))))
        goto fail;
    customer_changes(r, c, day, ch, n);
    for (i = 0; a && i < n; i++) {
        x = cJSON_CreateObject();
        json_add_str(x, "id", ch[i].e->id);
        json_add_str(x, "name", ch[i].e->name);
        cJSON_AddStringToObject(x, "change", ch[i].what);
        json_add_date(x, "announced", ch[i].announced, 1);
        json_add_date(x, "effective", ch[i].effective, 1);
        json_add_date(x, "object_until", ch[i].object_until, 1);
        cJSON_AddItemToArray(a, x);
    }
    free(ch);
    if (!cJSON_GetObjectItemCaseSensitive(root, "customer") || !a)
        goto fail;
    return root;
fail:
    cJSON_Delete(root);
    return NULL;
}

/* The countries of e's locations with their uses ("DE (storage), US (access)") into b. */
static void places(const entry *e, buf *b)
{
    size_t i;

    for (i = 0; i < e->nlocations; i++)
        buf_printf(b, "%s%s (%s)", i ? ", " : "", e->locations[i].country.cc[0] ? e->locations[i].country.cc
                                                                                : e->locations[i].country.raw,
                   entry_use_name(e->locations[i].use));
}

/* The safeguards of e's transfers ("US: scc 2021/914 module 3") into b, or "none needed". */
static void safeguards(const registry *r, const entry *e, int day, buf *b)
{
    size_t i, k = 0;

    for (i = 0; i < e->ntransfers; i++) {
        const entry_transfer *t = &e->transfers[i];
        if (t->country.cc[0] && reference_in_eea_on(r->ref, t->country.cc, day))
            continue;
        buf_printf(b, "%s%s: %s", k++ ? "; " : "", t->country.cc[0] ? t->country.cc : t->country.raw,
                   entry_mechanism_name(t->mechanism));
        if (t->clauses)
            buf_printf(b, " %s", t->clauses);
        if (t->module_text)
            buf_printf(b, " module %s", t->module_text);
    }
    if (!k)
        buf_puts(b, "none needed (inside the EEA)");
}

int customer_view_md(const registry *r, const customer *c, int day, buf *out)
{
    customer_change ch[200];
    size_t i, n;
    char d1[11], d2[11], d3[11];
    buf t;

    buf_init(&t, 0);
    buf_puts(out, "# Sub-processors of ");
    buf_md_text(out, r->settings.owner ? r->settings.owner : "the processor");
    buf_puts(out, " for ");
    buf_md_text(out, c->name ? c->name : c->id);
    buf_printf(out, "\n\nAs of %s", date_format(day, d1));
    if (r->revision[0])
        buf_printf(out, " (registry revision %.12s)", r->revision);
    buf_puts(out, ". DPA ");
    buf_md_text(out, c->dpa_reference ? c->dpa_reference : "?");
    buf_printf(out, ", signed %s.\n\n## Terms\n\n", date_format(c->dpa_signed, d1));
    buf_printf(out, "- Notice of a new or replaced sub-processor: %d days\n",
               c->notice_days ? c->notice_days : r->settings.notice_days);
    buf_printf(out, "- Objection window: %d days\n",
               c->objection_days ? c->objection_days : c->notice_days ? c->notice_days : r->settings.notice_days);
    if (c->emergency_days >= 0)
        buf_printf(out, "- Emergency replacement allowed, with %d days' notice\n", c->emergency_days);
    else
        buf_puts(out, "- No emergency replacement\n");
    for (i = 0; i < c->nexcluded; i++) {
        buf_printf(out, "- Excluded country: %s", c->excluded[i].country.cc[0] ? c->excluded[i].country.cc
                                                                               : c->excluded[i].country.raw);
        if (c->excluded[i].clause) {
            buf_puts(out, " (");
            buf_md_text(out, c->excluded[i].clause);
            buf_puts(out, ")");
        }
        buf_puts(out, "\n");
    }
    if (c->has_mechanisms) {
        buf_puts(out, "- Transfer mechanisms accepted:");
        for (i = 0; i < MECH_UNKNOWN; i++)
            if (c->mechanisms & (1u << i))
                buf_printf(out, " %s", entry_mechanism_name((entry_mechanism)i));
        buf_puts(out, "\n");
    }
    buf_puts(out, "\n## Sub-processors\n\n| Name | Purpose | Where | Safeguards | Status |\n|---|---|---|---|---|\n");
    for (i = 0; i < r->n; i++) {
        const entry *e = r->entries[i];
        if (!listed(e, c))
            continue;
        buf_puts(out, "|");
        buf_md_cell(out, e->name ? e->name : e->id);
        buf_md_cell(out, e->purpose ? e->purpose : "");
        t.len = 0;
        places(e, &t);
        buf_md_cell(out, buf_str(&t));
        t.len = 0;
        safeguards(r, e, day, &t);
        buf_md_cell(out, buf_str(&t));
        buf_printf(out, " %s |\n", entry_status_name(e->status));
    }
    n = customer_changes(r, c, day, ch, sizeof(ch) / sizeof(ch[0]));
    buf_puts(out, "\n## Upcoming changes\n\n");
    if (!n)
        buf_puts(out, "None.\n");
    else
        buf_puts(out, "| Sub-processor | Change | Announced | Takes effect | Object until |\n|---|---|---|---|---|\n");
    for (i = 0; i < n && i < sizeof(ch) / sizeof(ch[0]); i++) {
        buf_puts(out, "|");
        buf_md_cell(out, ch[i].e->name ? ch[i].e->name : ch[i].e->id);
        buf_md_cell(out, ch[i].what);
        buf_printf(out, " %s | %s | %s |\n", date_format(ch[i].announced, d1), date_format(ch[i].effective, d2),
                   date_format(ch[i].object_until, d3));
    }
    buf_puts(out, "\n## Objections\n\n");
    if (!c->nobjections)
        buf_puts(out, "None.\n");
    for (i = 0; i < c->nobjections; i++) {
        const customer_objection *o = &c->objections[i];
        buf_printf(out, "- %s: to ", date_format(o->made, d1));
        buf_md_text(out, o->entry ? o->entry : "?");
        buf_printf(out, " (change of %s), %s", date_format(o->change, d2), customer_objection_status_name(o->status));
        if (o->resolved != DATE_NONE)
            buf_printf(out, " on %s", date_format(o->resolved, d3));
        buf_puts(out, "\n");
    }
    buf_free(&t);
    return out->failed ? -1 : 0;
}

int customer_view_csv(const registry *r, const customer *c, int day, buf *out)
{
    size_t i, k;
    char d1[11];
    buf t;

    buf_init(&t, 0);
    buf_puts(out, "id,name,purpose,status,effective,country,use,safeguards\r\n");
    for (i = 0; i < r->n; i++) {
        const entry *e = r->entries[i];
        if (!listed(e, c))
            continue;
        t.len = 0;
        safeguards(r, e, day, &t);
        for (k = 0; k < e->nlocations; k++) {
            buf_csv_field(out, e->id, 0);
            buf_csv_field(out, e->name, 0);
            buf_csv_field(out, e->purpose, 0);
            buf_csv_field(out, entry_status_name(e->status), 0);
            buf_csv_field(out, date_format(e->locations[k].effective != DATE_NONE ? e->locations[k].effective
                                                                                   : e->effective, d1), 0);
            buf_csv_field(out, e->locations[k].country.cc[0] ? e->locations[k].country.cc : e->locations[k].country.raw, 0);
            buf_csv_field(out, entry_use_name(e->locations[k].use), 0);
            buf_csv_field(out, buf_str(&t), 1);
        }
    }
    buf_free(&t);
    return out->failed ? -1 : 0;
}

/* "<th>" cells of a table's head row. */
static void head_row(buf *out, const char *const *cells, size_t n)
{
    size_t i;

    buf_puts(out, "<table>\n<thead><tr>");
    for (i = 0; i < n; i++)
        buf_printf(out, "<th scope=\"col\">%s</th>", cells[i]);
    buf_puts(out, "</tr></thead>\n<tbody>\n");
}

/* One escaped "<td>" cell. */
static void cell(buf *out, const char *s)
{
    buf_puts(out, "<td>");
    buf_xml_escape(out, s ? s : "");
    buf_puts(out, "</td>");
}

int customer_view_html(const registry *r, const customer *c, int day, buf *out)
{
    static const char *const vendors[] = {"Name", "Purpose", "Where", "Safeguards", "Status"};
    static const char *const changes[] = {"Sub-processor", "Change", "Announced", "Takes effect", "Object until"};
    customer_change ch[200];
    size_t i, n;
    char d1[11], d2[11], d3[11];
    buf t;

    buf_init(&t, 0);
    buf_puts(out, "<p>The sub-processors of ");
    buf_xml_escape(out, r->settings.owner ? r->settings.owner : "the processor");
    buf_puts(out, " as they apply to ");
    buf_xml_escape(out, c->name ? c->name : c->id);
    buf_printf(out, " on %s, under DPA ", date_format(day, d1));
    buf_xml_escape(out, c->dpa_reference ? c->dpa_reference : "?");
    buf_printf(out, " signed %s.</p>\n<h2>Terms</h2>\n<ul>\n", date_format(c->dpa_signed, d1));
    buf_printf(out, "<li>Notice of a new or replaced sub-processor: %d days</li>\n",
               c->notice_days ? c->notice_days : r->settings.notice_days);
    buf_printf(out, "<li>Objection window: %d days</li>\n",
               c->objection_days ? c->objection_days : c->notice_days ? c->notice_days : r->settings.notice_days);
    if (c->emergency_days >= 0)
        buf_printf(out, "<li>Emergency replacement allowed, with %d days&#x2019; notice</li>\n", c->emergency_days);
    else
        buf_puts(out, "<li>No emergency replacement</li>\n");
    for (i = 0; i < c->nexcluded; i++) {
        buf_printf(out, "<li>Excluded country: %s", c->excluded[i].country.cc[0] ? c->excluded[i].country.cc : "?");
        if (c->excluded[i].clause) {
            buf_puts(out, " (");
            buf_xml_escape(out, c->excluded[i].clause);
            buf_puts(out, ")");
        }
        buf_puts(out, "</li>\n");
    }
    if (c->has_mechanisms) {
        buf_puts(out, "<li>Transfer mechanisms accepted:");
        for (i = 0; i < MECH_UNKNOWN; i++)
            if (c->mechanisms & (1u << i))
                buf_printf(out, " %s", entry_mechanism_name((entry_mechanism)i));
        buf_puts(out, "</li>\n");
    }
    buf_puts(out, "</ul>\n<h2>Sub-processors</h2>\n");
    head_row(out, vendors, 5);
    for (i = 0; i < r->n; i++) {
        const entry *e = r->entries[i];
        if (!listed(e, c))
            continue;
        buf_puts(out, "<tr>");
        cell(out, e->name ? e->name : e->id);
        cell(out, e->purpose);
        t.len = 0;
        places(e, &t);
        cell(out, buf_str(&t));
        t.len = 0;
        safeguards(r, e, day, &t);
        cell(out, buf_str(&t));
        cell(out, entry_status_name(e->status));
        buf_puts(out, "</tr>\n");
    }
    buf_puts(out, "</tbody></table>\n<h2>Upcoming changes</h2>\n");
    n = customer_changes(r, c, day, ch, sizeof(ch) / sizeof(ch[0]));
    if (!n) {
        buf_puts(out, "<p>None.</p>\n");
    } else {
        head_row(out, changes, 5);
        for (i = 0; i < n && i < sizeof(ch) / sizeof(ch[0]); i++) {
            buf_puts(out, "<tr>");
            cell(out, ch[i].e->name ? ch[i].e->name : ch[i].e->id);
            cell(out, ch[i].what);
            cell(out, date_format(ch[i].announced, d1));
            cell(out, date_format(ch[i].effective, d2));
            cell(out, date_format(ch[i].object_until, d3));
            buf_puts(out, "</tr>\n");
        }
        buf_puts(out, "</tbody></table>\n<p>To object, use the link in the notice's email.</p>\n");
    }
    buf_puts(out, "<h2>Objections</h2>\n");
    if (!c->nobjections)
        buf_puts(out, "<p>None.</p>\n");
    else
        buf_puts(out, "<ul>\n");
    for (i = 0; i < c->nobjections; i++) {
        const customer_objection *o = &c->objections[i];
        buf_printf(out, "<li>%s: to ", date_format(o->made, d1));
        buf_xml_escape(out, o->entry ? o->entry : "?");
        buf_printf(out, " (the change of %s): %s", date_format(o->change, d2), customer_objection_status_name(o->status));
        if (o->resolved != DATE_NONE)
            buf_printf(out, " on %s", date_format(o->resolved, d3));
        buf_puts(out, "</li>\n");
    }
    if (c->nobjections)
        buf_puts(out, "</ul>\n");
    buf_free(&t);
    return out->failed ? -1 : 0;
}
