#include "diag.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sr_err_set(sr_err *err, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
}

int diag_add(diag_list *l, const char *file, int line, int col, severity sev,
             const char *rule, const char *entry, const char *fmt, ...)
{
    va_list ap;
    buf msg;
    diag *d;
    int rc = -1;

    buf_init(&msg, 0);
    va_start(ap, fmt);
    buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    if (msg.failed)
        goto out;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        diag *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            goto out;
        l->v = v;
        l->cap = cap;
    }
    d = &l->v[l->n];
    memset(d, 0, sizeof(*d));
    d->file = strdup(file ? file : "-");
    d->rule = strdup(rule ? rule : "registry");
    d->entry = entry ? strdup(entry) : NULL;
    d->message = buf_steal(&msg);
    d->line = line;
    d->col = col;
    d->sev = sev;
    if (!d->file || !d->rule || !d->message || (entry && !d->entry)) {
        free(d->file);
        free(d->rule);
        free(d->entry);
        free(d->message);
        goto out;
    }
    l->n++;
    rc = 0;
out:
    buf_free(&msg);
    return rc;
}

int diag_move(diag_list *dst, diag_list *src)
{
    size_t i;

    if (dst->cap - dst->n < src->n) {
        size_t cap = dst->n + src->n + 8;
        diag *v = realloc(dst->v, cap * sizeof(*v));
        if (!v)
            return -1;
        dst->v = v;
        dst->cap = cap;
    }
    for (i = 0; i < src->n; i++)
        dst->v[dst->n++] = src->v[i];
    src->n = 0;
    return 0;
}

const char *diag_severity_name(severity s)
{
    return s == SEV_ERROR ? "error" : "warning";
}

size_t diag_count(const diag_list *l, severity sev, int waived)
{
    size_t i, n = 0;

    for (i = 0; i < l->n; i++)
        if (l->v[i].sev == sev && (waived < 0 || l->v[i].waived == waived))
            n++;
    return n;
}

static int cmp_diag(const void *a, const void *b)
{
    const diag *x = a, *y = b;
    int c = strcmp(x->file, y->file);

    if (c)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    c = strcmp(x->rule, y->rule);
    if (c)
        return c;
    return strcmp(x->message, y->message);
}

void diag_sort(diag_list *l)
{
    if (l->n > 1)
        qsort(l->v, l->n, sizeof(*l->v), cmp_diag);
}

int diag_format(const diag *d, buf *out)
{
    /* Column 1 when only the line is known (libxml2's schema errors carry no column). */
    return buf_printf(out, "%s:%d:%d: %s[%s]: %s", d->file, d->line, d->col > 0 ? d->col : 1,
                      diag_severity_name(d->sev), d->rule, d->message);
}

void diag_list_truncate(diag_list *l, size_t n)
{
    size_t i;

    for (i = n; i < l->n; i++) {
        free(l->v[i].file);
        free(l->v[i].rule);
        free(l->v[i].entry);
        free(l->v[i].message);
        free(l->v[i].waiver);
    }
    if (n < l->n)
        l->n = n;
}

void diag_list_free(diag_list *l)
{
    diag_list_truncate(l, 0);
    free(l->v);
    memset(l, 0, sizeof(*l));
}
