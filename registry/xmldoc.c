#include "xmldoc.h"
#include "plain.h"
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>

#define SUBREG_NS "urn:subreg:1"

typedef struct parse_state {
    diag_list *d;
    const char *file;
    int errors;
    int doctype;
} parse_state;

void xmldoc_global_init(void)
{
    xmlInitParser();
    xmlSetExternalEntityLoader(xmlNoNetExternalEntityLoader);
}

void xmldoc_clean_message(const char *msg, buf *out)
{
    const char *p = msg ? msg : "invalid XML";
    const char *ns = "{" SUBREG_NS "}";
    size_t nslen = strlen(ns);
    size_t start = out->len;

    while (*p) {
        if (strncmp(p, ns, nslen) == 0) {
            p += nslen;
            continue;
        }
        /* libxml2 messages may span lines; a diagnostic is one line */
        buf_add(out, *p == '\n' || *p == '\r' ? " " : p, 1);
        p++;
    }
    while (out->len > start && (out->p[out->len - 1] == '\n' || out->p[out->len - 1] == ' '))
        out->p[--out->len] = '\0';
}

/* libxml2's parse errors: each (but those a DOCTYPE causes, reported once) becomes a finding
 * in plain words at its line and column. */
static void on_error(void *ctx, xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = ctx;
    parse_state *st = ctxt ? ctxt->_private : NULL;
    buf msg;

    if (!st || !e || st->doctype)
        return;
    if (e->level < XML_ERR_ERROR)
        return;
    st->errors++;
    if (st->errors > 20) /* a broken file can raise thousands; the first ones say it */
        return;
    buf_init(&msg, 0);
    xmldoc_clean_message(e->message, &msg);
    {
        buf plain;
        buf_init(&plain, 0);
        plain_parse_error(buf_str(&msg), &plain);
        diag_add(st->d, st->file, e->line, e->int2, SEV_ERROR, "schema", NULL,
                 "not well-formed XML: %s", buf_str(&plain));
        buf_free(&plain);
    }
    buf_free(&msg);
}

/* A DOCTYPE is refused (no entities, no external subsets): one error at its place. */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    xmlParserCtxtPtr ctxt = ctx;
    parse_state *st = ctxt->_private;

    (void)name;
    (void)ext;
    (void)sys;
    if (!st->doctype)
        diag_add(st->d, st->file, xmlSAX2GetLineNumber(ctx), xmlSAX2GetColumnNumber(ctx),
                 SEV_ERROR, "schema", NULL,
                 "DOCTYPE declarations are not allowed in registry files: remove the <!DOCTYPE ...> line "
                 "(entities and external DTDs are never read)");
    st->doctype = 1;
    st->errors++;
    xmlStopParser(ctxt);
}

struct xmldoc_parser {
    xmlParserCtxtPtr ctxt;
    parse_state st;
};

xmldoc_parser *xmldoc_parser_new(void)
{
    xmldoc_parser *p = calloc(1, sizeof(*p));

    if (!p)
        return NULL;
    p->ctxt = xmlNewParserCtxt();
    if (!p->ctxt) {
        free(p);
        return NULL;
    }
    p->ctxt->_private = &p->st;
    p->ctxt->sax->serror = on_error;
    p->ctxt->sax->internalSubset = on_doctype;
    p->ctxt->sax->externalSubset = NULL;
    p->ctxt->sax->resolveEntity = NULL;
    p->ctxt->sax->getEntity = NULL;
    p->ctxt->sax->entityDecl = NULL;
    return p;
}

void xmldoc_parser_free(xmldoc_parser *p)
{
    if (!p)
        return;
    xmlFreeParserCtxt(p->ctxt);
    free(p);
}

/* 1 when a start tag in data has more than XMLDOC_MAX_ATTRIBUTES attributes (counted as
 * '=' outside quotes between '<' and '>', on the raw bytes, before any parsing). */
static int too_many_attributes(const char *data, size_t len)
{
    size_t i;
    int in_tag = 0, n = 0;
    char quote = 0;

    for (i = 0; i < len; i++) {
        char ch = data[i];
        if (quote) {
            if (ch == quote)
                quote = 0;
        } else if (ch == '<') {
            in_tag = 1;
            n = 0;
        } else if (ch == '>') {
            in_tag = 0;
        } else if (in_tag && (ch == '"' || ch == '\'')) {
            quote = ch;
        } else if (in_tag && ch == '=' && ++n > XMLDOC_MAX_ATTRIBUTES) {
            return 1;
        }
    }
    return 0;
}

xmlDocPtr xmldoc_parser_parse(xmldoc_parser *p, const char *data, size_t len, const char *file,
                              diag_list *d)
{
    xmldoc_parser *own = NULL;
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc = NULL;

    if (len > XMLDOC_MAX_BYTES) {
        diag_add(d, file, 0, 0, SEV_ERROR, "schema", NULL,
                 "file is %zu bytes, over the limit of %d bytes for one registry file", len,
                 XMLDOC_MAX_BYTES);
        goto out;
    }
    if (len == 0) {
        diag_add(d, file, 1, 1, SEV_ERROR, "schema", NULL, "file is empty: it must hold one XML document");
        goto out;
    }
    if (too_many_attributes(data, len)) {
        /* libxml2 2.9 checks duplicate attributes pairwise: 70,000 of them cost seconds of CPU */
        diag_add(d, file, 1, 1, SEV_ERROR, "schema", NULL,
                 "an element has more than %d attributes: no registry element has that many",
                 XMLDOC_MAX_ATTRIBUTES);
        goto out;
    }
    if (!p && !(p = own = xmldoc_parser_new())) {
        diag_add(d, file, 0, 0, SEV_ERROR, "schema", NULL, "out of memory while parsing");
        goto out;
    }
    ctxt = p->ctxt;
    p->st.d = d;
    p->st.file = file;
    p->st.errors = 0;
    p->st.doctype = 0;
    /* xmlCtxtReadMemory resets the context but keeps its dictionary. */
    doc = xmlCtxtReadMemory(ctxt, data, (int)len, file, NULL,
                            XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOWARNING |
                                XML_PARSE_COMPACT | XML_PARSE_NOBLANKS);
    if (!doc || p->st.errors || ctxt->errNo != 0 || !ctxt->wellFormed) {
        if (!p->st.errors)
            diag_add(d, file, ctxt->input ? ctxt->input->line : 0, 0, SEV_ERROR, "schema", NULL,
                     "not well-formed XML");
        xmlFreeDoc(doc);
        doc = NULL;
        goto out;
    }
    if (!xmlDocGetRootElement(doc)) {
        diag_add(d, file, 1, 1, SEV_ERROR, "schema", NULL, "no root element");
        xmlFreeDoc(doc);
        doc = NULL;
    }
out:
    xmldoc_parser_free(own);
    return doc;
}

xmlDocPtr xmldoc_parse(const char *data, size_t len, const char *file, diag_list *d)
{
    return xmldoc_parser_parse(NULL, data, len, file, d);
}

char *xmldoc_text(xmlNodePtr node)
{
    xmlChar *s = xmlNodeGetContent(node);
    char *r, *b, *e;

    if (!s)
        return strdup("");
    b = (char *)s;
    while (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r')
        b++;
    e = b + strlen(b);
    while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        e--;
    r = strndup(b, (size_t)(e - b));
    xmlFree(s);
    return r;
}

char *xmldoc_attr(xmlNodePtr node, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(node, (const xmlChar *)name);
    char *r;

    if (!v)
        return NULL;
    r = strdup((char *)v);
    xmlFree(v);
    return r;
}

int xmldoc_line(xmlNodePtr node)
{
    long l = xmlGetLineNo(node);

    return l > 0 && l < 0x7fffffff ? (int)l : 0;
}

xmlNodePtr xmldoc_elem(xmlNodePtr node)
{
    while (node && node->type != XML_ELEMENT_NODE)
        node = node->next;
    return node;
}

int xmldoc_is(xmlNodePtr node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && node->ns &&
           strcmp((const char *)node->ns->href, SUBREG_NS) == 0 &&
           strcmp((const char *)node->name, name) == 0;
}
