#include "rules.h"
#include <stdlib.h>
#include <string.h>
#include "date.h"

/* Dates of the law, fixed by the texts themselves (not reference data that changes):
 * Decision (EU) 2021/914 Art. 4: the old SCC decisions are repealed from 2021-09-27, and
 * contracts concluded before then keep giving safeguards until 2022-12-27. */
#define OLD_SCC_REPEALED "2021-09-27"
#define OLD_SCC_END "2022-12-27"

static const rule_info table[] = {
    {"schema", SEV_ERROR, "the file breaks the XML schema", "registry format (docs/format.md)",
     "correct the element or attribute named in the message"},
    {"registry", SEV_ERROR, "a date-free check across files fails (ids, references, dates)",
     "registry format (docs/format.md)", "correct the file as the message says"},
    {"transfer-missing", SEV_ERROR,
     "a planned or active entry has a location (or its contracting entity) outside the EEA with no transfer for that country",
     "GDPR Art. 44-46; EDPB Guidelines 05/2021 (remote access is a transfer)",
     "add a <transfer> for the country with a valid mechanism, or remove the location"},
    {"transfer-invalid", SEV_ERROR, "the transfer mechanism does not hold on the check date",
     "GDPR Art. 45-46; Decision (EU) 2021/914 Art. 4; Implementing Decision (EU) 2023/1795 (DPF); CJEU C-311/18",
     "use a mechanism in force for that country: adequacy only where a decision covers it, dpf only for the US, scc with clauses=\"2021/914\""},
    {"scc-module", SEV_ERROR, "an SCC transfer lacks the module its data flows require",
     "Decision (EU) 2021/914, Annex, Section I (modules 1-4)",
     "add the missing module to module=\"...\" and sign that module with the vendor"},
    {"derogation-systematic", SEV_ERROR,
     "an Art. 49 derogation is used for a planned or active vendor (a systematic transfer)",
     "GDPR Art. 49; EDPB Guidelines 2/2018", "put SCCs or another Art. 46 safeguard in place"},
    {"tia-missing", SEV_ERROR,
     "a transfer on scc, bcr, code-of-conduct, certification or ad-hoc-clauses has no transfer impact assessment date",
     "CJEU C-311/18 (Schrems II); EDPB Recommendations 01/2020; SCC Clause 14",
     "carry out the TIA and record its date in tia=\"YYYY-MM-DD\""},
    {"tia-stale", SEV_WARNING, "the transfer impact assessment is older than the review interval",
     "EDPB Recommendations 01/2020, step 6 (re-evaluate at intervals)",
     "review the TIA and update tia=\"YYYY-MM-DD\""},
    {"dpf-unverified", SEV_WARNING,
     "a dpf transfer has no verified date within the last 12 months",
     "Implementing Decision (EU) 2023/1795 (only organisations on the DPF List)",
     "check the vendor's entry on the DPF List and record verified=\"YYYY-MM-DD\""},
    {"dpa-missing", SEV_ERROR, "a planned or active processor has no signed DPA",
     "GDPR Art. 28(3) and 28(4)", "sign a DPA and add <dpa signed=\"YYYY-MM-DD\"/>"},
    {"dpa-expired", SEV_ERROR, "the DPA expired before the check date", "GDPR Art. 28(3)",
     "renew the DPA and update <dpa expires=\"...\"/>"},
    {"dpa-expiring", SEV_WARNING, "the DPA expires within 30 days", "GDPR Art. 28(3)",
     "renew the DPA before it expires"},
    {"notice-period", SEV_ERROR,
     "processing for customers starts before announced + the notice period",
     "GDPR Art. 28(2); SCC Clause 9(a) option 2 (general written authorisation)",
     "move <effective> to at least announced + notice-days, or announce earlier"},
    {"adequacy-ending", SEV_WARNING, "a relied-on adequacy decision ends within 90 days",
     "GDPR Art. 45(3) and 45(5)", "prepare another mechanism (e.g. SCCs) before the decision ends"},
    {"country-unknown", SEV_ERROR, "a country code is not an ISO 3166-1 country after aliases",
     "ISO 3166-1; registry format", "use a two-letter country code; EU and XX are not countries"},
    {"hosting-undeclared", SEV_ERROR,
     "a hosting check finds a deployed country the provider's entry does not list",
     "GDPR Art. 28(2) and 30(1)(e); privacy policy promises",
     "add the location to the provider's entry (and a transfer outside the EEA), or deploy elsewhere"},
    {"hosting-unmapped", SEV_ERROR, "a provider region the reference data cannot place",
     "fail closed: an unknown place is never assumed to be fine",
     "use a real region id, or add it with its country to reference/regions.xml"},
    {"hosting-provider-unknown", SEV_ERROR, "a deployed provider that no entry claims",
     "GDPR Art. 28(2) (no sub-processor without authorisation)",
     "add <hosting provider=\"...\"/> to the provider's entry, or add the provider as a sub-processor"},
    {"waiver-expired", SEV_WARNING, "a waiver is past its until date and suppresses nothing",
     "registry practice", "fix the finding, or extend until=\"...\" with a reason"},
};

const rule_info *rules_all(size_t *n)
{
    *n = sizeof(table) / sizeof(table[0]);
    return table;
}

const rule_info *rules_find(const char *id)
{
    size_t i;

    for (i = 0; id && i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(table[i].id, id) == 0)
            return &table[i];
    return NULL;
}

static int fixed_date(const char *s)
{
    int d = DATE_NONE;

    date_parse(s, &d);
    return d;
}

static int transfer_for(const entry *e, const char *cc)
{
    size_t i;

    for (i = 0; i < e->ntransfers; i++)
        if (strcmp(e->transfers[i].country.cc, cc) == 0)
            return 1;
    return 0;
}

static int is_old_scc(const char *c)
{
    return strcmp(c, "2001/497") == 0 || strcmp(c, "2004/915") == 0 || strcmp(c, "2010/87") == 0;
}

/* The module each flow needs (format: flows x recipient). */
static unsigned required_modules(const entry *e)
{
    unsigned need = 0;
    int rproc = e->recipient != ROLE_CONTROLLER;

    if (e->flows & ROLE_PROCESSOR)
        need |= 1u << (rproc ? 3 : 4);
    if (e->flows & ROLE_CONTROLLER)
        need |= 1u << (rproc ? 2 : 1);
    return need;
}

static void check_adequacy_end(const entry *e, const entry_transfer *t, const adequacy *a,
                               int day, diag_list *d)
{
    char s[11];

    if (a->ends != DATE_NONE && a->ends - day <= 90)
        diag_add(d, e->file, t->line, 0, SEV_WARNING, "adequacy-ending", e->id,
                 "the adequacy decision for %s (%s) ends on %s: prepare another mechanism, "
                 "such as SCCs, before then",
                 t->country.cc, a->instrument ? a->instrument : "", date_format(a->ends, s));
}

static void check_mechanism(const registry *r, const entry *e, const entry_transfer *t,
                            int day, diag_list *d)
{
    const char *cc = t->country.cc;
    const adequacy *a;
    char s[11];

    switch (t->mechanism) {
    case MECH_ADEQUACY:
        if (strcmp(cc, "US") == 0) {
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                     "adequacy does not cover the US: only organisations certified under the "
                     "Data Privacy Framework are covered; use mechanism=\"dpf\" if the recipient "
                     "is on the DPF List, else scc");
            break;
        }
        a = reference_adequacy(r->ref, cc, day);
        if (!a || a->scope == SCOPE_DPF)
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                     "no adequacy decision for %s is in force on %s: use SCCs (mechanism=\"scc\" "
                     "clauses=\"2021/914\") or another Art. 46 safeguard",
                     cc, date_format(day, s));
        else
            check_adequacy_end(e, t, a, day, d);
        break;
    case MECH_DPF:
        if (strcmp(cc, "US") != 0) {
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                     "dpf is only for recipients in the US, not %s: use adequacy or scc", cc);
            break;
        }
        a = reference_adequacy(r->ref, cc, day);
        if (!a || a->scope != SCOPE_DPF) {
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                     "no EU-US adequacy framework is in force on %s: use SCCs with a TIA",
                     date_format(day, s));
            break;
        }
        check_adequacy_end(e, t, a, day, d);
        if (t->verified == DATE_NONE || date_add_months(t->verified, 12) <= day)
            diag_add(d, e->file, t->line, 0, SEV_WARNING, "dpf-unverified", e->id,
                     "%s: check the recipient on the DPF List and record "
                     "verified=\"YYYY-MM-DD\"",
                     t->verified == DATE_NONE ? "no verified date"
                                              : "last verified more than 12 months ago");
        break;
    case MECH_SCC:
        if (!t->clauses) {
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                     "say which clauses were signed: clauses=\"2021/914\" for the current SCCs");
        } else if (strcmp(t->clauses, "2021/915") == 0) {
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                     "2021/915 are the Art. 28(7) controller-processor clauses, not a transfer "
                     "tool: sign the SCCs of Decision 2021/914 (clauses=\"2021/914\")");
        } else if (is_old_scc(t->clauses)) {
            if (t->signed_on != DATE_NONE && t->signed_on >= fixed_date(OLD_SCC_REPEALED))
                diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                         "the old SCCs (%s) could not be signed on or after %s: sign the "
                         "2021/914 clauses",
                         t->clauses, OLD_SCC_REPEALED);
            else if (day >= fixed_date(OLD_SCC_END))
                diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                         "the old SCCs (%s) stopped giving safeguards on %s: sign the 2021/914 "
                         "clauses",
                         t->clauses, OLD_SCC_END);
        } else if (strcmp(t->clauses, "2021/914") != 0) {
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                     "clauses=\"%s\" are not Commission SCCs: the current ones are 2021/914",
                     t->clauses);
        }
        {
            unsigned missing = required_modules(e) & ~t->modules;
            if (missing) {
                char list[16] = "";
                size_t k = 0;
                for (int m = 1; m <= 4; m++)
                    if (missing & (1u << m)) {
                        if (k)
                            list[k++] = ' ';
                        list[k++] = (char)('0' + m);
                    }
                list[k] = '\0';
                diag_add(d, e->file, t->line, 0, SEV_ERROR, "scc-module", e->id,
                         "the data flows of this entry need SCC module %s (module 3: processor to "
                         "processor, 2: controller to processor, 1: controller to controller, "
                         "4: processor to controller): add it to module=\"...\"",
                         list);
            }
        }
        break;
    case MECH_DEROGATION:
        diag_add(d, e->file, t->line, 0, SEV_ERROR, "derogation-systematic", e->id,
                 "Art. 49 derogations are for occasional transfers, not a vendor's regular "
                 "processing: put SCCs (2021/914) or another Art. 46 safeguard in place");
        break;
    default:
        break;
    }
    switch (t->mechanism) {
    case MECH_SCC:
    case MECH_BCR:
    case MECH_CODE:
    case MECH_CERTIFICATION:
    case MECH_ADHOC:
        if (t->tia == DATE_NONE)
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "tia-missing", e->id,
                     "a %s transfer to %s needs a transfer impact assessment: record its date in "
                     "tia=\"YYYY-MM-DD\"",
                     entry_mechanism_name(t->mechanism), cc);
        else if (date_add_months(t->tia, r->settings.tia_months) <= day)
            diag_add(d, e->file, t->line, 0, SEV_WARNING, "tia-stale", e->id,
                     "the TIA of %s is older than the review interval of %d months: review it "
                     "and update tia=\"...\"",
                     date_format(t->tia, s), r->settings.tia_months);
        break;
    default:
        break;
    }
}

void rules_apply_waivers(const registry *r, int day, diag_list *d, size_t from)
{
    size_t i, k;

    for (i = from; i < d->n; i++) {
        diag *g = &d->v[i];
        const entry *e;

        if (!g->entry || g->waived || strcmp(g->rule, "waiver-expired") == 0)
            continue;
        e = registry_find(r, g->entry, NULL);
        for (k = 0; e && k < e->nwaivers; k++) {
            const entry_waiver *w = &e->waivers[k];
            if (w->rule && strcmp(w->rule, g->rule) == 0 && w->until != DATE_NONE &&
                day <= w->until) {
                g->waived = 1;
                free(g->waiver);
                g->waiver = strdup(w->reason ? w->reason : "");
                break;
            }
        }
    }
}

void rules_check_entry(const registry *r, const entry *e, int day, diag_list *d)
{
    size_t from = d->n, i, j;
    /* an unreadable status (a schema error) is checked as live: fail closed */
    int live = e->status != STATUS_RETIRED;
    char s[11];

    if (live) {
        for (i = 0; i < e->nlocations; i++) {
            const entry_location *l = &e->locations[i];
            int seen = 0;

            if (!l->country.cc[0] || reference_in_eea(r->ref, l->country.cc) ||
                transfer_for(e, l->country.cc))
                continue;
            for (j = 0; j < i; j++)
                seen |= strcmp(e->locations[j].country.cc, l->country.cc) == 0;
            if (!seen)
                diag_add(d, e->file, l->line, 0, SEV_ERROR, "transfer-missing", e->id,
                         "%s (%s) is outside the EEA and has no transfer: add <transfer "
                         "country=\"%s\" mechanism=\"...\"/> with a valid mechanism",
                         l->country.cc, entry_use_name(l->use), l->country.cc);
        }
        if (e->entity_country.cc[0] && !reference_in_eea(r->ref, e->entity_country.cc) &&
            !transfer_for(e, e->entity_country.cc))
            diag_add(d, e->file, e->line_entity, 0, SEV_ERROR, "transfer-missing", e->id,
                     "the contracting entity is in %s, outside the EEA, and there is no transfer "
                     "to %s: add one with a valid mechanism",
                     e->entity_country.cc, e->entity_country.cc);
        for (i = 0; i < e->ntransfers; i++) {
            const entry_transfer *t = &e->transfers[i];
            if (t->country.cc[0] && !reference_in_eea(r->ref, t->country.cc))
                check_mechanism(r, e, t, day, d);
        }
        if (e->recipient != ROLE_CONTROLLER && !e->has_dpa)
            diag_add(d, e->file, e->line_status ? e->line_status : e->line_root, 0, SEV_ERROR,
                     "dpa-missing", e->id,
                     "a %s processor needs a signed DPA (GDPR Art. 28): add <dpa "
                     "signed=\"YYYY-MM-DD\"/> after <effective>",
                     entry_status_name(e->status));
        if (e->has_dpa && e->dpa_expires != DATE_NONE) {
            if (day > e->dpa_expires)
                diag_add(d, e->file, e->line_dpa, 0, SEV_ERROR, "dpa-expired", e->id,
                         "the DPA expired on %s: renew it and update expires=\"...\"",
                         date_format(e->dpa_expires, s));
            else if (e->dpa_expires - day <= 30)
                diag_add(d, e->file, e->line_dpa, 0, SEV_WARNING, "dpa-expiring", e->id,
                         "the DPA expires on %s, within 30 days: renew it",
                         date_format(e->dpa_expires, s));
        }
        if ((e->flows & ROLE_PROCESSOR) && e->announced != DATE_NONE &&
            e->effective != DATE_NONE &&
            e->effective < e->announced + r->settings.notice_days) {
            char s2[11];
            diag_add(d, e->file, e->line_effective, 0, SEV_ERROR, "notice-period", e->id,
                     "effective %s is earlier than announced %s + %d days of notice: set "
                     "<effective> to %s or later",
                     date_format(e->effective, s), date_format(e->announced, s2),
                     r->settings.notice_days,
                     date_format(e->announced + r->settings.notice_days, s2));
        }
    }
    for (i = 0; i < e->nwaivers; i++) {
        const entry_waiver *w = &e->waivers[i];
        if (w->until != DATE_NONE && day > w->until)
            diag_add(d, e->file, w->line, 0, SEV_WARNING, "waiver-expired", e->id,
                     "the waiver for %s ended on %s and no longer suppresses anything: fix the "
                     "finding or extend until=\"...\"",
                     w->rule ? w->rule : "?", date_format(w->until, s));
    }
    rules_apply_waivers(r, day, d, from);
}

void rules_check(const registry *r, int day, diag_list *d)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        rules_check_entry(r, r->entries[i], day, d);
}
