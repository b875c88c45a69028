/* entry: one sub-processor (subprocessors/<id>.xml) as a C struct, read from a parsed and
 * schema-checked document, and written as JSON in the public or the internal view. */
#ifndef SUBREG_ENTRY_H
#define SUBREG_ENTRY_H
#include <stdatomic.h>
#include <stddef.h>
#include <cjson/cJSON.h>
#include <libxml/tree.h>
#include "diag.h"
#include "facts.h"

typedef enum { ROLE_PROCESSOR = 1, ROLE_CONTROLLER = 2 } entry_role;        /* flags */
typedef enum { STATUS_PLANNED, STATUS_ACTIVE, STATUS_RETIRED, STATUS_UNKNOWN } entry_status;
typedef enum { USE_STORAGE, USE_PROCESSING, USE_ACCESS, USE_UNKNOWN } entry_use;
typedef enum {
    MECH_ADEQUACY, MECH_DPF, MECH_SCC, MECH_BCR, MECH_CODE, MECH_CERTIFICATION,
    MECH_ADHOC, MECH_DEROGATION, MECH_UNKNOWN
} entry_mechanism;

/* A country as written (up to 7 characters kept) and, once registry checks ran, its
 * normalised ISO code (cc[0] == 0 when unknown). */
typedef struct entry_country {
    char raw[8];
    char cc[3];
} entry_country;

typedef struct entry_location {
    entry_country country;
    entry_use use;
    char *provider, *region; /* or NULL */
    int announced, effective; /* a material change's dates, DATE_NONE when absent */
    int line;
} entry_location;

typedef enum { TIA_NONE, TIA_ADEQUATE, TIA_WITH_MEASURES, TIA_NOT_ADEQUATE } entry_tia_outcome;

typedef struct entry_transfer {
    entry_country country;
    entry_mechanism mechanism;
    char *clauses;           /* "2021/914" or NULL */
    unsigned modules;        /* bit (1 << m) for each module m in 1..4 */
    char *module_text;       /* as written, or NULL */
    int signed_on, tia, verified; /* DATE_NONE when absent */
    char *approval;          /* the approving decision or approved code/certification, or NULL */
    char *certified;         /* dpf: the organisation as the DPF List names it, or NULL */
    char *organisation;      /* a transfer to this international organisation, or NULL */
    int approved;            /* DATE_NONE when absent */
    entry_tia_outcome tia_outcome;
    char *measures;          /* supplementary measures, or NULL */
    int announced, effective; /* a material change's dates, DATE_NONE when absent */
    int hr;
    int line;
} entry_transfer;

/* One of the vendor's own sub-processors (the chain of processors). */
typedef struct entry_onward {
    char *name, *purpose;
    entry_country country;
    struct entry_location *locations;
    size_t nlocations;
    struct entry_transfer *transfers;
    size_t ntransfers;
    int announced, effective; /* when added to a live entry, DATE_NONE when absent */
    int line;
} entry_onward;

typedef struct entry_waiver {
    char *rule, *owner, *reason;
    int until;
    int line;
} entry_waiver;

/* The views of an entry: what the public sees, what a customer's token sees (entity address
 * and website, the full onward chain, whether a DPA exists), and everything. */
typedef enum { VIEW_PUBLIC = 0, VIEW_INTERNAL = 1, VIEW_CUSTOMER = 2, VIEW_COUNT = 3 } entry_view;

typedef struct entry {
    atomic_int refs;         /* entries are shared between registries (entry_ref) */
    char blob[41];           /* git blob id of the file, "" outside git */
    char *json[VIEW_COUNT];  /* rendered views (entry_view), or NULL */
    size_t json_len[VIEW_COUNT];
    char *id;
    char *file;              /* as shown in diagnostics */
    char *name, *entity_address, *website, *purpose, *internal;
    struct entry_text { char lang[8]; char *text; } *purposes; /* purpose in other languages */
    size_t npurposes;
    entry_country entity_country;
    char **categories;
    int *category_announced, *category_effective; /* per category, DATE_NONE when absent */
    int *category_line;      /* per category: the line of its <category> */
    size_t ncategories;
    char *dpia;              /* the DPIA covering it, or NULL */
    unsigned flows;          /* entry_role flags */
    int flow_effective[3];   /* by entry_role (1, 2): when a flow added to a live entry starts */
    int entity_effective;    /* when a replaced contracting entity takes over, DATE_NONE */
    int international;       /* the recipient is an international organisation */
    entry_role recipient;
    entry_status status;
    int announced, effective, retired;   /* DATE_NONE when absent */
    char *notice_ref;        /* <announced notice-ref>: proof of an earlier notice, or NULL */
    char *emergency;         /* emergency="reason": this change is an emergency replacement */
    char *customers_only;    /* <customers only="a b">: the customers it serves, or NULL (all) */
    char *customers_except;  /* <customers except="a b">: customers kept out of it, or NULL */
    int line_customers;
    int has_dpa, dpa_signed, dpa_expires;
    char *dpa_reference;
    entry_location *locations;
    size_t nlocations;
    entry_transfer *transfers;
    size_t ntransfers;
    entry_onward *onward;
    size_t nonward;
    char **hosting;
    size_t nhosting;
    entry_waiver *waivers;
    size_t nwaivers;
    entry_facts facts;       /* AI use, the DPA's contents, parent, erasure (facts.h) */
    /* where each line's first element starts (1-based column in characters, 0 for none), to
     * point findings at their element: owned, NULL outside registry_parse_entry */
    int *line_col;
    int nlines;
    /* line numbers for diagnostics (0 when the element is absent) */
    int line_root, line_entity, line_flow, line_status, line_announced, line_effective,
        line_retired, line_dpa, line_locations;
} entry;

/* Give the findings d->v[from..] of e's file that have a line and no column the column of
 * the element on that line (entry_index_lines must have run). */
void entry_locate(const entry *e, diag_list *d, size_t from);
/* Record where each line of e's source text starts its first element (for entry_locate),
 * and point the findings d->v[from..] of the file text at the attribute or element their
 * message names. Returns 0, or -1 when out of memory (nothing located). */
int entry_index_lines(entry *e, const char *text, size_t len, diag_list *d, size_t from);
/* Build an entry from a parsed document. Reads whatever is there, so that the date-free
 * checks can still run on a document the schema refused; a date that is not a calendar day
 * adds a "registry" error to d. Returns 0 with *out (free with entry_free), or NULL when the
 * root is not <subprocessor> in urn:subreg:1 (a "schema" error is added to d); -1 with err
 * set when out of memory. */
int entry_from_doc(xmlDocPtr doc, const char *file, entry **out, diag_list *d, sr_err *err);
/* Entries are reference counted so that registries of consecutive revisions share the
 * unchanged ones: entry_ref takes a reference (returns e), entry_free drops one and frees
 * on the last. An entry is immutable once it is in a registry (but for entry_render). */
entry *entry_ref(entry *e);
void entry_free(entry *e);
/* Render every view into e->json (unformatted) if not yet. Not thread-safe: call before the
 * entry is shared. Returns 0, -1 when out of memory. */
int entry_render(entry *e);

/* JSON of the entry in a view (entry_view): the public view holds only the public fields of
 * the format, the customer view adds what a customer's DPO needs, the internal view holds
 * everything. Caller owns it; NULL when out of memory. */
cJSON *entry_to_json(const entry *e, int view);

/* An addition to an entry (a material change) that takes effect after a day. */
typedef struct entry_upcoming {
    char what[160];           /* "location US (access)", "transfer to US (scc)", "category voiceprints" */
    int announced, effective; /* announced may be DATE_NONE */
    char kind;                /* 'L' a location, 'T' a transfer, 'C' a category */
    char cc[3];               /* L, T: the country's code ("" when unknown) */
    entry_use use;            /* L */
    entry_mechanism mechanism; /* T */
    const char *category;     /* C: the entry's (valid while the entry lives) */
} entry_upcoming;
/* The additions of e whose effective date is after day, in file order, into out (at most
 * max). Returns how many there are (may exceed max). */
size_t entry_upcoming_changes(const entry *e, int day, entry_upcoming *out, size_t max);

const char *entry_status_name(entry_status s);
const char *entry_use_name(entry_use u);
const char *entry_mechanism_name(entry_mechanism m);
/* The purpose in language lang ("fr"), else the default one. */
const char *entry_purpose(const entry *e, const char *lang);
/* Parse enumeration names; return the UNKNOWN value (or 0 for roles) when not one. */
entry_status entry_status_parse(const char *s);
entry_use entry_use_parse(const char *s);
entry_mechanism entry_mechanism_parse(const char *s);
/* 1 when s is a valid entry id: [a-z0-9][a-z0-9-]{0,62}. */
int entry_id_valid(const char *s);
#endif
