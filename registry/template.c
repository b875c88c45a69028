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

static const char customer_text[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- A customer: a business whose data you process under its DPA. Never published.\n"
    "     Replace every value in CAPITALS; keep or remove the optional terms; docs/format.md\n"
    "     \"Customers\" says what each means. Then run subreg check in the checkout. -->\n"
    "<customer xmlns=\"urn:subreg:1\" id=\"%s\">\n"
    "  <name>CUSTOMER LEGAL NAME</name>\n"
    "  <dpa signed=\"%s\" reference=\"CUSTOMER DPA REFERENCE\"/>\n"
    "  <!-- its DPA's notice of a new or replaced sub-processor (the registry's is %d days) -->\n"
    "  <notice-days>%d</notice-days>\n"
    "  <!-- how long after a notice it may object (default: the notice period)\n"
    "  <objection-days>30</objection-days> -->\n"
    "  <!-- when its DPA allows replacing a failed vendor at shorter notice:\n"
    "  <emergency notice-days=\"3\" clause=\"DPA CLAUSE\"/> -->\n"
    "  <!-- a country where its data must never be processed, one element each:\n"
    "  <excluded country=\"US\" clause=\"DPA CLAUSE\"/> -->\n"
    "  <!-- the transfer mechanisms it accepts outside the EEA (absent: any valid one):\n"
    "  <mechanisms accepted=\"scc adequacy\" clause=\"DPA CLAUSE\"/> -->\n"
    "  <!-- who receives notices: subscriber ids from GET /v1/subscribers (addresses stay\n"
    "       in the server's records, never in git):\n"
    "  <contact subscriber=\"1\"/> -->\n"
    "</customer>\n";

/* What the templates say in CAPITALS: left in an entry, it would be published as it is. */
static const char *const placeholders[] = {
    "VENDOR LEGAL NAME", "VENDOR ADDRESS", "VENDOR.EXAMPLE", "WHAT THE VENDOR DOES",
    "CONTRACT FILE OR NUMBER", "NOTES FOR THE LEGAL TEAM", "CUSTOMER LEGAL NAME",
    "CUSTOMER DPA REFERENCE",
};

int template_render(const char *id, int notice_days, const char *announced, const char *effective,
                    buf *out)
{
    return buf_printf(out, text, id, notice_days, notice_days, announced, effective, announced);
}

int template_customer_render(const char *id, int notice_days, const char *today, buf *out)
{
    return buf_printf(out, customer_text, id, today, notice_days, notice_days);
}

const char *template_placeholder(const char *t)
{
    size_t i;

    for (i = 0; t && i < sizeof(placeholders) / sizeof(placeholders[0]); i++)
        if (strstr(t, placeholders[i]))
            return placeholders[i];
    return NULL;
}
