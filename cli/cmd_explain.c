/* subreg explain: a rule, its legal source and how to fix it, from the table the checks use. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "../registry/rules.h"
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: subreg explain [RULE]\n"
    "\n"
    "Without RULE, list every rule with its severity and what it checks. With RULE, say what\n"
    "it checks, its legal source and how to fix a finding (the same table as docs/rules.md).\n";

int cmd_explain(int argc, char **argv)
{
    const cli_opt opts[] = {CLI_END};
    const rule_info *all, *r;
    size_t n, i;
    int rc;

    if ((rc = cli_options("explain", usage, argc, argv, opts)) != CLI_GO)
        return rc;
    if (argc - optind > 1) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    all = rules_all(&n);
    if (optind == argc) {
        for (i = 0; i < n; i++)
            printf("%-26s %-7s %s\n", all[i].id, diag_severity_name(all[i].sev),
                   all[i].title);
        return EXIT_OK;
    }
    r = rules_find(argv[optind]);
    if (!r)
        return cli_fail("explain", "no rule \"%s\": `subreg explain` lists them", argv[optind]);
    printf("%s (%s)\n\n  what:   %s\n  source: %s\n  fix:    %s\n", r->id,
           r->sev == SEV_ERROR ? "error: fails the check and blocks a write of the entry"
                               : "warning: fails the check only with --strict",
           r->title, r->source, r->fix);
    return EXIT_OK;
}
