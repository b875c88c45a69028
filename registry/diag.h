/* diag: errors for callers and diagnostics for people.
 *
 * sr_err carries one message for a failed call (I/O, out of memory, bad argument).
 * A diag is one problem found in registry content, printed everywhere in one form:
 *   FILE:LINE:COL: SEVERITY[RULE]: MESSAGE
 * The library never prints; front ends format diags with diag_format. */
#ifndef SUBREG_DIAG_H
#define SUBREG_DIAG_H
#include <stddef.h>
#include "buf.h"

/* Return codes of the library beside 0 and -1 (-1: failed, err says why). One set of
 * numbers for every module, so that a code passed up unchanged keeps its meaning. */
enum {
    SR_NOTFOUND = 1, /* no such revision, file or entry; or nothing to change */
    SR_CONFLICT = 2, /* main moved from the expected parent: re-read and retry */
    SR_BLOCKED = 3,  /* the change breaks the rules: the diagnostics say why */
    SR_LOCKED = 4,   /* another writer holds main's lock: retry the update shortly */
    SR_DAMAGED = 5,  /* a derived file (the index) is damaged: move it aside, build it anew */
    SR_REJECTED = 6, /* the upstream remote refused an update (a hook, a protected branch) */
    SR_OFFLINE = 7   /* the upstream remote could not be reached */
};

typedef struct sr_err {
    char msg[1024];
} sr_err;

/* Set err's message (printf-style). err may be NULL. */
void sr_err_set(sr_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

typedef enum { SEV_ERROR = 0, SEV_WARNING = 1 } severity;

typedef struct diag {
    char *file;     /* path as shown to the user; never NULL */
    int line, col;  /* 0 when unknown (printed as column 1) */
    severity sev;
    char *rule;     /* "schema", "registry", or a rule id */
    char *entry;    /* sub-processor id, or NULL */
    char *message;  /* what is wrong and what to change */
    int waived;     /* 1 when a waiver in the entry suppresses it */
    char *waiver;   /* the waiver's reason, when waived */
} diag;

typedef struct diag_list {
    diag *v;
    size_t n, cap;
} diag_list;

/* Append a diagnostic; all strings are copied. Returns 0, -1 when out of memory (the
 * diagnostic is then lost, and the list stays valid). */
int diag_add(diag_list *l, const char *file, int line, int col, severity sev,
             const char *rule, const char *entry, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
/* Move every item of src to the end of dst (src is left empty). Returns 0 or -1. */
int diag_move(diag_list *dst, diag_list *src);
/* "error" or "warning". */
const char *diag_severity_name(severity s);
/* Count items of a severity; waived: 0 = unwaived only, 1 = waived only, -1 = both. */
size_t diag_count(const diag_list *l, severity sev, int waived);
/* Sort by file, line, column, then rule (stable for equal keys). */
void diag_sort(diag_list *l);
/* Append "FILE:LINE:COL: SEVERITY[RULE]: MESSAGE" (no newline) to out. */
int diag_format(const diag *d, buf *out);
/* Free the items from index n on (the first n stay). */
void diag_list_truncate(diag_list *l, size_t n);
/* Free every item and the array; the list is empty and reusable afterwards. */
void diag_list_free(diag_list *l);
#endif
