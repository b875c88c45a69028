/* customer: customers/<id>.xml read into a struct, checked, loaded as a set, and written as
 * JSON for editors and the customer's own token. */
#include "customer.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "date.h"
#include "json.h"
#include "reference.h"
#include "template.h"
#include "xmldoc.h"

/* Larger than any real customer file, small enough to refuse a bomb. */
#define CUSTOMER_MAX_BYTES (1024 * 1024)

typedef struct reader {
    const char *file;
    diag_list *d;
    int oom;
} reader;

/* Attribute attr of n as a date into *out (DATE_NONE when absent; a day that is not in the
 * calendar is a "registry" error). */
static void date_attr(reader *rd, xmlNodePtr n, const char *attr, int *out)
{
    char *v = xmldoc_attr(n, attr);

    *out = DATE_NONE;
    if (v && date_parse(v, out) != 0) {
        diag_add(rd->d, rd->file, xmldoc_line(n), 0, SEV_ERROR, "registry", NULL,
                 "%s=\"%s\" is not a real calendar day: write YYYY-MM-DD", attr, v);
        *out = DATE_NONE;
    }
    free(v);
}

/* The whole number in attribute attr of n (or its text when attr is NULL), or def. */
static long long number(xmlNodePtr n, const char *attr, long long def)
{
    char *v = attr ? xmldoc_attr(n, attr) : xmldoc_text(n);
    long long x = def;

    if (v && *v)
        x = strtoll(v, NULL, 10);
    free(v);
    return x;
}

/* A number of days of attribute attr of n (or its text), within 0..3650 (the schema's bound;
 * a file the schema refused is still read, never with an absurd period); def when absent. */
static int days(xmlNodePtr n, const char *attr, int def)
{
    long long x = number(n, attr, def);

    return x == def ? def : x < 0 ? 0 : x > 3650 ? 3650 : (int)x;
}

/* Room for one more element of size in *v (n used). NULL when out of memory (rd->oom set). */
static void *grow(void *v, size_t n, size_t size, reader *rd)
{
    void *p = realloc(v, (n + 1) * size);

    if (!p)
        rd->oom = 1;
    else
        memset((char *)p + n * size, 0, size);
    return p;
}

/* The status an objection's status= names (open when absent or unknown: fail closed). */
static objection_status status_parse(const char *s)
{
    return !s                                ? OBJ_OPEN
           : strcmp(s, "withdrawn") == 0     ? OBJ_WITHDRAWN
           : strcmp(s, "accepted") == 0      ? OBJ_ACCEPTED
           : strcmp(s, "terminated") == 0    ? OBJ_TERMINATED
                                             : OBJ_OPEN;
}

const char *customer_objection_status_name(objection_status s)
{
    static const char *const names[] = {"open", "withdrawn", "accepted", "terminated"};

    return s <= OBJ_TERMINATED ? names[s] : "open";
}

/* One <objection> into c. */
static void read_objection(reader *rd, customer *c, xmlNodePtr n)
{
    customer_objection *v = grow(c->objections, c->nobjections, sizeof(*v), rd), *o;
    char *via, *st;

    if (!v)
        return;
    c->objections = v;
    o = &v[c->nobjections++];
    o->entry = xmldoc_attr(n, "entry");
    date_attr(rd, n, "change", &o->change);
    date_attr(rd, n, "made", &o->made);
    date_attr(rd, n, "resolved", &o->resolved);
    via = xmldoc_attr(n, "via");
    o->via_email = via && strcmp(via, "email") == 0;
    free(via);
    st = xmldoc_attr(n, "status");
    o->status = status_parse(st);
    free(st);
    o->subscriber = number(n, "subscriber", 0);
    o->by = xmldoc_attr(n, "by");
    o->reason = xmldoc_text(n);
    if (o->reason && !*o->reason) {
        free(o->reason);
        o->reason = NULL;
    }
    o->line = xmldoc_line(n);
}

/* One child element of <customer> into c. */
static void read_child(reader *rd, customer *c, xmlNodePtr n)
{
    if (xmldoc_is(n, "name")) {
        free(c->name);
        c->name = xmldoc_text(n);
    } else if (xmldoc_is(n, "dpa")) {
        free(c->dpa_reference);
        c->dpa_reference = xmldoc_attr(n, "reference");
        date_attr(rd, n, "signed", &c->dpa_signed);
    } else if (xmldoc_is(n, "notice-days")) {
        c->notice_days = days(n, NULL, 0);
        c->line_notice = xmldoc_line(n);
    } else if (xmldoc_is(n, "objection-days")) {
        c->objection_days = days(n, NULL, 0);
    } else if (xmldoc_is(n, "emergency")) {
        c->emergency_days = days(n, "notice-days", -1);
        free(c->emergency_clause);
        c->emergency_clause = xmldoc_attr(n, "clause");
    } else if (xmldoc_is(n, "excluded")) {
        customer_excluded *v = grow(c->excluded, c->nexcluded, sizeof(*v), rd), *x;
        char *cc;
        if (!v)
            return;
        c->excluded = v;
        x = &v[c->nexcluded++];
        cc = xmldoc_attr(n, "country");
        snprintf(x->country.raw, sizeof(x->country.raw), "%s", cc ? cc : "");
        free(cc);
        x->clause = xmldoc_attr(n, "clause");
        x->line = xmldoc_line(n);
    } else if (xmldoc_is(n, "mechanisms")) {
        char *m = xmldoc_attr(n, "accepted"), *p, *save = NULL;
        c->mechanisms = 0;
        for (p = m ? strtok_r(m, " \t\n", &save) : NULL; p; p = strtok_r(NULL, " \t\n", &save))
            c->mechanisms |= 1u << entry_mechanism_parse(p);
        c->has_mechanisms = 1;
        free(m);
        free(c->mechanisms_clause);
        c->mechanisms_clause = xmldoc_attr(n, "clause");
        c->line_mechanisms = xmldoc_line(n);
    } else if (xmldoc_is(n, "contact")) {
        long long *v = grow(c->contacts, c->ncontacts, sizeof(*v), rd);
        if (!v)
            return;
        c->contacts = v;
        v[c->ncontacts++] = number(n, "subscriber", 0);
    } else if (xmldoc_is(n, "objection")) {
        read_objection(rd, c, n);
    }
}

int customer_parse(const schemas *xs, const char *data, size_t len, const char *file,
                   customer **out, diag_list *d, sr_err *err)
{
    xmlDocPtr doc = xmldoc_parse(data, len, file, d);
    xmlNodePtr root, n;
    reader rd = {file, d, 0};
    customer *c = NULL;
    int rc = 0;

    *out = NULL;
    if (!doc)
        return 0;
    root = xmlDocGetRootElement(doc);
    if (!xmldoc_is(root, "customer")) {
        diag_add(d, file, root ? xmldoc_line(root) : 1, 0, SEV_ERROR, "schema", NULL,
                 "the root element must be <customer xmlns=\"urn:subreg:1\">");
        goto out;
    }
    schema_validate(xs->customer, doc, file, d);
    if (!(c = calloc(1, sizeof(*c))) || !(c->file = strdup(file)))
        goto oom;
    c->dpa_signed = DATE_NONE;
    c->emergency_days = -1;
    c->id = xmldoc_attr(root, "id");
    c->line_root = xmldoc_line(root);
    for (n = xmldoc_elem(root->children); n; n = xmldoc_elem(n->next))
        read_child(&rd, c, n);
    if (rd.oom)
        goto oom;
    *out = c;
    c = NULL;
    goto out;
oom:
    sr_err_set(err, "out of memory");
    rc = -1;
out:
    customer_free(c);
    xmlFreeDoc(doc);
    return rc;
}

void customer_free(customer *c)
{
    size_t i;

    if (!c)
        return;
    for (i = 0; i < c->nobjections; i++) {
        free(c->objections[i].entry);
        free(c->objections[i].by);
        free(c->objections[i].reason);
    }
    free(c->objections);
    for (i = 0; i < c->nexcluded; i++)
        free(c->excluded[i].clause);
    free(c->excluded);
    free(c->contacts);
    free(c->mechanisms_clause);
    free(c->emergency_clause);
    free(c->dpa_reference);
    free(c->name);
    free(c->file);
    free(c->id);
    free(c);
}

void customer_check(const reference *ref, customer *c, const char *expected_id, diag_list *d)
{
    size_t i, j;

    if (expected_id && (!c->id || strcmp(c->id, expected_id) != 0))
        diag_add(d, c->file, c->line_root, 0, SEV_ERROR, "registry", NULL,
                 "the customer's id=\"%s\" must equal its file name (%s.xml): rename the file or "
                 "change the id", c->id ? c->id : "", expected_id);
    if (template_placeholder(c->name) || template_placeholder(c->dpa_reference))
        diag_add(d, c->file, c->line_root, 0, SEV_ERROR, "placeholder", NULL,
                 "\"%s\" is a value of the `subreg new --customer` template: write the customer's "
                 "real one", template_placeholder(c->name) ? template_placeholder(c->name)
                                                        : template_placeholder(c->dpa_reference));
    for (i = 0; i < c->nexcluded; i++) {
        entry_country *x = &c->excluded[i].country;
        if (x->raw[0] && !reference_country(ref, x->raw, x->cc))
            diag_add(d, c->file, c->excluded[i].line, 0, SEV_ERROR, "country-unknown", NULL,
                     "excluded country \"%s\" is not an ISO 3166-1 alpha-2 country code: use "
                     "the country's two-letter code (e.g. US, CN)", x->raw);
    }
    for (i = 0; i < c->nobjections; i++) {
        const customer_objection *o = &c->objections[i];
        if (o->status != OBJ_OPEN && o->resolved == DATE_NONE)
            diag_add(d, c->file, o->line, 0, SEV_ERROR, "registry", NULL,
                     "the objection to %s is %s but says not when: add resolved=\"YYYY-MM-DD\"",
                     o->entry ? o->entry : "?", customer_objection_status_name(o->status));
        for (j = 0; j < i; j++)
            if (c->objections[j].entry && o->entry && strcmp(c->objections[j].entry, o->entry) == 0 &&
                c->objections[j].change == o->change && c->objections[j].status == OBJ_OPEN &&
                o->status == OBJ_OPEN)
                diag_add(d, c->file, o->line, 0, SEV_ERROR, "registry", NULL,
                         "a second open objection to the same change of %s (the first is on line %d): "
                         "keep one", o->entry, c->objections[j].line);
    }
}

customer_set *customers_ref(customer_set *s)
{
    if (s)
        atomic_fetch_add(&s->refs, 1);
    return s;
}

void customers_free(customer_set *s)
{
    size_t i;

    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    for (i = 0; i < s->n; i++)
        customer_free(s->v[i]);
    free(s->v);
    free(s);
}

int customers_load(source *src, const schemas *xs, const reference *ref, customer_set **out,
                   diag_list *d, sr_err *err)
{
    customer_set *s = calloc(1, sizeof(*s));
    char **names = NULL, *data = NULL, rel[300], file[4400], id[256];
    size_t nnames = 0, i, len;
    int rc = -1;

    *out = NULL;
    if (!s) {
        sr_err_set(err, "out of memory");
        return -1;
    }
    atomic_init(&s->refs, 1);
    if (source_list(src, "customers", &names, &nnames, err) != 0)
        goto out;
    if (nnames && !(s->v = calloc(nnames, sizeof(*s->v)))) {
        sr_err_set(err, "out of memory");
        goto out;
    }
    for (i = 0; i < nnames; i++) {
        customer *c = NULL;
        size_t nl = strlen(names[i]) - 4; /* source_list: *.xml names */
        int r;

        snprintf(rel, sizeof(rel), "customers/%.250s", names[i]);
        snprintf(file, sizeof(file), "%s%s", source_prefix(src), rel);
        snprintf(id, sizeof(id), "%.*s", (int)(nl < sizeof(id) ? nl : sizeof(id) - 1), names[i]);
        r = source_read(src, rel, CUSTOMER_MAX_BYTES, &data, &len, NULL, err);
        if (r != 0) {
            diag_add(d, file, 0, 0, SEV_ERROR, "schema", NULL, "%s", err->msg);
            err->msg[0] = '\0';
            continue;
        }
        r = customer_parse(xs, data, len, file, &c, d, err);
        free(data);
        data = NULL;
        if (r != 0)
            goto out;
        if (!c)
            continue;
        customer_check(ref, c, id, d);
        s->v[s->n++] = c; /* source_list sorts: the set stays sorted by file name = id */
    }
    *out = s;
    s = NULL;
    rc = 0;
out:
    source_names_free(names, nnames);
    customers_free(s);
    return rc;
}

const customer *customers_find(const customer_set *s, const char *id)
{
    size_t i;

    for (i = 0; s && id && i < s->n; i++)
        if (s->v[i]->id && strcmp(s->v[i]->id, id) == 0)
            return s->v[i];
    return NULL;
}

const customer *customers_of_subscriber(const customer_set *s, long long subscriber)
{
    size_t i, j;

    for (i = 0; s && subscriber > 0 && i < s->n; i++)
        for (j = 0; j < s->v[i]->ncontacts; j++)
            if (s->v[i]->contacts[j] == subscriber)
                return s->v[i];
    return NULL;
}

/* 1 when the space-separated list names id. */
static int names_id(const char *list, const char *id)
{
    size_t n = strlen(id);
    const char *p = list;

    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (strncmp(p, id, n) == 0 && (p[n] == '\0' || p[n] == ' ' || p[n] == '\t' || p[n] == '\n'))
            return 1;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n')
            p++;
    }
    return 0;
}

int customer_served_by(const entry *e, const char *id)
{
    if (!(e->flows & ROLE_PROCESSOR) || !id)
        return 0;
    if (e->customers_only && !names_id(e->customers_only, id))
        return 0;
    return !(e->customers_except && names_id(e->customers_except, id));
}

int customer_entry_lists(const entry *e)
{
    return e->customers_only != NULL;
}

cJSON *customer_to_json(const customer *c, int registry_notice_days)
{
    cJSON *o = cJSON_CreateObject(), *t, *a, *x;
    size_t i;

    if (!o)
        return NULL;
    json_add_str(o, "id", c->id);
    json_add_str(o, "name", c->name);
    x = cJSON_AddObjectToObject(o, "dpa");
    json_add_str(x, "reference", c->dpa_reference);
    json_add_date(x, "signed", c->dpa_signed, 1);
    t = cJSON_AddObjectToObject(o, "terms");
    cJSON_AddNumberToObject(t, "notice_days", c->notice_days ? c->notice_days : registry_notice_days);
    cJSON_AddNumberToObject(t, "objection_days",
                            c->objection_days ? c->objection_days
                                              : (c->notice_days ? c->notice_days : registry_notice_days));
    if (c->emergency_days >= 0) {
        x = cJSON_AddObjectToObject(t, "emergency");
        cJSON_AddNumberToObject(x, "notice_days", c->emergency_days);
        json_add_str(x, "clause", c->emergency_clause);
    } else {
        cJSON_AddNullToObject(t, "emergency");
    }
    a = cJSON_AddArrayToObject(t, "excluded_countries");
    for (i = 0; a && i < c->nexcluded; i++) {
        x = cJSON_CreateObject();
        json_add_str(x, "country", c->excluded[i].country.cc[0] ? c->excluded[i].country.cc
                                                                 : c->excluded[i].country.raw);
        json_add_str(x, "clause", c->excluded[i].clause);
        cJSON_AddItemToArray(a, x);
    }
    if (c->has_mechanisms) {
        x = cJSON_AddObjectToObject(t, "mechanisms");
        a = cJSON_AddArrayToObject(x, "accepted");
        for (i = 0; a && i < MECH_UNKNOWN; i++)
            if (c->mechanisms & (1u << i))
                cJSON_AddItemToArray(a, cJSON_CreateString(entry_mechanism_name((entry_mechanism)i)));
        json_add_str(x, "clause", c->mechanisms_clause);
    } else {
        cJSON_AddNullToObject(t, "mechanisms");
    }
    a = cJSON_AddArrayToObject(o, "contacts");
    for (i = 0; a && i < c->ncontacts; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber((double)c->contacts[i]));
    a = cJSON_AddArrayToObject(o, "objections");
    for (i = 0; a && i < c->nobjections; i++) {
        const customer_objection *ob = &c->objections[i];
        x = cJSON_CreateObject();
        json_add_str(x, "entry", ob->entry);
        json_add_date(x, "change", ob->change, 1);
        json_add_date(x, "made", ob->made, 1);
        cJSON_AddStringToObject(x, "via", ob->via_email ? "email" : "editor");
        cJSON_AddStringToObject(x, "status", customer_objection_status_name(ob->status));
        json_add_date(x, "resolved", ob->resolved, 1);
        if (ob->reason)
            json_add_str(x, "reason", ob->reason);
        cJSON_AddItemToArray(a, x);
    }
    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(o, "terms"))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}
