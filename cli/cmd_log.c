/* subreg log: the history of the registry or of one entry, from the index. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../registry/date.h"
#include "../registry/entry.h"
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: subreg log [ID] [--since DATE|REV] [--registry PATH] [--state DIR] [--format text|json]\n"
    "\n"
    "Print what was added, changed and removed, newest first: every commit of main that\n"
    "touched a sub-processor, with date, commit, author, a summary and the commit message.\n"
    "\n"
    "  ID             only this sub-processor\n"
    "  --since X      only changes on or after the day X (YYYY-MM-DD), or after commit X\n"
    "  --registry P   the git repository (default " DEFAULT_REGISTRY ")\n"
    "  --state DIR    where the index lives (default " DEFAULT_STATE ")\n"
    "  --format F     text (default) or json\n"
    "  -h, --help     this help\n";

int cmd_log(int argc, char **argv)
{
    const char *path = DEFAULT_REGISTRY, *state = DEFAULT_STATE, *since = NULL, *id = NULL;
    const char *format = "text";
    char after[STORE_OID_HEX] = "";
    int64_t since_t = 0;
    cli_repo repo;
    index_change *ch = NULL;
    size_t n = 0, i;
    sr_err err = {{0}};
    cJSON *out = NULL;
    buf line;
    int rc, day;

    {
        const cli_opt opts[] = {CLI_STR("registry", &path), CLI_STR("state", &state), CLI_STR("since", &since),
                                CLI_STR("format", &format), CLI_END};
        if ((rc = cli_options("log", usage, argc, argv, opts)) != CLI_GO)
            return rc;
    }
    if (optind < argc)
        id = argv[optind++];
    if (optind != argc || (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    if (id && !entry_id_valid(id))
        return cli_fail("log", "\"%s\" is not a valid id", id);
    if ((rc = cli_open_repo("log", path, state, &repo)) != 0)
        return rc;
    if (since && date_parse(since, &day) == 0) {
        since_t = (int64_t)day * 86400;
    } else if (since && store_resolve(repo.st, since, after, &err) != 0) {
        rc = cli_fail("log", "--since %s: neither a date (YYYY-MM-DD) nor a revision", since);
        goto out;
    }
    rc = index_changes(repo.idx, id, after, since_t, 0, &ch, &n, &err);
    if (rc != 0) {
        rc = cli_fail("log", "%s", err.msg);
        goto out;
    }
    buf_init(&line, 0);
    if (strcmp(format, "json") == 0)
        out = cJSON_CreateArray();
    for (i = 0; i < n; i++) {
        char when[21];
        const char *nl = strchr(ch[i].message, '\n');

        date_format_time(ch[i].time, when);
        line.len = 0;
        buf_puts(&line, index_change_summary(&ch[i], 0));
        if (out) {
            cJSON *o = cJSON_CreateObject();
            char st[2] = {ch[i].status, 0};
            cJSON_AddStringToObject(o, "commit", ch[i].commit);
            cJSON_AddStringToObject(o, "date", when);
            cJSON_AddStringToObject(o, "author", ch[i].author);
            cJSON_AddStringToObject(o, "id", ch[i].id);
            cJSON_AddStringToObject(o, "change", st[0] == 'A' ? "added" : st[0] == 'D' ? "removed" : "changed");
            cJSON_AddStringToObject(o, "summary", buf_str(&line));
            cJSON_AddStringToObject(o, "message", ch[i].message);
            cJSON_AddItemToArray(out, o);
        } else {
            printf("%s  %.12s  %s\n    %s\n    %.*s\n", when, ch[i].commit, ch[i].author,
                   buf_str(&line), nl ? (int)(nl - ch[i].message) : (int)strlen(ch[i].message),
                   ch[i].message);
        }
    }
    if (out) {
        char *s = cJSON_Print(out);
        if (s)
            printf("%s\n", s);
        free(s);
        cJSON_Delete(out);
    } else if (n == 0) {
        fprintf(stderr, "subreg log: no changes%s%s\n", id ? " of " : "", id ? id : "");
    }
    buf_free(&line);
    rc = EXIT_OK;
out:
    index_changes_free(ch, n);
    cli_close_repo(&repo);
    return rc;
}
