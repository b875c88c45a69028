/* objections: a customer's objection made through a notice's link, committed to git in the
 * customer's own file (customers/<id>.xml <objection status="open">), so that `check` on a
 * fresh clone sees it and the change it objects to is held back (rule objection-open). The
 * commit runs on the thread of writes, through the one writer, like every API write. */
#ifndef SUBREG_OBJECTIONS_H
#define SUBREG_OBJECTIONS_H
#include <stddef.h>
#include "serve.h"

#define OBJECTION_MAX_ITEMS 32

/* What one objection commits: an <objection> per entry the change set touches that
 * processes the customer's data. */
typedef struct objection_job {
    server *s;
    char customer[80];
    long long subscriber;
    char reason[4001];
    struct { char entry[80]; int change; } items[OBJECTION_MAX_ITEMS];
    size_t n;
    /* the outcome, after objection_commit */
    int rc;                 /* 0 done (committed, or nothing new to commit), -1 failed: why */
    int committed;          /* a commit was made */
    char commit[41];
    char why[300];
} objection_job;

/* The change set cs's items (the notice's JSON: [{id, effective, ...}]) that touch the data
 * of the customer whose contact subscriber is, from the served registry, into j (customer,
 * items). Returns the number of items (0: the subscriber speaks for no customer, or the
 * change touches none of its vendors). */
size_t objection_prepare(server *s, long long subscriber, const void *items_json, objection_job *j);
/* On the thread of writes: add j's objections (made today, via="email", status="open") to
 * customers/<customer>.xml at the tip, skipping those already open there, check and commit
 * with compare-and-swap (again when main moved), then bring what reads see up to it. Fills
 * j's outcome. */
void objection_commit(void *job);
#endif
