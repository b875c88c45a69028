#include "facts.h"
#include <stdlib.h>
#include <string.h>
#include "date.h"
#include "entry.h"
#include "json.h"
#include "xmldoc.h"

const char *const facts_clause_attr[DPA_NCLAUSES] = {
    "instructions", "confidentiality", "security", "subprocessing", "data-subject-rights",
    "assistance", "deletion", "audits"};
const char *const facts_clause_words[DPA_NCLAUSES] = {
    "processing only on documented instructions (Art. 28(3)(a))",
    "confidentiality of the persons authorised to process (Art. 28(3)(b))",
    "the security measures of Art. 32 (Art. 28(3)(c))",
    "sub-processing only with prior authorisation and the same obligations (Art. 28(3)(d))",
    "assistance with data subjects' requests (Art. 28(3)(e))",
    "assistance with Art. 32-36: security, breaches, DPIAs (Art. 28(3)(f))",
    "deletion or return of the data at the end, with a certificate (Art. 28(3)(g))",
    "information and audits (Art. 28(3)(h))"};

void facts_init(entry_facts *f)
{
    size_t i;

    memset(f, 0, sizeof(*f));
    for (i = 0; i < DPA_NCLAUSES; i++)
        f->clause[i] = -1;
    f->breach_hours = f->input_days = f->output_days = f->abuse_days = -1;
    f->fisa702 = f->cloud_act = f->human_review = -1;
    f->erasure_days = -1;
    f->assessed = f->opted_out = f->zr_since = DATE_NONE;
}

void facts_free(entry_facts *f)
{
    size_t i;

    free(f->parent);
    free(f->parent_cc);
    free(f->dpf_name);
    free(f->assessment);
    free(f->ai_role);
    free(f->models);
    free(f->training_ref);
    free(f->zr_evidence);
    for (i = 0; i < f->nsources; i++) {
        free(f->sources[i].url);
        free(f->sources[i].text);
    }
    free(f->sources);
    free(f->erasure_via);
    free(f->erasure_how);
    facts_init(f);
}

/* Attribute name of n as a whole number 0 or more; -1 when absent or not one (the schema
 * says why). */
static int attr_count(xmlNodePtr n, const char *name)
{
    char *v = xmldoc_attr(n, name), *end = NULL;
    long x = v ? strtol(v, &end, 10) : -1;
    int rc = v && end != v && !*end && x >= 0 && x <= 100000 ? (int)x : -1;

    free(v);
    return rc;
}

/* Attribute name of n as a boolean: 1 true, 0 false, -1 absent. */
static int attr_bool(xmlNodePtr n, const char *name)
{
    char *v = xmldoc_attr(n, name);
    int rc = !v ? -1 : strcmp(v, "true") == 0 || strcmp(v, "1") == 0;

    free(v);
    return rc;
}

/* Attribute name of n as a date (DATE_NONE when absent); a day not in the calendar is a
 * "registry" error. */
static int attr_day(xmlNodePtr n, const char *name, const char *file, diag_list *d)
{
    char *v = xmldoc_attr(n, name);
    int day = DATE_NONE;

    if (v && date_parse(v, &day) != 0) {
        diag_add(d, file, xmldoc_line(n), 0, SEV_ERROR, "registry", NULL,
                 "%s=\"%s\" is not a real calendar day: write YYYY-MM-DD", name, v);
        day = DATE_NONE;
    }
    free(v);
    return day;
}

static facts_training training_parse(const char *s)
{
    return !s ? TRAIN_UNKNOWN
           : strcmp(s, "none") == 0    ? TRAIN_NONE
           : strcmp(s, "opt-out") == 0 ? TRAIN_OPT_OUT
           : strcmp(s, "opt-in") == 0  ? TRAIN_OPT_IN
                                       : TRAIN_UNKNOWN;
}

/* The children of <ai>: <zero-retention> and <source>. Returns 0, -1 when out of memory. */
static int read_ai_children(entry_facts *f, xmlNodePtr ai, const char *file, diag_list *d)
{
    xmlNodePtr k;

    for (k = xmldoc_elem(ai->children); k; k = xmldoc_elem(k->next)) {
        if (xmldoc_is(k, "zero-retention")) {
            f->has_zr = 1;
            f->line_zr = xmldoc_line(k);
            f->zr_since = attr_day(k, "since", file, d);
            free(f->zr_evidence);
            f->zr_evidence = xmldoc_attr(k, "evidence");
        } else if (xmldoc_is(k, "source")) {
            facts_source *v = realloc(f->sources, (f->nsources + 1) * sizeof(*v));
            if (!v)
                return -1;
            f->sources = v;
            v[f->nsources].url = xmldoc_attr(k, "url");
            v[f->nsources].date = attr_day(k, "date", file, d);
            v[f->nsources].text = xmldoc_text(k);
            f->nsources++;
        }
    }
    return 0;
}

int facts_read(entry_facts *f, xmlNodePtr n, const char *file, diag_list *d)
{
    char *s;
    size_t i;

    if (xmldoc_is(n, "dpa")) { /* the attribute that is a fact, then <clauses> */
        xmlNodePtr k;
        f->breach_hours = attr_count(n, "breach-notice-hours");
        for (k = xmldoc_elem(n->children); k; k = xmldoc_elem(k->next)) {
            if (!xmldoc_is(k, "clauses"))
                continue;
            f->has_clauses = 1;
            f->line_clauses = xmldoc_line(k);
            for (i = 0; i < DPA_NCLAUSES; i++)
                f->clause[i] = (signed char)attr_bool(k, facts_clause_attr[i]);
        }
        return 0; /* <dpa> itself is the entry's */
    }
    if (xmldoc_is(n, "parent")) {
        free(f->parent);
        free(f->parent_cc);
        free(f->dpf_name);
        free(f->assessment);
        f->parent = xmldoc_text(n);
        f->parent_cc = xmldoc_attr(n, "country");
        f->dpf_name = xmldoc_attr(n, "dpf-name");
        f->assessment = xmldoc_attr(n, "assessment");
        f->fisa702 = attr_bool(n, "fisa-702");
        f->cloud_act = attr_bool(n, "cloud-act");
        f->assessed = attr_day(n, "assessed", file, d);
        f->line_parent = xmldoc_line(n);
        return 1;
    }
    if (xmldoc_is(n, "ai")) {
        f->has_ai = 1;
        f->line_ai = xmldoc_line(n);
        free(f->ai_role);
        free(f->models);
        free(f->training_ref);
        f->ai_role = xmldoc_attr(n, "role");
        f->models = xmldoc_attr(n, "models");
        s = xmldoc_attr(n, "training");
        f->training = training_parse(s);
        free(s);
        f->opted_out = attr_day(n, "opted-out", file, d);
        f->training_ref = xmldoc_attr(n, "training-ref");
        f->input_days = attr_count(n, "input-days");
        f->output_days = attr_count(n, "output-days");
        f->abuse_days = attr_count(n, "abuse-monitoring-days");
        f->human_review = attr_bool(n, "human-review");
        f->example = attr_bool(n, "example") == 1;
        return read_ai_children(f, n, file, d) == 0 ? 1 : -1;
    }
    if (xmldoc_is(n, "erasure")) {
        f->has_erasure = 1;
        f->line_erasure = xmldoc_line(n);
        free(f->erasure_via);
        free(f->erasure_how);
        f->erasure_via = xmldoc_attr(n, "via");
        f->erasure_days = attr_count(n, "days");
        f->erasure_how = xmldoc_text(n);
        return 1;
    }
    return 0;
}

int facts_retention_days(const entry_facts *f)
{
    int m = -1;

    if (f->has_zr)
        m = 0;
    else {
        if (f->input_days > m)
            m = f->input_days;
        if (f->output_days > m)
            m = f->output_days;
    }
    if (f->abuse_days > m)
        m = f->abuse_days;
    return m;
}

static const char *training_name(facts_training t)
{
    return t == TRAIN_NONE ? "none" : t == TRAIN_OPT_OUT ? "opt-out" : t == TRAIN_OPT_IN ? "opt-in" : NULL;
}

/* k: n in o when n is recorded (0 or more); nothing otherwise. */
static void add_count(cJSON *o, const char *k, int n)
{
    if (n >= 0)
        cJSON_AddNumberToObject(o, k, n);
}

/* k: true/false in o when b is recorded; nothing otherwise. */
static void add_bool(cJSON *o, const char *k, int b)
{
    if (b >= 0)
        cJSON_AddBoolToObject(o, k, b);
}

/* The "ai" object of the JSON: the public facts, and in the internal view the evidence. */
static cJSON *ai_json(const entry_facts *f, int view)
{
    cJSON *a = cJSON_CreateObject(), *z, *srcs;
    size_t i;

    if (!a)
        return NULL;
    json_add_str(a, "role", f->ai_role);
    json_add_str(a, "models", f->models);
    json_add_str(a, "training", training_name(f->training));
    json_add_date(a, "opted_out", f->opted_out, 0);
    add_count(a, "input_days", f->input_days);
    add_count(a, "output_days", f->output_days);
    add_count(a, "abuse_monitoring_days", f->abuse_days);
    add_count(a, "retention_days", facts_retention_days(f));
    add_bool(a, "human_review", f->human_review);
    cJSON_AddBoolToObject(a, "example", f->example);
    if (f->has_zr && (z = cJSON_AddObjectToObject(a, "zero_retention"))) {
        json_add_date(z, "since", f->zr_since, 0);
        if (view != VIEW_PUBLIC)
            json_add_str(z, "evidence", f->zr_evidence);
    }
    if (view == VIEW_INTERNAL)
        json_add_str(a, "training_ref", f->training_ref);
    if (f->nsources && (srcs = cJSON_AddArrayToObject(a, "sources"))) {
        for (i = 0; i < f->nsources; i++) {
            cJSON *s = cJSON_CreateObject();
            if (!s)
                break;
            json_add_str(s, "url", f->sources[i].url);
            json_add_date(s, "date", f->sources[i].date, 0);
            json_add_str(s, "says", f->sources[i].text);
            cJSON_AddItemToArray(srcs, s);
        }
    }
    return a;
}

int facts_json(const entry_facts *f, int view, cJSON *o, cJSON *dpa)
{
    size_t i;

    if (dpa) {
        add_count(dpa, "breach_notice_hours", f->breach_hours);
        if (f->has_clauses) {
            cJSON *c = cJSON_AddObjectToObject(dpa, "clauses");
            for (i = 0; c && i < DPA_NCLAUSES; i++)
                add_bool(c, facts_clause_attr[i], f->clause[i]);
        }
    }
    if (f->has_ai) {
        cJSON *a = ai_json(f, view);
        if (!a)
            return -1;
        cJSON_AddItemToObject(o, "ai", a);
    }
    if (view != VIEW_PUBLIC && f->parent) {
        cJSON *p = cJSON_AddObjectToObject(o, "parent");
        if (!p)
            return -1;
        json_add_str(p, "name", f->parent);
        json_add_str(p, "country", f->parent_cc);
        add_bool(p, "fisa_702", f->fisa702);
        add_bool(p, "cloud_act", f->cloud_act);
        json_add_str(p, "dpf_name", f->dpf_name);
        json_add_date(p, "assessed", f->assessed, 0);
        if (view == VIEW_INTERNAL)
            json_add_str(p, "assessment", f->assessment);
    }
    if (view != VIEW_PUBLIC && f->has_erasure) {
        cJSON *e = cJSON_AddObjectToObject(o, "erasure");
        if (!e)
            return -1;
        json_add_str(e, "via", f->erasure_via);
        add_count(e, "days", f->erasure_days);
        json_add_str(e, "how", f->erasure_how);
    }
    return 0;
}
