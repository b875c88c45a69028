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
#endif
