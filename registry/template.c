#include "template.h"
#include <string.h>

static const char text[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- A new sub-processor. Replace every value in CAPITALS and every XX; docs/format.md says\n"
    "     what each element means. Then run subreg check in the checkout. -->\n"
    "<subprocessor xmlns=\"urn:subreg:1\" id=\"%s\">\n"
    "  <name>VENDOR LEGAL NAME</name>\n"
    "  <!-- the contracting entity: its country (ISO code) and address (internal) -->\n"
    "  <entity country=\"XX\">VENDOR ADDRESS</entity>\n"
    "  <website>https://VENDOR.EXAMPLE</website>\n"
    "  <purpose>WHAT THE VENDOR DOES WITH THE DATA, IN ONE SENTENCE</purpose>\n"
    "  <categories>\n"
    "    <!-- one per data category: ids declared in registry.xml's <categories> -->\n"
    "    <category>contact-data</category>\n"
    "  </categories>\n"
    "  <!-- processor: your customers' data (you act for them); controller: your own data -->\n"
    "  <flow>processor</flow>\n"
    "  <status>planned</status>\n"
    "  <!-- customers get %d whole days of notice: effective is announced + %d days + 1 -->\n"
    "  <announced>%s</announced>\n"
    "  <effective>%s</effective>\n"
    "  <!-- the signed data processing agreement; keep it dated no later than effective -->\n"
    "  <dpa signed=\"%s\" reference=\"CONTRACT FILE OR NUMBER\"/>\n"
    "  <locations>\n"
    "    <!-- every country where data is stored, processed, or accessed remotely -->\n"
    "    <location country=\"XX\" use=\"storage\"/>\n"
    "  </locations>\n"
    "  <!-- outside the EEA, a <transfers> element with one <transfer> per country, e.g.\n"
    "  <transfers>\n"
    "    <transfer country=\"US\" mechanism=\"scc\" clauses=\"2021/914\" module=\"3\" signed=\"YYYY-MM-DD\" tia=\"YYYY-MM-DD\"/>\n"
    "  </transfers>\n"
    "  -->\n"
    "  <internal>NOTES FOR THE LEGAL TEAM (never published)</internal>\n"
    "</subprocessor>\n";

/* What the template says in CAPITALS: left in an entry, it would be published as it is. */
static const char *const placeholders[] = {
    "VENDOR LEGAL NAME", "VENDOR ADDRESS", "VENDOR.EXAMPLE", "WHAT THE VENDOR DOES",
    "CONTRACT FILE OR NUMBER", "NOTES FOR THE LEGAL TEAM",
};

int template_render(const char *id, int notice_days, const char *announced, const char *effective,
                    buf *out)
{
    return buf_printf(out, text, id, notice_days, notice_days, announced, effective, announced);
}

const char *template_placeholder(const char *t)
{
    size_t i;

    for (i = 0; t && i < sizeof(placeholders) / sizeof(placeholders[0]); i++)
        if (strstr(t, placeholders[i]))
            return placeholders[i];
    return NULL;
}
