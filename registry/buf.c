#include "buf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

static int grow(buf *b, size_t need)
{
    size_t cap;
    char *p;

    if (b->max && need > b->max)
        goto fail;
    if (need + 1 <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < need + 1) {
        if (cap > ((size_t)-1) / 2)
            goto fail;
        cap *= 2;
    }
    p = realloc(b->p, cap);
    if (!p)
        goto fail;
    b->p = p;
    b->cap = cap;
    return 0;
fail:
    b->failed = 1;
    return -1;
}

int buf_add(buf *b, const void *data, size_t n)
{
    if (b->failed || grow(b, b->len + n) != 0)
        return -1;
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

int buf_puts(buf *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

int buf_vprintf(buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    int n;

    if (b->failed)
        return -1;
    va_copy(cp, ap);
    n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, cp);
    va_end(cp);
    if (n < 0) {
        b->failed = 1;
        return -1;
    }
    if (!b->p || (size_t)n >= b->cap - b->len) {
        if (grow(b, b->len + (size_t)n) != 0)
            return -1;
        vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    }
    b->len += (size_t)n;
    return 0;
}

int buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int buf_xml_escape(buf *b, const char *s)
{
    const char *run = s;
    int rc = 0;

    for (; *s && rc == 0; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break; /* XML and HTML alike; older Outlook shows &apos; as is */
        default: break;
        }
        if (rep) {
            rc = buf_add(b, run, (size_t)(s - run));
            if (rc == 0)
                rc = buf_puts(b, rep);
            run = s + 1;
        }
    }
    if (rc == 0)
        rc = buf_add(b, run, (size_t)(s - run));
    return rc;
}

int buf_csv_field(buf *b, const char *s, int last)
{
    const char *p;
    int formula, quote;

    s = s ? s : "";
    formula = s[0] && strchr("=+-@\t\r", s[0]) != NULL; /* never a formula in a spreadsheet */
    quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        buf_add(b, "\"", 1);
    if (formula)
        buf_add(b, "'", 1);
    for (p = s; *p; p++) {
        if (*p == '"')
            buf_add(b, "\"", 1);
        buf_add(b, p, 1);
    }
    if (quote)
        buf_add(b, "\"", 1);
    return buf_puts(b, last ? "\r\n" : ",");
}

int buf_md_text(buf *b, const char *s)
{
    const char *p;

    for (p = s ? s : ""; *p; p++) {
        switch (*p) {
        case '|': buf_puts(b, "\\|"); break;
        case '\n': case '\r': buf_puts(b, " "); break;
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '&': buf_puts(b, "&amp;"); break;
        case '[': buf_puts(b, "\\["); break;
        case ']': buf_puts(b, "\\]"); break;
        case '`': buf_puts(b, "\\`"); break;
        default: buf_add(b, p, 1);
        }
    }
    return b->failed ? -1 : 0;
}

int buf_md_cell(buf *b, const char *s)
{
    buf_puts(b, " ");
    buf_md_text(b, s);
    return buf_puts(b, " |");
}

const char *buf_str(const buf *b)
{
    return b->p ? b->p : "";
}

char *buf_steal(buf *b)
{
    char *p = b->p;

    if (!p)
        p = calloc(1, 1);
    memset(b, 0, sizeof(*b));
    return p;
}

void buf_free(buf *b)
{
    size_t max = b->max;

    free(b->p);
    buf_init(b, max);
}

/* Length of the well-formed UTF-8 sequence at p, or 0. */
static size_t utf8_seq(const unsigned char *p)
{
    unsigned c = p[0];

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        return (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        unsigned lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        unsigned lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80 ? 4 : 0;
    }
    return 0;
}

size_t utf8_sanitize(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t bad = 0;

    while (p && *p) {
        size_t n = utf8_seq(p);
        if (n) {
            p += n;
        } else {
            *p++ = '?';
            bad++;
        }
    }
    return bad;
}
