/* facts: what a DPO must know about a vendor beyond where data goes (issue #26): its use of
 * AI models (training on customers' data, retention, zero retention, the AI Act role), the
 * contents of the signed DPA (GDPR Art. 28(3)(a)-(h) and the breach-notice time), its
 * exposure to foreign law through a parent company, and how an erasure reaches it. Read from
 * an entry's <dpa><clauses>, <parent>, <ai> and <erasure>; written into the entry's JSON.
 * The rules over these facts are in facts_rules.c. */
#ifndef SUBREG_FACTS_H
#define SUBREG_FACTS_H
#include <stddef.h>
#include <cjson/cJSON.h>
#include <libxml/tree.h>
#include "diag.h"

/* The clauses of Art. 28(3), in the order of its letters (a) to (h). */
enum {
    DPA_INSTRUCTIONS, DPA_CONFIDENTIALITY, DPA_SECURITY, DPA_SUBPROCESSING, DPA_DSR,
    DPA_ASSISTANCE, DPA_DELETION, DPA_AUDITS, DPA_NCLAUSES
};
/* The clause's attribute in <clauses> ("instructions"), and what it is in words. */
extern const char *const facts_clause_attr[DPA_NCLAUSES];
extern const char *const facts_clause_words[DPA_NCLAUSES];

typedef enum { TRAIN_UNKNOWN, TRAIN_NONE, TRAIN_OPT_OUT, TRAIN_OPT_IN } facts_training;

typedef struct facts_source {
    char *url;
    int date;                /* DATE_NONE when absent */
    char *text;              /* what the document says, or NULL */
} facts_source;

typedef struct entry_facts {
    /* <dpa breach-notice-hours><clauses .../></dpa> */
    signed char clause[DPA_NCLAUSES]; /* -1 not recorded, 0 absent from the DPA, 1 there */
    int has_clauses, line_clauses;
    int breach_hours;        /* -1 not recorded */
    /* <parent country fisa-702 cloud-act dpf-name assessed>name</parent> */
    char *parent, *parent_cc, *dpf_name, *assessment;
    int fisa702, cloud_act;  /* -1 not recorded, 0, 1 */
    int assessed;            /* DATE_NONE when absent */
    int line_parent;
    /* <ai ...> */
    int has_ai, line_ai;
    char *ai_role, *models;
    facts_training training;
    int opted_out;           /* TRAIN_OPT_OUT: the day of the opt-out, DATE_NONE */
    char *training_ref;
    int input_days, output_days, abuse_days; /* -1 not recorded */
    int human_review;        /* -1 not recorded, 0, 1 */
    int has_zr, zr_since, line_zr;
    char *zr_evidence;
    int example;             /* the facts are example data, from no vendor's document */
    facts_source *sources;
    size_t nsources;
    /* <erasure via days>how</erasure> */
    int has_erasure, erasure_days, line_erasure; /* days -1 when not recorded */
    char *erasure_via, *erasure_how;
} entry_facts;

/* Set every field to "not recorded". */
void facts_init(entry_facts *f);
void facts_free(entry_facts *f);
/* Read n when it is one of the facts' elements: <parent>, <ai>, <erasure> (returns 1), or
 * <dpa>, whose breach-notice-hours and <clauses> are facts while the rest of it is the
 * entry's (returns 0, so that the entry reads it too). A date that is not a calendar day is
 * a "registry" error in d for file. Returns 0 for any other element, -1 when out of memory. */
int facts_read(entry_facts *f, xmlNodePtr n, const char *file, diag_list *d);
/* Add the facts to an entry's JSON object o in a view (entry_view): "ai" and "dpa"'s
 * clauses in every view; "parent" and "erasure" in the customer's and internal views.
 * dpa (may be NULL) is the object of the entry's "dpa". Returns 0, -1 when out of memory. */
int facts_json(const entry_facts *f, int view, cJSON *o, cJSON *dpa);
/* The longest any copy of the vendor's is kept (inputs, outputs, abuse monitoring), in days:
 * 0 under zero retention but for abuse monitoring; -1 when nothing is recorded. */
int facts_retention_days(const entry_facts *f);
#endif
