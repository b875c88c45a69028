/* subreg export: the list of sub-processors as JSON, CSV or Markdown, now or as it was. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../registry/customer_view.h"
#include "../registry/date.h"
#include "../registry/export.h"
#include "../registry/page.h"
#include "../registry/records.h"
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: subreg export [--format json|csv|md|html|art30|art30-1|dsr] [--csv] [--at DATE|REV] [--internal]\n"
    "                     [--status LIST]\n"
    "                     [--country CC] [--use USE] [--mechanism M] [--q TEXT]\n"
    "                     [--registry PATH] [--state DIR]\n"
    "       subreg export --customer ID [--format json|csv|md] [--at DATE|REV] [--registry PATH]\n"
    "\n"
    "Print the list of sub-processors. Public fields only unless --internal.\n"
    "With --customer: the list as it applies to customer ID (customers/ID.xml), for its DPO's\n"
    "records: its terms, the sub-processors that process its data with where and on which\n"
    "safeguards, the upcoming changes that affect it with the last day to object, and its\n"
    "objections (never public: it names the customer).\n"
    "\n"
    "  --format F     json (default), csv, md (a Markdown table for a privacy page), art30: the\n"
    "                 processor's record under GDPR Art. 30(2) (processor, contact, DPO,\n"
    "                 controllers, the processing for them with its sub-processors, transfers\n"
    "                 and safeguards, security measures from registry.xml), or art30-1: the\n"
    "                 controller's own record under Art. 30(1) (the controller flows); both as\n"
    "                 of today or --at, in force only (no planned vendor, no upcoming country)\n"
    "                 dsr: where an erasure request must go, how and within how many days\n"
    "                 (Art. 17(2), 19, 28(3)(e)), every recipient in force\n"
    "  --csv          with art30, art30-1 or dsr: one CSV row per activity or recipient\n"
    "  --format html  the public privacy page as one static file (styles inline); --lang en|fr|nl\n"
    "  --at X         the list as it stood at the end of day X (YYYY-MM-DD), or at revision X\n"
    "  --internal     include internal fields (addresses, DPAs, TIAs, providers, waivers, notes)\n"
    "  --status L     planned, active, retired, a comma list, or all (default planned,active)\n"
    "  --country CC   only entries with a location in CC; --use: storage, processing, access\n"
    "  --mechanism M  only entries with a transfer on M; --q: text in name or purpose\n"
    "  --registry P   a bare repository, a git work tree or a directory (default " DEFAULT_REGISTRY ")\n"
    "  --state DIR    where the index lives, for --at DATE (default " DEFAULT_STATE ")\n"
    "  -h, --help     this help\n";

int cmd_export(int argc, char **argv)
{
    const char *path = DEFAULT_REGISTRY, *state = DEFAULT_STATE, *format = "json", *at = NULL;
    const char *status = NULL, *customer_id = NULL;
    char rev[STORE_OID_HEX] = "", cc[3];
    const char *country = NULL;
    export_filter f = {0};
    int internal = 0, csv = 0, c, rc = EXIT_USAGE, day, atday = DATE_NONE;
    const char *lang = "en";
    diag_list d = {0};
    registry *r = NULL;
    buf out;

    {
        int md = 0; /* --md: art30 is Markdown now; kept for old scripts */
        const cli_opt opts[] = {CLI_STR("registry", &path), CLI_STR("state", &state), CLI_STR("format", &format),
                                CLI_STR("at", &at), CLI_STR("status", &status), CLI_FLAG("internal", &internal),
                                CLI_STR("country", &country), CLI_STR("use", &f.use), CLI_STR("mechanism", &f.mechanism),
                                CLI_STR("q", &f.q), CLI_FLAG("md", &md), CLI_FLAG("csv", &csv),
                                CLI_STR("lang", &lang), CLI_STR("customer", &customer_id), CLI_END};
        if ((c = cli_options("export", usage, argc, argv, opts)) != CLI_GO)
            return c;
    }
    if (optind != argc || (strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "md") &&
                           strcmp(format, "art30") && strcmp(format, "art30-1") && strcmp(format, "html") &&
                           strcmp(format, "dsr"))) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    if (customer_id && strcmp(format, "json") && strcmp(format, "csv") && strcmp(format, "md"))
        return cli_fail("export", "--customer: the formats are json, csv and md");
    if (status && !export_statuses_valid(status))
        return cli_fail("export", "--status: use planned, active, retired, a comma list, or all");
    if (f.use && entry_use_parse(f.use) == USE_UNKNOWN)
        return cli_fail("export", "--use: storage, processing or access");
    if (f.mechanism && entry_mechanism_parse(f.mechanism) == MECH_UNKNOWN)
        return cli_fail("export", "--mechanism: one of the mechanisms of docs/format.md");
    f.statuses = status;
    buf_init(&out, 0);
    if (at && date_parse(at, &day) == 0) {
        atday = day;
        cli_repo repo;
        sr_err err = {{0}};
        if ((rc = cli_open_repo("export", path, state, &repo)) != 0)
            goto out;
        rc = index_revision_before(repo.idx, (int64_t)(day + 1) * 86400, rev, &err);
        cli_close_repo(&repo);
        if (rc != 0) {
            rc = cli_fail("export", "--at %s: %s", at, err.msg);
            goto out;
        }
        at = rev;
    }
    r = cli_load_registry("export", path, at, &d);
    if (!r) {
        rc = EXIT_USAGE;
        goto out;
    }
    if (country) {
        if (!reference_country(r->ref, country, cc)) {
            rc = cli_fail("export", "--country %s: not an ISO 3166-1 alpha-2 code", country);
            goto out;
        }
        f.country = cc;
    }
    if (customer_id) {
        const customer *cu = customers_find(r->customers, customer_id);
        int when = atday != DATE_NONE ? atday : date_today();
        if (!cu) {
            rc = cli_fail("export", "--customer %s: the registry has no customers/%s.xml", customer_id,
                          entry_id_valid(customer_id) ? customer_id : "ID");
            goto out;
        }
        if (strcmp(format, "json") == 0) {
            cJSON *j = customer_view_json(r, cu, when);
            char *s = j ? cJSON_Print(j) : NULL;
            if (s)
                buf_printf(&out, "%s\n", s);
            else
                out.failed = 1;
            free(s);
            cJSON_Delete(j);
        } else if (strcmp(format, "csv") == 0) {
            customer_view_csv(r, cu, when, &out);
        } else {
            customer_view_md(r, cu, when, &out);
        }
    } else if (strcmp(format, "json") == 0) {
        cJSON *j = export_json(r, &f, internal);
        char *s = j ? cJSON_Print(j) : NULL;
        if (s)
            buf_printf(&out, "%s\n", s);
        free(s);
        cJSON_Delete(j);
    } else if (strcmp(format, "csv") == 0) {
        export_csv(r, &f, internal, &out);
    } else if (strncmp(format, "art30", 5) == 0) {
        records_render(r, atday != DATE_NONE ? atday : date_today(),
                       strcmp(format, "art30") == 0 ? RECORDS_PROCESSOR : RECORDS_CONTROLLER, csv, &out);
    } else if (strcmp(format, "dsr") == 0) {
        records_dsr(r, atday != DATE_NONE ? atday : date_today(), csv, &out);
    } else if (strcmp(format, "html") == 0) {
        page_version versions[30];
        page_opts o;
        memset(&o, 0, sizeof(o));
        o.removed_day = DATE_NONE;
        o.lang = page_lang(lang, NULL);
        o.day = date_today();
        o.at = atday;
        o.last_updated = DATE_NONE;
        o.standalone = 1;
        if (atday == DATE_NONE && store_is_repo(path)) {
            /* the list's versions, as GET / shows them: from the index of the repository */
            cli_repo repo;
            if ((rc = cli_open_repo("export", path, state, &repo)) != 0)
                goto out;
            o.versions = versions;
            o.nversions = page_versions(repo.idx, repo.st, NULL, versions, 30, &o.last_updated);
            cli_close_repo(&repo);
        }
        page_render(r, &o, &out);
    } else {
        export_md(r, &f, internal, &out);
    }
    if (out.failed) {
        rc = cli_fail("export", "out of memory");
        goto out;
    }
    fwrite(out.p, 1, out.len, stdout);
    if (diag_count(&d, SEV_ERROR, -1))
        fprintf(stderr, "subreg export: warning: the registry has %zu validation error(s); run "
                        "`subreg validate`\n", diag_count(&d, SEV_ERROR, -1));
    rc = EXIT_OK;
out:
    buf_free(&out);
    registry_free(r);
    diag_list_free(&d);
    return rc;
}
