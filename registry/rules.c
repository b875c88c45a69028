#include "rules.h"
#include <stdlib.h>
#include <string.h>
#include "date.h"

/* Dates of the law, fixed by the texts themselves (not reference data that changes):
 * Decision (EU) 2021/914 Art. 4: the old SCC decisions are repealed from 2021-09-27, and
 * contracts concluded before then keep giving safeguards until 2022-12-27. */
#define OLD_SCC_REPEALED "2021-09-27"
#define OLD_SCC_END "2022-12-27"
/* Decision (EU) 2021/914 Art. 4: in force on the twentieth day after its publication
 * (OJ L 199, 2021-06-07). No contract on these clauses exists before that day. */
#define SCC_2021_IN_FORCE "2021-06-27"


/* A date written in this file (YYYY-MM-DD) as a day number. */
static int fixed_date(const char *s)
{
    int d = DATE_NONE;

    date_parse(s, &d);
    return d;
}

/* As of day, a document dated after day does not exist yet. */
static int exists_on(int date, int day)
{
    return date != DATE_NONE && date <= day;
}

/* 1 when e has a transfer to cc in force on day: a transfer that takes effect later does not
 * cover a location already in force. */
static int transfer_for(const entry *e, const char *cc, int day)
{
    size_t i;

    for (i = 0; i < e->ntransfers; i++)
        if (strcmp(e->transfers[i].country.cc, cc) == 0 &&
            (e->transfers[i].effective == DATE_NONE || e->transfers[i].effective <= day))
            return 1;
    return 0;
}

/* A planned entry's contract may be signed up to its effective day: until then a missing
 * signature is a warning that says by when; from that day an error. */
static severity until_effective(const entry *e, int day)
{
    return e->status == STATUS_PLANNED && e->effective != DATE_NONE && day < e->effective
               ? SEV_WARNING
               : SEV_ERROR;
}

/* 1 when the legal name name is the organisation listed (listed, compared without case,
 * punctuation and spaces, is a prefix of name: "Functional Software, Inc. (Sentry)" is
 * "Functional Software, Inc."). */
static int name_covers(const char *name, const char *listed)
{
    const char *a = name, *b = listed;

    for (;;) {
        while (*a && !((*a >= 'a' && *a <= 'z') || (*a >= 'A' && *a <= 'Z') || (*a >= '0' && *a <= '9')))
            a++;
        while (*b && !((*b >= 'a' && *b <= 'z') || (*b >= 'A' && *b <= 'Z') || (*b >= '0' && *b <= '9')))
            b++;
        if (!*b)
            return 1;
        if (!*a || (*a | 0x20) != (*b | 0x20))
            return 0;
        a++, b++;
    }
}

/* The flows an old (pre-2021) SCC set covers, as the module that replaced it: the
 * controller-to-controller sets of 2001/497 and 2004/915 (module 1 today) and the
 * controller-to-processor set of 2010/87 (module 2). 0 when c is not an old set. */
static unsigned old_scc_covers(const char *c)
{
    if (strcmp(c, "2001/497") == 0 || strcmp(c, "2004/915") == 0)
        return 1u << 1;
    if (strcmp(c, "2010/87") == 0)
        return 1u << 2;
    return 0;
}

/* The module each flow needs (format: flows x recipient). A processor flow to a controller
 * recipient needs none: it is not a sub-processing transfer (rule recipient-controller). */
static unsigned required_modules(const entry *e)
{
    unsigned need = 0;
    int rproc = e->recipient != ROLE_CONTROLLER;

    if ((e->flows & ROLE_PROCESSOR) && rproc)
        need |= 1u << 3;
    if (e->flows & ROLE_CONTROLLER)
        need |= 1u << (rproc ? 2 : 1);
    return need;
}

/* "2 3" for a set of module bits, into out (16 bytes). */
static const char *module_list(unsigned mods, char out[16])
{
    size_t k = 0;

    for (int m = 1; m <= 4; m++)
        if (mods & (1u << m)) {
            if (k)
                out[k++] = ' ';
            out[k++] = (char)('0' + m);
        }
    out[k] = '\0';
    return out;
}

/* A transfer on an adequacy decision that ends on a known day: a warning before that day, an
 * error from it. */
static void check_adequacy_end(const entry *e, const entry_transfer *t, const adequacy *a,
                               int day, diag_list *d)
{
    char s[11];
    int end = reference_adequacy_end(a, day);

    /* Only a scheduled end can be foreseen: a revocation takes effect on its day. */
    if (end != DATE_NONE && a->revoked == DATE_NONE && end - day <= 90)
        diag_add(d, e->file, t->line, 0, SEV_WARNING, "adequacy-ending", e->id,
                 "the adequacy decision for %s (%s) ends on %s: prepare another mechanism, "
                 "such as SCCs, before then",
                 t->country.cc, a->instrument ? a->instrument : "", date_format(end, s));
}

/* A transfer on SCCs: the 2021 clauses, a signed date, and the modules that cover the flows
 * (need: bits 1 << module). */
static void check_scc(const entry *e, const entry_transfer *t, unsigned need, int day, diag_list *d)
{
    char s[11], s2[11], list[16];
    unsigned covers;

    if (!t->clauses) {
        diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                 "say which clauses were signed: clauses=\"2021/914\" for the current SCCs");
        return;
    }
    if (strcmp(t->clauses, "2021/915") == 0) {
        diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                 "2021/915 are the Art. 28(7) controller-processor clauses, not a transfer "
                 "tool: sign the SCCs of Decision 2021/914 (clauses=\"2021/914\")");
        return;
    }
    covers = old_scc_covers(t->clauses);
    if (!covers && strcmp(t->clauses, "2021/914") != 0) {
        diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                 "clauses=\"%s\" are not Commission SCCs: the current ones are 2021/914",
                 t->clauses);
        return;
    }
    if (t->signed_on == DATE_NONE || t->signed_on > day) {
        char s3[11];
        if (until_effective(e, day) == SEV_WARNING)
            diag_add(d, e->file, t->line, 0, SEV_WARNING, "transfer-invalid", e->id,
                     "the SCCs (%s) are not signed yet: sign them before %s, the day processing "
                     "starts, and record the day in signed=\"YYYY-MM-DD\"",
                     t->clauses, date_format(e->effective, s3));
        else if (t->signed_on == DATE_NONE)
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                     "the SCCs (%s) have no signed date, so they cannot be shown to hold on %s: "
                     "record the day they were signed in signed=\"YYYY-MM-DD\"",
                     t->clauses, date_format(day, s));
        else
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                     "the SCCs are signed on %s, after the check date %s: as of %s there are none "
                     "(sign them before the transfer starts)",
                     date_format(t->signed_on, s), date_format(day, s2), date_format(day, s2));
        return;
    }
    if (!covers) {
        if (t->signed_on < fixed_date(SCC_2021_IN_FORCE))
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                     "the 2021/914 clauses entered into force on %s and cannot have been "
                     "signed on %s: correct signed=\"...\"",
                     SCC_2021_IN_FORCE, date_format(t->signed_on, s));
        else if (need & ~t->modules)
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "scc-module", e->id,
                     "the data flows of this entry need SCC module %s (module 3: processor to "
                     "processor, 2: controller to processor, 1: controller to controller, "
                     "4: processor to controller): add it to module=\"...\"",
                     module_list(need & ~t->modules, list));
        return;
    }
    /* The old sets (repealed by Decision 2021/914 Art. 4). */
    if (t->signed_on >= fixed_date(OLD_SCC_REPEALED))
        diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                 "the old SCCs (%s) could not be signed on or after %s: sign the 2021/914 "
                 "clauses",
                 t->clauses, OLD_SCC_REPEALED);
    else if (day >= fixed_date(OLD_SCC_END))
        diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                 "the old SCCs (%s) stopped giving safeguards on %s: sign the 2021/914 "
                 "clauses",
                 t->clauses, OLD_SCC_END);
    else if (t->module_text)
        diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                 "the old SCCs (%s) have no modules: remove module=\"...\", or sign the "
                 "2021/914 clauses with the module",
                 t->clauses);
    else if (need & ~covers)
        diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                 "the old SCCs (%s) cover only %s transfers; this entry's flows need module "
                 "%s, which no old set covered: sign the 2021/914 clauses",
                 t->clauses,
                 covers == (1u << 1) ? "controller-to-controller" : "controller-to-processor",
                 module_list(need & ~covers, list));
}

/* The mechanism of transfer t of entry e as of day; need: the SCC modules its flows need. */
static void check_mechanism(const registry *r, const entry *e, const entry_transfer *t,
                            unsigned need, int day, diag_list *d)
{
    const char *cc = t->country.cc;
    const char *contested;
    const adequacy *a;
    char s[11], s2[11];

    if (t->organisation && (t->mechanism == MECH_ADEQUACY || t->mechanism == MECH_DPF)) {
        diag_add(d, e->file, t->line, 0, SEV_ERROR, "transfer-invalid", e->id,
                 "no adequacy decision or framework covers the international organisation %s: use "
                 "SCCs (clauses=\"2021/914\"), ad hoc clauses or another Art. 46 safeguard",
                 t->organisation);
        return;
    }
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
                     "the EU-US Data Privacy Framework is not in force on %s: use SCCs with a "
                     "TIA",
                     date_format(day, s));
            break;
        }
        check_adequacy_end(e, t, a, day, d);
        /* a challenge is cited from the day it was lodged, never in a check dated before */
        contested = a->contested && (a->contested_since == DATE_NONE || a->contested_since <= day)
                        ? a->contested
                        : NULL;
        if (!t->certified)
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "dpf-unverified", e->id,
                     "name the importer as the DPF List names it in certified=\"...\": only the "
                     "listed organisation is covered, not its parent or a subsidiary");
        else if (e->entity_country.cc[0] && strcmp(e->entity_country.cc, "US") == 0 && e->name &&
                 !name_covers(e->name, t->certified))
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "dpf-unverified", e->id,
                     "the DPF List names \"%s\", but the US importer here is \"%s\": a parent's or a "
                     "subsidiary's certification does not cover it; check the List for this entity",
                     t->certified, e->name);
        if (!exists_on(t->verified, day) || date_add_months(t->verified, 12) <= day)
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "dpf-unverified", e->id,
                     "%s: check the recipient on the DPF List and record "
                     "verified=\"YYYY-MM-DD\"%s%s%s",
                     t->verified == DATE_NONE ? "no verified date"
                     : t->verified > day      ? "the verified date is after the check date"
                                              : "last verified more than 12 months ago",
                     contested ? " (the DPF is contested: " : "", contested ? contested : "",
                     contested ? ")" : "");
        break;
    case MECH_SCC:
        check_scc(e, t, need, day, d);
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
    case MECH_BCR:
    case MECH_CODE:
    case MECH_CERTIFICATION:
    case MECH_ADHOC:
        if (!t->approval)
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "approval-missing", e->id,
                     "a %s transfer needs its approval (%s): record it in approval=\"...\"",
                     entry_mechanism_name(t->mechanism),
                     t->mechanism == MECH_BCR   ? "the competent authority's decision approving the BCRs"
                     : t->mechanism == MECH_CODE ? "the approved code of conduct with general validity"
                     : t->mechanism == MECH_CERTIFICATION ? "the approved certification of the importer"
                                                          : "the supervisory authority's authorisation of the clauses");
        else if (t->approved != DATE_NONE && t->approved > day)
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "approval-missing", e->id,
                     "the approval is dated %s, after the check date %s: as of %s there is none",
                     date_format(t->approved, s), date_format(day, s2), date_format(day, s2));
        /* fall through */
    case MECH_SCC:
        if (t->tia == DATE_NONE)
            diag_add(d, e->file, t->line, 0, until_effective(e, day), "tia-missing", e->id,
                     "a %s transfer to %s needs a transfer impact assessment: record its date in "
                     "tia=\"YYYY-MM-DD\"",
                     entry_mechanism_name(t->mechanism), cc);
        else if (t->tia > day)
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "tia-missing", e->id,
                     "the transfer impact assessment is dated %s, after the check date %s: as "
                     "of %s there is none",
                     date_format(t->tia, s), date_format(day, s2), date_format(day, s2));
        else if (date_add_months(t->tia, r->settings.tia_months) <= day)
            diag_add(d, e->file, t->line, 0, SEV_WARNING, "tia-stale", e->id,
                     "the TIA of %s is older than the review interval of %d months: review it "
                     "and update tia=\"...\"",
                     date_format(t->tia, s), r->settings.tia_months);
        if (t->tia_outcome == TIA_NOT_ADEQUATE)
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "tia-negative", e->id,
                     "the TIA for %s concluded not-adequate: suspend the transfer (SCC Clauses "
                     "14(f) and 16(b)), or put measures in place and assess again", cc);
        else if (t->tia_outcome == TIA_WITH_MEASURES && !t->measures)
            diag_add(d, e->file, t->line, 0, SEV_WARNING, "tia-measures-missing", e->id,
                     "the TIA for %s relies on supplementary measures: describe them in "
                     "<measures> inside this <transfer>", cc);
        break;
    default:
        break;
    }
}

/* 1 when a waiver w suppresses findings on day: in date, and not longer than the cap for
 * a rule of severity error. */
static int waiver_holds(const registry *r, const entry_waiver *w, int day)
{
    const rule_info *ri;

    if (!w->rule || w->until == DATE_NONE || day > w->until || !rules_waivable(w->rule))
        return 0;
    ri = rules_find(w->rule);
    if (ri && ri->sev == SEV_ERROR && w->until - day > r->settings.max_waiver_days)
        return 0;
    return 1;
}

void rules_apply_waivers(const registry *r, int day, diag_list *d, size_t from)
{
    size_t i, k;

    for (i = from; i < d->n; i++) {
        diag *g = &d->v[i];
        const entry *e;

        if (!g->entry || g->waived || strcmp(g->rule, "waiver-expired") == 0 ||
            strcmp(g->rule, "waiver-too-long") == 0)
            continue;
        e = registry_find(r, g->entry, NULL);
        for (k = 0; e && k < e->nwaivers; k++) {
            const entry_waiver *w = &e->waivers[k];
            if (strcmp(w->rule ? w->rule : "", g->rule) == 0 && waiver_holds(r, w, day)) {
                g->waived = 1;
                free(g->waiver);
                g->waiver = strdup(w->reason ? w->reason : "");
                break;
            }
        }
    }
}


/* The privacy policy's promises (registry.xml <promises>). */
static int promised_area(const registry *r, const char *cc, int day)
{
    char pat[4];

    switch (r->settings.promise_storage) {
    case PROMISE_EU: return reference_in_eu_on(r->ref, cc, day);
    case PROMISE_EEA: return reference_in_eea_on(r->ref, cc, day);
    case PROMISE_COUNTRIES:
        snprintf(pat, sizeof(pat), "%s", cc);
        return strstr(r->settings.promise_countries, pat) != NULL;
    default: return 1;
    }
}

/* Storage (the entry's and its chain's) outside the area the privacy policy promises, and
 * transfers without a promised mechanism. */
static void check_promises(const registry *r, const entry *e, int day, diag_list *d)
{
    size_t i, j;

    /* a controller recipient's own storage is its own business (see transfer-missing) */
    for (i = 0; e->recipient != ROLE_CONTROLLER && i < e->nlocations; i++) {
        const entry_location *l = &e->locations[i];
        if (l->use != USE_STORAGE || !l->country.cc[0] || promised_area(r, l->country.cc, day))
            continue;
        diag_add(d, e->file, l->line, 0, SEV_ERROR, "promise-storage", e->id,
                 "data is stored in %s, outside the %s the privacy policy promises "
                 "(registry.xml <promises>): store it inside, or change the policy first",
                 l->country.cc,
                 r->settings.promise_storage == PROMISE_EU    ? "EU"
                 : r->settings.promise_storage == PROMISE_EEA ? "EEA"
                                                              : "countries");
    }
    /* the promise covers the whole chain: an onward sub-processor's storage too */
    for (i = 0; e->recipient != ROLE_CONTROLLER && i < e->nonward; i++) {
        const entry_onward *o = &e->onward[i];
        for (j = 0; j < o->nlocations; j++) {
            const entry_location *l = &o->locations[j];
            if (l->use != USE_STORAGE || !l->country.cc[0] || promised_area(r, l->country.cc, day) ||
                (l->effective != DATE_NONE && l->effective > day))
                continue;
            diag_add(d, e->file, l->line, 0, SEV_ERROR, "promise-storage", e->id,
                     "%s (onward sub-processor of %s) stores data in %s, outside the %s the "
                     "privacy policy promises: the promise covers the whole chain",
                     o->name ? o->name : "?", e->id, l->country.cc,
                     r->settings.promise_storage == PROMISE_EU    ? "EU"
                     : r->settings.promise_storage == PROMISE_EEA ? "EEA"
                                                                  : "countries");
        }
    }
    if (!r->settings.has_mechanism_promise)
        return;
    for (i = 0; i < e->ntransfers; i++) {
        const entry_transfer *t = &e->transfers[i];
        int promised = 0, first = 1;
        if (!t->country.cc[0] || reference_in_eea_on(r->ref, t->country.cc, day))
            continue;
        for (j = 0; j < e->ntransfers; j++) {
            if (strcmp(e->transfers[j].country.cc, t->country.cc) != 0)
                continue;
            if (j < i)
                first = 0;
            promised |= (r->settings.promise_mechanisms >> e->transfers[j].mechanism) & 1;
        }
        if (!promised && first)
            diag_add(d, e->file, t->line, 0, SEV_ERROR, "promise-mechanism", e->id,
                     "the transfer to %s relies on %s, which the privacy policy does not name: "
                     "add a transfer with a promised mechanism beside it (e.g. SCCs), or change "
                     "the policy first", t->country.cc, entry_mechanism_name(t->mechanism));
    }
}

/* The chain: an onward sub-processor's locations outside the EEA need its transfers, and
 * those transfers the same mechanism rules as the vendor's own (Art. 28(4): the same
 * obligations flow down; SCC Clauses 8.8 and 9(b)). The vendor is a processor and so is its
 * sub-processor: SCCs need module 3. */
static void check_onward(const registry *r, const entry *e, int day, diag_list *d)
{
    size_t i, j, k;

    for (i = 0; i < e->nonward; i++) {
        const entry_onward *o = &e->onward[i];
        for (k = 0; k < o->ntransfers; k++) {
            const entry_transfer *t = &o->transfers[k];
            if (t->effective != DATE_NONE && t->effective > day)
                continue; /* upcoming */
            if (t->country.cc[0] && !reference_in_eea_on(r->ref, t->country.cc, day))
                check_mechanism(r, e, t, 1u << 3, day, d);
        }
        for (j = 0; j < o->nlocations; j++) {
            const entry_location *l = &o->locations[j];
            int covered = 0;
            if (!l->country.cc[0] || reference_in_eea_on(r->ref, l->country.cc, day) ||
                (l->effective != DATE_NONE && l->effective > day))
                continue;
            for (k = 0; k < o->ntransfers; k++)
                covered |= strcmp(o->transfers[k].country.cc, l->country.cc) == 0 &&
                           (o->transfers[k].effective == DATE_NONE || o->transfers[k].effective <= day);
            if (!covered)
                diag_add(d, e->file, l->line, 0, SEV_ERROR, "onward-transfer-missing", e->id,
                         "%s (onward sub-processor of %s) has a location in %s, outside the EEA, "
                         "with no transfer: add <transfer country=\"%s\" mechanism=\"...\"/> "
                         "to its <onward>", o->name ? o->name : "?", e->id, l->country.cc,
                         l->country.cc);
        }
    }
}

/* Special categories (Art. 9, biometric, Art. 10) need a DPIA. */
static void check_special(const registry *r, const entry *e, diag_list *d)
{
    size_t i;

    if (e->dpia)
        return;
    for (i = 0; i < e->ncategories; i++) {
        const registry_category_def *c = e->categories[i] ? registry_category(r, e->categories[i]) : NULL;
        if (c && c->special) {
            /* for the owner's own data (controller flow) the DPIA is the owner's duty (Art.
             * 35(1)); for customers' data it is theirs, with the owner's help (Art. 28(3)(f)) */
            diag_add(d, e->file, e->line_root, 0, (e->flows & ROLE_CONTROLLER) ? SEV_ERROR : SEV_WARNING,
                     "dpia-missing", e->id,
                     "%s handles %s (a special category: %s) and names no DPIA: record it in "
                     "dpia=\"...\" on <subprocessor>", e->id, c->label ? c->label : c->id,
                     c->special);
            return;
        }
    }
}

/* A retired entry is live up to and including its last day of processing. */
static int entry_live(const entry *e, int day)
{
    /* an unreadable status (a schema error) is checked as live: fail closed */
    if (e->status != STATUS_RETIRED)
        return 1;
    /* retired without a day: checked as live (fail closed; the registry check says why) */
    return e->retired == DATE_NONE || day <= e->retired;
}

/* Each location outside the EEA needs a transfer to that country (an international
 * organisation's, a transfer wherever it is). */
static void check_locations(const registry *r, const entry *e, int day, diag_list *d)
{
    size_t i, j;

    /* A controller recipient's own locations are its own transfers (it is their exporter);
     * the owner transfers only to its contracting entity. */
    if (e->international) {
        /* Art. 44: a transfer to an international organisation needs Chapter V wherever it
         * is seated (an organisation in Geneva or in Munich alike) */
        int have = 0;
        for (i = 0; i < e->ntransfers; i++)
            have |= e->transfers[i].organisation != NULL &&
                    (e->transfers[i].effective == DATE_NONE || e->transfers[i].effective <= day);
        if (!have)
            diag_add(d, e->file, e->line_entity, 0, SEV_ERROR, "transfer-missing", e->id,
                     "the recipient is an international organisation: every transfer to it needs a "
                     "mechanism, even to a seat inside the EEA (Art. 44): add <transfer organisation=\"...\" "
                     "country=\"%s\" mechanism=\"...\"/>", e->entity_country.cc);
    }
    for (i = 0; e->recipient != ROLE_CONTROLLER && i < e->nlocations; i++) {
        const entry_location *l = &e->locations[i];
        int seen = 0;

        if (l->effective != DATE_NONE && l->effective > day)
            continue; /* an upcoming addition: not in force yet */
        if (!l->country.cc[0] || reference_in_eea_on(r->ref, l->country.cc, day) ||
            transfer_for(e, l->country.cc, day))
            continue;
        for (j = 0; j < i; j++)
            seen |= strcmp(e->locations[j].country.cc, l->country.cc) == 0;
        if (!seen)
            diag_add(d, e->file, l->line, 0, SEV_ERROR, "transfer-missing", e->id,
                     "%s (%s) is outside the EEA and has no transfer: add <transfer "
                     "country=\"%s\" mechanism=\"...\"/> with a valid mechanism",
                     l->country.cc, entry_use_name(l->use), l->country.cc);
    }
    if (e->entity_country.cc[0] && !reference_in_eea_on(r->ref, e->entity_country.cc, day) &&
        !transfer_for(e, e->entity_country.cc, day))
        diag_add(d, e->file, e->line_entity, 0, SEV_ERROR, "transfer-missing", e->id,
                 "the contracting entity is in %s, outside the EEA, and there is no transfer "
                 "to %s: add one with a valid mechanism",
                 e->entity_country.cc, e->entity_country.cc);
}

/* A processor needs a DPA signed, and not expired, by the day it is checked as of. */
static void check_dpa(const entry *e, int day, diag_list *d)
{
    char s[11], s2[11];
    int line = e->line_dpa ? e->line_dpa : e->line_status ? e->line_status : e->line_root;

    if (e->recipient == ROLE_CONTROLLER)
        return;
    if ((!e->has_dpa || e->dpa_signed == DATE_NONE || e->dpa_signed > day) &&
        until_effective(e, day) == SEV_WARNING) {
        diag_add(d, e->file, line, 0, SEV_WARNING, "dpa-missing", e->id,
                 "the DPA is not signed yet: sign it before %s, the day processing starts, and "
                 "record the day in <dpa signed=\"YYYY-MM-DD\"/>",
                 date_format(e->effective, s));
        return;
    }
    if (!e->has_dpa || e->dpa_signed == DATE_NONE) {
        diag_add(d, e->file, line, 0, SEV_ERROR, "dpa-missing", e->id,
                 "a %s processor needs a signed DPA (GDPR Art. 28): add <dpa "
                 "signed=\"YYYY-MM-DD\"/> after <effective>",
                 entry_status_name(e->status));
        return;
    }
    if (e->dpa_signed > day)
        diag_add(d, e->file, line, 0, SEV_ERROR, "dpa-missing", e->id,
                 "the DPA is signed on %s, after the check date %s: as of %s there is no "
                 "signed DPA",
                 date_format(e->dpa_signed, s), date_format(day, s2), date_format(day, s2));
    else if (e->dpa_expires != DATE_NONE && day > e->dpa_expires)
        diag_add(d, e->file, line, 0, SEV_ERROR, "dpa-expired", e->id,
                 "the DPA expired on %s: renew it and update expires=\"...\"",
                 date_format(e->dpa_expires, s));
    else if (e->dpa_expires != DATE_NONE && e->dpa_expires - day <= 30)
        diag_add(d, e->file, line, 0, SEV_WARNING, "dpa-expiring", e->id,
                 "the DPA expires on %s, within 30 days: renew it",
                 date_format(e->dpa_expires, s));
    if (e->effective != DATE_NONE && e->dpa_signed > e->effective)
        diag_add(d, e->file, line, 0, SEV_WARNING, "dpa-after-start", e->id,
                 "the DPA is signed on %s, after processing started on %s: processing without "
                 "a contract breaches Art. 28(3); check the dates",
                 date_format(e->dpa_signed, s), date_format(e->effective, s2));
}

void rules_check_entry(const registry *r, const entry *e, int day, diag_list *d)
{
    size_t from = d->n, i;
    char s[11], s2[11], s3[11];

    if (entry_live(e, day)) {
        check_locations(r, e, day, d);
        for (i = 0; i < e->ntransfers; i++) {
            const entry_transfer *t = &e->transfers[i];
            if (t->effective != DATE_NONE && t->effective > day)
                continue; /* upcoming */
            if (t->organisation || (t->country.cc[0] && !reference_in_eea_on(r->ref, t->country.cc, day)))
                check_mechanism(r, e, t, required_modules(e), day, d);
        }
        check_promises(r, e, day, d);
        check_onward(r, e, day, d);
        check_special(r, e, d);
        if ((e->flows & ROLE_PROCESSOR) && e->recipient == ROLE_CONTROLLER)
            diag_add(d, e->file, e->line_flow ? e->line_flow : e->line_root, 0, SEV_ERROR,
                     "recipient-controller", e->id,
                     "customers' data (flow processor) goes to an independent controller: that "
                     "is not sub-processing and needs each customer's documented instruction "
                     "(Art. 28(3)(a), 29); make the recipient a processor with a DPA, or remove "
                     "the processor flow");
        check_dpa(e, day, d);
        rules_check_facts(r, e, day, d);
        /* notice counts whole days after the announcement (Reg. 1182/71 Art. 3): announced
         * 11-01 with 14 days makes 11-16 the first day processing may start; for every flow:
         * the policy promises notice to the owner's own users as well as to customers */
        if (e->announced != DATE_NONE && e->effective != DATE_NONE) {
            rules_notice n;
            int first = rules_first_allowed_for(r, e, e->emergency != NULL, e->announced, &n);
            char owed[700];
            if (e->effective < first) {
                rules_notice_text(&n, owed, sizeof(owed));
                diag_add(d, e->file, e->line_effective, 0, SEV_ERROR, "notice-period", e->id,
                         "effective %s leaves less than %d whole days of notice after announced %s (%s): "
                         "set <effective> to %s or later",
                         date_format(e->effective, s), n.days, date_format(e->announced, s2), owed,
                         date_format(first, s3));
            }
        }
    }
    rules_check_customers(r, e, day, d);
    for (i = 0; i < e->nwaivers; i++) {
        const entry_waiver *w = &e->waivers[i];
        const rule_info *ri = w->rule ? rules_find(w->rule) : NULL;
        if (w->until != DATE_NONE && day > w->until)
            diag_add(d, e->file, w->line, 0, SEV_WARNING, "waiver-expired", e->id,
                     "the waiver for %s ended on %s and no longer suppresses anything: fix the "
                     "finding or extend until=\"...\"",
                     w->rule ? w->rule : "?", date_format(w->until, s));
        else if (ri && ri->sev == SEV_ERROR && w->until != DATE_NONE &&
                 w->until - day > r->settings.max_waiver_days)
            diag_add(d, e->file, w->line, 0, SEV_ERROR, "waiver-too-long", e->id,
                     "the waiver for %s runs until %s, more than %d days after %s, so it "
                     "suppresses nothing: an error may be waived for at most max-waiver-days; "
                     "set until=\"...\" to %s or earlier",
                     w->rule, date_format(w->until, s), r->settings.max_waiver_days,
                     date_format(day, s2), date_format(day + r->settings.max_waiver_days, s3));
    }
    rules_apply_waivers(r, day, d, from);
    entry_locate(e, d, from);
}

void rules_check(const registry *r, int day, diag_list *d)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        rules_check_entry(r, r->entries[i], day, d);
}
