#include "summary.h"
#include "json.h"
#include <string.h>

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* "CC use" for each location, "CC mechanism" for each transfer, categories as they are. */
static void item_key(const char *list, const cJSON *it, buf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
    if (strcmp(list, "locations") == 0)
        buf_printf(b, "%s %s", nz(json_str(it, "country")), nz(json_str(it, "use")));
    else if (strcmp(list, "transfers") == 0)
        buf_printf(b, "%s %s%s%s%s%s", nz(json_str(it, "country")), nz(json_str(it, "mechanism")),
                   json_str(it, "clauses") ? " " : "", nz(json_str(it, "clauses")),
                   json_str(it, "module") ? " module " : "", nz(json_str(it, "module")));
    else if (cJSON_IsString(it))
        buf_puts(b, it->valuestring);
}

/* 1 when the item of arr described by key (e.g. "DE storage") is in list, the text of the
 * other version. */
static int in_list(const char *list, const cJSON *arr, const char *key, buf *tmp)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, arr)
    {
        item_key(list, it, tmp);
        if (strcmp(buf_str(tmp), key) == 0)
            return 1;
    }
    return 0;
}

/* The items of b that a lacks (added) and those of a that b lacks (removed), as "adds noun
 * X", "removes noun Y". */
static void list_diff(const char *list, const char *noun, const cJSON *a, const cJSON *b,
                      int *first, buf *out)
{
    const cJSON *arr_a = cJSON_GetObjectItemCaseSensitive(a, list);
    const cJSON *arr_b = cJSON_GetObjectItemCaseSensitive(b, list);
    const cJSON *it;
    buf key, tmp;

    buf_init(&key, 0);
    buf_init(&tmp, 0);
    cJSON_ArrayForEach(it, arr_b)
    {
        item_key(list, it, &key);
        if (!in_list(list, arr_a, buf_str(&key), &tmp)) {
            buf_printf(out, "%s%s %s added", *first ? "" : "; ", noun, buf_str(&key));
            *first = 0;
        }
    }
    cJSON_ArrayForEach(it, arr_a)
    {
        item_key(list, it, &key);
        if (!in_list(list, arr_b, buf_str(&key), &tmp)) {
            buf_printf(out, "%s%s %s removed", *first ? "" : "; ", noun, buf_str(&key));
            *first = 0;
        }
    }
    buf_free(&key);
    buf_free(&tmp);
}

/* A field whose text changed from x to y, as "label: x → y". */
static void field_diff(const char *label, const char *x, const char *y, int *first, buf *out)
{
    if (strcmp(nz(x), nz(y)) == 0)
        return;
    if (!x || !*x)
        buf_printf(out, "%s%s set to %s", *first ? "" : "; ", label, y);
    else if (!y || !*y)
        buf_printf(out, "%s%s %s removed", *first ? "" : "; ", label, x);
    else
        buf_printf(out, "%s%s %s -> %s", *first ? "" : "; ", label, x, y);
    *first = 0;
}

int summary_change(char status, const char *id, const cJSON *before, const cJSON *after,
                   int public_only, buf *out)
{
    const cJSON *it;
    int first = 1;

    if (status == 'A') {
        buf_printf(out, "Added: %s (%s", json_str(after, "name") ? json_str(after, "name") : id,
                   nz(json_str(after, "purpose")));
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(after, "locations"))
        {
            buf_printf(out, "%s%s %s", first ? "; " : ", ", nz(json_str(it, "country")), nz(json_str(it, "use")));
            first = 0;
        }
        buf_puts(out, ")");
    } else if (status == 'D') {
        buf_printf(out, "Removed: %s", json_str(before, "name") ? json_str(before, "name") : id);
    } else {
        buf_printf(out, "Changed: %s: ", id);
        field_diff("name", json_str(before, "name"), json_str(after, "name"), &first, out);
        field_diff("status", json_str(before, "status"), json_str(after, "status"), &first, out);
        field_diff("purpose", json_str(before, "purpose"), json_str(after, "purpose"), &first, out);
        field_diff("effective", json_str(before, "effective"), json_str(after, "effective"), &first, out);
        field_diff("retired", json_str(before, "retired"), json_str(after, "retired"), &first, out);
        list_diff("locations", "location", before, after, &first, out);
        list_diff("transfers", "transfer", before, after, &first, out);
        list_diff("categories", "category", before, after, &first, out);
        if (!public_only) {
            const cJSON *da = cJSON_GetObjectItemCaseSensitive(before, "dpa");
            const cJSON *db = cJSON_GetObjectItemCaseSensitive(after, "dpa");
            field_diff("DPA signed", json_str(da, "signed"), json_str(db, "signed"), &first, out);
            field_diff("DPA expires", json_str(da, "expires"), json_str(db, "expires"), &first, out);
        }
        if (first)
            buf_puts(out, public_only ? "details updated" : "wording or internal fields updated");
    }
    return out->failed ? -1 : 0;
}
