#include "report.h"
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "rules.h"

int report_format_parse(const char *s)
{
    static const char *names[] = {"text", "json", "junit", "sarif", "github"};
    int i;

    for (i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

/* Append doc printed (formatted) and a newline; consumes doc. Returns 0 or -1. */
static int append_json(buf *out, cJSON *doc)
{
    char *s = doc ? cJSON_Print(doc) : NULL;

    cJSON_Delete(doc);
    if (!s)
        return -1;
    buf_puts(out, s);
    buf_puts(out, "\n");
    free(s);
    return 0;
}

/* The last line of a text report: how many errors, warnings and waived findings, over how
 * many entries, as of when. */
static void summary_line(const diag_list *d, const report_meta *m, buf *out)
{
    buf_printf(out, "%zu error%s, %zu warning%s, %zu waived (%zu entr%s checked as of %s)\n",
               diag_count(d, SEV_ERROR, 0), diag_count(d, SEV_ERROR, 0) == 1 ? "" : "s",
               diag_count(d, SEV_WARNING, 0), diag_count(d, SEV_WARNING, 0) == 1 ? "" : "s",
               diag_count(d, SEV_ERROR, 1) + diag_count(d, SEV_WARNING, 1),
               m->reg ? m->reg->n : 0, m->reg && m->reg->n == 1 ? "y" : "ies", m->date);
}

/* The audit trail of the hosting files: one line per resource. */
static void write_placements_text(const report_meta *m, buf *out)
{
    size_t i, k;

    for (i = 0; i < m->nhosting; i++) {
        const hosting_list *l = &m->hosting[i];
        buf_printf(out, "%s: %s, %zu resource%s\n", l->file, l->format ? l->format : "?", l->n,
                   l->n == 1 ? "" : "s");
        for (k = 0; k < l->n; k++) {
            const hosting_deploy *h = &l->v[k];
            buf_printf(out, "  %s:%d:%d %s [%s, %s] %s", l->file, h->line, h->col, h->what, h->provider,
                       h->kind ? h->kind : "?", hosting_result_name(h->result));
            if (h->cc[0])
                buf_printf(out, " %s", h->cc);
            if (h->region)
                buf_printf(out, " (%s)", h->region);
            if (h->source)
                buf_printf(out, " from %s", h->source);
            if (h->reason && h->result != HOST_PLACED)
                buf_printf(out, ": %s", h->reason);
            buf_puts(out, "\n");
        }
    }
}

/* What --explain shows of each hosting file: every deployment, where, and the entry that
 * covers it, as JSON. */
static cJSON *placements_json(const report_meta *m)
{
    cJSON *arr = cJSON_CreateArray();
    size_t i, k;

    for (i = 0; arr && i < m->nhosting; i++) {
        const hosting_list *l = &m->hosting[i];
        for (k = 0; k < l->n; k++) {
            const hosting_deploy *h = &l->v[k];
            cJSON *o = cJSON_CreateObject();
            if (!o)
                break;
            cJSON_AddStringToObject(o, "file", l->file);
            cJSON_AddStringToObject(o, "format", l->format ? l->format : "");
            cJSON_AddNumberToObject(o, "line", h->line);
            cJSON_AddNumberToObject(o, "column", h->col);
            cJSON_AddStringToObject(o, "address", h->what);
            if (h->type)
                cJSON_AddStringToObject(o, "type", h->type);
            cJSON_AddStringToObject(o, "provider", h->provider);
            cJSON_AddStringToObject(o, "kind", h->kind ? h->kind : "");
            cJSON_AddStringToObject(o, "result", hosting_result_name(h->result));
            if (h->region)
                cJSON_AddStringToObject(o, "region", h->region);
            else
                cJSON_AddNullToObject(o, "region");
            if (h->cc[0])
                cJSON_AddStringToObject(o, "country", h->cc);
            else
                cJSON_AddNullToObject(o, "country");
            if (h->source)
                cJSON_AddStringToObject(o, "source", h->source);
            if (h->reason && h->result != HOST_PLACED)
                cJSON_AddStringToObject(o, "reason", h->reason);
            cJSON_AddItemToArray(arr, o);
        }
    }
    return arr;
}

/* The text report: one line per finding, the placements with --explain, the summary line.
 * Returns 0 or -1. */
static int write_text(const diag_list *d, const report_meta *m, buf *out)
{
    size_t i;

    if (m->explain)
        write_placements_text(m, out);

    for (i = 0; i < d->n; i++) {
        diag_format(&d->v[i], out);
        if (d->v[i].waived)
            buf_printf(out, " (waived: %s)", d->v[i].waiver ? d->v[i].waiver : "");
        buf_puts(out, "\n");
    }
    summary_line(d, m, out);
    return 0;
}

cJSON *report_finding_json(const diag *g)
{
    cJSON *o = cJSON_CreateObject();

    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "file", g->file);
    cJSON_AddNumberToObject(o, "line", g->line);
    cJSON_AddNumberToObject(o, "column", g->col > 0 ? g->col : 1);
    cJSON_AddStringToObject(o, "severity", diag_severity_name(g->sev));
    cJSON_AddStringToObject(o, "rule", g->rule);
    if (g->entry)
        cJSON_AddStringToObject(o, "entry", g->entry);
    else
        cJSON_AddNullToObject(o, "entry");
    cJSON_AddStringToObject(o, "message", g->message);
    cJSON_AddBoolToObject(o, "waived", g->waived);
    if (g->waived)
        cJSON_AddStringToObject(o, "waiver", g->waiver ? g->waiver : "");
    return o;
}

/* The JSON report: the findings, the summary and the placements. Returns 0 or -1. */
static int write_json(const diag_list *d, const report_meta *m, buf *out)
{
    cJSON *root = cJSON_CreateObject(), *sum, *arr;
    size_t i;

    if (!root)
        return -1;
    cJSON_AddStringToObject(root, "date", m->date);
    cJSON_AddStringToObject(root, "revision", m->revision ? m->revision : "");
    sum = cJSON_AddObjectToObject(root, "summary");
    cJSON_AddNumberToObject(sum, "entries", m->reg ? (double)m->reg->n : 0);
    cJSON_AddNumberToObject(sum, "errors", (double)diag_count(d, SEV_ERROR, 0));
    cJSON_AddNumberToObject(sum, "warnings", (double)diag_count(d, SEV_WARNING, 0));
    cJSON_AddNumberToObject(sum, "waived", (double)(diag_count(d, SEV_ERROR, 1) + diag_count(d, SEV_WARNING, 1)));
    arr = cJSON_AddArrayToObject(root, "findings");
    for (i = 0; arr && i < d->n; i++)
        cJSON_AddItemToArray(arr, report_finding_json(&d->v[i]));
    if (m->nhosting)
        cJSON_AddItemToObject(root, "placements", placements_json(m));
    return append_json(out, root);
}

/* JUnit, as Jenkins (junit-10.xsd), GitLab and Azure DevOps read it: per entry (and per other
 * file with findings) one passing testcase when it has no unwaived error, else one testcase
 * per unwaived error, with one <failure> each (six errors: six failures); warnings and waived
 * findings in system-out. Classnames are "subreg." and the entry or file with its dots made
 * '_': Jenkins splits a classname at its dots into package and class. */
static void junit_out(const diag_list *d, const char *file, buf *cases)
{
    size_t i;
    int open = 0;

    for (i = 0; i < d->n; i++) {
        const diag *g = &d->v[i];
        buf line;
        if (strcmp(g->file, file) != 0 || (g->sev == SEV_ERROR && !g->waived))
            continue;
        if (!open)
            buf_puts(cases, "      <system-out>");
        open = 1;
        buf_init(&line, 0);
        diag_format(g, &line);
        if (g->waived)
            buf_printf(&line, " (waived: %s)", g->waiver ? g->waiver : "");
        buf_xml_escape(cases, buf_str(&line));
        buf_puts(cases, "\n");
        buf_free(&line);
    }
    if (open)
        buf_puts(cases, "</system-out>\n");
}

/* The classname of name: "subreg." + name without dots. */
static void junit_class(buf *cases, const char *name)
{
    const char *p;

    buf_puts(cases, "subreg.");
    for (p = name; *p; p++) {
        char c = *p == '.' ? '_' : *p;
        char one[2] = {c, '\0'};
        buf_xml_escape(cases, one);
    }
}

/* One testcase per (file, rule) of d's findings of file, failed by errors, into cases. */
static void junit_case(const char *name, const char *file, const diag_list *d, buf *cases,
                       size_t *tests, size_t *failures)
{
    size_t i, j;
    int any = 0;

    for (i = 0; i < d->n; i++) {
        const diag *g = &d->v[i];
        unsigned same = 0;
        if (strcmp(g->file, file) != 0 || g->sev != SEV_ERROR || g->waived)
            continue;
        for (j = 0; j < i; j++) /* a second finding of one rule on one line: "#2" */
            same += strcmp(d->v[j].file, file) == 0 && d->v[j].sev == SEV_ERROR && !d->v[j].waived &&
                    strcmp(d->v[j].rule, g->rule) == 0 && d->v[j].line == g->line;
        any = 1;
        (*tests)++;
        (*failures)++;
        buf_puts(cases, "    <testcase classname=\"");
        junit_class(cases, name);
        buf_puts(cases, "\" name=\"");
        buf_xml_escape(cases, name);
        buf_puts(cases, " [");
        buf_xml_escape(cases, g->rule);
        buf_printf(cases, "] line %d", g->line);
        if (same)
            buf_printf(cases, " #%u", same + 1);
        buf_puts(cases, "\">\n      <failure type=\"");
        buf_xml_escape(cases, g->rule);
        buf_puts(cases, "\" message=\"");
        buf_xml_escape(cases, g->message);
        buf_puts(cases, "\">");
        buf_xml_escape(cases, g->file);
        buf_printf(cases, ":%d:%d: error[", g->line, g->col > 0 ? g->col : 1);
        buf_xml_escape(cases, g->rule);
        buf_puts(cases, "]: ");
        buf_xml_escape(cases, g->message);
        buf_puts(cases, "\n</failure>\n");
        junit_out(d, file, cases);
        buf_puts(cases, "    </testcase>\n");
    }
    if (any)
        return;
    (*tests)++;
    buf_puts(cases, "    <testcase classname=\"");
    junit_class(cases, name);
    buf_puts(cases, "\" name=\"");
    buf_xml_escape(cases, name);
    buf_puts(cases, "\">\n");
    junit_out(d, file, cases);
    buf_puts(cases, "    </testcase>\n");
}

/* The JUnit report: a testcase per entry and rule, a failure per error finding. Returns 0 or
 * -1. */
static int write_junit(const diag_list *d, const report_meta *m, buf *out)
{
    buf cases;
    size_t i, j, tests = 0, failures = 0;

    buf_init(&cases, 0);
    for (i = 0; m->reg && i < m->reg->n; i++) {
        const entry *e = m->reg->entries[i];
        junit_case(e->id ? e->id : e->file, e->file, d, &cases, &tests, &failures);
    }
    /* files with findings that are no entry of the registry (reference data, hosting files,
     * unreadable entries) */
    for (i = 0; i < d->n; i++) {
        int seen = 0;
        for (j = 0; m->reg && j < m->reg->n && !seen; j++)
            seen = strcmp(m->reg->entries[j]->file, d->v[i].file) == 0;
        for (j = 0; j < i && !seen; j++)
            seen = strcmp(d->v[j].file, d->v[i].file) == 0;
        if (!seen)
            junit_case(d->v[i].file, d->v[i].file, d, &cases, &tests, &failures);
    }
    buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<testsuites name=\"subreg check\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n"
                    "  <testsuite name=\"subreg check %s\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\">\n",
               tests, failures, m->date, tests, failures);
    buf_add(out, buf_str(&cases), cases.len);
    buf_puts(out, "  </testsuite>\n</testsuites>\n");
    buf_free(&cases);
    return out->failed ? -1 : 0;
}

/* Where a finding's file lives for SARIF: the repository that holds it (the nearest
 * directory above it with a .git, or the registry's own directory for files read from a
 * bare repository, whose paths are relative to it) and the path inside it. A consumer maps
 * each repository to a base URI: %SRCROOT% for the repository CI runs in (the working
 * directory's), REGISTRY for the registry's, REPOn for others. */
typedef struct sarif_base {
    char id[16];
    char root[4096];
} sarif_base;

/* The repository root above the absolute path abs (a directory holding .git), into root;
 * 0, or -1 when none. */
static int repo_root_of(const char *abs, char *root, size_t n)
{
    char probe[4200];
    struct stat st;
    char *slash;

    snprintf(root, n, "%s", abs);
    for (;;) {
        snprintf(probe, sizeof(probe), "%s/.git", root);
        if (stat(probe, &st) == 0)
            return 0;
        slash = strrchr(root, '/');
        if (!slash || slash == root)
            return -1;
        *slash = '\0';
    }
}

/* The base of file (its id, added to bases when new; at most 8) and its path inside it into
 * rel. 0, or -1 when the file belongs to no repository and is not below the working
 * directory (rel is then its absolute path). */
static int sarif_place(const char *file, const report_meta *m, sarif_base *bases, size_t *nbases,
                       const char **id, char *rel, size_t n)
{
    char abs[4200], cwd[4096], root[4096], cwdroot[4096], regroot[4096] = "";
    struct stat st;
    size_t i, l;
    int in_repo;

    if (!getcwd(cwd, sizeof(cwd)))
        cwd[0] = '\0';
    if (m->registry_dir && !realpath(m->registry_dir, regroot))
        regroot[0] = '\0';
    if (file[0] == '/')
        snprintf(abs, sizeof(abs), "%s", file);
    else if (stat(file, &st) != 0 && regroot[0]) /* read from a bare repository: repository paths */
        snprintf(abs, sizeof(abs), "%s/%s", regroot, file);
    else
        snprintf(abs, sizeof(abs), "%s/%s", cwd, strncmp(file, "./", 2) == 0 ? file + 2 : file);
    char real[4200];

    if (!realpath(abs, real) || repo_root_of(real, root, sizeof(root)) != 0) {
        /* not in a work tree: the bare registry, or plain directories under the cwd */
        if (regroot[0] && strncmp(abs, regroot, strlen(regroot)) == 0 && abs[strlen(regroot)] == '/')
            snprintf(root, sizeof(root), "%s", regroot);
        else
            snprintf(root, sizeof(root), "%s", cwd);
    } else {
        snprintf(abs, sizeof(abs), "%s", real);
    }
    l = strlen(root);
    in_repo = strncmp(abs, root, l) == 0 && abs[l] == '/';
    if (!in_repo) {
        snprintf(rel, n, "%s", abs);
        *id = NULL;
        return -1;
    }
    snprintf(rel, n, "%s", abs + l + 1);
    for (i = 0; i < *nbases; i++)
        if (strcmp(bases[i].root, root) == 0) {
            *id = bases[i].id;
            return 0;
        }
    if (*nbases == 8) {
        *id = NULL;
        snprintf(rel, n, "%s", abs);
        return -1;
    }
    if (repo_root_of(cwd, cwdroot, sizeof(cwdroot)) != 0)
        snprintf(cwdroot, sizeof(cwdroot), "%s", cwd);
    if (strcmp(root, cwdroot) == 0)
        snprintf(bases[*nbases].id, sizeof(bases[0].id), "%%SRCROOT%%");
    else if (regroot[0] && (strcmp(root, regroot) == 0 ||
                            (repo_root_of(regroot, cwdroot, sizeof(cwdroot)) == 0 && strcmp(root, cwdroot) == 0)))
        snprintf(bases[*nbases].id, sizeof(bases[0].id), "REGISTRY");
    else
        snprintf(bases[*nbases].id, sizeof(bases[0].id), "REPO%u", (unsigned)(*nbases & 7));
    snprintf(bases[*nbases].root, sizeof(bases[0].root), "%s", root);
    *id = bases[*nbases].id;
    ++*nbases;
    return 0;
}

/* The 64-bit FNV-1a hash of the parts (each followed by a NUL), as 16 hex digits. */
static void fnv_hex(const char *parts[], size_t n, char out[17])
{
    uint64_t h = 1469598103934665603ULL;
    size_t i;

    for (i = 0; i < n; i++) {
        const char *p;
        for (p = parts[i] ? parts[i] : ""; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ULL;
        h = (h ^ 0x1f) * 1099511628211ULL; /* a separator */
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* What a finding is about, beside its rule and file: the entry, and for a finding in a file
 * other than the entry's own (a Terraform plan, a manifest: what the hosting check reports,
 * hosting-* or transfer-missing alike) the resource (the first word of the message). Stable
 * when lines move. */
static void finding_subject(const diag *g, char *out, size_t n)
{
    const char *base = strrchr(g->file, '/');
    size_t el = g->entry ? strlen(g->entry) : 0;
    int own_file;

    base = base ? base + 1 : g->file;
    own_file = g->entry && strncmp(base, g->entry, el) == 0 && strcmp(base + el, ".xml") == 0;
    if (g->message && (strncmp(g->rule, "hosting-", 8) == 0 || !own_file))
        snprintf(out, n, "%.*s", (int)strcspn(g->message, " :"), g->message);
    else
        out[0] = '\0';
}

/* SARIF wants a rule's name to differ from its opaque id, ignoring case (SARIF1001):
 * "tia-missing" is named "TiaMissing", a one-word id "schema" "SchemaCheck". */
static void rule_name(const char *id, char *out, size_t n)
{
    const char *start = id;
    size_t o = 0;
    int up = 1;

    for (; *id && o + 1 < n; id++) {
        if (*id == '-') {
            up = 1;
            continue;
        }
        out[o++] = up && *id >= 'a' && *id <= 'z' ? (char)(*id - 'a' + 'A') : *id;
        up = 0;
    }
    out[o] = '\0';
    if (!strchr(start, '-') && o + sizeof("Check") <= n)
        memcpy(out + o, "Check", sizeof("Check"));
}

/* How many results had fingerprint hex before (an open-addressing table of cap slots, a
 * power of two over twice the results): counted in one pass, however many findings. */
typedef struct fp_slot {
    char hex[17];
    size_t n;
} fp_slot;

/* How many times hex was seen before (an open-addressing table of cap slots, a power of two),
 * counting this one. */
static size_t occurrence(fp_slot *t, size_t cap, const char hex[17])
{
    size_t h = (size_t)strtoull(hex + 8, NULL, 16) & (cap - 1); /* hex is an FNV-1a hash */

    while (t[h].hex[0] && strcmp(t[h].hex, hex) != 0)
        h = (h + 1) & (cap - 1);
    if (!t[h].hex[0])
        memcpy(t[h].hex, hex, 17);
    return t[h].n++;
}

/* The SARIF 2.1.0 report: every rule, each finding with its location relative to its
 * repository and a stable fingerprint. Returns 0 or -1. */
static int write_sarif(const diag_list *d, const report_meta *m, buf *out)
{
    cJSON *root = cJSON_CreateObject(), *runs, *run, *tool, *driver, *rules, *results, *bases;
    const rule_info *all;
    size_t nrules, i, k, nsbases = 0;
    static __thread sarif_base sbases[8]; /* 33 KB: off the stack */
    size_t cap = 16;
    fp_slot *fps;

    while (cap < 2 * d->n)
        cap *= 2;
    fps = calloc(cap, sizeof(*fps));
    if (!root || !fps) {
        cJSON_Delete(root);
        free(fps);
        return -1;
    }
    all = rules_all(&nrules);
    cJSON_AddStringToObject(root, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    cJSON_AddStringToObject(root, "version", "2.1.0");
    runs = cJSON_AddArrayToObject(root, "runs");
    run = cJSON_CreateObject();
    cJSON_AddItemToArray(runs, run);
    tool = cJSON_AddObjectToObject(run, "tool");
    driver = cJSON_AddObjectToObject(tool, "driver");
    cJSON_AddStringToObject(driver, "name", "subreg");
    cJSON_AddStringToObject(driver, "version", m->version ? m->version : "dev");
    if (m->docs_url)
        cJSON_AddStringToObject(driver, "informationUri", m->docs_url);
    rules = cJSON_AddArrayToObject(driver, "rules");
    for (i = 0; i < nrules; i++) {
        cJSON *r = cJSON_CreateObject(), *t, *cfg, *props, *tags;
        char name[128];
        int hosting = strncmp(all[i].id, "hosting-", 8) == 0;
        int transfer = strstr(all[i].id, "transfer") || strncmp(all[i].id, "promise-", 8) == 0;
        cJSON_AddStringToObject(r, "id", all[i].id);
        rule_name(all[i].id, name, sizeof(name));
        cJSON_AddStringToObject(r, "name", name);
        t = cJSON_AddObjectToObject(r, "shortDescription");
        cJSON_AddStringToObject(t, "text", all[i].title);
        t = cJSON_AddObjectToObject(r, "fullDescription");
        cJSON_AddStringToObject(t, "text", all[i].source);
        t = cJSON_AddObjectToObject(r, "help");
        cJSON_AddStringToObject(t, "text", all[i].fix);
        if (m->docs_url) {
            char uri[600];
            snprintf(uri, sizeof(uri), "%s#%s", m->docs_url, all[i].id);
            cJSON_AddStringToObject(r, "helpUri", uri);
        }
        cfg = cJSON_AddObjectToObject(r, "defaultConfiguration");
        cJSON_AddStringToObject(cfg, "level", diag_severity_name(all[i].sev));
        props = cJSON_AddObjectToObject(r, "properties");
        cJSON_AddStringToObject(props, "legalSource", all[i].source);
        tags = cJSON_AddArrayToObject(props, "tags");
        cJSON_AddItemToArray(tags, cJSON_CreateString("gdpr"));
        cJSON_AddItemToArray(tags, cJSON_CreateString("privacy"));
        cJSON_AddItemToArray(tags, cJSON_CreateString(hosting ? "hosting" : transfer ? "international-transfers" : "compliance"));
        cJSON_AddStringToObject(props, "precision", "very-high");
        cJSON_AddStringToObject(props, "problem.severity", diag_severity_name(all[i].sev));
        if (all[i].sev == SEV_ERROR && (hosting || transfer))
            cJSON_AddStringToObject(props, "security-severity", "7.0");
        cJSON_AddItemToArray(rules, r);
    }
    {
        /* one category per kind of run, so that a registry check and a hosting check uploaded
         * from one repository do not replace each other's alerts */
        cJSON *ad = cJSON_AddObjectToObject(run, "automationDetails");
        char aid[64];
        snprintf(aid, sizeof(aid), "subreg/%s/%s", m->nhosting ? "hosting" : "registry", m->date ? m->date : "");
        cJSON_AddStringToObject(ad, "id", aid);
    }
    results = cJSON_AddArrayToObject(run, "results");
    for (i = 0; i < d->n; i++) {
        const diag *g = &d->v[i];
        cJSON *r = cJSON_CreateObject(), *msg, *locs, *loc, *phys, *art, *fp;
        char subject[300], hex[17], rel[4200];
        const char *base = NULL;
        const char *parts[4];
        cJSON_AddStringToObject(r, "ruleId", g->rule);
        for (k = 0; k < nrules; k++)
            if (strcmp(all[k].id, g->rule) == 0)
                cJSON_AddNumberToObject(r, "ruleIndex", (double)k);
        cJSON_AddStringToObject(r, "level", diag_severity_name(g->sev));
        msg = cJSON_AddObjectToObject(r, "message");
        cJSON_AddStringToObject(msg, "text", g->message);
        locs = cJSON_AddArrayToObject(r, "locations");
        loc = cJSON_CreateObject();
        cJSON_AddItemToArray(locs, loc);
        phys = cJSON_AddObjectToObject(loc, "physicalLocation");
        art = cJSON_AddObjectToObject(phys, "artifactLocation");
        if (sarif_place(g->file, m, sbases, &nsbases, &base, rel, sizeof(rel)) == 0) {
            cJSON_AddStringToObject(art, "uri", rel);
            cJSON_AddStringToObject(art, "uriBaseId", base);
        } else {
            char uri[4300];
            snprintf(uri, sizeof(uri), "file://%s", rel);
            cJSON_AddStringToObject(art, "uri", uri);
        }
        {
            cJSON *region = cJSON_AddObjectToObject(phys, "region");
            int line = g->line > 0 ? g->line : 1, col = g->col > 0 ? g->col : 1;
            cJSON_AddNumberToObject(region, "startLine", line);
            cJSON_AddNumberToObject(region, "startColumn", col);
            cJSON_AddNumberToObject(region, "endLine", line);
            cJSON_AddNumberToObject(region, "endColumn", col + 1);
        }
        finding_subject(g, subject, sizeof(subject));
        parts[0] = g->rule;
        parts[1] = rel;
        parts[2] = g->entry;
        parts[3] = subject;
        fnv_hex(parts, 4, hex);
        {
            /* the same rule twice on one subject (two countries of one entry): the n-th
             * occurrence, in the report's stable order, is its own alert */
            char nth[24];
            const char *more[2];
            size_t seen = occurrence(fps, cap, hex);
            if (seen) {
                snprintf(nth, sizeof(nth), "%zu", seen);
                more[0] = hex;
                more[1] = nth;
                fnv_hex(more, 2, hex);
            }
        }
        fp = cJSON_AddObjectToObject(r, "partialFingerprints");
        cJSON_AddStringToObject(fp, "subregFinding/v1", hex);
        if (g->entry) {
            cJSON *props = cJSON_AddObjectToObject(r, "properties");
            cJSON_AddStringToObject(props, "entry", g->entry);
        }
        if (g->waived) {
            cJSON *sup = cJSON_AddArrayToObject(r, "suppressions"), *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "kind", "inSource");
            cJSON_AddStringToObject(o, "justification", g->waiver ? g->waiver : "");
            cJSON_AddItemToArray(sup, o);
        }
        cJSON_AddItemToArray(results, r);
    }
    /* one base URI per repository the findings are in */
    bases = cJSON_AddObjectToObject(run, "originalUriBaseIds");
    for (i = 0; i < nsbases; i++) {
        cJSON *b = cJSON_AddObjectToObject(bases, sbases[i].id);
        char uri[4200];
        snprintf(uri, sizeof(uri), "file://%s/", sbases[i].root);
        cJSON_AddStringToObject(b, "uri", uri);
    }
    free(fps);
    return append_json(out, root);
}

/* GitHub workflow commands: data escapes % CR LF; properties also : and , */
static void gh_escape(buf *out, const char *s, int property)
{
    for (; *s; s++) {
        if (*s == '%')
            buf_puts(out, "%25");
        else if (*s == '\r')
            buf_puts(out, "%0D");
        else if (*s == '\n')
            buf_puts(out, "%0A");
        else if (property && *s == ':')
            buf_puts(out, "%3A");
        else if (property && *s == ',')
            buf_puts(out, "%2C");
        else
            buf_add(out, s, 1);
    }
}

/* GitHub Actions workflow commands: one ::error/::warning/::notice line per finding. Returns
 * 0 or -1. */
static int write_github(const diag_list *d, const report_meta *m, buf *out)
{
    size_t i;

    for (i = 0; i < d->n; i++) {
        const diag *g = &d->v[i];
        const char *kind = g->waived ? "notice" : diag_severity_name(g->sev);
        buf_printf(out, "::%s file=", kind);
        gh_escape(out, g->file, 1);
        if (g->line > 0)
            buf_printf(out, ",line=%d,col=%d", g->line, g->col > 0 ? g->col : 1);
        buf_puts(out, ",title=");
        gh_escape(out, g->rule, 1);
        buf_puts(out, "::");
        gh_escape(out, g->message, 0);
        if (g->waived) {
            buf_puts(out, " (waived: ");
            gh_escape(out, g->waiver ? g->waiver : "", 0);
            buf_puts(out, ")");
        }
        buf_puts(out, "\n");
    }
    buf_puts(out, "subreg check: ");
    summary_line(d, m, out);
    return 0;
}

int report_write(report_format f, const diag_list *d, const report_meta *m, buf *out)
{
    int rc;

    switch (f) {
    case REPORT_TEXT: rc = write_text(d, m, out); break;
    case REPORT_JSON: rc = write_json(d, m, out); break;
    case REPORT_JUNIT: rc = write_junit(d, m, out); break;
    case REPORT_SARIF: rc = write_sarif(d, m, out); break;
    case REPORT_GITHUB: rc = write_github(d, m, out); break;
    default: rc = -1; break;
    }
    return rc == 0 && !out->failed ? 0 : -1;
}
