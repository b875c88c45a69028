/* hosting: where a product deploys, read from a Terraform plan in JSON (`terraform show
 * -json plan.out`) or from a hosting manifest (schemas/hosting.xsd), and checked against the
 * registry: every deployed provider must be claimed by an entry (<hosting provider>), every
 * place must map to a country (unknown regions fail closed), the country must be among the
 * entry's locations, and outside the EEA it needs a transfer. */
#ifndef SUBREG_HOSTING_H
#define SUBREG_HOSTING_H
#include <stddef.h>
#include "diag.h"
#include "registry.h"
#include "schema.h"

typedef struct hosting_deploy {
    char *provider;   /* aws, gcp, azure, or the Terraform provider's short name */
    char *region;     /* provider region / location id, or NULL */
    char *country;    /* a country given directly (manifest), or NULL */
    char *what;       /* the resource address ("aws_s3_bucket.recordings"), or the service */
    int line;         /* line in a manifest, 0 for a plan */
} hosting_deploy;

typedef struct hosting_list {
    char *file;       /* as given */
    hosting_deploy *v;
    size_t n;
} hosting_list;

/* Read path: JSON (first non-blank byte '{') is a Terraform plan, anything else a hosting
 * manifest. Problems with the file itself go to d ("schema"). Returns 0 (the list may be
 * empty), or -1 with err set when the file cannot be read. Free with hosting_list_free. */
int hosting_load(const char *path, const schemas *xs, hosting_list *out, diag_list *d,
                 sr_err *err);
/* As hosting_load, from len bytes of data named file. */
int hosting_parse(const char *data, size_t len, const char *file, const schemas *xs,
                  hosting_list *out, diag_list *d, sr_err *err);
void hosting_list_free(hosting_list *l);
/* The findings of the deployments in l against r as of day (waivers applied). */
void hosting_check(const registry *r, const hosting_list *l, int day, diag_list *d);
#endif
