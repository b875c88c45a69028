/* tfplan: where each resource of a Terraform plan or state runs, read from the JSON of
 * `terraform show -json` (plan format versions 0.1 to 1.2, Terraform 0.12 to 1.14, and
 * OpenTofu's). For every resource it records the region it deploys to and how that was
 * found, or why it cannot be known:
 *  - the resource's own attributes first (region, location, availability_zone, zone, an
 *    AWS arn), as the plan states them after the change;
 *  - then its provider configuration, resolved as Terraform does: the resource's
 *    provider_config_key (old plans write it module-local, "child:aws"), a module's own
 *    provider block, else the default provider inherited from the calling module; the
 *    region expression is a constant or an input variable (the plan's variables, or the
 *    module call's arguments); anything else stays unknown;
 *  - an Azure child resource without a location takes the location of the parent it
 *    references in the configuration (a security group, a server, an account).
 * Resources of count/for_each module instances (module.x["k"]) are matched to their
 * module. Deleted resources, data sources and local providers (random, null, ...) are
 * recorded as skipped. The line of each resource's "address" in the file is recorded so
 * that findings point at it. */
#ifndef SUBREG_TFPLAN_H
#define SUBREG_TFPLAN_H
#include <stddef.h>
#include "diag.h"
#include "hosting.h"

/* Read len bytes of JSON (no byte order mark) into l (l->file names it in diagnostics).
 * A file that is neither a plan nor a state, or not JSON, is a "schema" diagnostic in d.
 * Returns 0, or -1 with err set when out of memory. */
int tfplan_load(const char *data, size_t len, hosting_list *l, diag_list *d, sr_err *err);
#endif
