/* embed: files compiled into the program (the XSDs, the OpenAPI description and the
 * built-in reference data), so that subreg needs no install path and a push hook run by git
 * finds them. */
#ifndef SUBREG_EMBED_H
#define SUBREG_EMBED_H
#include <stddef.h>

/* The contents of an embedded file by its source path ("schemas/subprocessor.xsd",
 * "reference/countries.xml", ...), with *len set; NULL when there is no such file.
 * The memory is static and read-only. */
const char *embed_get(const char *name, size_t *len);
/* The name of the i-th embedded file, or NULL past the end. */
const char *embed_name(size_t i);
#endif
