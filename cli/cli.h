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
#endif
