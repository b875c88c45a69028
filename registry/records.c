#include "records.h"
#include <string.h>
#include "date.h"
#include "entry.h"
#include "reference.h"

/* In force on day: live (planned from its effective day, active, retired up to its last
 * day) and with the flow the record is about; an independent controller is in the
 * controller's record only (it is a recipient, never a processor acting for customers). */
static int in_record(const entry *e, int day, records_kind kind)
{
    if (e->status == STATUS_PLANNED && (e->effective == DATE_NONE || e->effective > day))
        return 0;
    if (e->status == STATUS_RETIRED && (e->retired == DATE_NONE || e->retired < day))
        return 0;
    if (e->effective != DATE_NONE && e->effective > day)
        return 0;
    if (kind == RECORDS_PROCESSOR)
        return (e->flows & ROLE_PROCESSOR) && e->recipient != ROLE_CONTROLLER;
    return (e->flows & ROLE_CONTROLLER) != 0;
}

static int now(int effective, int day)
{
    return effective == DATE_NONE || effective <= day;
}

/* The categories of e in words ("Call recordings (special: biometric)"), joined by "; ". */
static void categories_text(const registry *r, const entry *e, int day, buf *t)
{
    size_t i;

    t->len = 0;
    buf_puts(t, "");
    for (i = 0; i < e->ncategories; i++) {
        const registry_category_def *c = e->categories[i] ? registry_category(r, e->categories[i]) : NULL;
        if (!e->categories[i] || !now(e->category_effective[i], day))
            continue;
        buf_printf(t, "%s%s", t->len ? "; " : "", c && c->label ? c->label : e->categories[i]);
        if (c && c->special)
            buf_printf(t, " (special: %s)", c->special);
    }
}

/* Where e's data is, in force on day: "DE storage; US access". */
static void places_text(const entry *e, int day, buf *t)
{
    size_t i;

    t->len = 0;
    buf_puts(t, "");
    for (i = 0; i < e->nlocations; i++)
        if (e->locations[i].country.cc[0] && now(e->locations[i].effective, day))
            buf_printf(t, "%s%s %s", t->len ? "; " : "", e->locations[i].country.cc,
                       entry_use_name(e->locations[i].use));
}

/* The transfers to third countries in force on day, the onward chain's included:
 * "US: scc 2021/914 (module 3); onward Amazon Web Services, Inc.: US scc 2021/914". */
static void transfers_text(const registry *r, const entry *e, int day, buf *t)
{
    const entry_facts *f = &e->facts;
    size_t i, k;

    t->len = 0;
    buf_puts(t, "");
    for (i = 0; i < e->ntransfers; i++) {
        const entry_transfer *x = &e->transfers[i];
        if (!x->country.cc[0] || reference_in_eea_on(r->ref, x->country.cc, day) || !now(x->effective, day))
            continue;
        buf_printf(t, "%s%s: %s%s%s", t->len ? "; " : "", x->country.cc, entry_mechanism_name(x->mechanism),
                   x->clauses ? " " : "", x->clauses ? x->clauses : "");
        if (x->module_text)
            buf_printf(t, " (module %s)", x->module_text);
        if (f->parent && f->parent_cc && strcmp(f->parent_cc, x->country.cc) == 0)
            buf_printf(t, " (its TIA covers the law that reaches the parent, %s%s%s)", f->parent,
                       f->fisa702 == 1 ? ": FISA 702" : "",
                       f->cloud_act == 1 ? (f->fisa702 == 1 ? ", the CLOUD Act" : ": the CLOUD Act") : "");
    }
    for (k = 0; k < e->nonward; k++)
        for (i = 0; i < e->onward[k].ntransfers; i++) {
            const entry_transfer *x = &e->onward[k].transfers[i];
            if (!x->country.cc[0] || reference_in_eea_on(r->ref, x->country.cc, day) || !now(x->effective, day))
                continue;
            buf_printf(t, "%sonward %s: %s %s%s%s", t->len ? "; " : "", e->onward[k].name ? e->onward[k].name : "?",
                       x->country.cc, entry_mechanism_name(x->mechanism), x->clauses ? " " : "",
                       x->clauses ? x->clauses : "");
        }
}

/* One "- **label:** text" line ("not recorded" when text is empty), Markdown-escaped. */
static void para(buf *out, const char *label, const char *text)
{
    buf_printf(out, "- **%s:**", label);
    buf_md_cell(out, text && *text ? text : "not recorded");
    out->len -= 2; /* the cell's closing " |" */
    out->p[out->len] = '\0';
    buf_puts(out, "\n");
}

int records_render(const registry *r, int day, records_kind kind, int csv, buf *out)
{
    const registry_settings *s = &r->settings;
    buf cats, places, transfers, owner;
    char d[11];
    size_t i;
    int rows = 0;

    buf_init(&cats, 0);
    buf_init(&places, 0);
    buf_init(&transfers, 0);
    buf_init(&owner, 0);
    buf_printf(&owner, "%s (%s)", s->owner ? s->owner : "?", s->owner_country);
    if (csv) {
        buf_puts(out, "record,recipient,recipient_role,purpose,categories,locations,third_country_transfers\r\n");
    } else if (kind == RECORDS_PROCESSOR) {
        buf_printf(out, "# Record of processing activities as a processor (GDPR Art. 30(2))\n\n"
                        "As of %s.\n\n## (a) The processor and the controllers\n\n",
                   date_format(day, d));
        para(out, "Processor", buf_str(&owner));
        para(out, "Contact", s->contact);
        para(out, "Data protection officer", s->dpo);
        buf_puts(out, "- **Controllers:** each customer on whose behalf the processor processes personal data "
                      "under its data processing agreement; their names and contact details are in the "
                      "customer records (the processor has no representative under Art. 27 to name).\n\n"
                      "## (b) Categories of processing carried out on behalf of each controller\n\n"
                      "The same processing is carried out for every controller, by these sub-processors "
                      "(Art. 28(2) and (4)):\n\n"
                      "| sub-processor | processing | categories of personal data | where |\n|---|---|---|---|\n");
    } else {
        buf_printf(out, "# Record of processing activities as a controller (GDPR Art. 30(1))\n\n"
                        "As of %s. The owner's own data (accounts, billing, website): the controller flows.\n\n"
                        "## (a) The controller\n\n",
                   date_format(day, d));
        para(out, "Controller", buf_str(&owner));
        para(out, "Contact", s->contact);
        para(out, "Data protection officer", s->dpo);
        buf_puts(out, "\n## (b)-(d) Purposes, categories of personal data and recipients\n\n"
                      "| recipient | role | purpose | categories of personal data | where |\n|---|---|---|---|---|\n");
    }
    for (i = 0; i < r->n; i++) {
        const entry *e = r->entries[i];
        if (!in_record(e, day, kind))
            continue;
        rows++;
        categories_text(r, e, day, &cats);
        places_text(e, day, &places);
        if (csv) {
            buf_csv_field(out, kind == RECORDS_PROCESSOR ? "art30-2" : "art30-1", 0);
            buf_csv_field(out, e->name ? e->name : e->id, 0);
            buf_csv_field(out, e->recipient == ROLE_CONTROLLER ? "independent controller" : "processor", 0);
            buf_csv_field(out, e->purpose, 0);
            buf_csv_field(out, buf_str(&cats), 0);
            buf_csv_field(out, buf_str(&places), 0);
            transfers_text(r, e, day, &transfers);
            buf_csv_field(out, buf_str(&transfers), 1);
            continue;
        }
        buf_puts(out, "|");
        buf_md_cell(out, e->name ? e->name : e->id);
        if (kind == RECORDS_CONTROLLER)
            buf_md_cell(out, e->recipient == ROLE_CONTROLLER ? "independent controller" : "processor");
        buf_md_cell(out, e->purpose);
        buf_md_cell(out, buf_str(&cats));
        buf_md_cell(out, buf_str(&places));
        buf_puts(out, "\n");
    }
    if (!csv) {
        if (!rows)
            buf_puts(out, "| none | | | |\n");
        buf_printf(out, "\n## %s Transfers to third countries or international organisations\n\n",
                   kind == RECORDS_PROCESSOR ? "(c)" : "(e)");
        buf_puts(out, "| recipient | transfers and their safeguards |\n|---|---|\n");
        rows = 0;
        for (i = 0; i < r->n; i++) {
            const entry *e = r->entries[i];
            if (!in_record(e, day, kind))
                continue;
            transfers_text(r, e, day, &transfers);
            if (!transfers.len)
                continue;
            rows++;
            buf_puts(out, "|");
            buf_md_cell(out, e->name ? e->name : e->id);
            buf_md_cell(out, buf_str(&transfers));
            buf_puts(out, "\n");
        }
        if (!rows)
            buf_puts(out, "| none | every recipient is in the EEA |\n");
        if (kind == RECORDS_CONTROLLER)
            buf_puts(out, "\n## (f) Time limits for erasure\n\n- **Retention:** see each recipient's "
                          "entry and the retention schedule; not recorded in the registry.\n");
        buf_printf(out, "\n## %s Technical and organisational security measures (Art. 32(1))\n\n",
                   kind == RECORDS_PROCESSOR ? "(d)" : "(g)");
        para(out, "General description", s->security);
        if (!s->security)
            buf_puts(out, "  (add `<security>` to registry.xml)\n");
    }
    buf_free(&cats);
    buf_free(&places);
    buf_free(&transfers);
    buf_free(&owner);
    return out->failed ? -1 : 0;
}

int records_dsr(const registry *r, int day, int csv, buf *out)
{
    const char *owner = r->settings.owner ? r->settings.owner : "the owner";
    char d[11], days[32], n[16];
    size_t i;
    buf cats, how;

    buf_init(&cats, 0);
    buf_init(&how, 0);
    if (csv)
        buf_puts(out, "id,name,data,via,days,how\r\n");
    else
        buf_printf(out, "# Where an erasure request must go: %s, as of %s\n\n"
                        "When a person's data is erased (GDPR Art. 17(1)), each recipient below must "
                        "erase it too (Art. 17(2), 19); each processor assists under its DPA (Art. "
                        "28(3)(e)). Send the request the way each says, and check it is done within "
                        "its days.\n\n"
                        "| Recipient | Data it holds | How an erasure reaches it | Done within |\n"
                        "|---|---|---|---|\n",
                   owner, date_format(day, d));
    for (i = 0; i < r->n; i++) {
        const entry *e = r->entries[i];
        const entry_facts *f = &e->facts;
        if (!in_record(e, day, RECORDS_PROCESSOR) && !in_record(e, day, RECORDS_CONTROLLER))
            continue;
        categories_text(r, e, day, &cats);
        how.len = 0;
        buf_puts(&how, "");
        if (f->has_erasure)
            buf_printf(&how, "%s: %s", f->erasure_via ? f->erasure_via : "?",
                       f->erasure_how ? f->erasure_how : "");
        else
            buf_puts(&how, "not recorded: ask the vendor how, and record <erasure> in its entry");
        if (f->has_erasure && f->erasure_days >= 0)
            snprintf(days, sizeof(days), "%d day%s", f->erasure_days, f->erasure_days == 1 ? "" : "s");
        else
            snprintf(days, sizeof(days), "not recorded");
        snprintf(n, sizeof(n), "%d", f->erasure_days);
        if (csv) {
            buf_csv_field(out, e->id, 0);
            buf_csv_field(out, e->name, 0);
            buf_csv_field(out, buf_str(&cats), 0);
            buf_csv_field(out, f->has_erasure && f->erasure_via ? f->erasure_via : "", 0);
            buf_csv_field(out, f->has_erasure && f->erasure_days >= 0 ? n : "", 0);
            buf_csv_field(out, f->has_erasure && f->erasure_how ? f->erasure_how : "", 1);
        } else {
            buf_puts(out, "|");
            buf_md_cell(out, e->name);
            buf_md_cell(out, buf_str(&cats));
            buf_md_cell(out, buf_str(&how));
            buf_md_cell(out, days);
            buf_puts(out, "\n");
        }
    }
    buf_free(&cats);
    buf_free(&how);
    return out->failed ? -1 : 0;
}
