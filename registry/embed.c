#include "embed.h"
#include <string.h>

#define DECL(sym) extern const char sym##_start[], sym##_end[];
DECL(subreg_xsd_subprocessor)
DECL(subreg_xsd_registry)
DECL(subreg_xsd_reference)
DECL(subreg_xsd_hosting)
DECL(subreg_xsd_customer)
DECL(subreg_ref_countries)
DECL(subreg_ref_regions)
DECL(subreg_openapi)
DECL(subreg_embed_js)

static const struct {
    const char *name;
    const char *start, *end;
} files[] = {
    {"schemas/subprocessor.xsd", subreg_xsd_subprocessor_start, subreg_xsd_subprocessor_end},
    {"schemas/registry.xsd", subreg_xsd_registry_start, subreg_xsd_registry_end},
    {"schemas/reference.xsd", subreg_xsd_reference_start, subreg_xsd_reference_end},
    {"schemas/hosting.xsd", subreg_xsd_hosting_start, subreg_xsd_hosting_end},
    {"schemas/customer.xsd", subreg_xsd_customer_start, subreg_xsd_customer_end},
    {"reference/countries.xml", subreg_ref_countries_start, subreg_ref_countries_end},
    {"reference/regions.xml", subreg_ref_regions_start, subreg_ref_regions_end},
    {"docs/openapi.json", subreg_openapi_start, subreg_openapi_end},
    {"web/embed.js", subreg_embed_js_start, subreg_embed_js_end},
};

const char *embed_get(const char *name, size_t *len)
{
    size_t i;

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        if (strcmp(files[i].name, name) == 0) {
            *len = (size_t)(files[i].end - files[i].start);
            return files[i].start;
        }
    }
    return NULL;
}

const char *embed_name(size_t i)
{
    return i < sizeof(files) / sizeof(files[0]) ? files[i].name : NULL;
}
