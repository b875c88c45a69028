/* buf: a growable byte buffer, always NUL-terminated, with an optional size cap.
 * Used for building output text and collecting request bodies. */
#ifndef SUBREG_BUF_H
#define SUBREG_BUF_H
#include <stddef.h>
#include <stdarg.h>

typedef struct buf {
    char *p;      /* NULL until the first append; then always NUL-terminated */
    size_t len;   /* bytes used, not counting the NUL */
    size_t cap;   /* bytes allocated */
    size_t max;   /* 0 = no cap; else appends that would pass it fail */
    int failed;   /* set once an append failed (out of memory or over max) */
} buf;

/* Initialise an empty buffer; max = 0 for no cap. Never fails. */
void buf_init(buf *b, size_t max);
/* Append n bytes. Returns 0, or -1 (and sets b->failed) on allocation failure or cap. */
int buf_add(buf *b, const void *data, size_t n);
/* Append a NUL-terminated string. Same return as buf_add. */
int buf_puts(buf *b, const char *s);
/* Append printf-formatted text. Same return as buf_add. */
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(buf *b, const char *fmt, va_list ap);
/* Append s with XML special characters escaped (& < > " '). */
int buf_xml_escape(buf *b, const char *s);
/* Append s (NULL: "") as one CSV field (RFC 4180 quoting), then "," or, when last, CRLF.
 * A field that a spreadsheet would run as a formula (starting with = + - @, a tab or a CR)
 * gets a leading apostrophe. Same return as buf_add. */
int buf_csv_field(buf *b, const char *s, int last);
/* Append " s |": s as the text of one Markdown table cell, inert: '|' escaped, line breaks
 * as spaces, HTML (< > &) as entities, link and code syntax ([ ] `) escaped, so that entry
 * text never becomes markup, a link or a script (GFM autolinks need < > or a plain
 * http(s)/www address, which stays text). Same return as buf_add. */
int buf_md_cell(buf *b, const char *s);
/* Append s (NULL: "") as inert Markdown text, escaped as buf_md_cell does. Same return. */
int buf_md_text(buf *b, const char *s);
/* The contents as a string ("" when empty); owned by the buffer. */
const char *buf_str(const buf *b);
/* Hand the allocation to the caller (free() it); the buffer is reset. Never NULL: returns
 * a fresh empty string for an empty buffer, NULL only when out of memory. */
char *buf_steal(buf *b);
/* Replace, in place, every byte of s that is not part of well-formed UTF-8 (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF) by '?', so that the text can go
 * into JSON or XML. Returns the number of bytes replaced. */
size_t utf8_sanitize(char *s);
/* Release the memory; the buffer is reset and reusable. */
void buf_free(buf *b);
#endif
