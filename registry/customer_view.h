/* customer_view: the registry as it applies to one customer, as of a day: its terms, the
 * sub-processors that process its data with their safeguards, the upcoming changes that
 * affect it with the last day to object, and its objections. One computation for
 * GET /v1/customers/{id}, the customer's page and `subreg export --customer`. Never public. */
#ifndef SUBREG_CUSTOMER_VIEW_H
#define SUBREG_CUSTOMER_VIEW_H
#include <cjson/cJSON.h>
#include "buf.h"
#include "customer.h"
#include "registry.h"

/* One upcoming change that affects the customer. */
typedef struct customer_change {
    const entry *e;
    char what[200];           /* "new sub-processor", "location US (access)", ... */
    int announced, effective; /* announced may be DATE_NONE */
    int object_until;         /* the last day the customer may object */
} customer_change;

/* The upcoming changes of r as of day that affect c, in entry order, into out (at most max).
 * Returns how many there are (may exceed max). */
size_t customer_changes(const registry *r, const customer *c, int day, customer_change *out,
                        size_t max);
/* The last day customer c may object to a change announced on announced (DATE_NONE: day)
 * taking effect on effective: its objection window (objection-days, else its notice), and
 * never on or after the day the change takes effect. */
int customer_object_until(const registry *r, const customer *c, int announced, int effective,
                          int day);
/* The view as JSON: {"customer": customer_to_json, "as_of", "subprocessors": [entry in the
 * customer view], "upcoming": [{id, name, change, announced, effective, object_until}]}.
 * Caller owns it; NULL when out of memory. */
cJSON *customer_view_json(const registry *r, const customer *c, int day);
/* The view for the customer's DPO to file: Markdown (md = 1) or CSV (one row per
 * sub-processor and country, with its safeguards). Returns 0 or -1 (out of memory). */
int customer_view_md(const registry *r, const customer *c, int day, buf *out);
int customer_view_csv(const registry *r, const customer *c, int day, buf *out);
/* The view as an HTML fragment (every text escaped) for the customer's page: terms,
 * sub-processors, upcoming changes with the last day to object, objections. 0 or -1. */
int customer_view_html(const registry *r, const customer *c, int day, buf *out);
#endif
