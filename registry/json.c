#include "json.h"
#include "date.h"

const char *json_str(const cJSON *o, const char *k)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

const char *json_text(const cJSON *o, const char *k)
{
    const char *s = json_str(o, k);

    return s && s[0] ? s : NULL;
}

void json_add_str(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
}

void json_add_date(cJSON *o, const char *k, int day, int none_as_null)
{
    char s[11];

    if (day != DATE_NONE)
        cJSON_AddStringToObject(o, k, date_format(day, s));
    else if (none_as_null)
        cJSON_AddNullToObject(o, k);
}
