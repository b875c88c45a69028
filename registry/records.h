/* records: the records of processing activities GDPR Art. 30 asks for, from the registry
 * as of a day: the processor's record (Art. 30(2)) over the processor flows (customers'
 * data) and the controller's own record (Art. 30(1)) over the controller flows. Only what
 * is in force on the day counts: planned entries before their effective day, upcoming
 * locations and transfers and retired entries after their last day are left out. */
#ifndef SUBREG_RECORDS_H
#define SUBREG_RECORDS_H
#include "buf.h"
#include "registry.h"

typedef enum { RECORDS_PROCESSOR = 2, RECORDS_CONTROLLER = 1 } records_kind;

/* Append the record of kind (Art. 30(2) or 30(1)) of r as of day to out: a Markdown
 * document (csv = 0) with the parts the article lists, or CSV (csv = 1) with one row per
 * processing activity (entry). Entry text is written inert (buf_md_cell, buf_csv_field).
 * Returns 0, or -1 when out of memory. */
int records_render(const registry *r, int day, records_kind kind, int csv, buf *out);
/* Append where an erasure request must go as of day (GDPR Art. 17(2), 19, 28(3)(e)): every
 * recipient in force (processors and independent controllers), the data it holds, how an
 * erasure reaches it (<erasure via>) and within how many days; a recipient without a
 * recorded path says so. Markdown (csv = 0) or CSV with one row per recipient. Returns 0,
 * or -1 when out of memory. */
int records_dsr(const registry *r, int day, int csv, buf *out);
#endif
