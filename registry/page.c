#include "page.h"
#include "export.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "date.h"
#include "entry.h"
#include "index.h"
#include "isocodes.h"
#include "reference.h"

#include "page_words.h"


const char *page_lang(const char *param, const char *accept)
{
    const char *p;
    int i;

    for (i = 0; param && i < 3; i++)
        if (strcasecmp(param, page_langs[i]) == 0)
            return page_langs[i];
    /* the first language of the header that the page has (weights are not weighed: the
     * order is what browsers send by preference) */
    for (p = accept; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        for (i = 0; i < 3; i++)
            if (strncasecmp(p, page_langs[i], 2) == 0 && (p[2] == '\0' || p[2] == '-' || p[2] == ';' || p[2] == ','))
                return page_langs[i];
        p += strcspn(p, ",");
    }
    return "en";
}

/* ---- helpers ---- */

/* Which table of the page lists e: 0 sub-processors of customers' data, 1 sub-processors
 * of the owner's own data (both for a vendor with both flows), 2 independent controllers. */
static int in_table(const entry *e, int k)
{
    if (e->recipient == ROLE_CONTROLLER)
        return k == 2;
    return k == 0 ? (e->flows & ROLE_PROCESSOR) != 0 : k == 1 ? (e->flows & ROLE_CONTROLLER) != 0 : 0;
}

static void esc(buf *out, const char *s)
{
    buf_xml_escape(out, s ? s : "");
}

static int http_url(const char *u)
{
    return u && (strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0) &&
           !strpbrk(u, " \"'<>\\`");
}

/* The country's name from the reference data, or what the entry says when it is no known
 * code. */
/* The name of country cc in language l: Debian's iso-codes for French and Dutch, the
 * reference data's (English) otherwise or when the package does not have it; NULL when cc is
 * no known country. */
static const char *cc_name(const registry *r, const char *cc, int l)
{
    const char *n = l ? isocodes_country(cc, page_langs[l]) : NULL;

    return n ? n : reference_country_name(r->ref, cc);
}

static const char *country_name(const registry *r, const entry_country *c, int l)
{
    const char *n = c->cc[0] ? cc_name(r, c->cc, l) : NULL;

    return n ? n : c->raw;
}

static const char *use_word(entry_use u, int l)
{
    return page_words[u == USE_STORAGE ? T_STORED : u == USE_PROCESSING ? T_PROCESSED : T_ACCESSED][l];
}

/* A <time> element for day. */
static void date_words(buf *out, int day, int l)
{
    char d[11];

    buf_printf(out, "<time datetime=\"%s\">", date_format(day, d));
    page_date_text(out, day, l);
    buf_puts(out, "</time>");
}

/* 1 when something effective on effective (DATE_NONE: always) is in force on day. */
static int in_force(int effective, int day)
{
    return effective == DATE_NONE || effective <= day;
}

/* The category in words (the vocabulary's label), or its id. */
static const char *category_words(const registry *r, const char *id)
{
    const registry_category_def *c = id ? registry_category(r, id) : NULL;

    return c && c->label ? c->label : id ? id : "";
}

/* What an AI vendor does with the data, in language l: that it does not train on it (none,
 * or an opt-out in force on day), and how long it keeps it (zero retention, the longest of
 * its copies, or abuse monitoring only). Nothing for a vendor without <ai>, and nothing that
 * is not recorded. */
static void ai_facts(const entry *e, int day, int l, buf *out)
{
    const entry_facts *f = &e->facts;
    int days = facts_retention_days(f), any = 0;

    if (!f->has_ai)
        return;
    buf_puts(out, "<span class=\"ai\">");
    if (f->training == TRAIN_NONE ||
        (f->training == TRAIN_OPT_OUT && f->opted_out != DATE_NONE && f->opted_out <= day)) {
        buf_printf(out, " %s", page_words[T_AI_NO_TRAINING][l]);
        any = 1;
    }
    if (days == 0) {
        buf_printf(out, " %s", page_words[T_AI_KEEPS_NONE][l]);
        any = 1;
    } else if (days > 0 && f->has_zr) {
        buf_puts(out, " ");
        buf_printf(out, page_words[T_AI_ABUSE_DAYS][l], days);
        any = 1;
    } else if (days > 0) {
        buf_puts(out, " ");
        buf_printf(out, page_words[days == 1 ? T_AI_KEEPS_DAY : T_AI_KEEPS_DAYS][l], days);
        any = 1;
    }
    if (any && f->example)
        buf_printf(out, " %s", page_words[T_AI_EXAMPLE][l]);
    buf_puts(out, "</span>");
}

/* s, the registry's own words (English), on a page in language l: marked lang="en" when l is
 * another language, so that a reader (and a screen reader) knows. */
static void esc_en(buf *out, const char *s, int l)
{
    if (l)
        buf_puts(out, "<span lang=\"en\">");
    esc(out, s);
    if (l)
        buf_puts(out, "</span>");
}

/* e's purpose in language l, or its default one (English) marked as such. */
static void purpose_in(buf *out, const entry *e, int l)
{
    const char *p = entry_purpose(e, page_langs[l]);

    if (p == e->purpose)
        esc_en(out, p, l);
    else
        esc(out, p);
}

/* Category id in words in language l: registry.xml's label in that language
 * (<category xml:lang>), else its default label (English) marked as such. */
static void category_in(buf *out, const registry *r, const char *id, int l)
{
    const registry_category_def *c = id ? registry_category(r, id) : NULL;
    const char *t = !c ? NULL : l == 1 ? c->label_fr : l == 2 ? c->label_nl : NULL;

    if (t)
        esc(out, t);
    else
        esc_en(out, category_words(r, id), l);
}

/* One entry's row of a table in language l, as of day. */
static void row(const registry *r, const entry *e, int day, int l, buf *out)
{
    size_t i, j;
    int any = 0;

    buf_printf(out, "<tr id=\"%s\"><th scope=\"row\">", e->id);
    if (http_url(e->website)) {
        buf_puts(out, "<a href=\"");
        esc(out, e->website);
        buf_puts(out, "\" rel=\"noopener noreferrer\">");
        esc(out, e->name);
        buf_puts(out, "</a>");
    } else {
        esc(out, e->name);
    }
    buf_printf(out, "</th><td data-label=\"%s\">", page_words[T_PURPOSE][l]);
    purpose_in(out, e, l);
    ai_facts(e, day, l, out);
    buf_printf(out, "</td><td data-label=\"%s\"><ul>", page_words[T_CATS][l]);
    for (i = 0; i < e->ncategories; i++) {
        if (!in_force(e->category_effective[i], day))
            continue;
        buf_puts(out, "<li>");
        category_in(out, r, e->categories[i], l);
        buf_puts(out, "</li>");
    }
    buf_printf(out, "</ul></td><td data-label=\"%s\"><ul>", page_words[T_WHERE][l]);
    for (i = 0; i < e->nlocations; i++) {
        const entry_location *loc = &e->locations[i];
        if (!in_force(loc->effective, day))
            continue;
        buf_puts(out, "<li>");
        esc(out, country_name(r, &loc->country, l));
        buf_puts(out, " (");
        buf_puts(out, use_word(loc->use, l));
        buf_puts(out, ")</li>");
    }
    for (i = 0; i < e->nonward; i++) {
        buf_puts(out, "<li>");
        buf_puts(out, page_words[T_ONWARD][l]);
        buf_puts(out, page_colon[l]);
        esc(out, e->onward[i].name);
        buf_puts(out, " (");
        for (j = 0; j < e->onward[i].nlocations; j++) {
            if (j)
                buf_puts(out, ", ");
            esc(out, country_name(r, &e->onward[i].locations[j].country, l));
        }
        buf_puts(out, ")</li>");
    }
    buf_printf(out, "</ul></td><td data-label=\"%s\">", page_words[T_ENTITY][l]);
    esc(out, country_name(r, &e->entity_country, l));
    buf_printf(out, "</td><td data-label=\"%s\"><ul>", page_words[T_SAFEGUARD][l]);
    for (i = 0; i < e->ntransfers; i++) {
        const entry_transfer *t = &e->transfers[i];
        if (!in_force(t->effective, day) || !t->country.cc[0] ||
            reference_in_eea_on(r->ref, t->country.cc, day))
            continue;
        any = 1;
        buf_puts(out, "<li>");
        esc(out, country_name(r, &t->country, l));
        buf_puts(out, page_colon[l]);
        buf_puts(out, page_mechanisms[t->mechanism][l]);
        buf_puts(out, "</li>");
    }
    if (!any) {
        buf_puts(out, "<li>");
        buf_puts(out, page_words[T_INSIDE][l]);
        buf_puts(out, "</li>");
    }
    buf_puts(out, "</ul></td></tr>\n");
}

/* A table's opening, caption and column headings in language l. */
static void table_head(buf *out, int l, const char *caption)
{
    buf_puts(out, "<div class=\"scroll\"><table>\n<caption>");
    buf_puts(out, caption);
    buf_printf(out, "</caption>\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                    "<th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th>"
                    "<th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
               page_words[T_NAME][l], page_words[T_PURPOSE][l], page_words[T_CATS][l], page_words[T_WHERE][l],
               page_words[T_ENTITY][l], page_words[T_SAFEGUARD][l]);
}

/* ---- the picture: owner -> sub-processors -> countries ---- */

/* s escaped, cut to at most max characters (UTF-8 aware) with an ellipsis. */
static void svg_label(buf *out, const char *s, size_t max)
{
    char cut[400];
    size_t i = 0, chars = 0;

    s = s ? s : "";
    while (s[i] && chars < max && i + 4 < sizeof(cut)) {
        i++;
        while ((s[i] & 0xc0) == 0x80)
            i++;
        chars++;
    }
    snprintf(cut, sizeof(cut), "%.*s%s", (int)i, s, s[i] ? "\xe2\x80\xa6" : "");
    esc(out, cut);
}

#define SVG_ROW 30
/* The diagram of where data goes: the owner, then every country where a shown entry keeps or
 * reaches it, those outside the EEA marked (an SVG with a text equivalent). */
static void flow_svg(const registry *r, const entry *const *shown, size_t n, int day, int l, buf *out)
{
    char countries[256][3]; /* every ISO 3166-1 country fits */
    size_t nc = 0, i, j, k, rows;
    int outside = 0;
    const char *owner = r->settings.owner ? r->settings.owner : "";

    for (i = 0; i < n; i++)
        for (j = 0; j < shown[i]->nlocations; j++) {
            const entry_location *loc = &shown[i]->locations[j];
            int seen = 0;
            if (!loc->country.cc[0] || !in_force(loc->effective, day))
                continue;
            for (k = 0; k < nc; k++)
                seen |= strcmp(countries[k], loc->country.cc) == 0;
            if (!seen && nc < 256)
                memcpy(countries[nc++], loc->country.cc, 3);
        }
    rows = n > nc ? n : nc;
    if (rows == 0)
        return;
    buf_printf(out, "<figure class=\"flow\"><svg role=\"img\" aria-labelledby=\"flow-title flow-desc\" "
                    "viewBox=\"0 0 900 %zu\" xmlns=\"http://www.w3.org/2000/svg\">\n<title id=\"flow-title\">%s</title>\n"
                    "<desc id=\"flow-desc\">",
               rows * SVG_ROW + 60, page_words[T_MAP][l]);
    {
        char d[600];
        snprintf(d, sizeof(d), page_words[T_MAP_DESC][l], owner, n, nc);
        esc(out, d);
    }
    for (k = 0; k < nc; k++) {
        buf_puts(out, " ");
        esc(out, cc_name(r, countries[k], l));
        buf_printf(out, ": %s.", reference_in_eea_on(r->ref, countries[k], day) ? page_words[T_EEA][l] : page_words[T_OUTSIDE][l]);
    }
    buf_puts(out, "</desc>\n");
    /* owner */
    buf_printf(out, "<rect class=\"owner\" x=\"4\" y=\"%zu\" width=\"150\" height=\"26\" rx=\"4\"/>"
                    "<text x=\"12\" y=\"%zu\">",
               (rows * SVG_ROW) / 2, (rows * SVG_ROW) / 2 + 17);
    esc(out, owner);
    buf_puts(out, "</text>\n");
    for (i = 0; i < n; i++) {
        size_t y = i * SVG_ROW + 10;
        buf_printf(out, "<path class=\"link\" d=\"M154 %zu C200 %zu 200 %zu 250 %zu\"/>",
                   (rows * SVG_ROW) / 2 + 13, (rows * SVG_ROW) / 2 + 13, y + 13, y + 13);
        buf_printf(out, "<rect class=\"vendor\" x=\"250\" y=\"%zu\" width=\"240\" height=\"26\" rx=\"4\"/><text x=\"258\" y=\"%zu\">",
                   y, y + 17);
        svg_label(out, shown[i]->name, 30);
        buf_puts(out, "</text>\n");
        for (j = 0; j < shown[i]->nlocations; j++) {
            const entry_location *loc = &shown[i]->locations[j];
            if (!loc->country.cc[0] || !in_force(loc->effective, day))
                continue;
            for (k = 0; k < nc && strcmp(countries[k], loc->country.cc) != 0; k++)
                ;
            buf_printf(out, "<path class=\"use-%s\" d=\"M490 %zu C545 %zu 545 %zu 600 %zu\"/>\n",
                       entry_use_name(loc->use), y + 13, y + 13, k * SVG_ROW + 23, k * SVG_ROW + 23);
        }
    }
    for (k = 0; k < nc; k++) {
        int eea = reference_in_eea_on(r->ref, countries[k], day);
        char label[64] = "";
        size_t y = k * SVG_ROW + 10;
        for (i = 0; !eea && i < n; i++)
            for (j = 0; j < shown[i]->ntransfers; j++) {
                const entry_transfer *t = &shown[i]->transfers[j];
                if (strcmp(t->country.cc, countries[k]) == 0 && in_force(t->effective, day) &&
                    !strstr(label, page_short_mech[t->mechanism][l]))
                    snprintf(label + strlen(label), sizeof(label) - strlen(label), "%s%s",
                             label[0] ? ", " : "", page_short_mech[t->mechanism][l]);
            }
        outside |= !eea;
        buf_printf(out, "<rect class=\"%s\" x=\"600\" y=\"%zu\" width=\"296\" height=\"26\" rx=\"4\"/><text x=\"608\" y=\"%zu\">",
                   eea ? "eea" : "third", y, y + 17);
        {
            char text[160];
            snprintf(text, sizeof(text), "%s%s%s", cc_name(r, countries[k], l),
                     label[0] ? " \xe2\x80\x93 " : "", label);
            svg_label(out, text, 38);
        }
        buf_puts(out, "</text>\n");
    }
    /* legend */
    {
        size_t y = rows * SVG_ROW + 30;
        buf_printf(out, "<path class=\"use-storage\" d=\"M4 %zu h30\"/><text x=\"40\" y=\"%zu\">%s</text>"
                        "<path class=\"use-processing\" d=\"M150 %zu h30\"/><text x=\"186\" y=\"%zu\">%s</text>"
                        "<path class=\"use-access\" d=\"M320 %zu h30\"/><text x=\"356\" y=\"%zu\">%s</text>"
                        "<rect class=\"eea\" x=\"520\" y=\"%zu\" width=\"14\" height=\"14\"/><text x=\"540\" y=\"%zu\">%s</text>",
                   y, y + 5, page_words[T_STORED][l], y, y + 5, page_words[T_PROCESSED][l], y, y + 5,
                   page_words[T_ACCESSED][l], y - 8, y + 5, page_words[T_EEA][l]);
        if (outside)
            buf_printf(out, "<rect class=\"third\" x=\"630\" y=\"%zu\" width=\"14\" height=\"14\"/><text x=\"650\" y=\"%zu\">%s</text>",
                       y - 8, y + 5, page_words[T_OUTSIDE][l]);
    }
    buf_puts(out, "\n</svg></figure>\n");
}

/* ---- the page ---- */

static const char css[] =
    ":root{--fg:#1a1a1a;--bg:#fff;--muted:#4a4a4a;--line:#c8c8c8;--accent:#0b5394}"
    "*{box-sizing:border-box}"
    "body{font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:1rem}"
    /* a word is never broken inside: only one longer than the line may be (a long URL) */
    "main{max-width:72rem;margin:0 auto;overflow-wrap:break-word;hyphens:manual}"
    "h1{font-size:1.7rem;margin:.5rem 0}h2{font-size:1.3rem;margin-top:2rem}"
    "a{color:var(--accent)}"
    ".muted{color:var(--muted)}"
    ".ai{display:block;margin-top:.3em;font-size:.92em}"
    ".subscribe form,form.search{display:flex;flex-wrap:wrap;gap:.5em;align-items:center}"
    "form.search input[type=search]{min-width:12em;max-width:100%;padding:.3em}"
    ".subscribe input[type=email]{min-width:16em;max-width:100%;padding:.3em}"
    ".scroll{overflow-x:auto;max-width:100%}"
    "table{border-collapse:collapse;width:100%;min-width:40rem}"
    "caption{text-align:left;font-weight:600;padding:.4rem 0}"
    "th,td{border-top:1px solid var(--line);padding:.5rem;text-align:left;vertical-align:top}"
    "thead th{border-bottom:2px solid var(--fg)}"
    "td ul{margin:0;padding-left:1.1rem}"
    "nav.lang a{margin-right:.6rem}nav.crumbs{margin:.5rem 0}"
    "figure.flow{margin:1rem 0;max-width:100%;overflow-x:auto}"
    "figure.flow svg{width:100%;min-width:20rem;height:auto;font:13px system-ui,sans-serif}"
    "svg .owner{fill:#0b5394}svg .owner+text{fill:#fff}"
    "svg .vendor{fill:#f2f2f2;stroke:#6b6b6b}"
    "svg .eea{fill:#e1efe3;stroke:#2e7d32}svg .third{fill:#fde9d9;stroke:#b45309}"
    "svg path{fill:none;stroke-width:2}svg .link{stroke:#8a8a8a}"
    "svg .use-storage{stroke:#1b5e20}svg .use-processing{stroke:#0b5394}svg .use-access{stroke:#b45309;stroke-dasharray:5 4}"
    "footer{margin-top:2rem;border-top:1px solid var(--line);padding-top:1rem}"
    "textarea{width:100%;max-width:40rem;box-sizing:border-box;font:inherit}" /* the pages of notice links */
    "pre{white-space:pre-wrap;overflow-wrap:anywhere}"
    "@media (max-width:40rem){body{padding:.5rem}h1{font-size:1.35rem}"
    /* on a phone, one card per vendor: each cell under its column's name */
    ".scroll{overflow-x:visible}table{min-width:0}"
    "thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}"
    "table,tbody,tr,th,td{display:block;width:100%}"
    "tr{border:1px solid var(--line);border-radius:.4rem;margin:.8rem 0;padding:.3rem .7rem}"
    "th,td{border-top:0;padding:.3rem 0}th[scope=row]{font-size:1.1rem}"
    "td::before{content:attr(data-label);display:block;font-weight:600;font-size:.85rem;color:var(--muted)}}";

const char *page_css(size_t *len)
{
    *len = sizeof(css) - 1;
    return css;
}

/* The entries of the page, by where they show: current, upcoming (planned, or active with an
 * effective day still to come) and removed within the last year, as of day. */
typedef struct page_lists {
    const entry **current, **upcoming, **removed;
    size_t nc, nu, nr;
    size_t total, shown;     /* planned and active entries, and those the search keeps */
} page_lists;

/* Sort r's entries (only o->only when set) into the lists, as of day; every entry, however
 * many: no list is cut at a fixed size. Returns 0, or -1 when out of memory. */
static int page_lists_make(const registry *r, const page_opts *o, int day, page_lists *pl)
{
    export_filter f = {"all", o->country, NULL, NULL, NULL};
    size_t i;

    memset(pl, 0, sizeof(*pl));
    pl->current = calloc(r->n + 1, sizeof(*pl->current));
    pl->upcoming = calloc(r->n + 1, sizeof(*pl->upcoming));
    pl->removed = calloc(r->n + 1, sizeof(*pl->removed));
    if (!pl->current || !pl->upcoming || !pl->removed)
        return -1;
    for (i = 0; i < r->n; i++) {
        const entry *e = r->entries[i];
        if (o->only && strcmp(e->id, o->only) != 0)
            continue;
        pl->total += e->status != STATUS_RETIRED;
        if ((o->country && !export_match(e, &f)) ||
            (o->q && o->q[0] && !(strcasestr(e->name ? e->name : "", o->q) ||
                                  strcasestr(e->purpose ? e->purpose : "", o->q) ||
                                  strcasestr(entry_purpose(e, o->lang), o->q))))
            continue;
        pl->shown += e->status != STATUS_RETIRED;
        if (e->status == STATUS_ACTIVE && in_force(e->effective, day))
            pl->current[pl->nc++] = e;
        else if (e->status == STATUS_PLANNED || (e->status == STATUS_ACTIVE && !in_force(e->effective, day)))
            pl->upcoming[pl->nu++] = e;
        else if (e->status == STATUS_RETIRED && e->retired != DATE_NONE &&
                 (e->retired >= day - 365 || o->only)) /* its own page: however long ago */
            pl->removed[pl->nr++] = e;
    }
    return 0;
}

static void page_lists_free(page_lists *pl)
{
    free(pl->current);
    free(pl->upcoming);
    free(pl->removed);
}

/* From the doctype to the page's heading and introduction: title and description in language
 * l, the style (inline in a file), the language switcher and the way back (not in a file). */
static void page_head(const registry *r, const page_opts *o, int l, const char *title, buf *out)
{
    const char *owner = r->settings.owner ? r->settings.owner : "";
    char desc[600];
    size_t i;

    buf_printf(out, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
               page_langs[l]);
    esc(out, title);
    buf_puts(out, "</title>\n<meta name=\"description\" content=\"");
    snprintf(desc, sizeof(desc), page_words[T_DESCRIPTION][l], owner);
    esc(out, desc);
    buf_puts(out, "\">\n");
    if (o->standalone) {
        buf_puts(out, "<style>");
        buf_puts(out, css);
        buf_puts(out, "</style>\n");
    } else {
        buf_puts(out, "<link rel=\"stylesheet\" href=\"/page.css\">\n"
                      "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"/v1/feed.atom\">\n");
    }
    buf_puts(out, "</head>\n<body>\n<main>\n");
    if (!o->standalone) { /* in a file, ?lang= links would lead nowhere */
        buf_puts(out, "<nav class=\"lang\" aria-label=\"");
        buf_puts(out, page_words[T_LANG][l]);
        buf_puts(out, "\">");
        for (i = 0; i < 3; i++)
            buf_printf(out, "<a href=\"?lang=%s\" hreflang=\"%s\" lang=\"%s\"%s>%s</a>", page_langs[i], page_langs[i],
                       page_langs[i], (int)i == l ? " aria-current=\"true\"" : "",
                       i == 0 ? "English" : i == 1 ? "Fran\xc3\xa7" "ais" : "Nederlands");
        buf_puts(out, "</nav>\n");
    }
    if (o->only && !o->standalone) /* the way back to the list */
        buf_printf(out, "<nav aria-label=\"breadcrumb\" class=\"crumbs\"><a href=\"/?lang=%s\">%s</a></nav>\n",
                   page_langs[l], page_words[T_BACK][l]);
    buf_puts(out, "<h1>");
    esc(out, title);
    buf_puts(out, "</h1>\n<p>");
    buf_puts(out, page_words[T_INTRO][l]);
    buf_puts(out, "</p>\n");
    if (o->at != DATE_NONE) {
        char d[11], msg[300];
        snprintf(msg, sizeof(msg), page_words[T_AS_OF][l], date_format(o->at, d));
        buf_puts(out, "<p><strong>");
        esc(out, msg);
        if (o->standalone)
            buf_puts(out, "</strong></p>\n");
        else
            buf_printf(out, "</strong> <a href=\"?lang=%s\">%s</a></p>\n", page_langs[l], page_words[T_CURRENT_LINK][l]);
    }
    if (o->last_updated != DATE_NONE) {
        buf_printf(out, "<p class=\"muted\">%s: ", page_words[T_UPDATED][l]);
        date_words(out, o->last_updated, l);
        buf_puts(out, "</p>\n");
    }
}

/* The search form (no script: a GET of the list with q and country, in the page's language)
 * over the countries where some entry has a location, and how many entries it kept. */
static void page_search(const registry *r, const page_opts *o, const page_lists *pl, int l, buf *out)
{
    char seen[256][3];
    size_t n = 0, i, j, k;

    for (i = 0; i < r->n; i++)
        for (j = 0; j < r->entries[i]->nlocations; j++) {
            const char *cc = r->entries[i]->locations[j].country.cc;
            for (k = 0; cc[0] && k < n && strcmp(seen[k], cc) != 0; k++)
                ;
            if (cc[0] && k == n && n < 256)
                memcpy(seen[n++], cc, 3);
        }
    for (i = 1; i < n; i++) /* by name: a few dozen countries at most */
        for (k = i; k > 0; k--) {
            const char *a = cc_name(r, seen[k - 1], l), *b = cc_name(r, seen[k], l);
            char t[3];
            if (strcmp(a ? a : seen[k - 1], b ? b : seen[k]) <= 0)
                break;
            memcpy(t, seen[k], 3);
            memcpy(seen[k], seen[k - 1], 3);
            memcpy(seen[k - 1], t, 3);
        }
    buf_printf(out, "<form method=\"get\" action=\"/\" role=\"search\" class=\"search\">\n"
                    "<input type=\"hidden\" name=\"lang\" value=\"%s\">\n"
                    "<label for=\"q\">%s</label>\n<input id=\"q\" name=\"q\" type=\"search\" maxlength=\"100\" value=\"",
               page_langs[l], page_words[T_SEARCH_TEXT][l]);
    esc(out, o->q ? o->q : "");
    buf_printf(out, "\">\n<label for=\"country\">%s</label>\n<select id=\"country\" name=\"country\">"
                    "<option value=\"\">%s</option>", page_words[T_COUNTRY][l], page_words[T_ALL_COUNTRIES][l]);
    for (i = 0; i < n; i++) {
        const char *name = cc_name(r, seen[i], l);
        buf_printf(out, "<option value=\"%s\"%s>", seen[i],
                   o->country && strcmp(o->country, seen[i]) == 0 ? " selected" : "");
        esc(out, name ? name : seen[i]);
        buf_puts(out, "</option>");
    }
    buf_printf(out, "</select>\n<button type=\"submit\">%s</button>\n</form>\n", page_words[T_SEARCH][l]);
    if ((o->q && o->q[0]) || o->country) {
        buf_puts(out, "<p role=\"status\">");
        buf_printf(out, page_words[T_MATCHES][l], pl->shown, pl->total);
        buf_printf(out, " <a href=\"/?lang=%s\">%s</a></p>\n", page_langs[l], page_words[T_SHOW_ALL][l]);
    }
}

/* The current sub-processors: one table per purpose of the data, our customers' (the service)
 * and our own (a vendor with both flows is in both: each group of people sees every recipient
 * of its data); independent controllers apart, never under the sub-processors' DPA promise.
 * Then the diagram of where data goes. */
static void page_current(const registry *r, const page_opts *o, const page_lists *pl, int day,
                         int l, buf *out)
{
    size_t i, k;

    if (!o->only || pl->nc) /* an entry's page: the heading only when it is current */
        buf_printf(out, "<h2>%s</h2>\n", page_words[T_CURRENT][l]);
    for (k = 0; k < 3; k++) {
        int rows = 0;
        for (i = 0; i < pl->nc; i++)
            rows += in_table(pl->current[i], k);
        if (!rows)
            continue;
        if (k == 2)
            buf_printf(out, "<h2>%s</h2>\n<p>%s</p>\n", page_words[T_CONTROLLERS][l], page_words[T_CONTROLLERS_INTRO][l]);
        table_head(out, l, page_words[k == 0 ? T_FOR_CUSTOMERS : k == 1 ? T_FOR_US : T_CONTROLLERS][l]);
        for (i = 0; i < pl->nc; i++)
            if (in_table(pl->current[i], k))
                row(r, pl->current[i], day, l, out);
        buf_puts(out, "</tbody></table></div>\n");
    }
    flow_svg(r, pl->current, pl->nc, day, l, out);
}

/* Upcoming changes: new vendors, and what current ones add, each from its day. */
static void page_upcoming(const registry *r, const page_lists *pl, int day, int l, buf *out)
{
    size_t i, k;
    int any_change = 0;

    buf_printf(out, "<h2>%s</h2>\n<p>", page_words[T_UPCOMING][l]);
    buf_printf(out, page_words[T_UPCOMING_INTRO][l], r->settings.notice_days);
    buf_puts(out, "</p>\n<ul class=\"upcoming\">\n");
    for (i = 0; i < pl->nu; i++) {
        buf_printf(out, "<li id=\"%s\"><strong>", pl->upcoming[i]->id);
        esc(out, pl->upcoming[i]->name);
        buf_printf(out, "</strong> (%s)%s", page_words[T_NEW][l], page_colon[l]);
        purpose_in(out, pl->upcoming[i], l);
        buf_printf(out, " \xe2\x80\x93 %s ", page_words[T_FROM][l]);
        date_words(out, pl->upcoming[i]->effective, l);
        buf_puts(out, "</li>\n");
        any_change = 1;
    }
    for (i = 0; i < pl->nc; i++) {
        entry_upcoming up[16];
        size_t n = entry_upcoming_changes(pl->current[i], day, up, 16);
        for (k = 0; k < n && k < 16; k++) {
            entry_country c = {"", ""};
            memcpy(c.cc, up[k].cc, 3);
            memcpy(c.raw, up[k].cc, 3);
            buf_puts(out, "<li><strong>");
            esc(out, pl->current[i]->name);
            buf_printf(out, "</strong>%s", page_colon[l]);
            /* in the visitor's words: the country's name and the use or safeguard; a category's
             * label is the registry's own (English), marked as such */
            if (up[k].kind == 'L') {
                buf_printf(out, "%s", page_words[T_UP_LOCATION][l]);
                esc(out, country_name(r, &c, l));
                buf_printf(out, " (%s)", use_word(up[k].use, l));
            } else if (up[k].kind == 'T') {
                buf_printf(out, "%s", page_words[T_UP_TRANSFER][l]);
                esc(out, country_name(r, &c, l));
                buf_printf(out, " (%s)", page_mechanisms[up[k].mechanism][l]);
            } else {
                buf_printf(out, "%s", page_words[T_UP_CATEGORY][l]);
                category_in(out, r, up[k].category ? up[k].category : "?", l);
            }
            buf_printf(out, " \xe2\x80\x93 %s ", page_words[T_FROM][l]);
            date_words(out, up[k].effective, l);
            buf_puts(out, "</li>\n");
            any_change = 1;
        }
    }
    if (!any_change)
        buf_printf(out, "<li>%s</li>\n", page_words[T_NOTHING_UPCOMING][l]);
    buf_puts(out, "</ul>\n");
}

/* The form to be told of changes (no script: a plain POST to /subscribe, in the page's
 * language), and how a customer objects to a change and until when. */
static void page_subscribe(const registry *r, int l, buf *out)
{
    buf_printf(out, "<section class=\"subscribe\" aria-labelledby=\"subscribe\">\n<h2 id=\"subscribe\">%s</h2>\n<p>",
               page_words[T_SUB_TITLE][l]);
    buf_printf(out, page_words[T_SUB_INTRO][l], r->settings.notice_days);
    buf_printf(out, "</p>\n<form method=\"post\" action=\"/subscribe\">\n"
                    "<input type=\"hidden\" name=\"lang\" value=\"%s\">\n"
                    "<label for=\"email\">%s</label>\n"
                    "<input id=\"email\" name=\"email\" type=\"email\" required maxlength=\"254\" "
                    "autocomplete=\"email\">\n<button type=\"submit\">%s</button>\n</form>\n<p>%s</p>\n"
                    "</section>\n",
               page_langs[l], page_words[T_SUB_EMAIL][l], page_words[T_SUB_BUTTON][l], page_words[T_SUB_OBJECT][l]);
}

/* Removed within the last year, and the list's (or the entry's) earlier versions. */
static void page_past(const page_opts *o, const page_lists *pl, int l, buf *out)
{
    size_t i;

    if (pl->nr) {
        buf_printf(out, "<h2>%s</h2>\n<ul class=\"removed\">\n", page_words[T_REMOVED][l]);
        for (i = 0; i < pl->nr; i++) {
            buf_printf(out, "<li id=\"%s\"><strong>", pl->removed[i]->id);
            esc(out, pl->removed[i]->name);
            buf_printf(out, "</strong>%s", page_colon[l]);
            purpose_in(out, pl->removed[i], l);
            buf_printf(out, " \xe2\x80\x93 %s ", page_words[T_REMOVED_SINCE][l]);
            date_words(out, pl->removed[i]->retired, l);
            buf_puts(out, "</li>\n");
        }
        buf_puts(out, "</ul>\n");
    }
    if (o->nversions) {
        buf_printf(out, "<h2>%s</h2>\n<ul class=\"versions\">\n", page_words[o->only ? T_HISTORY : T_VERSIONS][l]);
        for (i = 0; i < o->nversions; i++) {
            char d[11];
            date_format(o->versions[i].day, d);
            if (o->standalone)
                buf_printf(out, "<li><time datetime=\"%s\">%s</time>: ", d, d);
            else
                buf_printf(out, "<li><a href=\"?at=%s&amp;lang=%s\"><time datetime=\"%s\">%s</time></a>: ", d, page_langs[l], d, d);
            esc_en(out, o->versions[i].summary, l); /* the history's own words (English) */
            buf_puts(out, "</li>\n");
        }
        buf_puts(out, "</ul>\n");
    }
}

/* The footer: the feed and the JSON (not in a file), the contact; then the end of the page. */
static void page_foot(const registry *r, const page_opts *o, int l, buf *out)
{
    buf_puts(out, "<footer>\n<p>");
    if (!o->standalone)
        buf_printf(out, "<a href=\"/v1/feed.atom\">%s</a> \xc2\xb7 <a href=\"/v1/subprocessors\">%s</a>",
                   page_words[T_FEED][l], page_words[T_JSON][l]);
    buf_puts(out, "</p>\n");
    if (r->settings.contact) {
        buf_printf(out, "<p>%s: ", page_words[T_CONTACT][l]);
        if (strchr(r->settings.contact, '@') && !strpbrk(r->settings.contact, " \"'<>")) {
            buf_puts(out, "<a href=\"mailto:");
            esc(out, r->settings.contact);
            buf_puts(out, "\">");
            esc(out, r->settings.contact);
            buf_puts(out, "</a>");
        } else {
            esc(out, r->settings.contact);
        }
        buf_puts(out, "</p>\n");
    }
    buf_puts(out, "</footer>\n</main>\n</body>\n</html>\n");
}

int page_widget(const registry *r, const page_opts *o, buf *out)
{
    page_lists pl;
    int l = page_lang_index(o->lang), rc = -1;
    size_t i;

    if (page_lists_make(r, o, o->day, &pl) != 0)
        goto out;
    table_head(out, l, page_words[T_CURRENT][l]);
    for (i = 0; i < pl.nc; i++)
        if (pl.current[i]->recipient != ROLE_CONTROLLER)
            row(r, pl.current[i], o->day, l, out);
    buf_puts(out, "</tbody></table></div>\n");
    page_upcoming(r, &pl, o->day, l, out);
    buf_printf(out, "<p class=\"full\"><a href=\"/?lang=%s\">%s</a></p>\n", page_langs[l], page_words[T_FULL_LIST][l]);
    rc = out->failed ? -1 : 0;
out:
    page_lists_free(&pl);
    return rc;
}

int page_render(const registry *r, const page_opts *o, buf *out)
{
    page_lists pl;
    int rc = -1;
    int l = page_lang_index(o->lang), day = o->at != DATE_NONE ? o->at : o->day;
    const char *owner = r->settings.owner ? r->settings.owner : "";
    char title[400];

    if (page_lists_make(r, o, day, &pl) != 0)
        goto out;
    if (o->only) { /* an entry's own page: its own title; a former one's says so */
        const entry *e = pl.nc ? pl.current[0] : pl.nu ? pl.upcoming[0] : pl.nr ? pl.removed[0] : NULL;
        int former = (!pl.nc && !pl.nu && pl.nr) || (!e && o->removed_day != DATE_NONE);
        snprintf(title, sizeof(title), page_words[former ? T_ENTRY_TITLE_REMOVED : T_ENTRY_TITLE][l],
                 e && e->name ? e->name : o->removed_name ? o->removed_name : o->only, owner);
    } else {
        snprintf(title, sizeof(title), page_words[T_TITLE][l], owner);
    }
    page_head(r, o, l, title, out);
    if (o->only && !pl.nc && !pl.nu && !pl.nr && o->removed_day != DATE_NONE) {
        buf_printf(out, "<p><strong>%s ", page_words[T_REMOVED_ON][l]);
        date_words(out, o->removed_day, l);
        buf_puts(out, ".</strong></p>\n");
    }
    if (o->search && !o->standalone && !o->only && o->at == DATE_NONE)
        page_search(r, o, &pl, l, out);
    page_current(r, o, &pl, day, l, out);
    page_upcoming(r, &pl, day, l, out);
    if (o->subscribe && !o->standalone && !o->only && o->at == DATE_NONE)
        page_subscribe(r, l, out);
    page_past(o, &pl, l, out);
    page_foot(r, o, l, out);
    rc = out->failed ? -1 : 0;
out:
    page_lists_free(&pl);
    return rc;
}

size_t page_versions(index_db *idx, store *st, const char *id, page_version *v, size_t max, int *last)
{
    sr_err err = {{0}};
    index_change *ch = NULL;
    size_t n = 0, i, k = 0;

    *last = DATE_NONE;
    /* max days of changes: 5,000 changes are more than enough to fill them */
    if (index_changes(idx, id, NULL, 0, 5000, &ch, &n, &err) != 0)
        return 0;
    index_drop_refused(st, ch, &n);
    for (i = 0; i < n; i++) {
        int day = (int)(ch[i].time / 86400);
        const char *line = index_change_summary(&ch[i], 1);
        if (k && v[k - 1].day == day) {
            size_t l = strlen(v[k - 1].summary);
            if (l + 3 < sizeof(v[k - 1].summary))
                snprintf(v[k - 1].summary + l, sizeof(v[k - 1].summary) - l, "; %s", line);
            continue;
        }
        if (k == max)
            break;
        v[k].day = day;
        snprintf(v[k].summary, sizeof(v[k].summary), "%s", line);
        k++;
    }
    for (i = 0; i < k; i++)
        utf8_sanitize(v[i].summary); /* a cut may split a character */
    if (k)
        *last = v[0].day;
    index_changes_free(ch, n);
    return k;
}
