/* export: the list of sub-processors of a loaded registry as JSON, CSV or Markdown, in the
 * public view (only the format's public fields) or the internal view. */
#ifndef SUBREG_EXPORT_H
#define SUBREG_EXPORT_H
#include <cjson/cJSON.h>
#include "buf.h"
#include "registry.h"

/* 1 when e's status is in statuses: a comma list of planned/active/retired, "all", or
 * NULL (planned and active). */
int export_status_match(const entry *e, const char *statuses);
/* 1 when s is "all" or a non-empty comma list of planned, active, retired. */
int export_statuses_valid(const char *s);
/* Filters of a list query; NULL fields match everything. */
typedef struct export_filter {
    const char *statuses;   /* as export_status_match */
    const char *country;    /* a normalised ISO code: some location in it */
    const char *use;        /* some location with this use (with country: the same location) */
    const char *mechanism;  /* some transfer on this mechanism */
    const char *q;          /* case-insensitive text in the name or the purpose */
} export_filter;
/* 1 when e matches every filter of f. */
int export_match(const entry *e, const export_filter *f);
/* The entries matching f, as {"revision": "...", "subprocessors": [...]} (revision omitted outside git). Caller owns
 * the result; NULL when out of memory. */
cJSON *export_json(const registry *r, const export_filter *f, int internal);
/* CSV with a header line (RFC 4180 quoting); lists joined with "; ". Returns 0 or -1. */
int export_csv(const registry *r, const export_filter *f, int internal, buf *out);
/* A Markdown table for a privacy page. Returns 0 or -1. */
int export_md(const registry *r, const export_filter *f, int internal, buf *out);
#endif
