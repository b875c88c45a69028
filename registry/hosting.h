/* hosting: where a product deploys, read from a Terraform plan or state in JSON
 * (`terraform show -json`, see tfplan.h) or from a hosting manifest (schemas/hosting.xsd),
 * and checked against the registry: every deployed provider must be claimed by an entry
 * (<hosting provider>), every place must map to a country (unknown regions fail closed),
 * the country must be among the entry's locations with a use that covers the deployment
 * (storage needs use="storage"; compute needs "processing" or "storage"; "access" never
 * declares a deployment), and outside the EEA it needs a transfer. */
#ifndef SUBREG_HOSTING_H
#define SUBREG_HOSTING_H
#include <stddef.h>
#include "diag.h"
#include "registry.h"
#include "schema.h"

/* What hosting_check made of a deployment (the audit trail). */
typedef enum {
    HOST_PENDING,   /* not checked yet */
    HOST_PLACED,    /* in a country */
    HOST_SKIPPED,   /* deploys nothing that holds personal data (reason says why) */
    HOST_UNMAPPED   /* cannot be placed: fails closed */
} hosting_result;

typedef struct hosting_deploy {
    char *provider;   /* aws, gcp, azure, or the Terraform provider's short name */
    char *region;     /* provider region / location id (normalised), or NULL */
    char *country;    /* a country given directly (manifest), or NULL */
    char *what;       /* the resource address ("aws_s3_bucket.recordings"), or the service */
    char *type;       /* Terraform resource type, or NULL (manifest) */
    char *source;     /* how the region was found ("resource attribute location", "provider
                       * block aws.eu", "variable region", "parent resource ..."), or NULL */
    char *reason;     /* why it is skipped or unmapped, for a person; or NULL */
    int skip;         /* 1: the reader already knows it deploys nothing (data source,
                       * local provider, deleted) */
    int use;          /* manifest: entry_use the deploy declares; -1: from the type's kind */
    int line;         /* line in the file (the resource's "address" in a plan), 1 if unknown */
    int col;          /* its column (1-based; minified plans are one line), 1 if unknown */
    /* filled by hosting_check */
    hosting_result result;
    char cc[3];       /* the country when placed */
    const char *kind; /* "storage", "compute", "edge", "control-plane", "manifest" */
} hosting_deploy;

typedef struct hosting_list {
    char *file;       /* as given */
    const char *format; /* "plan", "state", "manifest" */
    hosting_deploy *v;
    size_t n, cap;
} hosting_list;

/* Read path: JSON (first non-blank byte '{', after an optional UTF-8 byte order mark) is a
 * Terraform plan or state, anything else a hosting manifest. UTF-16 input is refused with
 * a message saying how to write UTF-8. Problems with the file itself go to d ("schema").
 * Returns 0 (the list may be empty), or -1 with err set when the file cannot be read or
 * memory runs out. Free with hosting_list_free (also after a failure). */
int hosting_load(const char *path, const schemas *xs, hosting_list *out, diag_list *d,
                 sr_err *err);
/* As hosting_load, from len bytes of data named file. */
int hosting_parse(const char *data, size_t len, const char *file, const schemas *xs,
                  hosting_list *out, diag_list *d, sr_err *err);
/* Append a deployment to l; strings are copied (each may be NULL but provider). Returns
 * the new record, or NULL when out of memory. */
hosting_deploy *hosting_add(hosting_list *l, const char *provider, const char *what,
                            int line);
/* Set *field to a copy of s (freeing the old value). Returns 0 or -1 (out of memory). */
int hosting_set(char **field, const char *s);
void hosting_list_free(hosting_list *l);
/* The findings of the deployments in l against r as of day (waivers applied); fills each
 * deployment's result, country and kind for the audit trail. */
void hosting_check(const registry *r, hosting_list *l, int day, diag_list *d);
const char *hosting_result_name(hosting_result r);
#endif
