#include "schema.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/xmlschemas.h>
#include "embed.h"
#include "plain.h"
#include "xmldoc.h"

struct schema {
    xmlSchemaPtr xsd;
};

typedef struct vstate {
    diag_list *d;
    const char *file;
    int n, skipped;
} vstate;

static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

/* libxml2's errors while compiling a schema: the first becomes err's message. */
static void on_compile_error(void *ctx, xmlErrorPtr e)
{
    sr_err *err = ctx;

    if (err && e && e->level >= XML_ERR_ERROR && !err->msg[0])
        snprintf(err->msg, sizeof(err->msg), "schema line %d: %s", e->line,
                 e->message ? e->message : "invalid");
}

schema *schema_load(const char *name, sr_err *err)
{
    char path[128];
    const char *data;
    size_t len;
    xmlSchemaParserCtxtPtr pc = NULL;
    schema *s = NULL;

    snprintf(path, sizeof(path), "schemas/%s.xsd", name);
    data = embed_get(path, &len);
    if (!data) {
        sr_err_set(err, "no built-in schema %s", path);
        goto out;
    }
    s = calloc(1, sizeof(*s));
    pc = xmlSchemaNewMemParserCtxt(data, (int)len);
    if (!s || !pc) {
        sr_err_set(err, "out of memory loading %s", path);
        goto fail;
    }
    if (err)
        err->msg[0] = '\0';
    xmlSchemaSetParserStructuredErrors(pc, on_compile_error, err);
    xmlSchemaSetParserErrors(pc, quiet, quiet, NULL);
    s->xsd = xmlSchemaParse(pc);
    if (!s->xsd) {
        if (err && !err->msg[0])
            sr_err_set(err, "cannot compile %s", path);
        goto fail;
    }
    goto out;
fail:
    free(s);
    s = NULL;
out:
    if (pc)
        xmlSchemaFreeParserCtxt(pc);
    return s;
}

/* libxml2's validity errors: each becomes a finding in plain words (registry/plain.c) at its
 * line. */
static void on_valid_error(void *ctx, xmlErrorPtr e)
{
    vstate *st = ctx;
    buf msg;

    if (!e || e->level < XML_ERR_ERROR)
        return;
    st->n++;
    if (st->n > 50)
        return;
    buf_init(&msg, 0);
    xmldoc_clean_message(e->message, &msg);
    {
        buf plain;
        buf_init(&plain, 0);
        if (plain_schema_error(buf_str(&msg), &plain) == 0)
            diag_add(st->d, st->file, e->line, e->int2, SEV_ERROR, "schema", NULL, "%s", buf_str(&plain));
        else
            st->skipped++;
        buf_free(&plain);
    }
    buf_free(&msg);
}

int schema_validate(const schema *s, xmlDocPtr doc, const char *file, diag_list *d)
{
    xmlSchemaValidCtxtPtr vc;
    vstate st = {d, file, 0, 0};
    int rc;

    vc = xmlSchemaNewValidCtxt(s->xsd);
    if (!vc) {
        diag_add(d, file, 0, 0, SEV_ERROR, "schema", NULL, "out of memory validating");
        return -1;
    }
    xmlSchemaSetValidStructuredErrors(vc, on_valid_error, &st);
    rc = xmlSchemaValidateDoc(vc, doc);
    xmlSchemaFreeValidCtxt(vc);
    if (rc < 0) {
        diag_add(d, file, 0, 0, SEV_ERROR, "schema", NULL, "internal error while validating");
        return -1;
    }
    if (rc > 0 && st.n == 0)
        diag_add(d, file, 0, 0, SEV_ERROR, "schema", NULL, "document does not match the schema");
    return rc > 0 ? 1 : 0;
}

void schema_free(schema *s)
{
    if (!s)
        return;
    xmlSchemaFree(s->xsd);
    free(s);
}

int schemas_load(schemas *out, sr_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!(out->subprocessor = schema_load("subprocessor", err)) ||
        !(out->registry = schema_load("registry", err)) ||
        !(out->reference = schema_load("reference", err)) ||
        !(out->hosting = schema_load("hosting", err)) ||
        !(out->customer = schema_load("customer", err))) {
        schemas_free(out);
        return -1;
    }
    return 0;
}

void schemas_free(schemas *s)
{
    schema_free(s->subprocessor);
    schema_free(s->registry);
    schema_free(s->reference);
    schema_free(s->hosting);
    schema_free(s->customer);
    memset(s, 0, sizeof(*s));
}
