/* feed: the Atom feed (RFC 4287) of a registry's public list, served at /v1/feed.atom. */
#include "feed.h"
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "date.h"
#include "entry.h"
#include "sha256.h"

int feed_render(const registry *reg, const char *base, const char *feed_id, const index_change *ch, size_t n,
                int today, buf *out)
{
    const char *owner, *url;
    char when[21], d[11];
    size_t i;
    buf line;

    owner = reg->settings.owner ? reg->settings.owner : "subreg";
    url = reg->settings.public_url;
    buf_init(&line, 0);
    buf_puts(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n  <title>");
    buf_xml_escape(out, owner);
    buf_puts(out, ": sub-processors</title>\n  <subtitle>Added, changed and removed sub-processors, and those announced ahead of their start.</subtitle>\n");
    buf_printf(out, "  <id>urn:subreg:feed:%.12s</id>\n", feed_id);
    date_format_time(n ? ch[0].time : (int64_t)time(NULL), when);
    buf_printf(out, "  <updated>%s</updated>\n  <link rel=\"self\" href=\"%s/v1/feed.atom\"/>\n"
                     "  <link rel=\"alternate\" type=\"text/html\" href=\"%s/\"/>\n", when, base, base);
    if (url) {
        buf_puts(out, "  <link rel=\"alternate\" href=\"");
        buf_xml_escape(out, url);
        buf_puts(out, "\"/>\n");
    }
    buf_puts(out, "  <author><name>");
    buf_xml_escape(out, owner);
    buf_puts(out, "</name></author>\n  <generator>subreg</generator>\n");
    for (i = 0; i < reg->n; i++) {
        const entry *e = reg->entries[i];
        if (e->status != STATUS_PLANNED || e->effective == DATE_NONE || e->effective < today)
            continue;
        buf_printf(out, "  <entry>\n    <id>urn:subreg:upcoming:%s:%s</id>\n"
                         "    <link rel=\"alternate\" type=\"text/html\" href=\"%s/subprocessors/%s\"/>\n    <title>",
                   e->id, date_format(e->effective, d), base, e->id);
        buf_puts(out, "Upcoming: ");
        buf_xml_escape(out, e->name ? e->name : e->id);
        buf_printf(out, " from %s</title>\n", d);
        buf_printf(out, "    <updated>%sT00:00:00Z</updated>\n", date_format(e->announced != DATE_NONE ? e->announced : today, d));
        buf_puts(out, "    <summary>");
        buf_xml_escape(out, e->purpose ? e->purpose : "");
        buf_printf(out, " (starts %s)</summary>\n  </entry>\n", date_format(e->effective, d));
    }
    for (i = 0; i < reg->n; i++) {
        const entry *e = reg->entries[i];
        entry_upcoming up[16];
        size_t k, nu;
        if (e->status == STATUS_RETIRED)
            continue;
        nu = entry_upcoming_changes(e, today, up, 16);
        for (k = 0; k < nu && k < 16; k++) {
            char whathash[65];
            /* an IRI has no spaces: the change is named by a digest of its words */
            sha256_hex(up[k].what, strlen(up[k].what), whathash);
            buf_printf(out, "  <entry>\n    <id>urn:subreg:upcoming-change:%s:%s:%.16s</id>\n"
                             "    <link rel=\"alternate\" type=\"text/html\" href=\"%s/subprocessors/%s\"/>\n"
                             "    <title>Upcoming change: ",
                       e->id, date_format(up[k].effective, d), whathash, base, e->id);
            buf_xml_escape(out, e->name ? e->name : e->id);
            buf_puts(out, " adds ");
            buf_xml_escape(out, up[k].what);
            buf_printf(out, " from %s</title>\n", date_format(up[k].effective, d));
            buf_printf(out, "    <updated>%sT00:00:00Z</updated>\n", date_format(up[k].announced != DATE_NONE ? up[k].announced : today, d));
            buf_puts(out, "    <summary>");
            buf_xml_escape(out, up[k].what);
            buf_printf(out, " (from %s)</summary>\n  </entry>\n", date_format(up[k].effective, d));
        }
    }
    for (i = 0; i < n && i < 50; i++) {
        line.len = 0;
        buf_puts(&line, index_change_summary(&ch[i], 1));
        date_format_time(ch[i].time, when);
        buf_printf(out, "  <entry>\n    <id>urn:subreg:change:%s:%s</id>\n"
                         "    <link rel=\"alternate\" type=\"text/html\" href=\"%s/subprocessors/%s\"/>\n    <title>",
                   ch[i].commit, ch[i].id, base, ch[i].id);
        buf_xml_escape(out, buf_str(&line));
        buf_printf(out, "</title>\n    <updated>%s</updated>\n    <summary>", when);
        buf_xml_escape(out, buf_str(&line));
        buf_puts(out, "</summary>\n  </entry>\n");
    }
    buf_puts(out, "</feed>\n");
    buf_free(&line);
    return out->failed ? -1 : 0;
}
