/* schema: the compiled XSDs of the registry format, validated with line numbers.
 *
 * Compile once (schema_load) and share read-only between threads; each validation makes its
 * own libxml2 validation context. */
#ifndef SUBREG_SCHEMA_H
#define SUBREG_SCHEMA_H
#include <libxml/tree.h>
#include "diag.h"

typedef struct schema schema;

/* Compile the embedded schemas/NAME.xsd (NAME: subprocessor, registry, reference, hosting,
 * customer).
 * Returns NULL with err set on failure. Free with schema_free. */
schema *schema_load(const char *name, sr_err *err);
/* Validate doc; every problem becomes an error diagnostic with rule "schema" and file.
 * Returns 0 valid, 1 invalid, -1 internal failure (also reported as a diagnostic). */
int schema_validate(const schema *s, xmlDocPtr doc, const char *file, diag_list *d);
void schema_free(schema *s);

/* The compiled schemas a registry needs, loaded together. */
typedef struct schemas {
    schema *subprocessor, *registry, *reference, *hosting, *customer;
} schemas;
/* Load all five; returns 0, or -1 with err set (nothing to free then). */
int schemas_load(schemas *out, sr_err *err);
void schemas_free(schemas *s);
#endif
