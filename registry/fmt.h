/* fmt: the one canonical layout of a registry file (subreg fmt).
 *
 * Two-space indentation, one element per line, attributes in a fixed order (identity first:
 * id, name, code, country, use, provider, region, kind, mechanism, clauses, module, ...;
 * any other alphabetically), leading and trailing white space of text-only elements
 * trimmed, comments kept where they are, the UTF-8 XML declaration. Element order is the
 * schema's (xs:sequence): a file in another order does not validate, and fmt leaves it to
 * the author. Idempotent: formatting the output again gives the same bytes. */
#ifndef SUBREG_FMT_H
#define SUBREG_FMT_H
#include <stddef.h>
#include "buf.h"
#include "diag.h"

/* Format the XML document data (len bytes, named file in diagnostics) into out. The
 * result is reparsed and compared with the input (names, attributes, trimmed text,
 * comments): nothing is ever lost. Returns 0; -1 with diagnostics in d when the input is
 * not well-formed (or has a DOCTYPE: see xmldoc) or the comparison fails; -2 when out of
 * memory. */
int fmt_document(const char *data, size_t len, const char *file, buf *out, diag_list *d);
#endif
