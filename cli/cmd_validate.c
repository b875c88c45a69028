/* subreg validate: schema and date-free checks of a registry or of loose entry files. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: subreg validate [--registry PATH] [--rev REV] [FILE|DIR ...]\n"
    "\n"
    "Check registry files against the XML schemas and the date-free rules (file name equals\n"
    "id, ids unique, real country codes, every transfer matching a location, regions placed,\n"
    "no value left from the `subreg new` template). It has no date and no base: it does not\n"
    "decide whether the registry is compliant or a change may be pushed. `subreg check` does\n"
    "(every rule as of a date, and the notice a change owes), as the push guard will.\n"
    "\n"
    "  FILE          a sub-processor's or a customer's file, checked alone against the\n"
    "                built-in reference data\n"
    "  DIR           a registry (a directory holding registry.xml, with its own reference/);\n"
    "                any other directory: each *.xml in it, as loose sub-processor files\n"
    "  --registry P  with no FILE or DIR: a bare git repository, a git work tree or a plain\n"
    "                directory (default " DEFAULT_REGISTRY ")\n"
    "  --rev REV     read the repository at this revision (commit, branch, tag)\n"
    "  -h, --help    this help\n"
    "\n"
    "Prints one line per problem, FILE:LINE:COL: error[RULE]: MESSAGE, and a summary on\n"
    "standard error. Exit status: 0 valid, 1 invalid, 2 usage or I/O error.\n";

/* 1 when directory p holds a registry.xml (a registry checkout, not loose entry files). */
static int is_registry_dir(const char *p)
{
    char f[8192];
    struct stat sb;

    snprintf(f, sizeof(f), "%s/registry.xml", p);
    return stat(f, &sb) == 0;
}

int cmd_validate(int argc, char **argv)
{
    const char *path = DEFAULT_REGISTRY, *rev = NULL;
    diag_list d = {0};
    size_t files = 0;
    int c, i, rc = EXIT_USAGE, loose = 0;

    {
        const cli_opt opts[] = {CLI_STR("registry", &path), CLI_STR("rev", &rev), CLI_END};
        if ((c = cli_options("validate", usage, argc, argv, opts)) != CLI_GO)
            return c;
    }
    if (optind == argc) {
        registry *r = cli_load_registry("validate", path, rev, &d);
        if (!r)
            goto out;
        files = r->n;
        registry_free(r);
    } else {
        if (rev)
            return cli_fail("validate", "--rev applies to --registry, not to FILE or DIR arguments");
        for (i = optind; i < argc; i++) {
            if (is_registry_dir(argv[i])) {
                registry *r = cli_load_registry("validate", argv[i], NULL, &d);
                if (!r)
                    goto out;
                files += r->n;
                registry_free(r);
            } else {
                loose = 1;
            }
        }
        if (loose) {
            char **rest = argv + optind;
            int n = 0;
            registry *r;
            for (i = 0; i < argc - optind; i++)
                if (!is_registry_dir(rest[i]))
                    rest[n++] = rest[i];
            r = cli_load_files("validate", rest, n, &d);
            if (!r)
                goto out;
            files += r->n;
            registry_free(r);
        }
    }
    diag_sort(&d);
    cli_print_diags(stdout, &d);
    fprintf(stderr, "subreg validate: %zu entr%s checked, %zu error%s, %zu warning%s\n", files,
            files == 1 ? "y" : "ies", diag_count(&d, SEV_ERROR, -1),
            diag_count(&d, SEV_ERROR, -1) == 1 ? "" : "s", diag_count(&d, SEV_WARNING, -1),
            diag_count(&d, SEV_WARNING, -1) == 1 ? "" : "s");
    rc = diag_count(&d, SEV_ERROR, -1) ? EXIT_FINDINGS : EXIT_OK;
out:
    diag_list_free(&d);
    return rc;
}
