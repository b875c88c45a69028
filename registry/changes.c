/* What a change of an entry needs: which changes are material (a new country, use,
 * category, flow, onward sub-processor or contracting entity) and the notice each is owed
 * (change-notice, notice-period). The one definition for check --base, diff, the push, the
 * API and the notices. */
#include "rules.h"
#include <stdio.h>
#include <string.h>
#include "date.h"

int rules_first_allowed(const registry *r, int day)
{
    return day + r->settings.notice_days + 1;
}

/* One material change found by rules_check_change: what (e.g. "adding the location US
 * (storage)") takes effect on effective, which must leave the notice period after day (the
 * longest notice of the customers it touches, rules_notice_for). */
static void change_needs_notice(const registry *r, const entry *e, int emergency, int line,
                                int effective, int day, const char *what, diag_list *d)
{
    char s[11], owed[700];
    rules_notice n;
    int first = rules_first_allowed_for(r, e, emergency, day, &n);

    if (effective != DATE_NONE && effective >= first)
        return;
    rules_notice_text(&n, owed, sizeof(owed));
    diag_add(d, e->file, line, 0, SEV_ERROR, "change-notice", e->id,
             "%s is a material change: %s; %s: set effective=\"%s\" or later on it, and announce it",
             what, owed,
             effective == DATE_NONE ? "it has no effective date" : "its effective date is too early",
             date_format(first, s));
}

/* 1 when a and b are the same text (NULL is the empty text). */
static int same_text(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

void rules_material_changes(const registry *r, const entry *old, const entry *neu, int day,
                            rules_change_fn fn, void *ctx)
{
    size_t i, j;
    char what[300];

    /* every flow: the policy promises notice to the owner's own users as well as to
     * customers; a retired entry changes nothing any more */
    if (neu->status != STATUS_PLANNED && neu->status != STATUS_ACTIVE)
        return;
    if (!old)
        return;
    if (old->status == STATUS_RETIRED) {
        fn(ctx, neu, neu->line_status ? neu->line_status : neu->line_root, neu->effective,
           "making the retired vendor live again (set <effective> to the day it starts again)");
        return; /* the whole entry is new again: its additions are part of that change */
    }
    for (i = 1; i <= 2; i++)
        if ((neu->flows & i) && !(old->flows & i)) {
            snprintf(what, sizeof(what), "adding the %s flow (%s) to %s", i == ROLE_PROCESSOR ? "processor" : "controller",
                     i == ROLE_PROCESSOR ? "customers' data" : "the owner's users' data", neu->id);
            fn(ctx, neu, neu->line_flow, neu->flow_effective[i], what);
        }
    if (strcmp(old->entity_country.cc, neu->entity_country.cc) != 0 || !same_text(old->name, neu->name)) {
        snprintf(what, sizeof(what), "replacing the contracting entity of %s (%.80s, %s -> %.80s, %s)", neu->id,
                 old->name ? old->name : "?", old->entity_country.cc, neu->name ? neu->name : "?",
                 neu->entity_country.cc);
        fn(ctx, neu, neu->line_entity, neu->entity_effective, what);
    }
    for (i = 0; i < neu->nlocations; i++) {
        const entry_location *l = &neu->locations[i];
        int found = 0;
        for (j = 0; j < old->nlocations; j++)
            found |= strcmp(old->locations[j].country.cc, l->country.cc) == 0 &&
                     old->locations[j].use == l->use;
        if (found)
            continue;
        snprintf(what, sizeof(what), "adding the location %s (%s) to %s", l->country.cc,
                 entry_use_name(l->use), neu->id);
        fn(ctx, neu, l->line, l->effective, what);
    }
    for (i = 0; i < neu->ntransfers; i++) {
        const entry_transfer *t = &neu->transfers[i];
        int found = 0;
        if (!t->country.cc[0] || reference_in_eea_on(r->ref, t->country.cc, day))
            continue;
        for (j = 0; j < old->ntransfers; j++)
            found |= strcmp(old->transfers[j].country.cc, t->country.cc) == 0;
        if (found)
            continue;
        snprintf(what, sizeof(what), "adding a transfer to %s to %s", t->country.cc, neu->id);
        fn(ctx, neu, t->line, t->effective, what);
    }
    for (i = 0; i < neu->ncategories; i++) {
        int found = 0;
        for (j = 0; j < old->ncategories; j++)
            found |= neu->categories[i] && old->categories[j] &&
                     strcmp(old->categories[j], neu->categories[i]) == 0;
        if (found)
            continue;
        snprintf(what, sizeof(what), "adding the data category %s to %s",
                 neu->categories[i] ? neu->categories[i] : "?", neu->id);
        fn(ctx, neu, neu->line_root, neu->category_effective[i], what);
    }
    /* the chain: an onward sub-processor added (Art. 28(2) and (4)) */
    for (i = 0; i < neu->nonward; i++) {
        const entry_onward *o = &neu->onward[i];
        int found = 0;
        for (j = 0; j < old->nonward; j++)
            found |= same_text(old->onward[j].name, o->name);
        if (found)
            continue;
        snprintf(what, sizeof(what), "adding the onward sub-processor %.120s to %s", o->name ? o->name : "?", neu->id);
        fn(ctx, neu, o->line, o->effective, what);
    }
}

typedef struct notice_ctx {
    const registry *r;
    int day, emergency;
    diag_list *d;
} notice_ctx;

/* A rules_material_changes callback: the notice that change needs (change_needs_notice). */
static void notice_owed(void *ctx, const entry *neu, int line, int effective, const char *what)
{
    notice_ctx *c = ctx;

    change_needs_notice(c->r, neu, c->emergency, line, effective, c->day, what, c->d);
}

void rules_check_change(const registry *r, const entry *old, const entry *neu, int day,
                        diag_list *d)
{
    /* an emergency replacement is what this change says it is: emergency="..." set or
     * changed by it (the same words left from an earlier change say nothing of this one) */
    int emergency = neu->emergency && (!old || !same_text(old->emergency, neu->emergency));
    notice_ctx c = {r, day, emergency, d};

    if (neu->status != STATUS_PLANNED && neu->status != STATUS_ACTIVE)
        return;
    if (!old) {
        /* A new entry: a commit's dates prove nothing, so an announcement dated before the
         * change reaches main (day) counts from day, unless notice-ref records its proof.
         * Only for processing yet to start: a vendor already in use is a fact to record. */
        char s1[11], s2[11], s3[11];
        int first = rules_first_allowed_for(r, neu, emergency, day, NULL);
        if (neu->announced != DATE_NONE && neu->announced < day && !neu->notice_ref &&
            neu->effective != DATE_NONE && neu->effective >= day && neu->effective < first)
            diag_add(d, neu->file, neu->line_announced ? neu->line_announced : neu->line_root, 0, SEV_ERROR,
                     "notice-period", neu->id,
                     "announced %s is before this new entry reaches main (%s), and nothing proves the "
                     "earlier notice, so the notice counts from %s: set <effective> to %s or later, "
                     "or record the notice's proof in notice-ref=\"...\" on <announced>",
                     date_format(neu->announced, s1), date_format(day, s2), s2,
                     date_format(first, s3));
        return;
    }
    rules_material_changes(r, old, neu, day, notice_owed, &c);
}
