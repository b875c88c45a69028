/* subreg check: the compliance gate for CI. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "../registry/date.h"
#include "../registry/guard.h"
#include "../registry/store.h"
#include "../registry/hosting.h"
#include "../registry/report.h"
#include "../registry/rules.h"
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: subreg check [--registry PATH] [--rev REV] [--base REV|--no-base] [--date YYYY-MM-DD]\n"
    "                    [--hosting FILE]...\n"
    "                    [--format text|json|junit|sarif|github] [--output FILE] [--strict]\n"
    "                    [--explain] [--docs-url URL]\n"
    "\n"
    "Check the registry against every rule as of a date, and what a deployment puts where:\n"
    "fails when anything is hosted outside the EEA without a valid transfer mechanism. In a\n"
    "git repository it also checks what changed since the base the change will land on, as\n"
    "the push guard and the server will (material changes owe notice: change-notice), so a\n"
    "green check means the push is accepted. (`subreg validate` checks only the schema and\n"
    "the date-free rules: it does not decide whether a change may be published.)\n"
    "\n"
    "  --registry P   a bare repository, a git work tree (files as on disk) or a directory\n"
    "                 (default " DEFAULT_REGISTRY "; in the registry's own CI: --registry .)\n"
    "  --rev REV      check the repository at this revision\n"
    "  --base REV     the revision the change lands on (default: origin/main when the clone\n"
    "                 has it, else the previous commit; a shallow clone with neither fails:\n"
    "                 fetch the base, e.g. actions/checkout with fetch-depth: 0)\n"
    "  --no-base      only the rules of the registry as it is, no change against a base\n"
    "  --date D       the check date (default today, UTC)\n"
    "  --hosting F    a Terraform plan in JSON (terraform show -json plan.out), a state in\n"
    "                 JSON (terraform show -json) or a hosting manifest (schemas/hosting.xsd);\n"
    "                 may be given several times\n"
    "  --explain      text format: list every resource of the hosting files with where it\n"
    "                 runs and how that was found, or why it is skipped or unmapped (the JSON\n"
    "                 format always has this list as \"placements\")\n"
    "  --format F     text (default), json, junit, sarif or github (workflow commands)\n"
    "  --output FILE  write the report there instead of standard output\n"
    "  --strict       fail on warnings and on waived errors too\n"
    "  --docs-url U   SARIF: where docs/rules.md is published (rules get helpUri U#RULE)\n"
    "  -h, --help     this help\n"
    "\n"
    "Exit status: 0 no error (warnings allowed), 1 errors (or warnings with --strict),\n"
    "2 usage or I/O error. Waived findings are reported apart and never fail the check.\n";

#define MAX_HOSTING 64

/* The registry the checked change lands on, into *out: base when given, else origin/main
 * when the clone has it, else the previous commit of the checked one; NULL when there is
 * none to compare with (not a git repository, or the first commit). Returns 0, or -1 after
 * saying why (a base that cannot be read, a shallow clone without one). */
static int load_base(const char *path, const char *rev, const char *base, registry **out)
{
    store *st = NULL;
    sr_err err = {{0}};
    char id[STORE_OID_HEX], prev[300];
    diag_list ignore = {0};
    int rc = -1;

    *out = NULL;
    if (!store_is_repo(path)) {
        if (!base)
            return 0; /* a plain directory has no history */
        return cli_fail("check", "--base %s: %s is not a git repository", base, path), -1;
    }
    if (store_open(path, 0, &st, &err) != 0) {
        cli_fail("check", "%s", err.msg);
        goto out;
    }
    if (!base) {
        snprintf(prev, sizeof(prev), "%s~1", rev ? rev : store_is_bare(st) ? "refs/heads/main" : "HEAD");
        if (store_resolve(st, "refs/remotes/origin/main", id, &err) == 0) {
            base = "refs/remotes/origin/main";
        } else if (store_resolve(st, prev, id, &err) == 0) {
            base = prev;
        } else if (store_is_shallow(st)) {
            cli_fail("check", "cannot find the revision this change lands on: this clone is "
                              "shallow and has neither origin/main nor the previous commit. Fetch "
                              "it (actions/checkout: fetch-depth: 0; or git fetch origin main), "
                              "name it with --base REV, or check without it with --no-base");
            goto out;
        } else {
            rc = 0; /* the first commit: everything is new, nothing to compare */
            goto out;
        }
    }
    *out = cli_load_registry("check", path, base, &ignore);
    rc = *out ? 0 : -1;
out:
    diag_list_free(&ignore);
    store_close(st);
    return rc;
}

/* The --hosting files: at most MAX_HOSTING. */
typedef struct hosting_args {
    const char *v[MAX_HOSTING];
    int n;
} hosting_args;

static int set_hosting(void *ctx, const char *value, char *why, size_t n)
{
    hosting_args *h = ctx;

    if (h->n == MAX_HOSTING) {
        snprintf(why, n, "at most %d --hosting files", MAX_HOSTING);
        return -1;
    }
    h->v[h->n++] = value;
    return 0;
}

static int set_format(void *ctx, const char *value, char *why, size_t n)
{
    int f = report_format_parse(value);

    if (f < 0) {
        snprintf(why, n, "use text, json, junit, sarif or github");
        return -1;
    }
    *(int *)ctx = f;
    return 0;
}

static int set_url(void *ctx, const char *value, char *why, size_t n)
{
    if (strncmp(value, "https://", 8) != 0 && strncmp(value, "http://", 7) != 0) {
        snprintf(why, n, "give an http(s) URL");
        return -1;
    }
    *(const char **)ctx = value;
    return 0;
}

int cmd_check(int argc, char **argv)
{
    const char *path = DEFAULT_REGISTRY, *rev = NULL, *output = NULL, *docs_url = NULL, *base = NULL;
    hosting_args hs = {{0}, 0};
    hosting_list lists[MAX_HOSTING];
    int nl = 0, strict = 0, explain = 0, no_base = 0, c, i, rc = EXIT_USAGE, day = date_today(),
        fmt = REPORT_TEXT;
    char daystr[11];
    diag_list d = {0};
    registry *r = NULL, *b = NULL;
    report_meta m = {0};
    buf out;

    {
        const cli_opt opts[] = {CLI_STR("registry", &path), CLI_STR("rev", &rev), CLI_STR("base", &base),
                                CLI_FLAG("no-base", &no_base),
                                CLI_SET("date", cli_set_date, &day),
                                CLI_SET("hosting", set_hosting, &hs),
                                CLI_SET("format", set_format, &fmt), CLI_STR("output", &output),
                                CLI_FLAG("strict", &strict), CLI_FLAG("explain", &explain),
                                CLI_SET("docs-url", set_url, &docs_url), CLI_END};
        if ((c = cli_options("check", usage, argc, argv, opts)) != CLI_GO)
            return c;
    }
    if (optind != argc) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    if (base && no_base)
        return cli_fail("check", "--base and --no-base exclude each other");
    buf_init(&out, 0);
    r = cli_load_registry("check", path, rev, &d);
    if (!r)
        goto out;
    if (!no_base && load_base(path, rev, base, &b) != 0)
        goto out;
    rules_check(r, day, &d);
    guard_check_changes(b, r, day, &d);
    for (i = 0; i < hs.n; i++) {
        sr_err err = {{0}};
        int lrc = hosting_load(hs.v[i], cli_schemas(), &lists[nl++], &d, &err);
        if (lrc != 0) {
            rc = cli_fail("check", "--hosting %s", err.msg);
            goto out;
        }
        hosting_check(r, &lists[nl - 1], day, &d);
    }
    diag_sort(&d);
    m.date = date_format(day, daystr);
    m.revision = r->revision;
    m.version = subreg_version;
    m.reg = r;
    m.hosting = lists;
    m.nhosting = (size_t)nl;
    m.explain = explain;
    m.docs_url = docs_url;
    m.registry_dir = path;
    if (report_write((report_format)fmt, &d, &m, &out) != 0) {
        rc = cli_fail("check", "out of memory writing the report");
        goto out;
    }
    if (output) {
        FILE *f = fopen(output, "w");
        if (!f || fwrite(out.p, 1, out.len, f) != out.len || fclose(f) != 0) {
            rc = cli_fail("check", "cannot write %s: %s", output, strerror(errno));
            goto out;
        }
    } else {
        fwrite(out.p, 1, out.len, stdout);
    }
    rc = diag_count(&d, SEV_ERROR, 0) ||
                 (strict && (diag_count(&d, SEV_WARNING, 0) || diag_count(&d, SEV_ERROR, 1)))
             ? EXIT_FINDINGS
                                                                                    : EXIT_OK;
out:
    for (i = 0; i < nl; i++)
        hosting_list_free(&lists[i]);
    buf_free(&out);
    registry_free(r);
    registry_free(b);
    diag_list_free(&d);
    return rc;
}
