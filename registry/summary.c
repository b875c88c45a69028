#include "summary.h"
#include <string.h>

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

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
        buf_printf(b, "%s %s", nz(str(it, "country")), nz(str(it, "use")));
    else if (strcmp(list, "transfers") == 0)
        buf_printf(b, "%s %s%s%s%s%s", nz(str(it, "country")), nz(str(it, "mechanism")),
                   str(it, "clauses") ? " " : "", nz(str(it, "clauses")),
                   str(it, "module") ? " module " : "", nz(str(it, "module")));
    else if (cJSON_IsString(it))
        buf_puts(b, it->valuestring);
}

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
        buf_printf(out, "Added: %s (%s", str(after, "name") ? str(after, "name") : id,
                   nz(str(after, "purpose")));
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(after, "locations"))
        {
            buf_printf(out, "%s%s %s", first ? "; " : ", ", nz(str(it, "country")), nz(str(it, "use")));
            first = 0;
        }
        buf_puts(out, ")");
    } else if (status == 'D') {
        buf_printf(out, "Removed: %s", str(before, "name") ? str(before, "name") : id);
    } else {
        buf_printf(out, "Changed: %s: ", id);
        field_diff("name", str(before, "name"), str(after, "name"), &first, out);
        field_diff("status", str(before, "status"), str(after, "status"), &first, out);
        field_diff("purpose", str(before, "purpose"), str(after, "purpose"), &first, out);
        field_diff("effective", str(before, "effective"), str(after, "effective"), &first, out);
        field_diff("retired", str(before, "retired"), str(after, "retired"), &first, out);
        list_diff("locations", "location", before, after, &first, out);
        list_diff("transfers", "transfer", before, after, &first, out);
        list_diff("categories", "category", before, after, &first, out);
        if (!public_only) {
            const cJSON *da = cJSON_GetObjectItemCaseSensitive(before, "dpa");
            const cJSON *db = cJSON_GetObjectItemCaseSensitive(after, "dpa");
            field_diff("DPA signed", str(da, "signed"), str(db, "signed"), &first, out);
            field_diff("DPA expires", str(da, "expires"), str(db, "expires"), &first, out);
        }
        if (first)
            buf_puts(out, public_only ? "details updated" : "wording or internal fields updated");
    }
    return out->failed ? -1 : 0;
}
