/* subreg: the program. Dispatches to the subcommands in server/cmd_*.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../registry/store.h"
#include "../registry/xmldoc.h"
#include "cli.h"
#include "commands.h"


static const command commands[] = {
    {"serve", "the HTTP/JSON API: public list and feed, authenticated reads, validated writes", cmd_serve},
    {"token", "API tokens for serve: add, list, revoke", cmd_token},
    {"subscribers", "who is notified of changes: add, list, remove (and erase)", cmd_subscribers},
    {"notices", "the proof of notice: every delivery of every change set, as CSV or JSON", cmd_notices},
    {"objections", "objections customers made through the link in a notice", cmd_objections},
    {"init", "create the registry's git repository from a directory, with the push guard", cmd_init},
    {"validate", "check registry files against the schemas and the date-free rules", cmd_validate},
    {"check", "the compliance gate for CI: every rule as of a date, plus hosting checks", cmd_check},
    {"log", "history of the registry or of one sub-processor", cmd_log},
    {"export", "the list as JSON, CSV, Markdown or a static HTML page; Art. 30 records", cmd_export},
    {"explain", "a rule: what it checks, its legal source, how to fix a finding", cmd_explain},
    {"new", "a new entry from a commented template, with today's dates", cmd_new},
    {"fmt", "rewrite registry files in the one canonical layout (--check for CI)", cmd_fmt},
    {"diff", "what changed between two revisions, with the findings introduced and resolved", cmd_diff},
    {"hook", "the push guard git runs (installed by init)", cmd_hook},
};

static void usage(FILE *f)
{
    size_t i;

    fprintf(f, "usage: subreg COMMAND [OPTIONS]\n\n"
               "A git-backed registry of GDPR sub-processors.\n\nCommands:\n");
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun `subreg COMMAND --help` for a command's options. `subreg --version` prints "
               "the version.\n");
}

int main(int argc, char **argv)
{
    sr_err err = {{0}};
    size_t i;
    int rc = EXIT_USAGE;

    /* ssh asking for the upstream key's passphrase (registry/remote.c sets SSH_ASKPASS to
     * this program and the passphrase in SUBREG_ASKPASS): answer it, and nothing else */
    if (getenv("SUBREG_ASKPASS") && getenv("SSH_ASKPASS_REQUIRE") && argc == 2 &&
        strstr(argv[1], "passphrase")) {
        puts(getenv("SUBREG_ASKPASS"));
        return EXIT_OK;
    }
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("subreg %s\n", subreg_version);
        return EXIT_OK;
    }
    xmldoc_global_init();
    if (store_global_init(&err) != 0) {
        fprintf(stderr, "subreg: %s\n", err.msg);
        return EXIT_USAGE;
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            rc = commands[i].run(argc - 1, argv + 1);
            goto out;
        }
    }
    fprintf(stderr, "subreg: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
out:
    store_global_shutdown();
    return rc;
}
