/* reference: the registry's reference data, loaded from reference/countries.xml and
 * reference/regions.xml: ISO 3166-1 countries, EEA membership, input aliases (EL, UK),
 * adequacy decisions with validity windows and scope, and cloud region -> country maps.
 * Immutable once loaded: share it read-only between threads. */
#ifndef SUBREG_REFERENCE_H
#define SUBREG_REFERENCE_H
#include <stddef.h>
#include <cjson/cJSON.h>
#include "diag.h"
#include "schema.h"

typedef enum { SCOPE_WHOLE, SCOPE_PARTIAL, SCOPE_DPF, SCOPE_FORMER } adequacy_scope;

/* A later decision that changes an adequacy decision's end from the day it was adopted. */
typedef struct adequacy_amendment {
    char *instrument;
    int adopted;
    int ends;            /* new last day in force, or DATE_NONE for open-ended */
    char *note;          /* or NULL */
} adequacy_amendment;

typedef struct adequacy {
    char country[3];     /* "" for an international organisation */
    char *organisation;  /* or NULL */
    char *instrument;    /* "Implementing Decision (EU) 2021/1772" */
    int adopted;         /* day number */
    int in_force;        /* day it took effect when not the day of adoption, or DATE_NONE */
    int ends;            /* last day in force as adopted, or DATE_NONE for open-ended */
    int revoked;         /* day a court invalidated it, or DATE_NONE */
    adequacy_scope scope;
    char *note;          /* or NULL */
    char *contested;     /* a pending challenge, or NULL */
    int contested_since; /* the day it was lodged, or DATE_NONE (then: always cited) */
    adequacy_amendment *amendments; /* in order of adoption */
    size_t namendments;
    int line;            /* in countries.xml */
} adequacy;

typedef struct reference reference;

/* Load reference data from the two files' bytes (names used in diagnostics), validating
 * them with xsd (schemas/reference.xsd). Problems become diagnostics in d (rule "schema"
 * or "registry"). Returns 0 with *out: the reference (reference_free), or NULL when it is
 * unusable (d says why); -1 with err set when out of memory. */
int reference_load(const char *countries, size_t clen, const char *cfile, const char *regions,
                   size_t rlen, const char *rfile, const schema *xsd, reference **out,
                   diag_list *d, sr_err *err);
/* The reference data built into this program (a copy of data/seed/reference). */
reference *reference_builtin(const schema *xsd, sr_err *err);
/* Reference data is immutable and reference counted: reference_ref takes a reference
 * (returns r), reference_free drops one and frees on the last. */
reference *reference_ref(reference *r);
void reference_free(reference *r);

/* Normalise a code as written (aliases EL -> GR, UK -> GB) into out. Returns out, or NULL
 * when code is not an ISO 3166-1 alpha-2 country of the reference data. */
const char *reference_country(const reference *r, const char *code, char out[3]);
/* 1 when the normalised code cc is inside the EEA today (the current membership). */
int reference_in_eea(const reference *r, const char *cc);
/* 1 when a transfer to cc on day is not a transfer to a third country: cc was inside the
 * EEA on day (membership, or eea-until for a State that left), or a bridge agreement
 * covered day. */
int reference_in_eea_on(const reference *r, const char *cc, int day);
/* 1 when cc was a member State of the EU on day: the EEA less Iceland, Liechtenstein and
 * Norway (the EU's outermost regions are inside it). */
int reference_in_eu_on(const reference *r, const char *cc, int day);
/* English short name of cc, or NULL. */
const char *reference_country_name(const reference *r, const char *cc);
/* The adequacy decision for cc in force on day (from its in-force or adopted day to its end
 * as amended on day, before revoked); the one ending last when several are. Former
 * frameworks (Safe Harbour, Privacy Shield) are never returned. NULL when none. */
const adequacy *reference_adequacy(const reference *r, const char *cc, int day);
/* The last day in force of a as known on day: its own end, or the end set by the latest
 * amendment adopted on or before day. DATE_NONE when open-ended. */
int reference_adequacy_end(const adequacy *a, int day);
/* Map provider's region id to a country into out. Returns 0, -1 for an unknown provider,
 * -2 for a region the reference data does not place (fail closed). */
int reference_region(const reference *r, const char *provider, const char *region, char out[3]);
/* What a Terraform resource type is, for hosting checks (regions.xml <type>). */
typedef enum { KIND_STORAGE, KIND_COMPUTE, KIND_EDGE, KIND_CONTROL } resource_kind;

/* The kind of provider's resource type: the first <type match> of that provider that fits
 * type, KIND_STORAGE when none does (fail closed). *countries is set to the countries an
 * edge type is mapped to ("US CA", or NULL when none); *note to the type's note or NULL.
 * countries and note may be NULL. */
resource_kind reference_resource_kind(const reference *r, const char *provider, const char *type,
                                      const char **countries, const char **note);
/* "storage", "compute", "edge", "control-plane". */
const char *reference_kind_name(resource_kind k);
/* 1 when the reference data lists regions for provider. */
int reference_has_provider(const reference *r, const char *provider);
/* The whole reference as JSON: {"eea": [...], "countries": [...], "adequacy": [...]}.
 * Caller owns the result (cJSON_Delete); NULL when out of memory. */
cJSON *reference_to_json(const reference *r);
#endif
