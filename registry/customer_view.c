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

/* How the view is written: Markdown or HTML. Every text goes through text (inert in that
 * language); the rest is markup. */
typedef struct style {
    void (*text)(buf *b, const char *s);
    const char *h2, *h2_end;              /* a section's heading */
    const char *ul, *ul_end, *li, *li_end; /* a list */
    const char *none;                     /* an empty section */
    void (*head)(buf *b, const char *const *cells, size_t n); /* a table's head row */
    const char *tr, *tr_end, *table_end;  /* a table's rows */
    void (*cell)(buf *b, const char *s);
} style;

/* Markdown: s as inert text. */
static void md_text(buf *b, const char *s)
{
    buf_md_text(b, s);
}

/* Markdown: s as one table cell (" s |"). */
static void md_cell(buf *b, const char *s)
{
    buf_md_cell(b, s);
}

/* Markdown: a table's head row and its rule. */
static void md_head(buf *b, const char *const *cells, size_t n)
{
    size_t i;

    buf_puts(b, "|");
    for (i = 0; i < n; i++)
        buf_printf(b, " %s |", cells[i]);
    buf_puts(b, "\n|");
    for (i = 0; i < n; i++)
        buf_puts(b, "---|");
    buf_puts(b, "\n");
}

/* HTML: s escaped. */
static void html_text(buf *b, const char *s)
{
    buf_xml_escape(b, s ? s : "");
}

/* HTML: s as one escaped <td>. */
static void html_cell(buf *b, const char *s)
{
    buf_puts(b, "<td>");
    buf_xml_escape(b, s ? s : "");
    buf_puts(b, "</td>");
}

/* HTML: a table's opening and its head row of <th> cells. */
static void html_head(buf *b, const char *const *cells, size_t n)
{
    size_t i;

    buf_puts(b, "<table>\n<thead><tr>");
    for (i = 0; i < n; i++)
        buf_printf(b, "<th scope=\"col\">%s</th>", cells[i]);
    buf_puts(b, "</tr></thead>\n<tbody>\n");
}

static const style md_style = {md_text, "\n## ", "\n\n", "", "", "- ", "\n", "None.\n", md_head, "|", "\n", "", md_cell};
static const style html_style = {html_text, "<h2>", "</h2>\n", "<ul>\n", "</ul>\n", "<li>", "</li>\n", "<p>None.</p>\n",
                                 html_head, "<tr>", "</tr>\n", "</tbody></table>\n", html_cell};

/* The view after its first line, in style st: terms, sub-processors, upcoming changes,
 * objections. */
static void render(const registry *r, const customer *c, int day, const style *st, buf *out)
{
    static const char *const vendors[] = {"Name", "Purpose", "Where", "Safeguards", "Status"};
    static const char *const changes[] = {"Sub-processor", "Change", "Announced", "Takes effect", "Object until"};
    customer_change ch[200];
    size_t i, n;
    char d1[11], d2[11], d3[11], line[200];
    buf t;

    buf_init(&t, 0);
    buf_printf(out, "%sTerms%s%s", st->h2, st->h2_end, st->ul);
    snprintf(line, sizeof(line), "Notice of a new or replaced sub-processor: %d days",
             c->notice_days ? c->notice_days : r->settings.notice_days);
    buf_printf(out, "%s%s%s", st->li, line, st->li_end);
    snprintf(line, sizeof(line), "Objection window: %d days",
             c->objection_days ? c->objection_days : c->notice_days ? c->notice_days : r->settings.notice_days);
    buf_printf(out, "%s%s%s", st->li, line, st->li_end);
    if (c->emergency_days >= 0)
        snprintf(line, sizeof(line), "Emergency replacement allowed, with %d days\xe2\x80\x99 notice", c->emergency_days);
    else
        snprintf(line, sizeof(line), "No emergency replacement");
    buf_printf(out, "%s%s%s", st->li, line, st->li_end);
    for (i = 0; i < c->nexcluded; i++) {
        buf_printf(out, "%sExcluded country: %s", st->li, c->excluded[i].country.cc[0] ? c->excluded[i].country.cc : "?");
        if (c->excluded[i].clause) {
            buf_puts(out, " (");
            st->text(out, c->excluded[i].clause);
            buf_puts(out, ")");
        }
        buf_puts(out, st->li_end);
    }
    if (c->has_mechanisms) {
        buf_printf(out, "%sTransfer mechanisms accepted:", st->li);
        for (i = 0; i < MECH_UNKNOWN; i++)
            if (c->mechanisms & (1u << i))
                buf_printf(out, " %s", entry_mechanism_name((entry_mechanism)i));
        buf_puts(out, st->li_end);
    }
    buf_printf(out, "%s%sSub-processors%s", st->ul_end, st->h2, st->h2_end);
    st->head(out, vendors, 5);
    for (i = 0; i < r->n; i++) {
        const entry *e = r->entries[i];
        if (!listed(e, c))
            continue;
        buf_puts(out, st->tr);
        st->cell(out, e->name ? e->name : e->id);
        st->cell(out, e->purpose);
        t.len = 0;
        places(e, &t);
        st->cell(out, buf_str(&t));
        t.len = 0;
        safeguards(r, e, day, &t);
        st->cell(out, buf_str(&t));
        st->cell(out, entry_status_name(e->status));
        buf_puts(out, st->tr_end);
    }
    buf_printf(out, "%s%sUpcoming changes%s", st->table_end, st->h2, st->h2_end);
    n = customer_changes(r, c, day, ch, sizeof(ch) / sizeof(ch[0]));
    if (!n)
        buf_puts(out, st->none);
    else
        st->head(out, changes, 5);
    for (i = 0; i < n && i < sizeof(ch) / sizeof(ch[0]); i++) {
        buf_puts(out, st->tr);
        st->cell(out, ch[i].e->name ? ch[i].e->name : ch[i].e->id);
        st->cell(out, ch[i].what);
        st->cell(out, date_format(ch[i].announced, d1));
        st->cell(out, date_format(ch[i].effective, d2));
        st->cell(out, date_format(ch[i].object_until, d3));
        buf_puts(out, st->tr_end);
    }
    if (n)
        buf_puts(out, st->table_end);
    buf_printf(out, "%sObjections%s", st->h2, st->h2_end);
    buf_puts(out, c->nobjections ? st->ul : st->none);
    for (i = 0; i < c->nobjections; i++) {
        const customer_objection *o = &c->objections[i];
        buf_printf(out, "%s%s: to ", st->li, date_format(o->made, d1));
        st->text(out, o->entry ? o->entry : "?");
        buf_printf(out, " (the change of %s): %s", date_format(o->change, d2), customer_objection_status_name(o->status));
        if (o->resolved != DATE_NONE)
            buf_printf(out, " on %s", date_format(o->resolved, d3));
        buf_puts(out, st->li_end);
    }
    if (c->nobjections)
        buf_puts(out, st->ul_end);
    buf_free(&t);
}

/* Whose list for whom ("CallNex BV for Acme SA"), then (with dated = 1) as of when and under
 * which DPA. */
static void intro(const registry *r, const customer *c, int day, const style *st, int dated, buf *out)
{
    char d[11];

    if (!dated) {
        st->text(out, r->settings.owner ? r->settings.owner : "the processor");
        buf_puts(out, " for ");
        st->text(out, c->name ? c->name : c->id);
        return;
    }
    buf_printf(out, "As of %s", date_format(day, d));
    if (r->revision[0])
        buf_printf(out, " (registry revision %.12s)", r->revision);
    buf_puts(out, ", under DPA ");
    st->text(out, c->dpa_reference ? c->dpa_reference : "?");
    buf_printf(out, " signed %s.", date_format(c->dpa_signed, d));
}

int customer_view_md(const registry *r, const customer *c, int day, buf *out)
{
    buf_puts(out, "# Sub-processors of ");
    intro(r, c, day, &md_style, 0, out);
    buf_puts(out, "\n\n");
    intro(r, c, day, &md_style, 1, out);
    buf_puts(out, "\n");
    render(r, c, day, &md_style, out);
    return out->failed ? -1 : 0;
}

int customer_view_html(const registry *r, const customer *c, int day, buf *out)
{
    buf_puts(out, "<p>The sub-processors of ");
    intro(r, c, day, &html_style, 0, out);
    buf_puts(out, ". ");
    intro(r, c, day, &html_style, 1, out);
    buf_puts(out, "</p>\n");
    render(r, c, day, &html_style, out);
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
