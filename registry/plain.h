/* plain: what libxml2 says about a file, in sentences a lawyer can act on. libxml2's
 * messages name its own functions ("xmlParseEntityRef: no name"), regular expressions and
 * XSD jargon ("No matching global declaration available for the validation root"); these
 * turn each message the registry's users can trigger into what is wrong and how to fix it. */
#ifndef SUBREG_PLAIN_H
#define SUBREG_PLAIN_H
#include "buf.h"

/* A well-formedness error (the parser's message msg) as a sentence, appended to out. */
void plain_parse_error(const char *msg, buf *out);
/* A schema validation error (msg) as a sentence, appended to out. Returns 0, or 1 when the
 * finding says nothing another check does not say better (a date's pattern: the entry's
 * reader reports the day it cannot read) and is best left out (out unchanged). */
int plain_schema_error(const char *msg, buf *out);
#endif
