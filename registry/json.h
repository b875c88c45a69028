/* json: the small cJSON helpers every module wanted its own copy of. */
#ifndef SUBREG_JSON_H
#define SUBREG_JSON_H
#include <cjson/cJSON.h>

/* The string member k of o; NULL when o is NULL or k is absent or not a string. Valid while o
 * lives. */
const char *json_str(const cJSON *o, const char *k);
/* As json_str, and NULL for an empty string too (a value that must say something). */
const char *json_text(const cJSON *o, const char *k);
/* Add k: v to o when v is not NULL (nothing otherwise). */
void json_add_str(cJSON *o, const char *k, const char *v);
/* Add k: "YYYY-MM-DD" to o for a day; for DATE_NONE, k: null when none_as_null, else nothing. */
void json_add_date(cJSON *o, const char *k, int day, int none_as_null);
#endif
