/* subreg diff: what changed between two revisions, for a reviewer. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "../registry/buf.h"
#include "../registry/date.h"
#include "../registry/report.h"
#include "../registry/rules.h"
#include "../registry/summary.h"
#include "../registry/guard.h"
#include "cli.h"
#include "commands.h"

static const char usage[] =
    "usage: subreg diff REV1..REV2 [--registry PATH] [--date YYYY-MM-DD] [--format md|json]\n"
    "\n"
    "What changed from REV1 to REV2 (REV1.. means REV1..HEAD): one line per sub-processor added,\n"
    "changed or removed, in the words of the change summaries, then the findings of\n"
    "`subreg check` that REV2 introduces and those it resolves. Markdown is the text a\n"
    "reviewer wants as a pull-request comment. Exit 1 when REV2 introduces an unwaived error.\n"
    "\n"
    "  --registry P   the git repository or clone (default " DEFAULT_REGISTRY ")\n"
    "  --date D       check both revisions as of D (default today)\n"
    "  --format F     md (default) or json\n"
    "  -h, --help     this help\n";

typedef struct change {
    char status; /* 'A', 'M', 'D' */
    const char *id;
    char *summary;
} change;

/* The key that says two findings are the same one: where line numbers may move. */
static char *finding_key(const diag *g)
{
    size_t n = strlen(g->rule) + strlen(g->entry ? g->entry : g->file) + strlen(g->message) + 8;
    char *k = malloc(n);

    if (k)
        snprintf(k, n, "%s|%s|%s|%d", g->rule, g->entry ? g->entry : g->file, g->message, g->waived);
    return k;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Findings of a not in b, into out (borrowed pointers): sorted keys of b, searched for each
 * finding of a. Returns how many, or -1 when out of memory. */
static long only_in(const diag_list *a, const diag_list *b, const diag **out)
{
    char **keys = calloc(b->n + 1, sizeof(*keys));
    size_t i;
    long n = -1, found = 0;

    if (!keys)
        return -1;
    for (i = 0; i < b->n; i++)
        if (!(keys[i] = finding_key(&b->v[i])))
            goto out;
    qsort(keys, b->n, sizeof(*keys), cmp_str);
    for (i = 0; i < a->n; i++) {
        char *k = finding_key(&a->v[i]);
        if (!k)
            goto out;
        if (!bsearch(&k, keys, b->n, sizeof(*keys), cmp_str))
            out[found++] = &a->v[i];
        free(k);
    }
    n = found;
out:
    for (i = 0; i < b->n; i++)
        free(keys[i]);
    free(keys);
    return n;
}

/* Sub-processors whose internal view differs, in id order, into out (summaries owned). */
static int entry_changes(const registry *a, const registry *b, change *out, size_t *n)
{
    size_t i = 0, j = 0;
    int rc = -1;

    *n = 0;
    while (i < a->n || j < b->n) {
        const entry *ea = i < a->n ? a->entries[i] : NULL, *eb = j < b->n ? b->entries[j] : NULL;
        int cmp = !ea ? 1 : !eb ? -1 : strcmp(ea->id, eb->id);
        cJSON *before = NULL, *after = NULL;
        buf line;
        char status;

        if (cmp < 0) {
            eb = NULL;
            i++;
        } else if (cmp > 0) {
            ea = NULL;
            j++;
        } else {
            i++;
            j++;
        }
        if ((ea && !(before = entry_to_json(ea, VIEW_INTERNAL))) || (eb && !(after = entry_to_json(eb, VIEW_INTERNAL)))) {
            cJSON_Delete(before);
            goto out;
        }
        status = !ea ? 'A' : !eb ? 'D' : 'M';
        if (status == 'M' && cJSON_Compare(before, after, 1)) {
            cJSON_Delete(before);
            cJSON_Delete(after);
            continue;
        }
        buf_init(&line, 0);
        if (summary_change(status, ea ? ea->id : eb->id, before, after, 0, &line) != 0 || 0) {
            buf_free(&line);
            cJSON_Delete(before);
            cJSON_Delete(after);
            goto out;
        }
        out[*n].status = status;
        out[*n].id = ea ? ea->id : eb->id;
        out[*n].summary = buf_steal(&line);
        if (!out[*n].summary) {
            cJSON_Delete(before);
            cJSON_Delete(after);
            goto out;
        }
        (*n)++;
        cJSON_Delete(before);
        cJSON_Delete(after);
    }
    rc = 0;
out:
    return rc;
}

/* The findings v[0..n) as a JSON array in the one shape of a finding (report_finding_json). */
static cJSON *findings_json(const diag **v, size_t n)
{
    cJSON *arr = cJSON_CreateArray();
    size_t i;

    for (i = 0; arr && i < n; i++)
        cJSON_AddItemToArray(arr, report_finding_json(v[i]));
    return arr;
}

/* Markdown special characters of a table-free list item: enough to keep a message literal. */
static void md_text(buf *out, const char *s)
{
    for (; *s; s++) {
        char ch = *s == '\n' ? ' ' : *s;
        if (strchr("\\`*_[]<>|#", ch))
            buf_add(out, "\\", 1);
        buf_add(out, &ch, 1);
    }
}

/* The findings v[0..n) as a Markdown list under a bold title with their count ("- none" when
 * empty). */
static void md_findings(buf *out, const char *title, const diag **v, size_t n)
{
    size_t i;

    buf_printf(out, "\n**%s** (%zu)\n\n", title, n);
    if (n == 0)
        buf_puts(out, "- none\n");
    for (i = 0; i < n; i++) {
        buf_printf(out, "- %s%s `%s` %s: ", diag_severity_name(v[i]->sev), v[i]->waived ? " (waived)" : "", v[i]->rule,
                   v[i]->entry ? v[i]->entry : v[i]->file);
        md_text(out, v[i]->message);
        buf_puts(out, "\n");
    }
}

int cmd_diff(int argc, char **argv)
{
    const char *path = DEFAULT_REGISTRY, *format = "md", *dots;
    char rev1[256], rev2[256], daystr[11];
    int c, rc = EXIT_USAGE, day = date_today(), json;
    registry *a = NULL, *b = NULL;
    diag_list da = {0}, db = {0};
    change *ch = NULL;
    const diag **intro = NULL, **gone = NULL;
    size_t nch = 0, i;
    long nin = 0, ngone = 0;
    buf out;

    buf_init(&out, 0);
    {
        const cli_opt opts[] = {CLI_STR("registry", &path), CLI_SET("date", cli_set_date, &day),
                                CLI_STR("format", &format), CLI_END};
        if ((c = cli_options("diff", usage, argc, argv, opts)) != CLI_GO)
            return c;
    }
    if (strcmp(format, "md") != 0 && strcmp(format, "json") != 0)
        return cli_fail("diff", "--format %s: use md or json", format);
    json = strcmp(format, "json") == 0;
    if (optind + 1 != argc || !(dots = strstr(argv[optind], "..")) || dots == argv[optind] ||
        strstr(dots + 2, "..") || (size_t)(dots - argv[optind]) >= sizeof(rev1) || strlen(dots + 2) >= sizeof(rev2)) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    snprintf(rev1, sizeof(rev1), "%.*s", (int)(dots - argv[optind]), argv[optind]);
    snprintf(rev2, sizeof(rev2), "%s", dots[2] ? dots + 2 : "HEAD");
    a = cli_load_registry("diff", path, rev1, &da);
    if (!a)
        goto out;
    b = cli_load_registry("diff", path, rev2, &db);
    if (!b)
        goto out;
    rules_check(a, day, &da);
    rules_check(b, day, &db);
    guard_check_changes(a, b, day, &db); /* what the push guard decides for this change */
    ch = calloc(a->n + b->n + 1, sizeof(*ch));
    intro = calloc(db.n + 1, sizeof(*intro));
    gone = calloc(da.n + 1, sizeof(*gone));
    if (!ch || !intro || !gone || entry_changes(a, b, ch, &nch) != 0) {
        rc = cli_fail("diff", "out of memory");
        goto out;
    }
    diag_sort(&da);
    diag_sort(&db);
    nin = only_in(&db, &da, intro);
    ngone = only_in(&da, &db, gone);
    if (nin < 0 || ngone < 0) {
        rc = cli_fail("diff", "out of memory");
        goto out;
    }
    date_format(day, daystr);
    if (json) {
        cJSON *root = cJSON_CreateObject(), *arr;
        char *text;
        cJSON_AddStringToObject(root, "from", a->revision);
        cJSON_AddStringToObject(root, "to", b->revision);
        cJSON_AddStringToObject(root, "date", daystr);
        arr = cJSON_AddArrayToObject(root, "changes");
        for (i = 0; i < nch; i++) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToArray(arr, o);
            cJSON_AddStringToObject(o, "id", ch[i].id);
            cJSON_AddStringToObject(o, "status", ch[i].status == 'A' ? "added" : ch[i].status == 'D' ? "removed" : "changed");
            cJSON_AddStringToObject(o, "summary", ch[i].summary);
        }
        cJSON_AddItemToObject(root, "introduced", findings_json(intro, (size_t)nin));
        cJSON_AddItemToObject(root, "resolved", findings_json(gone, (size_t)ngone));
        text = cJSON_Print(root);
        cJSON_Delete(root);
        if (!text) {
            rc = cli_fail("diff", "out of memory");
            goto out;
        }
        buf_puts(&out, text);
        buf_puts(&out, "\n");
        free(text);
    } else {
        buf_printf(&out, "### Sub-processors: %.7s..%.7s\n\n", a->revision, b->revision);
        if (nch == 0)
            buf_puts(&out, "No sub-processor changed.\n");
        for (i = 0; i < nch; i++) {
            buf_puts(&out, "- ");
            md_text(&out, ch[i].summary);
            buf_puts(&out, "\n");
        }
        md_findings(&out, "Findings introduced", intro, (size_t)nin);
        md_findings(&out, "Findings resolved", gone, (size_t)ngone);
        buf_printf(&out, "\n_Checked as of %s by subreg %s._\n", daystr, subreg_version);
    }
    if (out.failed) {
        rc = cli_fail("diff", "out of memory");
        goto out;
    }
    fwrite(out.p, 1, out.len, stdout);
    rc = EXIT_OK;
    for (i = 0; i < (size_t)nin; i++)
        if (intro[i]->sev == SEV_ERROR && !intro[i]->waived)
            rc = EXIT_FINDINGS;
out:
    for (i = 0; i < nch; i++)
        free(ch[i].summary);
    free(ch);
    free(intro);
    free(gone);
    buf_free(&out);
    registry_free(a);
    registry_free(b);
    diag_list_free(&da);
    diag_list_free(&db);
    return rc;
}
