#include "notify.h"
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "../registry/customer_view.h"
#include "../registry/date.h"
#include "../registry/entry.h"
#include "../registry/rules.h"
#include "../registry/summary.h"
#include "message.h"
#include <stdarg.h>
#include "../registry/sha256.h"
#include "../registry/ticker.h"
#include "../registry/json.h"

/* The rate limits' table: exact keys (an address of 254 bytes and more is still itself),
 * open addressing; a slot is reused only once its window has ended, never while it counts. */
#define RATE_SLOTS 65536
#define RATE_PROBE 64
#define BATCH 16
/* Subscription requests wait in memory for the notices thread: at most this many at once. */
#define SUB_QUEUE 4096
/* At most this many subscriptions wait for their confirmation at once. */
#define MAX_UNCONFIRMED 10000

/* A subscription request as the public made it, not yet looked at (see notify_request). */
typedef struct sub_req {
    char email[256];        /* checked by the caller: at most 254 bytes */
    char lang[8];
} sub_req;

typedef struct rate_slot {
    char *key;              /* malloc'd, NULL when the slot was never used */
    int64_t start;
    int count, window;
} rate_slot;

struct notifier {
    snapshot_source src;   /* the served revisions and the log */
    notify_cfg cfg;
    noticedb *db;          /* the thread's */
    noticedb *api_db;      /* the request threads', under api_mu */
    noticedb *hooks_db;    /* the webhooks thread's */
    ticker *hooks;         /* the webhooks thread */
    pthread_mutex_t api_mu, rate_mu, sub_mu;
    ticker *tick;          /* the notices thread */
    rate_slot *rate;       /* RATE_SLOTS, under rate_mu */
    sub_req *subq;         /* SUB_QUEUE requests waiting for the thread, under sub_mu */
    int subq_n;
    atomic_int unconfirmed; /* subscriptions waiting for confirmation, as the thread last counted */
    notify_stats stats;
    snapshot *seen;        /* the snapshot of the cursor's revision, kept for the next diff
                            * (rebuilding an old revision parses every entry again) */
    char domain[256];      /* of mail_from, for Message-IDs */
    char tag[9];           /* of this installation's key, for Message-IDs */
    int told_no_smtp;
    int64_t last_expiry;
    char settling[41];     /* the revision main is at, and since when (the debounce) */
    long settling_since;
};

/* One line in the server's log, through the source handed to notify_start. */
static void nlog(notifier *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void nlog(notifier *n, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    n->src.log(n->src.ctx, line);
}

void notify_token(const unsigned char key[32], char kind, int64_t a, int64_t b, const char *nonce,
                  char out[80])
{
    char msg[128], hex[65];
    unsigned char mac[32];
    int l = snprintf(msg, sizeof(msg), "%c:%" PRId64 ":%" PRId64 ":%s", kind, a, b, nonce);

    hmac_sha256(key, 32, msg, (size_t)l, NULL, 0, mac);
    sha256_to_hex(mac, 16, hex); /* 128 bits: enough against guessing, short in a link */
    snprintf(out, 80, "%c%" PRId64 "-%" PRId64 "-%s", kind, a, b, hex);
}

int notify_token_parse(const char *tok, char *kind, int64_t *a, int64_t *b)
{
    const char *p = tok + 1;
    char *end;
    size_t i;

    if (!strchr("cuov", tok[0]) || !tok[0] || p[0] < '0' || p[0] > '9')
        return -1;
    *kind = tok[0];
    *a = strtoll(p, &end, 10);
    if (*end != '-' || end[1] < '0' || end[1] > '9')
        return -1;
    *b = strtoll(end + 1, &end, 10);
    if (*end != '-' || strlen(end + 1) != 32 || *a <= 0 || *b < 0)
        return -1;
    for (i = 1; end[i]; i++)
        if (!((end[i] >= '0' && end[i] <= '9') || (end[i] >= 'a' && end[i] <= 'f')))
            return -1;
    return 0;
}

int notify_token_valid(const unsigned char key[32], const char *tok, char kind, int64_t a,
                       int64_t b, const char *nonce)
{
    char want[80];

    notify_token(key, kind, a, b, nonce, want);
    return sha256_equal(want, tok);
}

int notify_rate(notifier *n, const char *key, int limit, int window_s, int *retry_after)
{
    int64_t now = time(NULL);
    unsigned h = 2166136261u, k;
    const char *p;
    rate_slot *slot = NULL, *free_slot = NULL;
    int ok = 0;

    for (p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    *retry_after = window_s;
    pthread_mutex_lock(&n->rate_mu);
    for (k = 0; n->rate && k < RATE_PROBE; k++) {
        rate_slot *sl = &n->rate[(h + k) % RATE_SLOTS];
        if (sl->key && strcmp(sl->key, key) == 0) {
            slot = sl;
            break;
        }
        if (!free_slot && (!sl->key || now - sl->start >= sl->window))
            free_slot = sl; /* never used, or its window ended: nothing live is dropped */
    }
    if (!slot && free_slot) {
        char *copy = strdup(key);
        if (copy) {
            free(free_slot->key);
            free_slot->key = copy;
            free_slot->count = 0;
            free_slot->start = now;
            free_slot->window = window_s;
            slot = free_slot;
        }
    }
    if (slot) {
        if (now - slot->start >= window_s) {
            slot->start = now;
            slot->count = 0;
            slot->window = window_s;
        }
        ok = slot->count < limit;
        if (ok)
            slot->count++;
        *retry_after = (int)(slot->start + window_s - now);
    }
    /* no slot (every one near it counting a live window, or out of memory): refused, so a
     * flood of distinct keys cannot reset anyone's count */
    pthread_mutex_unlock(&n->rate_mu);
    return ok;
}

int notify_request(notifier *n, const char *email, const char *lang)
{
    int ok = 0;

    if (strlen(email) >= sizeof(n->subq->email) || strlen(lang) >= sizeof(n->subq->lang))
        return 0;
    pthread_mutex_lock(&n->sub_mu);
    if (n->subq_n < SUB_QUEUE && atomic_load(&n->unconfirmed) + n->subq_n < MAX_UNCONFIRMED) {
        sub_req *q = &n->subq[n->subq_n++];
        memcpy(q->email, email, strlen(email) + 1);
        memcpy(q->lang, lang, strlen(lang) + 1);
        ok = 1;
    }
    pthread_mutex_unlock(&n->sub_mu);
    if (ok)
        notify_wake(n);
    return ok;
}

/* Count the subscriptions that wait for confirmation, for notify_request's bound. */
static void count_unconfirmed(notifier *n)
{
    sr_err err = {{0}};
    int u = notice_unconfirmed(n->db, &err);

    if (u >= 0)
        atomic_store(&n->unconfirmed, u);
}

/* The notices thread takes the subscription requests that wait: an address nobody has, or
 * one still unconfirmed, gets a (new) confirmation; a confirmed one nothing. Then counts the
 * unconfirmed for notify_request's bound. */
static void take_requests(notifier *n)
{
    sub_req *batch;
    int count, i;
    sr_err err = {{0}};

    pthread_mutex_lock(&n->sub_mu);
    count = n->subq_n;
    batch = count ? malloc((size_t)count * sizeof(*batch)) : NULL;
    if (batch) {
        memcpy(batch, n->subq, (size_t)count * sizeof(*batch));
        n->subq_n = 0;
    }
    pthread_mutex_unlock(&n->sub_mu);
    if (count && !batch)
        return; /* out of memory: they wait for the next round */
    for (i = 0; i < count; i++) {
        notice_subscriber sub;
        int created, found = notice_find(n->db, 0, batch[i].email, &sub, &err);
        if (found < 0 || (found == 0 && sub.confirmed))
            continue; /* a confirmed address gets nothing: nobody can change its settings */
        if (notice_subscribe(n->db, batch[i].email, batch[i].lang, NULL, "self", 0, &sub, &created, &err) != 0 ||
            notice_queue_confirmation(n->db, sub.id, &err) != 0)
            nlog(n, "notices: a subscription request was lost: %s", err.msg);
    }
    free(batch);
    if (count)
        count_unconfirmed(n);
}

noticedb *notify_db_lock(notifier *n)
{
    pthread_mutex_lock(&n->api_mu);
    return n->api_db;
}

void notify_db_unlock(notifier *n)
{
    pthread_mutex_unlock(&n->api_mu);
}

const notify_cfg *notify_config(const notifier *n)
{
    return &n->cfg;
}

notify_stats *notify_counters(notifier *n)
{
    return &n->stats;
}

void notify_wake(notifier *n)
{
    if (n && n->tick)
        ticker_wake(n->tick);
}

/* ---- change sets ---- */

static int public_entry(const entry *e)
{
    return e && e->status != STATUS_RETIRED;
}

/* The latest announced addition of e that takes effect after today, for "from when". */
static void upcoming_dates(const entry *e, int today, int *announced, int *effective)
{
    entry_upcoming up[32];
    size_t k, n = entry_upcoming_changes(e, today, up, 32);

    *announced = *effective = DATE_NONE;
    for (k = 0; k < n && k < 32; k++) {
        if (*effective == DATE_NONE || up[k].effective > *effective)
            *effective = up[k].effective;
        if (up[k].announced != DATE_NONE && (*announced == DATE_NONE || up[k].announced < *announced))
            *announced = up[k].announced;
    }
}

/* What an email needs to word a change in each subscriber's language (message.c): the
 * purpose in every language, and the places it adds (all of a new entry's; those a changed
 * entry did not have), each with its code, the reference data's name and its use. Returns 0,
 * -1 when out of memory. */
static int add_words(cJSON *o, char status, const entry *before, const entry *after)
{
    cJSON *places, *purposes;
    size_t i, k;

    if (!after)
        return 0;
    json_add_str(o, "purpose", after->purpose);
    if (!(purposes = cJSON_AddObjectToObject(o, "purposes")) || !(places = cJSON_AddArrayToObject(o, "places")))
        return -1;
    for (i = 0; i < after->npurposes; i++)
        json_add_str(purposes, after->purposes[i].lang, after->purposes[i].text);
    for (i = 0; i < after->nlocations; i++) {
        const entry_location *l = &after->locations[i];
        cJSON *p;
        int had = 0;
        for (k = 0; status == 'M' && before && k < before->nlocations && !had; k++)
            had = strcmp(before->locations[k].country.cc, l->country.cc) == 0 && before->locations[k].use == l->use;
        if (had || !l->country.cc[0])
            continue;
        if (!(p = cJSON_CreateObject()))
            return -1;
        json_add_str(p, "cc", l->country.cc);
        json_add_str(p, "use", entry_use_name(l->use));
        cJSON_AddItemToArray(places, p);
    }
    return 0;
}

/* Append one change (status 'A', 'M', 'D') of an entry to items. */
static int add_item(cJSON *items, char status, const entry *before, const entry *after, int announced,
                    int effective)
{
    const entry *e = after ? after : before;
    cJSON *o = cJSON_CreateObject(), *b = NULL, *a = NULL;
    buf line;
    int rc = -1;

    buf_init(&line, 0);
    if (!o)
        goto out;
    if (before)
        b = cJSON_Parse(before->json[VIEW_INTERNAL]);
    if (after)
        a = cJSON_Parse(after->json[VIEW_INTERNAL]);
    if (summary_change(status, e->id, b, a, 1, &line) != 0)
        goto out;
    cJSON_AddStringToObject(o, "id", e->id);
    cJSON_AddStringToObject(o, "name", e->name ? e->name : e->id);
    cJSON_AddStringToObject(o, "change", status == 'A' ? "added" : status == 'D' ? "removed" : "changed");
    cJSON_AddStringToObject(o, "summary", buf_str(&line));
    if (add_words(o, status, before, after) != 0)
        goto out;
    json_add_date(o, "announced", announced, 1);
    json_add_date(o, "effective", effective, 1);
    cJSON_AddItemToArray(items, o);
    o = NULL;
    rc = 0;
out:
    cJSON_Delete(o);
    cJSON_Delete(a);
    cJSON_Delete(b);
    buf_free(&line);
    return rc;
}

/* A rules_material_changes callback that counts the changes into *(int *)ctx. */
static void count_change(void *ctx, const entry *neu, int line, int effective, const char *what)
{
    (void)neu, (void)line, (void)effective, (void)what;
    ++*(int *)ctx;
}

/* 1 when was -> now is a material change (rules_material_changes: what change-notice sees),
 * whether or not the public view shows it (a flow added, the entity replaced). */
static int material(const registry *cur, const entry *was, const entry *now, int today)
{
    int n = 0;

    rules_material_changes(cur, was, now, today, count_change, &n);
    return n > 0;
}

/* The changes customers can see from old to cur, into items; the earliest announced and
 * effective days of the additions and changes (what customers may object to; removals
 * never shorten it) into *ann, *eff (DATE_NONE when none). */
static int diff_snapshots(const registry *old, const registry *cur, int today, cJSON *items,
                          int *ann, int *eff)
{
    size_t i;
    int a, e;

    *ann = *eff = DATE_NONE;
#define SEEN(x, y)                                                    \
    do {                                                              \
        if ((x) != DATE_NONE && (*ann == DATE_NONE || (x) < *ann))    \
            *ann = (x);                                               \
        if ((y) != DATE_NONE && (*eff == DATE_NONE || (y) < *eff))    \
            *eff = (y);                                               \
    } while (0)
    for (i = 0; i < cur->n; i++) {
        const entry *now = cur->entries[i], *was = registry_find(old, now->id, NULL);
        if (public_entry(now) && !public_entry(was)) {
            a = now->announced, e = now->effective;
            if (add_item(items, 'A', NULL, now, a, e) != 0)
                return -1;
            SEEN(a, e);
        } else if (!public_entry(now) && public_entry(was)) {
            /* a removal owes no notice and is not objected to: its day never shortens the
             * objection period of an addition in the same change set */
            e = now->retired;
            if (add_item(items, 'D', was, NULL, DATE_NONE, e) != 0)
                return -1;
        } else if (public_entry(now) && (!now->json[VIEW_PUBLIC] || !was->json[VIEW_PUBLIC] ||
                                         strcmp(now->json[VIEW_PUBLIC], was->json[VIEW_PUBLIC]) != 0 ||
                                         material(cur, was, now, today))) {
            upcoming_dates(now, today, &a, &e);
            if (add_item(items, 'M', was, now, a, e) != 0)
                return -1;
            SEEN(a, e);
        }
    }
    for (i = 0; i < old->n; i++) {
        const entry *was = old->entries[i];
        if (public_entry(was) && !registry_find(cur, was->id, NULL)) {
            if (add_item(items, 'D', was, NULL, DATE_NONE, DATE_NONE) != 0)
                return -1;
        }
    }
#undef SEEN
    return 0;
}

/* cur becomes the last snapshot seen (the base of the next change set); the previous one is
 * let go. */
static void keep_seen(notifier *n, snapshot *cur)
{
    snapshot_unref(n->seen);
    n->seen = snapshot_ref(cur);
}

/* Record what changed since the cursor, if the served revision moved. */
static void detect(notifier *n)
{
    char cursor[41], a[11], e[11];
    snapshot *cur = n->src.current(n->src.ctx), *old = NULL;
    cJSON *items = NULL;
    char *txt = NULL;
    sr_err err = {{0}};
    int ann, eff;
    int64_t cs;
    size_t queued;

    if (!cur || notice_cursor(n->db, cursor, &err) != 0)
        goto out;
    if (strcmp(cursor, cur->rev) == 0)
        goto out;
    /* the debounce: seal a change set once main has stayed at one revision for a while, so
     * that fifty writes in five seconds make one notice, and an entry added and removed
     * again within the burst none */
    if (strcmp(n->settling, cur->rev) != 0) {
        snprintf(n->settling, sizeof(n->settling), "%s", cur->rev);
        n->settling_since = date_mono_ms();
    }
    if (date_mono_ms() - n->settling_since < n->cfg.debounce_ms)
        goto out;
    if (!cursor[0]) { /* first_cursor found no snapshot then */
        notice_set_cursor(n->db, cur->rev, &err);
        goto out;
    }
    old = n->seen && strcmp(n->seen->rev, cursor) == 0 ? snapshot_ref(n->seen) : n->src.at(n->src.ctx, cursor, &err);
    if (!old) {
        nlog(n, "notices: revision %.12s (the last one examined) is gone: %s; notices start again from %.12s",
                cursor, err.msg, cur->rev);
        notice_set_cursor(n->db, cur->rev, &err);
        goto out;
    }
    items = cJSON_CreateArray();
    if (!items || diff_snapshots(old->reg, cur->reg, date_today(), items, &ann, &eff) != 0) {
        nlog(n, "notices: out of memory while comparing %.12s and %.12s", cursor, cur->rev);
        goto out;
    }
    if (cJSON_GetArraySize(items) == 0) {
        if (notice_set_cursor(n->db, cur->rev, &err) == 0)
            keep_seen(n, cur);
        goto out;
    }
    txt = cJSON_PrintUnformatted(items);
    if (!txt)
        goto out;
    if (notice_record(n->db, cursor, cur->rev, txt, ann == DATE_NONE ? NULL : date_format(ann, a),
                      eff == DATE_NONE ? NULL : date_format(eff, e), &cs, &queued, &err) != 0) {
        nlog(n, "notices: cannot record the change set %.12s..%.12s: %s", cursor, cur->rev, err.msg);
        goto out;
    }
    keep_seen(n, cur);
    atomic_fetch_add(&n->stats.changesets, 1);
    nlog(n, "notices: change set %" PRId64 " (%.12s..%.12s, %d changes): %zu deliveries queued", cs, cursor,
            cur->rev, cJSON_GetArraySize(items), queued);
out:
    if (err.msg[0] && !old && !items)
        nlog(n, "notices: %s", err.msg);
    cJSON_free(txt);
    cJSON_Delete(items);
    snapshot_unref(old);
    snapshot_unref(cur);
}

/* ---- delivery ---- */

static void url_of(const notifier *n, char *out, size_t sz, const char *path, const char *tok)
{
    snprintf(out, sz, "%s%s%s", n->cfg.public_url, path, tok ? tok : "");
}

int notify_object_until(const registry *r, const cJSON *cs, int64_t subscriber)
{
    const char *eff = json_str(cs, "effective");
    const char *ann = json_str(cs, "announced") ? json_str(cs, "announced") : json_str(cs, "recorded");
    const customer *cu = r ? customers_of_subscriber(r->customers, subscriber) : NULL;
    int a = DATE_NONE, e = DATE_NONE;
    char day[11];

    if (ann && strlen(ann) >= 10) {
        snprintf(day, sizeof(day), "%.10s", ann);
        if (date_parse(day, &a) != 0)
            a = DATE_NONE;
    }
    if (eff && date_parse(eff, &e) != 0)
        e = DATE_NONE;
    if (cu)
        return customer_object_until(r, cu, a, e, date_today());
    if (e != DATE_NONE)
        return e;
    return a != DATE_NONE ? a + (r ? r->settings.notice_days : 30) : DATE_NONE;
}

/* Compose delivery d into msg (email) or body (webhook). Returns 0, -1 (why in resp). */
static int compose(notifier *n, noticedb *db, const notice_due *d, const cJSON *cs, buf *out, char *msgid, size_t mn,
                   char *resp, size_t rn)
{
    snapshot *sn = n->src.current(n->src.ctx);
    const unsigned char *key = notice_key(db);
    char page[600], action[700], unsub[700], view[700], tok[80], until[11];
    message_ctx m;
    int rc = -1;

    memset(&m, 0, sizeof(m));
    m.owner = sn && sn->reg->settings.owner ? sn->reg->settings.owner : "subreg";
    url_of(n, page, sizeof(page), "/", NULL);
    if (d->kind != DELIVER_WEBHOOK && strcmp(d->lang, "en") != 0)
        url_of(n, page, sizeof(page), "/?lang=", d->lang); /* the page in the subscriber's language */
    if (d->kind == DELIVER_WEBHOOK) {
        rc = message_webhook(m.owner, d->idem, page, cs, out);
        goto out;
    }
    snprintf(msgid, mn, "%s.%s@%s", d->idem, n->tag, n->domain);
    m.from = n->cfg.mail_from;
    m.to = d->recipient;
    m.lang = d->lang;
    m.message_id = msgid;
    m.date = time(NULL);
    m.page_url = page;
    notify_token(key, 'u', d->subscriber, 0, d->nonce, tok);
    url_of(n, unsub, sizeof(unsub), "/unsubscribe/", tok);
    m.unsubscribe_url = unsub;
    if (d->kind == DELIVER_CONFIRM) {
        notify_token(key, 'c', d->subscriber, 0, d->nonce, tok);
        url_of(n, action, sizeof(action), "/subscriptions/confirm/", tok);
        m.action_url = action;
        rc = message_confirmation(&m, out);
    } else {
        notify_token(key, 'o', d->subscriber, d->changeset, d->nonce, tok);
        url_of(n, action, sizeof(action), "/objections/", tok);
        m.action_url = action;
        if (sn && customers_of_subscriber(sn->reg->customers, d->subscriber)) {
            notify_token(key, 'v', d->subscriber, 0, d->nonce, tok); /* the customer's view */
            url_of(n, view, sizeof(view), "/customer/", tok);
            m.customer_url = view;
        }
        date_format(notify_object_until(sn ? sn->reg : NULL, cs, d->subscriber), until);
        m.object_until = until;
        rc = message_changes(&m, cs, out);
    }
out:
    if (rc != 0)
        snprintf(resp, rn, "out of memory while composing the message");
    snapshot_unref(sn);
    return rc;
}

/* When delivery d is tried next after a failure at now: the retry base doubled per attempt,
 * at most NOTIFY_MAX_DELAY_S; 0 when it has waited NOTIFY_GIVE_UP_S since queued (given up). */
static int64_t next_attempt(const notifier *n, const notice_due *d, int64_t now)
{
    int64_t delay = n->cfg.retry_base;
    int i;

    for (i = 0; i < d->attempts && delay < NOTIFY_MAX_DELAY_S; i++)
        delay *= 2;
    if (delay > NOTIFY_MAX_DELAY_S)
        delay = NOTIFY_MAX_DELAY_S;
    return now - d->queued >= NOTIFY_GIVE_UP_S ? 0 : now + delay;
}

/* Compose and send delivery d (an email or a webhook), then record the attempt: delivered, or
 * the next attempt, or given up. */
static void deliver_one(notifier *n, noticedb *db, const notice_due *d)
{
    cJSON *cs = NULL;
    buf out;
    char resp[512] = "", msgid[400] = "", sig[200], delivery[160];
    sr_err err = {{0}};
    int64_t now = time(NULL), next;
    int ok = 0;

    buf_init(&out, 0);
    if (d->kind != DELIVER_CONFIRM && !(cs = notice_changeset(db, d->changeset, &err))) {
        snprintf(resp, sizeof(resp), "change set %" PRId64 " unreadable: %.400s", d->changeset, err.msg);
    } else if (compose(n, db, d, cs, &out, msgid, sizeof(msgid), resp, sizeof(resp)) == 0) {
        if (d->kind == DELIVER_WEBHOOK) {
            unsigned char mac[32];
            char hex[65], ts[24];
            const char *hs[4];
            int tl = snprintf(ts, sizeof(ts), "%" PRId64 ".", now);
            hmac_sha256(d->secret, strlen(d->secret), ts, (size_t)tl, out.p, out.len, mac);
            sha256_to_hex(mac, 32, hex);
            snprintf(sig, sizeof(sig), "X-Subreg-Signature: t=%" PRId64 ",v1=%s", now, hex);
            snprintf(delivery, sizeof(delivery), "X-Subreg-Delivery: %s", d->idem);
            hs[0] = sig, hs[1] = delivery, hs[2] = "X-Subreg-Event: subprocessors.changed", hs[3] = NULL;
            ok = deliver_http(&n->cfg.policy, d->recipient, hs, out.p, out.len, resp, sizeof(resp)) == 0;
            snprintf(msgid, sizeof(msgid), "%s", d->idem);
        } else {
            ok = deliver_smtp(&n->cfg.smtp, n->cfg.mail_from, d->recipient, out.p, out.len, resp, sizeof(resp)) == 0;
        }
    }
    next = ok ? 0 : next_attempt(n, d, now);
    if (notice_attempt(db, d->id, now, ok, resp, msgid[0] ? msgid : NULL, next, &err) != 0)
        nlog(n, "notices: delivery %" PRId64 " made but not recorded: %s", d->id, err.msg);
    if (ok) {
        atomic_fetch_add(&n->stats.sent, 1);
    } else {
        atomic_fetch_add(&n->stats.failed_attempts, 1);
        if (!next)
            atomic_fetch_add(&n->stats.given_up, 1);
    }
    nlog(n, "notices: delivery %" PRId64 " (%s, change set %" PRId64 ", attempt %d): %s: %s", d->id,
            d->kind == DELIVER_WEBHOOK ? "webhook" : d->kind == DELIVER_CONFIRM ? "confirmation" : "email",
            d->changeset, d->attempts + 1, ok ? "delivered" : next ? "will retry" : "given up", resp);
    cJSON_Delete(cs);
    buf_free(&out);
}

/* Deliver what is due of the kinds (bits 1 << notice_kind) through db, oldest first. */
static void deliver_due(notifier *n, noticedb *db, unsigned kinds, ticker *t)
{
    notice_due due[BATCH];
    sr_err err = {{0}};
    int k, got = notice_due_list(db, time(NULL), kinds, due, BATCH, &err);

    if (got < 0)
        nlog(n, "notices: %s", err.msg);
    for (k = 0; k < got && !ticker_stopping(t); k++)
        deliver_one(n, db, &due[k]);
}

/* The webhooks' own thread: a slow relay never holds a webhook, nor a slow receiver an email. */
static void hooks_step(void *arg, ticker *t)
{
    notifier *n = arg;

    deliver_due(n, n->hooks_db, 1u << DELIVER_WEBHOOK, t);
}

/* One round of the notices thread (every second, or when woken). */
static void step(void *arg, ticker *t)
{
    notifier *n = arg;

    take_requests(n);
    detect(n);
    if (n->cfg.smtp.url) {
        /* notices of changes first: a flood of confirmations never delays them */
        deliver_due(n, n->db, 1u << DELIVER_MAIL, t);
        deliver_due(n, n->db, 1u << DELIVER_CONFIRM, t);
    }
    if (time(NULL) - n->last_expiry >= 3600) { /* hourly: unconfirmed after a week go */
        sr_err err = {{0}};
        int gone = notice_expire_unconfirmed(n->db, time(NULL) - NOTIFY_UNCONFIRMED_S, &err);
        if (gone > 0)
            nlog(n, "notices: removed %d subscriptions never confirmed", gone);
        count_unconfirmed(n);
        n->last_expiry = time(NULL);
    }
    if (!n->cfg.smtp.url && !n->told_no_smtp) {
        sr_err err = {{0}};
        if (notice_pending(n->db, &err) > 0) {
            nlog(n, "notices: emails are waiting in the outbox: start serve with --smtp to send them");
            n->told_no_smtp = 1;
        }
    }
}

/* On the very first start, what is already there was published before notices existed:
 * the cursor starts at the served revision, before any request can move main. */
static int first_cursor(notifier *n, sr_err *err)
{
    char cursor[41];
    snapshot *cur;
    int rc;

    if (notice_cursor(n->db, cursor, err) != 0)
        return -1;
    if (cursor[0])
        return 0;
    cur = n->src.current(n->src.ctx);
    rc = cur ? notice_set_cursor(n->db, cur->rev, err) : 0;
    snapshot_unref(cur);
    return rc;
}

int notify_start(const char *state_dir, const snapshot_source *src, const notify_cfg *cfg,
                 notifier **out, sr_err *err)
{
    notifier *n = calloc(1, sizeof(*n));
    const char *at;
    unsigned char h[32];
    int rc = -1;

    *out = NULL;
    if (!n) {
        sr_err_set(err, "out of memory");
        return -1;
    }
    n->src = *src;
    n->cfg = *cfg;
    pthread_mutex_init(&n->api_mu, NULL);
    pthread_mutex_init(&n->rate_mu, NULL);
    pthread_mutex_init(&n->sub_mu, NULL);
    n->rate = calloc(RATE_SLOTS, sizeof(*n->rate));
    n->subq = calloc(SUB_QUEUE, sizeof(*n->subq));
    if (!n->rate || !n->subq) {
        sr_err_set(err, "out of memory");
        goto out;
    }
    if (notice_open(state_dir, &n->db, err) != 0 || notice_open(state_dir, &n->api_db, err) != 0 ||
        notice_open(state_dir, &n->hooks_db, err) != 0)
        goto out;
    /* after a restart, whatever was waiting is tried at once */
    if (notice_retry_now(n->db, err) != 0 || first_cursor(n, err) != 0)
        goto out;
    count_unconfirmed(n);
    at = cfg->mail_from ? strrchr(cfg->mail_from, '@') : NULL;
    snprintf(n->domain, sizeof(n->domain), "%s", at ? at + 1 : "localhost");
    /* a tag of the installation in Message-IDs, derived so that it reveals nothing of the key */
    hmac_sha256(notice_key(n->db), 32, "message-id", 10, NULL, 0, h);
    sha256_to_hex(h, 4, n->tag);
    rc = ticker_start(1, step, n, src->thread_done, &n->tick, err);
    if (rc == 0)
        rc = ticker_start(1, hooks_step, n, src->thread_done, &n->hooks, err);
out:
    if (rc != 0)
        notify_stop(n);
    else
        *out = n;
    return rc;
}

void notify_stop(notifier *n)
{
    if (!n)
        return;
    ticker_stop(n->tick);
    ticker_stop(n->hooks);
    snapshot_unref(n->seen);
    notice_close(n->db);
    notice_close(n->api_db);
    notice_close(n->hooks_db);
    pthread_mutex_destroy(&n->api_mu);
    pthread_mutex_destroy(&n->rate_mu);
    pthread_mutex_destroy(&n->sub_mu);
    free(n->subq);
    for (size_t i = 0; n->rate && i < RATE_SLOTS; i++)
        free(n->rate[i].key);
    free(n->rate);
    free(n);
}
