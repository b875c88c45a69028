/* registry: a whole registry loaded into memory (settings, reference data, entries) from a
 * source, and the date-free checks ("schema", "registry", "country-unknown") that
 * `subreg validate`, the push hook and the API run before anything is committed. */
#ifndef SUBREG_REGISTRY_H
#define SUBREG_REGISTRY_H
#include <stddef.h>
#include "diag.h"
#include "customer.h"
#include "entry.h"
#include "reference.h"
#include "schema.h"
#include "source.h"
#include "store.h"
#include "xmldoc.h"

/* A data category of the registry's vocabulary (registry.xml <categories>). */
typedef struct registry_category_def {
    char *id, *label;
    char *special;                /* "art9", "biometric", "criminal", or NULL */
    char *label_fr, *label_nl;    /* the label in the page's other languages, or NULL */
} registry_category_def;

typedef enum { PROMISE_NONE, PROMISE_EU, PROMISE_EEA, PROMISE_COUNTRIES } promise_area;

/* A retention the privacy policy promises: category kept at most max_days. */
typedef struct registry_retention {
    char category[64];
    int max_days;
} registry_retention;
#define REGISTRY_MAX_RETENTION 50

typedef struct registry_settings {
    char *owner;
    char owner_country[3];
    int notice_days;
    int emergency_days;           /* <emergency-notice-days>: the standard DPA's, -1: none */
    int tia_months;
    int max_waiver_days;          /* longest waiver of an error, from the check date */
    int max_file_mib;             /* push guard: files outside the registry's own */
    int allow_tags;               /* push guard: tags may be pushed */
    promise_area promise_storage; /* where the privacy policy promises storage */
    char promise_countries[300];  /* PROMISE_COUNTRIES: "BE NL" */
    unsigned promise_mechanisms;  /* bit (1 << entry_mechanism) for each promised one */
    int has_mechanism_promise;
    int promise_training_none;    /* <promises><training none="true"/>: no vendor trains */
    registry_retention retention[REGISTRY_MAX_RETENTION]; /* <promises><retention .../> */
    size_t nretention;
    int breach_notice_hours;      /* a vendor's longest breach notice (default 24) */
    registry_category_def *categories; /* the vocabulary, or none (any category allowed) */
    size_t ncategories;
    char *public_url, *contact;   /* or NULL */
    char *dpo;                    /* the data protection officer's name and contact, or NULL */
    char *security;               /* summary of the Art. 32 measures (Art. 30(1)(g), (2)(d)), or NULL */
} registry_settings;

typedef struct registry {
    registry_settings settings;
    reference *ref;               /* owned */
    customer_set *customers;      /* customers/ (shared with registries of the same base), or NULL */
    entry **entries;              /* sorted by id; a reference to each is owned */
    size_t n, cap;
    char revision[41];            /* commit id, "" outside git */
} registry;

/* Parse, schema-check and read one sub-processor file. Problems go to d. Returns 0 with *out:
 * the entry (also when the schema refused it, so later checks can still run; entry_free), or
 * NULL when the XML is unusable (d says why); -1 with err set when out of memory. */
int registry_parse_entry(const schemas *xs, const char *data, size_t len, const char *file,
                         entry **out, diag_list *d, sr_err *err);
/* As registry_parse_entry with a reusable parser (see xmldoc_parser; NULL for a one-off). */
int registry_parse_entry_with(xmldoc_parser *p, const schemas *xs, const char *data, size_t len,
                              const char *file, entry **out, diag_list *d, sr_err *err);
/* The second half of registry_parse_entry, for a caller that parsed doc (from data, len)
 * itself: schema check and read, as file. from is where doc's own findings begin in d
 * (their columns are set from the text). The doc stays the caller's. Returns as
 * registry_parse_entry. */
int registry_entry_from_doc(const schemas *xs, xmlDocPtr doc, const char *data, size_t len,
                            const char *file, size_t from, entry **out, diag_list *d,
                            sr_err *err);
/* The date-free checks of one entry against the reference data: file name equals id,
 * country codes real (normalising EL/UK into the entry), transfers matching a location,
 * provider regions placed, waivers naming known rules, retired only with status retired.
 * expected_id may be NULL. */
void registry_check_entry(const reference *ref, entry *e, const char *expected_id,
                          diag_list *d);
/* Categories of e declared in r's vocabulary (when it has one): "registry" errors in d. */
void registry_check_categories(const registry *r, const entry *e, diag_list *d);
/* The vocabulary's definition of category id, or NULL. */
const registry_category_def *registry_category(const registry *r, const char *id);
/* The checks across entries: ids unique, a hosting provider claimed by one entry only,
 * categories declared. */
void registry_check_all(registry *r, diag_list *d);

/* Load the whole registry from src: registry.xml, the reference files, every subprocessors/ file,
 * then every check above. Problems go to d. Returns 0 with *out set (even when d holds
 * errors), or -1 with err set when the source cannot be read at all. */
int registry_load(source *src, const schemas *xs, registry **out, diag_list *d, sr_err *err);
/* Load only registry.xml, the reference files and the customers of src (no entries): what
 * checking one changed entry needs. Same contract as registry_load. */
int registry_load_base(source *src, const schemas *xs, registry **out, diag_list *d,
                       sr_err *err);
/* The registry of snap (read through src, a source on snap) from prev, the registry of
 * revision prev_rev with the same settings and reference files: entries of unchanged files
 * are shared with prev (referenced), the files that differ are parsed; the customers are
 * shared too, or loaded again when customers/ differs. Equal to
 * registry_load of snap but for diagnostics, which it does not collect. fresh (may be NULL):
 * an entry already parsed whose blob field is set, shared instead of parsing that blob.
 * Returns 0 with *out set, or -1 with err set. */
int registry_derive(store *s, const schemas *xs, store_snap *snap, source *src,
                    const registry *prev, const char *prev_rev, entry *fresh, registry **out,
                    sr_err *err);
/* An empty registry with default settings and the given reference (taken over), for
 * checking loose files. Returns NULL when out of memory. */
registry *registry_new(reference *ref);
/* Add e (its reference taken over), setting its blob id (NULL: ""); keeps the order by id.
 * Returns 0 or -1 (e untouched then). */
int registry_add(registry *r, entry *e, const char *blob);
/* An empty registry with the settings of other and its reference data (shared): what a
 * registry of a later revision with the same settings and reference files starts from.
 * NULL when out of memory. */
registry *registry_new_like(const registry *other);
/* Make room for n entries in total (registry_add then does not reallocate). 0 or -1. */
int registry_reserve(registry *r, size_t n);
/* The entry with id, or NULL; its index into entries when idx is not NULL. */
entry *registry_find(const registry *r, const char *id, size_t *idx);
void registry_free(registry *r);
#endif
