/* rules: the compliance rules of the registry format (see docs/rules.md), evaluated over a
 * loaded registry as of a date. One engine serves `subreg check`, the push hook and the
 * API, so the same input gives the same findings everywhere. */
#ifndef SUBREG_RULES_H
#define SUBREG_RULES_H
#include <stddef.h>
#include "diag.h"
#include "registry.h"

typedef struct rule_info {
    const char *id;
    severity sev;
    const char *title;     /* one line: when it fires */
    const char *source;    /* the legal source */
    const char *fix;       /* what to do */
} rule_info;

/* The rule table (stable ids). *n receives its length. */
const rule_info *rules_all(size_t *n);
/* The rule with id, or NULL. Also knows "schema" and "registry". */
const rule_info *rules_find(const char *id);

/* 0 when findings of rule id can never be waived (a transfer without a valid mechanism has
 * no grace period; a broken file is fixed, not waived), 1 when they can. */
int rules_waivable(const char *id);

/* Append the findings of entry e as of day to d, with waivers applied (waived findings
 * are kept with waived = 1). Never fails but for lost diagnostics when out of memory. */
void rules_check_entry(const registry *r, const entry *e, int day, diag_list *d);
/* rules_check_entry for every entry. */
void rules_check(const registry *r, int day, diag_list *d);
/* Mark the findings d->v[from..] that a waiver of their entry suppresses on day (rule
 * matches, day <= until) as waived, keeping them in the list. rules_check_entry calls it;
 * the hosting check calls it for its own findings. */
void rules_apply_waivers(const registry *r, int day, diag_list *d, size_t from);
/* One material change: what changed (e.g. "adding the location US (storage) to aws"), the
 * line of the element in neu's file and the day it takes effect (DATE_NONE when unsaid). */
typedef void (*rules_change_fn)(void *ctx, const struct entry *neu, int line, int effective,
                                const char *what);
/* Every material change from old to neu (a planned or active entry) in file order: the one
 * definition of "material" that change-notice and the notices of changes share. old NULL
 * (a new entry) calls nothing. day decides which transfers are to third countries. */
void rules_material_changes(const registry *r, const entry *old, const entry *neu, int day,
                            rules_change_fn fn, void *ctx);
/* The rules over a live entry's facts (facts.h: AI use, the DPA's contents, foreign law),
 * findings to d; rules_check_entry calls it. */
void rules_check_facts(const registry *r, const entry *e, int day, diag_list *d);
/* The first day a change announced on day may take effect: notice-days whole days after it
 * (Reg. 1182/71 Art. 3: the day of the announcement does not count). The registry's own
 * notice; rules_first_allowed_for is a given entry's. */
int rules_first_allowed(const registry *r, int day);

/* The notice a change of an entry owes (customer_rules.c). */
typedef struct rules_notice {
    int days;                      /* whole days */
    const struct customer *who;    /* the customer whose DPA sets it, NULL: the standard terms */
    int emergency;                 /* the shorter notice of an emergency replacement applies */
    const struct customer *refuser;/* emergency asked, refused by this customer's DPA */
    int standard_refuses;          /* emergency asked, refused by the standard terms */
} rules_notice;
/* The notice a change of e announced on day owes: the longest among the terms it touches
 * (the registry's notice-days for the owner's users and for customers without a file, when
 * e has a controller flow or serves every customer; each customer's own notice-days, or the
 * registry's, for the customers whose data e processes and whose DPA was signed by day). emergency = 1: the change says it
 * is an emergency replacement, so each uses its emergency notice, when every term it touches
 * allows one. Into *out. */
void rules_notice_for(const registry *r, const entry *e, int emergency, int day, rules_notice *out);
/* The first day a change of e announced on day may take effect (rules_notice_for's days
 * after day); the notice into *out when it is not NULL. */
int rules_first_allowed_for(const registry *r, const entry *e, int emergency, int day,
                            rules_notice *out);
/* The notice n in words for a finding ("customer Acme (acme, customers/acme.xml) is owed
 * 60 whole days of notice under its DPA"), into out (size bytes, always terminated). */
void rules_notice_text(const rules_notice *n, char *out, size_t size);
/* The rules over the customers' terms for e as of day (customer-excluded-country,
 * objection-open, and "registry" errors for customer ids that name no file), to d;
 * rules_check_entry calls it. */
void rules_check_customers(const registry *r, const entry *e, int day, diag_list *d);
/* The material changes from old (the entry on the base the change lands on) to neu (the
 * change) as of day: each location country or use, data category, third-country transfer,
 * flow or onward sub-processor added to a planned or active entry, its contracting entity
 * replaced, or the entry made live again after retirement, must carry an effective date
 * at least notice-days whole days after day ("change-notice" errors in d). old NULL: a new
 * entry, nothing to compare (its own notice is the rule notice-period). */
void rules_check_change(const registry *r, const entry *old, const entry *neu, int day,
                        diag_list *d);
#endif
