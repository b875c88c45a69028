/* report: findings (diagnostics) written for people and machines: text, JSON, JUnit XML,
 * SARIF 2.1.0 and GitHub Actions workflow commands. */
#ifndef SUBREG_REPORT_H
#define SUBREG_REPORT_H
#include <stddef.h>
#include <cjson/cJSON.h>
#include "buf.h"
#include "diag.h"
#include "hosting.h"
#include "registry.h"

typedef enum { REPORT_TEXT, REPORT_JSON, REPORT_JUNIT, REPORT_SARIF, REPORT_GITHUB } report_format;

typedef struct report_meta {
    const char *date;       /* YYYY-MM-DD of the check */
    const char *revision;   /* commit id or "" */
    const char *version;    /* subreg's version */
    const registry *reg;    /* the checked registry (entries for JUnit); may be NULL */
    const hosting_list *hosting; /* the checked hosting files (the audit trail), or NULL */
    size_t nhosting;
    int explain;            /* text: list every placement before the findings */
    const char *docs_url;   /* SARIF: the rules' documentation (informationUri, helpUri
                             * DOCS#RULE), or NULL */
    const char *registry_dir; /* SARIF: the --registry path (a bare repository's files are
                               * relative to it), or NULL */
} report_meta;

/* One finding as `--format json` writes it (file, line, column, severity, rule, entry or
 * null, message, waived, waiver when waived): the one JSON shape of a finding. Caller owns
 * it; NULL when out of memory. */
cJSON *report_finding_json(const diag *g);
/* Parse "text", "json", "junit", "sarif", "github"; -1 when none. */
int report_format_parse(const char *s);
/* Append the report of d (sorted by the caller) in format f to out. Returns 0 or -1. */
int report_write(report_format f, const diag_list *d, const report_meta *m, buf *out);
#endif
