/* summary: one line for a person saying what a change did to an entry, from the entry's
 * JSON (internal view) before and after: "Added: Gladia SAS (Real-time speech-to-text;
 * FR processing)", "Removed: VoiceBase, Inc.", "Changed: zendesk: location PH access added". */
#ifndef SUBREG_SUMMARY_H
#define SUBREG_SUMMARY_H
#include <cjson/cJSON.h>
#include "buf.h"

/* Append the summary of change status ('A', 'M', 'D') of entry id to out. before and after
 * may be NULL where the change has none. public_only = 1 leaves internal fields (DPA, TIA,
 * providers, waivers, notes) out of the description. Returns 0, -1 when out of memory. */
int summary_change(char status, const char *id, const cJSON *before, const cJSON *after,
                   int public_only, buf *out);
#endif
