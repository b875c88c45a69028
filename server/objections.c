/* objections: a customer's objection from a notice's link, committed to its file in git. */
#include "objections.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "../registry/buf.h"
#include "../registry/customer.h"
#include "../registry/date.h"
#include "../registry/json.h"
#include "../registry/snapshot.h"
#include "../registry/writer.h"

size_t objection_prepare(server *s, long long subscriber, const void *items_json, objection_job *j)
{
    const cJSON *it;
    const customer *cu;
    snapshot *sn = srv_current(s);

    j->n = 0;
    if (!sn)
        return 0;
    cu = customers_of_subscriber(sn->reg->customers, subscriber);
    if (cu) {
        snprintf(j->customer, sizeof(j->customer), "%s", cu->id);
        j->subscriber = subscriber;
        cJSON_ArrayForEach(it, (const cJSON *)items_json) {
            const char *id = json_str(it, "id"), *eff = json_str(it, "effective"), *what = json_str(it, "change");
            const entry *e = id ? registry_find(sn->reg, id, NULL) : NULL;
            int day = DATE_NONE;
            if (!e || (what && strcmp(what, "removed") == 0) || !customer_served_by(e, cu->id) ||
                j->n >= OBJECTION_MAX_ITEMS)
                continue;
            if (eff)
                date_parse(eff, &day);
            snprintf(j->items[j->n].entry, sizeof(j->items[j->n].entry), "%s", id);
            j->items[j->n].change = day;
            j->n++;
        }
    }
    snapshot_unref(sn);
    return j->n;
}

/* 1 when c already has an open objection to entry's change of day. */
static int already_open(const customer *c, const char *id, int day)
{
    size_t i;

    for (i = 0; c && i < c->nobjections; i++)
        if (c->objections[i].status == OBJ_OPEN && c->objections[i].entry &&
            strcmp(c->objections[i].entry, id) == 0 && c->objections[i].change == day)
            return 1;
    return 0;
}

/* The customer's file text with j's new objections inserted before its root's end tag, into
 * out (written with the root's own prefix, so they are in its namespace). Returns how many
 * were added, or -1 when the text has no end tag of <customer> (out of memory: out->failed). */
static int with_objections(const objection_job *j, const customer *c, const char *text, size_t len,
                           buf *out)
{
    const char *end = NULL, *p;
    char prefix[64] = "", made[11], ch[11], reason[sizeof(j->reason)];
    size_t i;
    int added = 0;

    /* the last end tag of the document is the root's: "</customer>" or "</p:customer>" */
    for (p = text; (p = strstr(p, "</")) != NULL && (size_t)(p - text) < len; p++)
        end = p;
    if (!end)
        return -1;
    p = end + 2;
    if (strncmp(p, "customer", 8) != 0) {
        const char *colon = strchr(p, ':');
        if (!colon || colon - p >= (long)sizeof(prefix) - 1 || strncmp(colon + 1, "customer", 8) != 0)
            return -1;
        snprintf(prefix, sizeof(prefix), "%.*s:", (int)(colon - p), p);
    }
    /* XML 1.0 has no place for control characters but tab and line ends: a comment keeps
     * its words, its terminal escapes become spaces */
    {
        const char *from = j->reason;
        size_t k;
        while (*from == ' ' || *from == '\t' || *from == '\n' || *from == '\r')
            from++;
        snprintf(reason, sizeof(reason), "%s", from);
        for (i = 0; reason[i]; i++)
            if ((unsigned char)reason[i] < 0x20 && reason[i] != '\t' && reason[i] != '\n' && reason[i] != '\r')
                reason[i] = ' ';
        /* trimmed, as `subreg fmt` keeps a text: the file stays in the canonical layout */
        for (k = strlen(reason); k > 0 && (reason[k - 1] == ' ' || reason[k - 1] == '\t' ||
                                           reason[k - 1] == '\n' || reason[k - 1] == '\r'); k--)
            reason[k - 1] = '\0';
    }
    buf_add(out, text, (size_t)(end - text));
    date_format(date_today(), made);
    for (i = 0; i < j->n; i++) {
        if (already_open(c, j->items[i].entry, j->items[i].change))
            continue;
        buf_printf(out, "  <%sobjection entry=\"%s\"", prefix, j->items[i].entry);
        if (j->items[i].change != DATE_NONE)
            buf_printf(out, " change=\"%s\"", date_format(j->items[i].change, ch));
        buf_printf(out, " made=\"%s\" via=\"email\"", made);
        if (j->subscriber > 0)
            buf_printf(out, " subscriber=\"%lld\"", j->subscriber);
        buf_printf(out, " status=\"open\">");
        buf_xml_escape(out, reason);
        buf_printf(out, "</%sobjection>\n", prefix);
        added++;
    }
    buf_add(out, end, len - (size_t)(end - text));
    return added;
}

void objection_commit(void *arg)
{
    objection_job *j = arg;
    server *s = j->s;
    writer_result res;
    diag_list d = {0};
    sr_err err = {{0}};
    store_author who = {"subreg objections", "objections@subreg.invalid", 0};
    char path[128], msg[400];
    buf text;
    int rc;

    buf_init(&text, 0);
    j->rc = -1;
    snprintf(path, sizeof(path), "customers/%s.xml", j->customer);
    snprintf(msg, sizeof(msg), "Objection of customer %s to %s%s, made through the notice's link\n",
             j->customer, j->items[0].entry, j->n > 1 ? " and other changes" : "");
    if (writer_begin_at(s->writer, "customers", j->customer, &res, &err) != 0) {
        snprintf(j->why, sizeof(j->why), "%.290s", err.msg);
        goto out_free;
    }
    do {
        store_snap *snap = NULL;
        char *data = NULL;
        size_t len = 0;
        customer *c = NULL;
        guard_change ch = {0};
        int added;

        text.len = 0;
        if (store_snap_open(writer_store(s->writer), res.parent, &snap, &err) != 0 ||
            store_snap_read(snap, path, &data, &len, NULL, &err) != 0) {
            snprintf(j->why, sizeof(j->why), "%.100s: %.190s", path, err.msg);
            store_snap_free(snap);
            goto out;
        }
        store_snap_free(snap);
        rc = customer_parse(s->xs, data, len, path, &c, &d, &err);
        diag_list_truncate(&d, 0);
        added = rc == 0 ? with_objections(j, c, data, len, &text) : -1;
        customer_free(c);
        free(data);
        if (added < 0 || text.failed) {
            snprintf(j->why, sizeof(j->why), "%s: %s", path, rc != 0 || text.failed ? "out of memory" : "no </customer> end tag");
            goto out;
        }
        if (added == 0) { /* every one is open there already */
            j->rc = 0;
            goto out;
        }
        ch.id = j->customer;
        ch.customer = 1;
        ch.data = text.p;
        ch.len = text.len;
        ch.who = &who;
        ch.message = msg;
        ch.day = date_today();
        if (writer_commit(s->writer, &ch, NULL, &res, &d, &err) != 0) {
            snprintf(j->why, sizeof(j->why), "%.290s", err.msg);
            goto out;
        }
    } while (res.outcome == WRITE_MOVED);
    if (res.outcome == WRITE_DONE || res.outcome == WRITE_UNCHANGED) {
        j->rc = 0;
        j->committed = res.outcome == WRITE_DONE;
        snprintf(j->commit, sizeof(j->commit), "%s", res.commit);
        if (j->committed && srv_refresh_with(s, writer_store(s->writer), NULL, &err) != 0)
            srv_log(s, "after committing the objection of %s (%.12s): cannot refresh: %s", j->customer, res.commit, err.msg);
    } else if (res.outcome == WRITE_BLOCKED) {
        snprintf(j->why, sizeof(j->why), "%.100s breaks the format: %.170s", path, d.n ? d.v[0].message : "?");
    } else {
        snprintf(j->why, sizeof(j->why), "%.290s", res.why[0] ? res.why : "the registry could not be written");
    }
out:
    writer_end(s->writer);
out_free:
    buf_free(&text);
    diag_list_free(&d);
}
