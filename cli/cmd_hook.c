/* subreg hook pre-receive: the push guard that `subreg init` installs. git runs it with the
 * pushed objects in a quarantine directory named by its environment; every line of standard
 * input is "OLD NEW REF". Problems are printed to standard error, which git shows the pusher. */
#include <stdio.h>
#include <string.h>
#include "../registry/date.h"
#include "../registry/guard.h"
#include "../registry/registry.h"
#include "../registry/source.h"
#include "../registry/store.h"
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: subreg hook pre-receive\n"
    "\n"
    "Run by git as the registry repository's pre-receive hook (installed by `subreg init`).\n"
    "Refuses a push when the pushed tree breaks a schema or a registry check, when a changed\n"
    "entry has an error finding as of today, or when it deletes or rewrites main.\n";

static const char zero[] = "0000000000000000000000000000000000000000";

/* allow-tags in registry.xml on main (default: no). */
static int tags_allowed(store *s, const schemas *xs)
{
    store_snap *snap = NULL;
    source *src = NULL;
    registry *r = NULL;
    diag_list d = {0};
    sr_err err = {{0}};
    int yes = 0;

    if (store_snap_open(s, NULL, &snap, &err) == 0 && source_from_snap(snap, &src, &err) == 0 &&
        registry_load_base(src, xs, &r, &d, &err) == 0)
        yes = r->settings.allow_tags;
    registry_free(r);
    diag_list_free(&d);
    source_close(src);
    store_snap_free(snap);
    return yes;
}

#define GUARD_RACE (-100)

/* 1 (after saying so) when main is no longer old: an API write landed since the pusher
 * fetched, and git would refuse the update after this hook anyway. API writers then hold
 * off for a moment (store_push_lost) so that the pusher's pull and push go through. */
static int main_moved(store *s, const char *old)
{
    char tip[STORE_OID_HEX];
    sr_err err = {{0}};

    if (store_resolve(s, NULL, tip, &err) != 0 || strncmp(tip, old, 40) == 0)
        return 0;
    store_push_lost(s);
    fprintf(stderr, "subreg: main moved while you pushed (an API write landed): run `git pull "
                    "--rebase` and push again now; API writes hold off for %.1f s so that your push "
                    "goes through\n", STORE_PUSH_GRACE_MS / 1000.0);
    return 1;
}

/* One ref update of a push (old -> nw on ref), checked as the guard checks a push. Returns 0
 * to accept it, 1 to refuse it (why printed for the pusher). */
static int check_update(store *s, const schemas *xs, const char *old, const char *nw,
                        const char *ref, int day)
{
    char base[STORE_OID_HEX] = "", tip[STORE_OID_HEX];
    diag_list d = {0};
    sr_err err = {{0}};
    int is_main = strcmp(ref, STORE_REF) == 0, rc = 1, g;

    if (strncmp(ref, "refs/tags/", 10) == 0) {
        if (tags_allowed(s, xs))
            return 0;
        fprintf(stderr, "subreg: refusing %s: tags are not allowed in this registry (a tag is "
                        "a second name for a revision; set <allow-tags>true</allow-tags> in "
                        "registry.xml to allow them)\n", ref);
        return 1;
    }
    if (strncmp(ref, "refs/heads/", 11) != 0) {
        fprintf(stderr, "subreg: refusing %s: push branches (refs/heads/...) only\n", ref);
        return 1;
    }
    if (strcmp(nw, zero) == 0) {
        if (is_main) {
            fprintf(stderr, "subreg: refusing to delete %s: the registry lives on it\n", ref);
            return 1;
        }
        return 0;
    }
    if (strcmp(old, zero) != 0) {
        memcpy(base, old, 40); /* main() checked: 40 hex digits */
        base[40] = '\0';
        if (is_main) {
            int desc = store_descends(s, nw, old, &err);
            if (desc < 0) {
                fprintf(stderr, "subreg: %s\n", err.msg);
                return 1;
            }
            if (!desc) {
                fprintf(stderr, "subreg: refusing a non-fast-forward push to %s: history of the "
                                "registry is never rewritten; pull, rebase and push again\n", ref);
                return 1;
            }
        }
    } else if (store_resolve(s, NULL, tip, &err) == 0) {
        /* A new branch: count as changed what differs from where it left main. */
        if (store_merge_base(s, tip, nw, base, &err) != 0)
            base[0] = '\0';
    }
    if (is_main && strcmp(old, zero) != 0 && main_moved(s, old))
        return 1;
    g = guard_check_push(s, xs, base, nw, day, is_main, &d, &err);
    if (g == 0 && is_main && strcmp(old, zero) != 0 && main_moved(s, old))
        g = GUARD_RACE;
    diag_sort(&d);
    cli_print_diags(stderr, &d);
    if (g == 0) {
        rc = 0;
    } else if (g == GUARD_RACE) {
        rc = 1; /* said by main_moved */
    } else if (g == GUARD_BLOCKED) {
        fprintf(stderr, "subreg: push to %s refused: %zu error%s above; fix them and push again "
                        "(run `subreg check --registry .` in your clone to see them first)\n",
                ref, diag_count(&d, SEV_ERROR, 0), diag_count(&d, SEV_ERROR, 0) == 1 ? "" : "s");
    } else {
        fprintf(stderr, "subreg: cannot check the push to %s: %s\n", ref, err.msg);
    }
    diag_list_free(&d);
    return rc;
}

int cmd_hook(int argc, char **argv)
{
    const schemas *xs;
    store *s = NULL;
    sr_err err = {{0}};
    char line[1024], old[64], nw[64], ref[900];
    int refused = 0, day = date_today();

    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (argc != 2 || strcmp(argv[1], "pre-receive") != 0) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    if (store_open(NULL, 1, &s, &err) != 0) {
        fprintf(stderr, "subreg: cannot open the repository the hook runs in: %s\n", err.msg);
        return EXIT_USAGE;
    }
    /* API writers hold off while this push is checked and applied (store_push_pending):
     * first thing, before the schemas are compiled */
    if (store_push_begin(s, &err) != 0) {
        fprintf(stderr, "subreg: warning: %s (the push may lose the race to API writes)\n", err.msg);
        err.msg[0] = '\0';
    }
    xs = cli_schemas();
    if (!xs) {
        store_push_end(s);
        store_close(s);
        return EXIT_USAGE;
    }
    while (fgets(line, sizeof(line), stdin)) {
        if (sscanf(line, "%63s %63s %899s", old, nw, ref) != 3 || strlen(old) != 40 ||
            strlen(nw) != 40) {
            fprintf(stderr, "subreg: unexpected hook input: %s", line);
            refused = 1;
            continue;
        }
        refused |= check_update(s, xs, old, nw, ref, day);
    }
    if (refused)
        store_push_end(s); /* nothing will be applied: writers need not wait */
    store_close(s);
    return refused ? EXIT_FINDINGS : EXIT_OK;
}
