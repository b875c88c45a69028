/* template: the commented entry `subreg new` writes, and the placeholders it contains, so
 * that the rule "placeholder" refuses an entry published with a template value left in. */
#ifndef SUBREG_TEMPLATE_H
#define SUBREG_TEMPLATE_H
#include "buf.h"

/* Append the template of entry id to out: announced on day announced, effective after
 * notice_days whole days (both YYYY-MM-DD). Returns 0, or -1 when out of memory. */
int template_render(const char *id, int notice_days, const char *announced, const char *effective,
                    buf *out);
/* Append the template of customer id to out: its DPA signed today (YYYY-MM-DD), the
 * registry's notice_days as its notice. Returns 0, or -1 when out of memory. */
int template_customer_render(const char *id, int notice_days, const char *today, buf *out);
/* The first template placeholder text contains ("VENDOR LEGAL NAME"), or NULL when none
 * (text may be NULL). */
const char *template_placeholder(const char *text);
#endif
