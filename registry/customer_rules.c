/* The rules over customers' terms (customers/<id>.xml): the notice a change owes (the longest
 * among the customers it touches, or an emergency replacement's shorter one when every one of
 * them allows it), customer-excluded-country (a country or a transfer mechanism a customer's
 * DPA excludes) and objection-open (a customer's open objection holds the change back). The
 * one definition for check, the push, the API and the customer's view. */
#include "rules.h"
#include <stdio.h>
#include <string.h>
#include "customer.h"
#include "date.h"

/* 1 when e's change touches the standard terms (registry.xml): the owner's users (a
 * controller flow) or customers without a file of their own (a processor flow serving every
 * customer). */
static int touches_standard(const entry *e)
{
    return (e->flows & ROLE_CONTROLLER) || !(e->flows & ROLE_PROCESSOR) || !customer_entry_lists(e);
}

/* 1 when a change of e announced on day is owed to customer c: e processes c's data and c's
 * DPA was signed by then (a customer that signs later accepted the list as it stood). */
static int owed_to(const entry *e, const customer *c, int day)
{
    return customer_served_by(e, c->id) && (c->dpa_signed == DATE_NONE || c->dpa_signed <= day);
}

void rules_notice_for(const registry *r, const entry *e, int emergency, int day, rules_notice *out)
{
    /* one pass over the customers it is owed to: the longest normal notice and the longest
     * emergency notice, each with whose it is, and the first DPA that allows no emergency */
    const customer *who = NULL, *who_emergency = NULL, *refuser = NULL;
    int standard = touches_standard(e), days = -1, days_emergency = -1, allowed;
    size_t i, n = 0;

    memset(out, 0, sizeof(*out));
    for (i = 0; r->customers && i < r->customers->n; i++) {
        const customer *c = r->customers->v[i];
        int normal = c->notice_days ? c->notice_days : r->settings.notice_days;
        if (!owed_to(e, c, day))
            continue;
        n++;
        if (normal > days)
            days = normal, who = c;
        if (c->emergency_days < 0 && !refuser)
            refuser = c;
        if (c->emergency_days > days_emergency)
            days_emergency = c->emergency_days, who_emergency = c;
    }
    if (n == 0)
        standard = 1; /* a list of customers none of whom has a file: the standard terms */
    allowed = emergency && !refuser && (!standard || r->settings.emergency_days >= 0);
    out->emergency = allowed;
    out->refuser = emergency && !allowed ? refuser : NULL;
    out->standard_refuses = emergency && !allowed && !refuser;
    if (allowed)
        days = days_emergency, who = who_emergency;
    /* the standard terms count first: a customer sets the notice only by asking for more */
    if (standard && (allowed ? r->settings.emergency_days : r->settings.notice_days) >= days) {
        days = allowed ? r->settings.emergency_days : r->settings.notice_days;
        who = NULL;
    }
    out->days = days < 0 ? r->settings.notice_days : days;
    out->who = days < 0 ? NULL : who;
}

int rules_first_allowed_for(const registry *r, const entry *e, int emergency, int day,
                            rules_notice *out)
{
    rules_notice local;

    rules_notice_for(r, e, emergency, day, out ? out : &local);
    return day + (out ? out : &local)->days + 1;
}

void rules_notice_text(const rules_notice *n, char *out, size_t size)
{
    size_t k;

    if (n->who)
        k = (size_t)snprintf(out, size, "customer %.200s (%s, %s) is owed %d whole days of notice%s",
                             n->who->name ? n->who->name : n->who->id, n->who->id, n->who->file, n->days,
                             n->who->notice_days || n->emergency ? " under its DPA" : "");
    else
        k = (size_t)snprintf(out, size, "customers and users are owed %d whole days of notice", n->days);
    if (k >= size)
        return;
    if (n->emergency)
        snprintf(out + k, size - k, " (an emergency replacement, which every affected customer's DPA allows)");
    else if (n->refuser)
        snprintf(out + k, size - k, " (emergency=\"...\" does not shorten it: the DPA of customer %.200s (%s) "
                                    "allows no emergency replacement)",
                 n->refuser->name ? n->refuser->name : n->refuser->id, n->refuser->id);
    else if (n->standard_refuses)
        snprintf(out + k, size - k, " (emergency=\"...\" does not shorten it: the standard DPA allows no "
                                    "emergency replacement; set emergency-notice-days in registry.xml if it does)");
}

/* The customer's clause as text for a message: " (CLAUSE)" or "". */
static void clause_text(const char *clause, char *out, size_t n)
{
    if (clause && *clause)
        snprintf(out, n, " (%.300s)", clause);
    else
        out[0] = '\0';
}

/* A location of e (or of its onward sub-processor o) in a country c excluded. */
static void excluded_location(const entry *e, const char *onward, const entry_location *l,
                              const customer *c, diag_list *d)
{
    size_t k;
    char cl[320];

    for (k = 0; k < c->nexcluded; k++) {
        const customer_excluded *x = &c->excluded[k];
        if (!x->country.cc[0] || strcmp(x->country.cc, l->country.cc) != 0)
            continue;
        clause_text(x->clause, cl, sizeof(cl));
        diag_add(d, e->file, l->line, 0, SEV_ERROR, "customer-excluded-country", e->id,
                 "%s%s%s processes the data of customer %.200s (%s) in %s (%s), a country its DPA "
                 "excludes%s, %s line %d: keep %s's data out of %s (<customers except=\"%s\"/>) or "
                 "process it elsewhere",
                 onward ? onward : e->id, onward ? ", onward sub-processor of " : "", onward ? e->id : "",
                 c->name ? c->name : c->id, c->id, l->country.cc, entry_use_name(l->use), cl, c->file,
                 x->line, c->id, e->id, c->id);
    }
}

/* The transfers trs of e (or of its onward sub-processor) to third countries: each country
 * needs one on a mechanism customer c accepts. */
static void unaccepted_mechanism(const registry *r, const entry *e, const char *onward,
                                 const entry_transfer *trs, size_t n, const customer *c, int day,
                                 diag_list *d)
{
    size_t i, j;
    char cl[320];

    if (!c->has_mechanisms)
        return;
    for (i = 0; i < n; i++) {
        const entry_transfer *t = &trs[i];
        int ok = 0, first = 1;
        if (!t->country.cc[0] || reference_in_eea_on(r->ref, t->country.cc, day))
            continue;
        for (j = 0; j < n; j++) {
            if (strcmp(trs[j].country.cc, t->country.cc) != 0)
                continue;
            if (j < i)
                first = 0;
            ok |= (c->mechanisms >> trs[j].mechanism) & 1;
        }
        if (ok || !first)
            continue;
        clause_text(c->mechanisms_clause, cl, sizeof(cl));
        diag_add(d, e->file, t->line, 0, SEV_ERROR, "customer-excluded-country", e->id,
                 "the transfer of customer %.200s's (%s) data to %s%s%s relies on %s, a mechanism its "
                 "DPA does not accept%s, %s line %d: add a transfer on a mechanism it accepts, or keep "
                 "%s's data out of %s (<customers except=\"%s\"/>)",
                 c->name ? c->name : c->id, c->id, t->country.cc, onward ? " by " : "", onward ? onward : "",
                 entry_mechanism_name(t->mechanism), cl, c->file, c->line_mechanisms, c->id, e->id, c->id);
    }
}

/* The element of e taking effect on or after from (DATE_NONE: none): its line and day. */
static int pending_change(const entry *e, int from, int *day)
{
    size_t i;
    int line = 0, best = DATE_NONE;

#define CONSIDER(eff, ln)                                                                          \
    do {                                                                                           \
        if ((eff) != DATE_NONE && (eff) >= from && (best == DATE_NONE || (eff) < best)) {          \
            best = (eff);                                                                          \
            line = (ln);                                                                           \
        }                                                                                          \
    } while (0)
    if (e->status == STATUS_PLANNED)
        CONSIDER(e->effective, e->line_effective ? e->line_effective : e->line_root);
    for (i = 0; i < e->nlocations; i++)
        CONSIDER(e->locations[i].effective, e->locations[i].line);
    for (i = 0; i < e->ntransfers; i++)
        CONSIDER(e->transfers[i].effective, e->transfers[i].line);
    for (i = 0; i < e->ncategories; i++)
        CONSIDER(e->category_effective[i], e->category_line ? e->category_line[i] : e->line_root);
    for (i = 0; i < e->nonward; i++)
        CONSIDER(e->onward[i].effective, e->onward[i].line);
    for (i = 1; i <= 2; i++)
        CONSIDER(e->flow_effective[i], e->line_flow);
    CONSIDER(e->entity_effective, e->line_entity);
#undef CONSIDER
    *day = best;
    return line ? line : e->line_root;
}

/* The objections of c to e: an open one holds e's change back while e still carries a change
 * taking effect on or after the day objected to; an accepted one keeps c's data out of e. */
static void check_objections(const entry *e, const customer *c, diag_list *d)
{
    size_t i;
    char s1[11], s2[11], s3[11];

    for (i = 0; i < c->nobjections; i++) {
        const customer_objection *o = &c->objections[i];
        int held, line;
        if (!o->entry || !e->id || strcmp(o->entry, e->id) != 0)
            continue;
        if (o->status == OBJ_OPEN) {
            line = pending_change(e, o->change != DATE_NONE ? o->change : o->made, &held);
            if (held == DATE_NONE)
                continue; /* the change was withdrawn: nothing is held */
            diag_add(d, e->file, line, 0, SEV_ERROR, "objection-open", e->id,
                     "customer %.200s (%s) objected on %s to the change of %s taking effect on %s "
                     "(%s line %d): the change cannot take effect while the objection is open; "
                     "record its resolution there (status=\"withdrawn\", \"accepted\" with %s's data "
                     "kept out of %s, or \"terminated\", with resolved=\"YYYY-MM-DD\"), or withdraw the change",
                     c->name ? c->name : c->id, c->id, date_format(o->made, s1), e->id,
                     date_format(o->change != DATE_NONE ? o->change : held, s2), c->file, o->line,
                     c->id, e->id);
        } else if (o->status == OBJ_ACCEPTED && customer_served_by(e, c->id)) {
            diag_add(d, e->file, e->line_customers ? e->line_customers : e->line_root, 0, SEV_ERROR,
                     "objection-open", e->id,
                     "the objection of customer %.200s (%s) to %s was accepted on %s (%s line %d), so "
                     "its data must stay out of %s: add <customers except=\"%s\"/> (or leave %s out of "
                     "only=\"...\")",
                     c->name ? c->name : c->id, c->id, e->id, date_format(o->resolved, s3), c->file,
                     o->line, e->id, c->id, c->id);
        }
    }
}

/* Each id of the space-separated list that names no customer file: a "registry" error. */
static void unknown_ids(const registry *r, const entry *e, const char *list, const char *attr,
                        diag_list *d)
{
    char id[80];
    const char *p = list;

    while (p && *p) {
        size_t n = 0;
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        while (p[n] && p[n] != ' ' && p[n] != '\t' && p[n] != '\n')
            n++;
        if (n) {
            snprintf(id, sizeof(id), "%.*s", (int)(n < 79 ? n : 79), p);
            if (!customers_find(r->customers, id))
                diag_add(d, e->file, e->line_customers, 0, SEV_ERROR, "registry", e->id,
                         "<customers %s=\"...\"> names %s, which has no customers/%s.xml: add the "
                         "customer's file or correct the id", attr, id, id);
        }
        p += n;
    }
}

void rules_check_customers(const registry *r, const entry *e, int day, diag_list *d)
{
    size_t i, k, j;

    unknown_ids(r, e, e->customers_only, "only", d);
    unknown_ids(r, e, e->customers_except, "except", d);
    if (e->status != STATUS_PLANNED && e->status != STATUS_ACTIVE)
        return;
    for (i = 0; r->customers && i < r->customers->n; i++) {
        const customer *c = r->customers->v[i];
        check_objections(e, c, d);
        if (!customer_served_by(e, c->id))
            continue;
        for (k = 0; k < e->nlocations; k++)
            excluded_location(e, NULL, &e->locations[k], c, d);
        for (j = 0; j < e->nonward; j++)
            for (k = 0; k < e->onward[j].nlocations; k++)
                excluded_location(e, e->onward[j].name ? e->onward[j].name : "?", &e->onward[j].locations[k], c, d);
        unaccepted_mechanism(r, e, NULL, e->transfers, e->ntransfers, c, day, d);
        for (j = 0; j < e->nonward; j++)
            unaccepted_mechanism(r, e, e->onward[j].name ? e->onward[j].name : "?", e->onward[j].transfers,
                                 e->onward[j].ntransfers, c, day, d);
    }
}
