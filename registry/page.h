/* page: the public privacy page of a registry, rendered on the server as semantic HTML that
 * works without JavaScript: the owner, the current sub-processors (name, purpose, data
 * categories in words, where data is stored, processed and accessed, the corporate location,
 * the safeguard of each transfer in plain words), what is coming and from when, what was
 * removed recently, the dates on which the public list changed, and a picture of where data
 * goes (an inline SVG flow diagram with a text alternative). English, French and Dutch.
 *
 * Only public fields are ever written, each escaped for its context; links are http(s)
 * only. The same renderer serves GET / and writes `subreg export --format html`. */
#ifndef SUBREG_PAGE_H
#define SUBREG_PAGE_H
#include <stddef.h>
#include "buf.h"
#include "index.h"
#include "registry.h"

/* A day on which the public list changed, with what changed (public words). */
typedef struct page_version {
    int day;
    char summary[300];
} page_version;

typedef struct page_opts {
    const char *lang;        /* "en", "fr" or "nl" (page_lang) */
    int day;                 /* today: what is upcoming and recently removed is counted from it */
    int at;                  /* a dated version: the day shown, or DATE_NONE for the current list */
    int last_updated;        /* the last day the public list changed, or DATE_NONE */
    const page_version *versions; /* newest first; may be NULL */
    size_t nversions;
    const char *only;        /* render one entry (its id), or NULL for the list */
    int standalone;          /* 1: one file with its styles inline (export); 0: /page.css */
    int subscribe;           /* 1: the form to subscribe to notices (POST /subscribe) */
    int search;              /* 1: the search form (a list page served by the server) */
    const char *q;           /* only entries whose name or purpose contains this, or NULL */
    const char *country;     /* only entries with a location in this ISO code, or NULL */
    /* only's entry is gone from the registry (its file removed): when, from the history, and
     * its name then; DATE_NONE otherwise */
    int removed_day;
    const char *removed_name;
} page_opts;

/* The language to use for a ?lang= value or an Accept-Language header (either may be NULL):
 * "en", "fr" or "nl"; English when nothing matches. */
const char *page_lang(const char *param, const char *accept_language);
/* Append the page of r to out. Returns 0, or -1 when out of memory. */
int page_render(const registry *r, const page_opts *o, buf *out);
/* Append the widget's fragment (HTML, no script, no style) to out: the page's own table of the
 * sub-processors in force (independent controllers and planned vendors left out), decided and
 * worded by the same functions as the page, and its upcoming changes, in o->lang as of o->day.
 * GET /v1/widget sends it for /embed.js to draw. Returns 0, or -1 when out of memory. */
int page_widget(const registry *r, const page_opts *o, buf *out);
/* The days on which the public list (id NULL), or entry id, changed, newest first, at most
 * max, with the public summaries of their changes (from the index; revisions st marks
 * refused left out, st may be NULL): what GET /, an entry's page and `subreg export --format
 * html` show under "Earlier versions" (an entry's: its history). *last: the newest day, or
 * DATE_NONE. Returns how many; 0 when the index cannot say. */
size_t page_versions(index_db *idx, store *st, const char *id, page_version *v, size_t max, int *last);
/* The stylesheet the page links to (GET /page.css), and its length. */
const char *page_css(size_t *len);
#endif
