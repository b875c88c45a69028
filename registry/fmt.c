/* fmt: the canonical layout of a registry file. */
#include "fmt.h"
#include <stdlib.h>
#include <string.h>
#include <libxml/tree.h>
#include "xmldoc.h"

/* Identity first, then what an auditor reads next; anything else alphabetically after. */
static const char *const attr_order[] = {
    "id",      "name",    "code",       "country", "use",       "provider", "region",
    "kind",    "service", "mechanism",  "clauses", "module",    "instrument", "scope",
    "signed",  "expires", "reference",  "announced", "effective", "tia",    "tia-outcome",
    "dpia",    "rule",    "from",       "until",
    /* a customer's <objection>: what it objects to, when */
    "entry",   "change",  "made",
    /* <dpa>'s breach notice; <clauses> in the order of Art. 28(3)(a)-(h) */
    "breach-notice-hours", "instructions", "confidentiality", "security", "subprocessing",
    "data-subject-rights", "assistance", "deletion", "audits",
    /* <ai>: what it is, whether it trains, how long it keeps, the evidence */
    "role", "models", "training", "opted-out", "training-ref", "input-days", "output-days",
    "abuse-monitoring-days", "human-review", "since", "evidence", "example",
    /* <parent> and <erasure> */
    "fisa-702", "cloud-act", "dpf-name", "assessed", "assessment", "via", "days",
    /* a customer's file: the objection's outcome; the terms, then the DPA's clause */
    "subscriber", "status", "resolved", "by", "notice-days", "accepted", "only", "except", "clause", NULL};

/* An attribute's place in the canonical order (attr_order); 1000 for the others. */
static int attr_rank(const xmlAttr *a)
{
    int i;

    for (i = 0; attr_order[i]; i++)
        if (!a->ns && strcmp((const char *)a->name, attr_order[i]) == 0)
            return i;
    return 1000;
}

/* 1 when attribute a comes before b in the canonical order: by rank, then prefix, then name. */
static int attr_before(const xmlAttr *a, const xmlAttr *b)
{
    int ra = attr_rank(a), rb = attr_rank(b);
    const char *pa = a->ns && a->ns->prefix ? (const char *)a->ns->prefix : "";
    const char *pb = b->ns && b->ns->prefix ? (const char *)b->ns->prefix : "";
    int c;

    if (ra != rb)
        return ra < rb;
    c = strcmp(pa, pb);
    return c != 0 ? c < 0 : strcmp((const char *)a->name, (const char *)b->name) < 0;
}

/* Relink node's attributes in canonical order (insertion sort: a handful per element). */
static void sort_attrs(xmlNodePtr node)
{
    xmlAttrPtr sorted = NULL, a = node->properties, next;

    while (a) {
        xmlAttrPtr *at = &sorted, prev = NULL;
        next = a->next;
        while (*at && !attr_before(a, *at)) {
            prev = *at;
            at = &(*at)->next;
        }
        a->next = *at;
        a->prev = prev;
        if (*at)
            (*at)->prev = a;
        *at = a;
        a = next;
    }
    node->properties = sorted;
}

static int is_text(const xmlNode *n)
{
    return n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int blank(const xmlChar *s)
{
    for (; s && *s; s++)
        if (!is_space((char)*s))
            return 0;
    return 1;
}

/* s without leading and trailing white space: its start, and its length in *n. */
static const char *trimmed(const char *s, size_t *n)
{
    const char *e;

    while (is_space(*s))
        s++;
    e = s + strlen(s);
    while (e > s && is_space(e[-1]))
        e--;
    *n = (size_t)(e - s);
    return s;
}

/* Drop white space between elements, trim text-only elements, sort attributes; leaves
 * elements with mixed content (text beside elements) as they are. Returns 0, -1 on OOM. */
static int canonical(xmlNodePtr node)
{
    xmlNodePtr c, next;
    int elems = 0, texts = 0, mixed = 0;

    if (node->type == XML_ELEMENT_NODE)
        sort_attrs(node);
    for (c = node->children; c; c = c->next) {
        elems += c->type == XML_ELEMENT_NODE || c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE;
        texts += is_text(c);
        mixed |= is_text(c) && !blank(c->content);
    }
    if (elems && mixed)
        return 0;
    if (elems) {
        for (c = node->children; c; c = next) {
            next = c->next;
            if (is_text(c)) {
                xmlUnlinkNode(c);
                xmlFreeNode(c);
            } else if (c->type == XML_ELEMENT_NODE && canonical(c) != 0) {
                return -1;
            }
        }
    } else if (texts == 1 && node->children->type == XML_TEXT_NODE) {
        size_t n;
        const char *s = trimmed((const char *)node->children->content, &n);
        char *t = strndup(s, n);
        if (!t)
            return -1;
        xmlNodeSetContent(node->children, (const xmlChar *)t);
        free(t);
    }
    return 0;
}

/* What a document says, independent of layout: elements with their attributes (sorted by
 * name), trimmed non-blank text, comments, processing instructions. */
static void digest(const xmlNode *n, buf *out)
{
    for (; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE) {
            const xmlAttr *a, *last = NULL;
            buf_printf(out, "<{%s}%s", n->ns ? (const char *)n->ns->href : "", (const char *)n->name);
            for (;;) { /* attributes in name order, whatever the order in the tree */
                const xmlAttr *pick = NULL;
                for (a = n->properties; a; a = a->next)
                    if ((!last || strcmp((const char *)a->name, (const char *)last->name) > 0) &&
                        (!pick || strcmp((const char *)a->name, (const char *)pick->name) < 0))
                        pick = a;
                if (!pick)
                    break;
                {
                    xmlChar *v = xmlNodeGetContent((const xmlNode *)pick);
                    buf_printf(out, " %s=\"%s\"", (const char *)pick->name, v ? (const char *)v : "");
                    xmlFree(v);
                }
                last = pick;
            }
            buf_puts(out, ">");
            digest(n->children, out);
            buf_puts(out, "</>");
        } else if (is_text(n) && !blank(n->content)) {
            size_t len;
            const char *s = trimmed((const char *)n->content, &len);
            buf_printf(out, "T%.*s\n", (int)len, s);
        } else if (n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE) {
            buf_printf(out, "C%s\n", n->content ? (const char *)n->content : "");
        }
    }
}

int fmt_document(const char *data, size_t len, const char *file, buf *out, diag_list *d)
{
    xmlDocPtr doc = NULL, again = NULL;
    xmlChar *mem = NULL;
    int size = 0, rc = -1;
    buf before, after;

    buf_init(&before, 0);
    buf_init(&after, 0);
    doc = xmldoc_parse(data, len, file, d);
    if (!doc)
        goto out;
    digest(doc->children, &before);
    if (canonical((xmlNodePtr)doc) != 0) {
        rc = -2;
        goto out;
    }
    xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
    if (!mem) {
        rc = -2;
        goto out;
    }
    again = xmldoc_parse((const char *)mem, (size_t)size, file, d);
    if (!again)
        goto out;
    digest(again->children, &after);
    if (before.failed || after.failed) {
        rc = -2;
        goto out;
    }
    if (before.len != after.len || memcmp(buf_str(&before), buf_str(&after), before.len) != 0) {
        diag_add(d, file, 1, 1, SEV_ERROR, "registry", NULL,
                 "formatting would change what the file says; it is left as it is (please report this)");
        goto out;
    }
    rc = buf_add(out, mem, (size_t)size) == 0 ? 0 : -2;
out:
    xmlFree(mem);
    xmlFreeDoc(doc);
    xmlFreeDoc(again);
    buf_free(&before);
    buf_free(&after);
    return rc;
}
