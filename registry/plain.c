#include "plain.h"
#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* The text between the first two quotes after key in msg ("Element 'name'" -> name), into
 * out; 0, or -1 when absent. */
static int quoted(const char *msg, const char *key, char *out, size_t n)
{
    const char *p = strstr(msg, key), *q;
    size_t l;

    if (!p)
        return -1;
    p += strlen(key);
    q = strchr(p, '\'');
    if (!q)
        return -1;
    l = (size_t)(q - p);
    if (l >= n)
        l = n - 1;
    memcpy(out, p, l);
    out[l] = '\0';
    return 0;
}

/* The message's subject: attr="value" on <element>, or <element> "value" (value may be
 * NULL: then without it). */
static void subject(const char *msg, const char *value, buf *out)
{
    char el[128] = "", at[128] = "";

    quoted(msg, "Element '", el, sizeof(el));
    if (quoted(msg, "attribute '", at, sizeof(at)) == 0)
        buf_printf(out, "%s=\"%s\" on <%s>", at, value ? value : "...", el);
    else if (value)
        buf_printf(out, "<%s> \"%s\"", el[0] ? el : "?", value);
    else
        buf_printf(out, "<%s>", el[0] ? el : "?");
}

/* The set of an enumeration error ({'a', 'b'}) as "a, b", and whether value in lower case
 * is one of them (into lower). */
static void enum_set(const char *msg, const char *value, buf *out, char *lower, size_t n)
{
    const char *p = strchr(msg, '{'), *e = p ? strchr(p, '}') : NULL;
    size_t i;

    lower[0] = '\0';
    if (!p || !e)
        return;
    for (i = 0; value[i] && i + 1 < n; i++)
        lower[i] = (char)tolower((unsigned char)value[i]);
    lower[i] = '\0';
    for (p++; p < e; p++)
        if (*p != '\'')
            buf_add(out, p, 1);
    {
        char pat[140];
        snprintf(pat, sizeof(pat), "'%s'", lower);
        if (!strstr(msg, pat) || strcmp(lower, value) == 0)
            lower[0] = '\0';
    }
}

int plain_schema_error(const char *msg, buf *out)
{
    char value[128] = "", lower[128];
    const char *p;

    if (strstr(msg, "No matching global declaration available for the validation root"))
        return 1; /* the registry check says what the root must be */
    quoted(msg, "The value '", value, sizeof(value));
    if (strstr(msg, "[facet 'pattern']")) {
        if (strstr(msg, "[0-9]{4}-"))
            return 1; /* a date: the entry's reader says the day cannot be read, and how to write it */
        subject(msg, value, out);
        buf_puts(out, " is not in the form this value takes: docs/format.md says how to write it");
        return 0;
    }
    if (strstr(msg, "[facet 'enumeration']")) {
        buf set;
        buf_init(&set, 0);
        subject(msg, value, out);
        enum_set(msg, value, &set, lower, sizeof(lower));
        buf_printf(out, " is not one of: %s", buf_str(&set));
        if (lower[0])
            buf_printf(out, " (write it in lower case: \"%s\")", lower);
        buf_free(&set);
        return 0;
    }
    if (strstr(msg, "[facet 'minLength']")) {
        subject(msg, NULL, out);
        buf_puts(out, " is empty: write a value");
        return 0;
    }
    if (strstr(msg, "[facet 'maxLength']")) {
        char have[32] = "", max[32] = "";
        quoted(msg, "length of '", have, sizeof(have));
        quoted(msg, "maximum length of '", max, sizeof(max));
        subject(msg, NULL, out);
        buf_printf(out, " is %s characters long, more than the %s allowed: shorten it", have, max);
        return 0;
    }
    if (strstr(msg, "is required but missing")) {
        char at[128] = "", el[128] = "";
        quoted(msg, "The attribute '", at, sizeof(at));
        quoted(msg, "Element '", el, sizeof(el));
        buf_printf(out, "<%s> needs the attribute %s=\"...\": add it", el, at);
        return 0;
    }
    if (strstr(msg, "is not allowed")) {
        char at[128] = "", el[128] = "";
        quoted(msg, "The attribute '", at, sizeof(at));
        quoted(msg, "Element '", el, sizeof(el));
        buf_printf(out, "<%s> takes no attribute %s: remove it, or check its spelling (docs/format.md lists "
                        "what each element takes)", el, at);
        return 0;
    }
    if (strstr(msg, "This element is not expected") || strstr(msg, "Missing child element")) {
        char el[128] = "";
        const char *exp = strstr(msg, "Expected is");
        quoted(msg, "Element '", el, sizeof(el));
        if (strstr(msg, "Missing child element"))
            buf_printf(out, "<%s> lacks an element it needs", el);
        else
            buf_printf(out, "<%s> is not expected here (misspelt, misplaced or once too often)", el);
        if (exp) {
            const char *a = strchr(exp, '('), *b = a ? strchr(a, ')') : NULL;
            buf_puts(out, ": expected here ");
            for (p = a ? a + 1 : NULL; p && p < b; p++)
                if (*p != ' ' || (p > a + 1 && p[-1] != '(' && p[1] != ')'))
                    buf_add(out, p, 1);
            buf_puts(out, " (the order of docs/format.md)");
        }
        return 0;
    }
    if (strstr(msg, "is not a valid value of the atomic type")) {
        subject(msg, value, out);
        if (strstr(msg, "boolean"))
            buf_puts(out, ": write true or false");
        else if (strstr(msg, "nteger"))
            buf_puts(out, ": write a whole number");
        else
            buf_puts(out, " is not a valid value here: docs/format.md says how to write it");
        return 0;
    }
    if (strstr(msg, "Character content other than whitespace is not allowed")) {
        subject(msg, NULL, out);
        buf_puts(out, " holds text but takes only elements: move the text into the right element");
        return 0;
    }
    /* anything else: libxml2's words, without the pattern it may quote */
    p = strstr(msg, "[facet");
    if (p) {
        const char *q = strchr(p, ']');
        buf_add(out, msg, (size_t)(p - msg));
        buf_puts(out, q ? q + 1 : "");
    } else {
        buf_puts(out, msg);
    }
    return 0;
}

void plain_parse_error(const char *msg, buf *out)
{
    const char *p;

    if (strstr(msg, "xmlParseEntityRef: no name") || strstr(msg, "EntityRef: expecting ';'"))
        buf_puts(out, "an & that starts no entity: write &amp; for the character & (\"A &amp; B\")");
    else if (strstr(msg, "StartTag: invalid element name") || strstr(msg, "xmlParseStartTag: invalid element name"))
        buf_puts(out, "a < that starts no element: write &lt; for the character <");
    else if (strstr(msg, "Opening and ending tag mismatch")) {
        char a[128] = "", b[128] = "";
        const char *m = strstr(msg, "mismatch: ");
        if (m && sscanf(m, "mismatch: %127s line %*d and %127s", a, b) == 2)
            buf_printf(out, "<%s> is closed by </%s>: the opening and closing tags must have the same name", a, b);
        else
            buf_puts(out, "an element is closed by a tag of another name: make them match");
    } else if (strstr(msg, "Premature end of data") || strstr(msg, "EndTag: '</' not found"))
        buf_puts(out, "the file ends before every element is closed: close them (</...>) in order");
    else if (strstr(msg, "Document is empty") || strstr(msg, "Start tag expected"))
        buf_puts(out, "the file holds no XML element: it must start with <?xml ...?> and one root element");
    else if (strstr(msg, "Extra content at the end of the document"))
        buf_puts(out, "something follows the end of the root element: a file holds one root element");
    else if (strstr(msg, "Entity '") && strstr(msg, "not defined"))
        buf_puts(out, "an unknown entity: only &amp; &lt; &gt; &quot; &apos; and character references are known");
    else if (strstr(msg, "Input is not proper UTF-8") || strstr(msg, "Char 0x") || strstr(msg, "invalid character"))
        buf_puts(out, "a character that is not valid UTF-8 text: save the file as UTF-8");
    else if (strstr(msg, "AttValue: \" or ' expected") || strstr(msg, "attributes construct error"))
        buf_puts(out, "an attribute without quotes: write name=\"value\"");
    else if (strstr(msg, "Attribute") && strstr(msg, "redefined"))
        buf_puts(out, "an attribute given twice on one element: keep one");
    else {
        /* libxml2's words without its function name ("xmlParseXxx: ") */
        p = strstr(msg, ": ");
        buf_puts(out, strncmp(msg, "xml", 3) == 0 && p ? p + 2 : msg);
    }
}
