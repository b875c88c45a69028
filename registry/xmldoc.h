/* xmldoc: parsing untrusted XML safely (libxml2 2.9).
 *
 * Any DOCTYPE is refused (so no entities, no XXE, no billion laughs), the network is never
 * used, the size is capped and libxml2's nesting limit (256) holds. Every problem becomes a
 * "schema" diagnostic with the line and column where libxml2 saw it. */
#ifndef SUBREG_XMLDOC_H
#define SUBREG_XMLDOC_H
#include <stddef.h>
#include <libxml/tree.h>
#include "diag.h"

/* More attributes on one element than this refuse a document before parsing. */
#define XMLDOC_MAX_ATTRIBUTES 256
#define XMLDOC_MAX_BYTES (1024 * 1024) /* one registry file: 1 MiB */

/* Call once from main before threads start: libxml2's parser init and a no-network
 * external entity loader. */
void xmldoc_global_init(void);
/* Parse len bytes named file (for diagnostics). Returns the document (free it with
 * xmlFreeDoc) or NULL, having added at least one error diagnostic to d. */
xmlDocPtr xmldoc_parse(const char *data, size_t len, const char *file, diag_list *d);

/* A reusable parser for many documents in one thread: keeps libxml2's parser context and
 * its name dictionary between documents (measured: about a tenth less time per file).
 * NULL when out of memory. Documents it returns may outlive it. */
typedef struct xmldoc_parser xmldoc_parser;
xmldoc_parser *xmldoc_parser_new(void);
/* As xmldoc_parse, with p (NULL: a one-off parser). */
xmlDocPtr xmldoc_parser_parse(xmldoc_parser *p, const char *data, size_t len, const char *file,
                              diag_list *d);
void xmldoc_parser_free(xmldoc_parser *p);
/* Text content of node with surrounding white space trimmed; malloc'd (free()), NULL when
 * out of memory. */
char *xmldoc_text(xmlNodePtr node);
/* Attribute value as a malloc'd string, or NULL when absent. */
char *xmldoc_attr(xmlNodePtr node, const char *name);
/* Line number of node (0 if unknown). */
int xmldoc_line(xmlNodePtr node);
/* The next element sibling at or after node (text and comments skipped), or NULL. */
xmlNodePtr xmldoc_elem(xmlNodePtr node);
/* 1 when node is an element of namespace urn:subreg:1 named name. */
int xmldoc_is(xmlNodePtr node, const char *name);
/* Copy a libxml2 message without its trailing newline and with "{urn:subreg:1}" removed,
 * into out. */
void xmldoc_clean_message(const char *msg, buf *out);
#endif
