/* customer: one customer of the owner (customers/<id>.xml), a business whose personal data
 * the owner processes under a DPA with its own terms: notice period, objection window,
 * emergency replacements, excluded countries, accepted transfer mechanisms, the contacts who
 * receive notices (subscriber ids) and its objections to changes. Customer files are never
 * published; see docs/format.md "Customers". */
#ifndef SUBREG_CUSTOMER_H
#define SUBREG_CUSTOMER_H
#include <stdatomic.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include "diag.h"
#include "entry.h"
#include "schema.h"
#include "source.h"

struct reference;

typedef enum { OBJ_OPEN, OBJ_WITHDRAWN, OBJ_ACCEPTED, OBJ_TERMINATED } objection_status;

/* An objection to the change of entry taking effect on change (DATE_NONE: any change from
 * made on). */
typedef struct customer_objection {
    char *entry;
    int change, made, resolved;   /* DATE_NONE when absent */
    int via_email;                /* made through the notice's link (else by an editor) */
    long long subscriber;         /* who made it, 0 when unsaid */
    objection_status status;
    char *by, *reason;            /* or NULL */
    int line;
} customer_objection;

typedef struct customer_excluded {
    entry_country country;
    char *clause;                 /* the DPA's clause, or NULL */
    int line;
} customer_excluded;

typedef struct customer {
    char *id, *file, *name;
    char *dpa_reference;
    int dpa_signed;
    int notice_days;              /* 0: the registry's */
    int objection_days;           /* 0: the notice period */
    int emergency_days;           /* -1: the DPA allows no emergency replacement */
    char *emergency_clause;
    customer_excluded *excluded;
    size_t nexcluded;
    unsigned mechanisms;          /* bit (1 << entry_mechanism) accepted, when has_mechanisms */
    int has_mechanisms;
    char *mechanisms_clause;
    int line_mechanisms;
    long long *contacts;          /* subscriber ids */
    size_t ncontacts;
    customer_objection *objections;
    size_t nobjections;
    int line_root, line_notice;
} customer;

/* The customers of a registry, sorted by id; shared by registries of one revision's base. */
typedef struct customer_set {
    atomic_int refs;
    customer **v;
    size_t n;
} customer_set;

/* Parse data (len bytes) as the customer file file: XML, schema (findings to d), then read.
 * Returns 0 with *out (customer_free; also when the schema refused it), or *out NULL when the
 * XML is unusable or the root is not <customer> (d says why); -1 with err set when out of
 * memory. */
int customer_parse(const schemas *xs, const char *data, size_t len, const char *file,
                   customer **out, diag_list *d, sr_err *err);
void customer_free(customer *c);
/* The date-free checks of c: its id is expected_id (the file name; may be NULL) and its
 * excluded countries are countries (normalised in place). Findings to d. */
void customer_check(const struct reference *ref, customer *c, const char *expected_id,
                    diag_list *d);
/* Every customers/<id>.xml of src, parsed and checked (findings to d). Returns 0 with *out
 * (one reference, an empty set when there are none), or -1 with err set. */
int customers_load(source *src, const schemas *xs, const struct reference *ref,
                   customer_set **out, diag_list *d, sr_err *err);
/* Take a reference (returns s; NULL stays NULL), drop one (frees on the last). */
customer_set *customers_ref(customer_set *s);
void customers_free(customer_set *s);
/* The customer with id in s (may be NULL), or NULL. */
const customer *customers_find(const customer_set *s, const char *id);
/* The customer whose contacts include subscriber, or NULL. */
const customer *customers_of_subscriber(const customer_set *s, long long subscriber);

/* 1 when entry e processes customer id's data: e has the processor flow, and its
 * <customers only="..."> (when present) names id and its except="..." does not. */
int customer_served_by(const entry *e, const char *id);
/* 1 when e names the customers it serves (<customers only="...">): a change of it touches
 * those customers only, not every customer. */
int customer_entry_lists(const entry *e);

/* The name of an objection status ("open", ...). */
const char *customer_objection_status_name(objection_status s);
/* The customer as JSON for editors and the customer itself (never public): id, name, dpa,
 * terms, contacts, objections. Caller owns it; NULL when out of memory. */
cJSON *customer_to_json(const customer *c, int registry_notice_days);
#endif
