/* The rules over a vendor's facts (facts.h): ai-training, retention-exceeds,
 * zero-retention-unproven, dpa-clauses-unrecorded, dpa-clause-missing, breach-notice-slow,
 * foreign-access-unassessed. Called by rules_check_entry for a live entry. */
#include "rules.h"
#include <stdio.h>
#include <string.h>
#include "date.h"
#include "facts.h"

/* The line of the <ai> element, else of the entry. */
static int ai_line(const entry *e)
{
    return e->facts.line_ai ? e->facts.line_ai : e->line_root;
}

/* 1 when e lists category id. */
static int has_category(const entry *e, const char *id)
{
    size_t i;

    for (i = 0; i < e->ncategories; i++)
        if (e->categories[i] && strcmp(e->categories[i], id) == 0)
            return 1;
    return 0;
}

/* A vendor that trains its models on the data it processes for the owner decides a purpose
 * of its own (Art. 28(10)): training none, or an opt-out in force, or it is an error. */
static void check_training(const registry *r, const entry *e, int day, diag_list *d)
{
    const entry_facts *f = &e->facts;
    char s[11];

    if (f->training == TRAIN_OPT_IN)
        diag_add(d, e->file, ai_line(e), 0, SEV_ERROR, "ai-training", e->id,
                 "%s trains its models on the data it processes for us (training=\"opt-in\"): it "
                 "then decides a purpose of its own and is no longer only a processor (Art. "
                 "28(10)); opt out and record it (training=\"opt-out\" opted-out=\"YYYY-MM-DD\"), or "
                 "stop sending it personal data",
                 e->name ? e->name : e->id);
    else if (f->training == TRAIN_OPT_OUT && f->opted_out == DATE_NONE)
        diag_add(d, e->file, ai_line(e), 0, SEV_ERROR, "ai-training", e->id,
                 "training=\"opt-out\" without the day of the opt-out: until it is made, the vendor "
                 "trains on our data by default; record opted-out=\"YYYY-MM-DD\" and its "
                 "training-ref=\"...\"");
    else if (f->training == TRAIN_OPT_OUT && f->opted_out > day)
        diag_add(d, e->file, ai_line(e), 0, SEV_ERROR, "ai-training", e->id,
                 "the opt-out from training takes effect only on %s: until then the vendor "
                 "trains on our data; opt out before it processes any",
                 date_format(f->opted_out, s));
    else if (f->training == TRAIN_UNKNOWN && r->settings.promise_training_none)
        diag_add(d, e->file, ai_line(e), 0, SEV_ERROR, "ai-training", e->id,
                 "the privacy policy promises that no vendor trains on the data "
                 "(registry.xml <training none=\"true\"/>), and this AI vendor's training is not "
                 "recorded: set training=\"none\" or \"opt-out\" with its date, from the vendor's "
                 "terms");
}

/* Each category the policy promises to keep at most max-days: an AI vendor holding it must
 * keep its copies (inputs, outputs, abuse monitoring) no longer. */
static void check_retention(const registry *r, const entry *e, diag_list *d)
{
    const entry_facts *f = &e->facts;
    int days = facts_retention_days(f);
    size_t i;

    for (i = 0; i < r->settings.nretention; i++) {
        const registry_retention *p = &r->settings.retention[i];
        if (!has_category(e, p->category))
            continue;
        if (days < 0)
            diag_add(d, e->file, ai_line(e), 0, SEV_ERROR, "retention-exceeds", e->id,
                     "the privacy policy promises to keep %s at most %d days, and how long this "
                     "vendor keeps its copies is not recorded: set input-days and output-days "
                     "(and abuse-monitoring-days) on <ai>, or record its <zero-retention>",
                     p->category, p->max_days);
        else if (days > p->max_days)
            diag_add(d, e->file, ai_line(e), 0, SEV_ERROR, "retention-exceeds", e->id,
                     "this vendor keeps %s up to %d days, longer than the %d days the privacy "
                     "policy promises (registry.xml <retention category=\"%s\">): shorten the "
                     "vendor's retention (or turn on zero retention) before the policy is broken",
                     p->category, days, p->max_days, p->category);
    }
}

/* A claim of zero retention needs its day and its evidence. */
static void check_zero_retention(const entry *e, diag_list *d)
{
    const entry_facts *f = &e->facts;

    if (!f->has_zr || (f->zr_since != DATE_NONE && f->zr_evidence && f->zr_evidence[0]))
        return;
    diag_add(d, e->file, f->line_zr ? f->line_zr : ai_line(e), 0, SEV_ERROR,
             "zero-retention-unproven", e->id,
             "<zero-retention> is claimed without %s: record since=\"YYYY-MM-DD\" and "
             "evidence=\"...\" (the vendor's confirmation, the contract's addendum)",
             f->zr_since == DATE_NONE && !(f->zr_evidence && f->zr_evidence[0]) ? "its day or its evidence"
             : f->zr_since == DATE_NONE                                         ? "its day"
                                                                                : "its evidence");
}

/* The DPA's contents (Art. 28(3)): unrecorded clauses warn, absent ones are errors; the
 * vendor's breach notice must leave the owner its share of the 72 hours (Art. 33(1), (2)). */
static void check_dpa_contents(const registry *r, const entry *e, diag_list *d)
{
    const entry_facts *f = &e->facts;
    int line = f->line_clauses ? f->line_clauses : e->line_dpa ? e->line_dpa : e->line_root;
    char missing[1200] = "", unrecorded[400] = "";
    size_t i, nm = 0, nu = 0;

    for (i = 0; i < DPA_NCLAUSES; i++) {
        if (f->clause[i] == 0) {
            size_t k = strlen(missing);
            snprintf(missing + k, sizeof(missing) - k, "%s%s", nm++ ? "; " : "", facts_clause_words[i]);
        } else if (f->clause[i] < 0) {
            size_t k = strlen(unrecorded);
            snprintf(unrecorded + k, sizeof(unrecorded) - k, "%s%s", nu++ ? ", " : "", facts_clause_attr[i]);
        }
    }
    if (nm)
        diag_add(d, e->file, line, 0, SEV_ERROR, "dpa-clause-missing", e->id,
                 "the signed DPA lacks %s: %s; amend the DPA with the vendor (EDPB Guidelines "
                 "07/2020 say what each clause must contain)",
                 nm == 1 ? "a clause Art. 28(3) requires" : "clauses Art. 28(3) requires", missing);
    if (nu == DPA_NCLAUSES && f->breach_hours < 0) {
        snprintf(unrecorded, sizeof(unrecorded), "none of the eight clauses of Art. 28(3), nor "
                                                 "the breach-notice time");
    } else if (f->breach_hours < 0) {
        size_t k = strlen(unrecorded);
        snprintf(unrecorded + k, sizeof(unrecorded) - k, "%sthe breach-notice time", nu ? " and " : "");
    }
    if (unrecorded[0])
        diag_add(d, e->file, line, 0, SEV_WARNING, "dpa-clauses-unrecorded", e->id,
                 "what the DPA contains is not recorded (%s): read the signed DPA and record "
                 "<clauses %s=\"true|false\" .../> in <dpa> and breach-notice-hours=\"N\" on it",
                 unrecorded, facts_clause_attr[0]);
    if (f->breach_hours > r->settings.breach_notice_hours)
        diag_add(d, e->file, e->line_dpa ? e->line_dpa : e->line_root, 0, SEV_ERROR,
                 "breach-notice-slow", e->id,
                 "the vendor notifies a breach within %d hours, more than the %d hours the registry "
                 "allows (breach-notice-hours in registry.xml), which leaves too little of the 72 "
                 "hours of Art. 33(1) to assess it and notify the authority: agree a shorter time "
                 "in the DPA",
                 f->breach_hours, r->settings.breach_notice_hours);
}

/* A vendor hosted in the EEA under a parent in a third country can be compelled by that
 * country's law (FISA 702, the CLOUD Act) without any transfer: record the assessment. */
static void check_foreign_access(const registry *r, const entry *e, int day, diag_list *d)
{
    const entry_facts *f = &e->facts;
    size_t i;

    if (!f->parent_cc || strlen(f->parent_cc) != 2 || reference_in_eea_on(r->ref, f->parent_cc, day) ||
        f->assessed != DATE_NONE)
        return;
    for (i = 0; i < e->ntransfers; i++)
        if (strcmp(e->transfers[i].country.cc, f->parent_cc) == 0)
            return; /* a transfer there: its TIA covers that law */
    diag_add(d, e->file, f->line_parent, 0, SEV_WARNING, "foreign-access-unassessed", e->id,
             "the vendor's parent (%s) is in %s%s: its law may reach the data even though it is "
             "hosted here; record the assessment of that risk (assessed=\"YYYY-MM-DD\" "
             "assessment=\"...\" on <parent>)",
             f->parent ? f->parent : "?", f->parent_cc,
             f->fisa702 == 1 || f->cloud_act == 1 ? " (FISA 702 / the CLOUD Act)" : "");
}

void rules_check_facts(const registry *r, const entry *e, int day, diag_list *d)
{
    if (e->facts.has_ai && e->recipient != ROLE_CONTROLLER) {
        check_training(r, e, day, d);
        check_retention(r, e, d);
        check_zero_retention(e, d);
    }
    if (e->has_dpa && e->recipient != ROLE_CONTROLLER)
        check_dpa_contents(r, e, d);
    check_foreign_access(r, e, day, d);
}
