/* cli: what the subcommands share: usage errors, loading a registry from --registry/--rev,
 * and printing diagnostics. Front-end code: it prints, the library does not. */
#ifndef SUBREG_CLI_H
#define SUBREG_CLI_H
#include <stdio.h>
#include "../registry/diag.h"
#include "../registry/registry.h"
#include "../registry/schema.h"
#include "../registry/index.h"
#include "../registry/store.h"

#define EXIT_OK 0
#define EXIT_FINDINGS 1
#define EXIT_USAGE 2

#define DEFAULT_REGISTRY "data/registry.git"
#define DEFAULT_STATE "data/state"

#include "../registry/version.h"

typedef struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} command;

/* Print "subreg CMD: MESSAGE" to stderr and return EXIT_USAGE. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The compiled schemas, loaded on first use (main is single-threaded then); NULL with a
 * message printed when they cannot be compiled. */
const schemas *cli_schemas(void);
/* Load the registry at path (bare repo, work tree or directory) at rev (may be NULL).
 * Problems go to d. Returns the registry, or NULL after printing why (exit 2 then). */
registry *cli_load_registry(const char *cmd, const char *path, const char *rev, diag_list *d);
/* Load loose entry files and directories of entry files against the built-in reference
 * data, with the date-free checks. Returns NULL after printing why. */
registry *cli_load_files(const char *cmd, char **paths, int n, diag_list *d);
/* Print each diagnostic as one line to f. */
void cli_print_diags(FILE *f, const diag_list *d);
/* An open registry repository and its index (caught up with main). */
typedef struct cli_repo {
    store *st;
    index_db *idx;
} cli_repo;
/* Open the git repository at path and the index in state_dir (created if missing), caught
 * up. Returns 0, or EXIT_USAGE after printing why. */
int cli_open_repo(const char *cmd, const char *path, const char *state_dir, cli_repo *out);
void cli_close_repo(cli_repo *r);
/* mkdir -p dir with mode 0700. Returns 0 or -1 (errno set). */
int cli_mkdirs(const char *dir);
/* Parse a --date value or "today" into *day; returns 0 or -1. */
int cli_parse_date(const char *s, int *day);

/* One option of a command, for cli_options. Exactly one of str, flag and set is given. */
typedef struct cli_opt {
    const char *name;  /* the long option without "--"; NULL ends a table */
    const char **str;  /* takes a value, stored here as given */
    int *flag;         /* takes no value: set to 1 */
    /* takes a value, checked and stored by set: 0, or -1 after writing into why what to give
     * instead (shown as "subreg CMD: --NAME VALUE: WHY") */
    int (*set)(void *ctx, const char *value, char *why, size_t n);
    void *ctx;
} cli_opt;

/* The rows of a table of cli_opt. */
#define CLI_STR(name, p) {name, p, NULL, NULL, NULL}
#define CLI_FLAG(name, p) {name, NULL, p, NULL, NULL}
#define CLI_SET(name, fn, ctx) {name, NULL, NULL, fn, ctx}
#define CLI_END {NULL, NULL, NULL, NULL, NULL}

#define CLI_GO (-1) /* cli_options: the options are read, go on */
/* Read the options of argv (argv[0] is the command) by the table opts; -h and --help are
 * always there and print usage. Returns CLI_GO with optind at the first operand, or the
 * command's exit code: EXIT_OK after printing usage to stdout (--help), EXIT_USAGE after
 * printing usage or why a value is refused to stderr. At most 31 options. */
int cli_options(const char *cmd, const char *usage, int argc, char **argv, const cli_opt *opts);
/* A cli_opt setter for --date: "today" or YYYY-MM-DD into *(int *)ctx. */
int cli_set_date(void *ctx, const char *value, char *why, size_t n);
/* A cli_opt setter for a number of at least 0 into *(long *)ctx. */
int cli_set_count(void *ctx, const char *value, char *why, size_t n);
#endif
