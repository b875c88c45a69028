/* The HTTP routes of notices (docs/notify.md): public subscription (JSON and the page's form)
 * and the editors' subscribers, webhooks, proof of notice and objections. The pages behind the
 * links in emails are in api_links.c. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cjson/cJSON.h>
#include "../registry/date.h"
#include "../notices/message.h"
#include "../notices/noticedb.h"
#include "../notices/notify.h"
#include "serve.h"
#include "../registry/json.h"
#include "../registry/page_words.h"

/* Per client address and per email address: enough for a person who mistyped, far too few
 * to flood anyone's mailbox. */
#define RATE_IP 10
#define RATE_IP_WINDOW 600
#define RATE_EMAIL 3
#define RATE_EMAIL_WINDOW 3600

/* The 429 answer to a subscription request over its rate, with Retry-After after seconds. */
static enum MHD_Result too_many(struct MHD_Connection *c, req *r, int after)
{
    char ra[16];
    const char *hs[] = {"Retry-After", ra, NULL};
    cJSON *root = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(root, "error");

    snprintf(ra, sizeof(ra), "%d", after > 0 ? after : 1);
    cJSON_AddNumberToObject(e, "status", 429);
    cJSON_AddStringToObject(e, "message", "too many subscription requests: try again later");
    return srv_json(c, r, 429, root, "no-store", NULL, hs);
}

/* The body as a JSON object, or NULL after answering 400. */
static cJSON *json_body(struct MHD_Connection *c, req *r, enum MHD_Result *ret)
{
    cJSON *o = r->body.len ? cJSON_ParseWithLength(r->body.p, r->body.len) : NULL;

    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        *ret = srv_error(c, r, 400, "send a JSON object, e.g. {\"email\": \"dpo@example.com\", \"lang\": \"en\"}");
        return NULL;
    }
    return o;
}

/* email and lang of a subscription body, checked; 0, or 1 after answering 400. */
static int subscription_fields(struct MHD_Connection *c, req *r, const cJSON *o, const char **email,
                               const char **lang, enum MHD_Result *ret)
{
    char why[200];

    *email = json_str(o, "email");
    *lang = json_str(o, "lang") ? json_str(o, "lang") : "en";
    if (!*email) {
        *ret = srv_error(c, r, 400, "email: a string is required");
        return 1;
    }
    if (!notice_email_valid(*email, why, sizeof(why))) {
        *ret = srv_error(c, r, 400, "email: %s", why);
        return 1;
    }
    if (!message_lang_known(*lang)) {
        *ret = srv_error(c, r, 400, "lang: en, fr or nl");
        return 1;
    }
    return 0;
}

/* Queue a subscription request of email (valid) in lang after its rate limit. Returns 0
 * queued, or 1 when it is refused for now (*after: seconds to wait). */
static int queue_subscription(server *s, const char *email, const char *lang, int *after)
{
    char key[300];

    snprintf(key, sizeof(key), "email:%s", email);
    for (char *p = key; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    if (!notify_rate(s->notify, key, RATE_EMAIL, RATE_EMAIL_WINDOW, after))
        return 1;
    /* the request does the same work whoever is subscribed (it tells nobody who is): it is
     * queued and looked at after the answer */
    if (!notify_request(s->notify, email, lang)) {
        *after = 3600;
        return 1;
    }
    return 0;
}

/* The words of the answers to the page's form, in en, fr and nl. */
enum { FW_TITLE_OK, FW_OK, FW_TITLE_BAD, FW_BAD, FW_TITLE_BUSY, FW_BUSY, FW_TITLE_ORIGIN, FW_ORIGIN, FW_BACK, FW_COUNT };
static const char *const form_words[FW_COUNT][3] = {
    [FW_TITLE_OK] = {"Check your inbox", "V\xc3\xa9rifiez votre bo\xc3\xaete de r\xc3\xa9" "ception",
                    "Controleer uw inbox"},
    [FW_OK] = {"Unless this address is subscribed already, we have sent it a link to confirm the "
              "subscription. Open it to start receiving notices of changes; until then, nothing is sent.",
              "Sauf si cette adresse est d\xc3\xa9j\xc3\xa0 abonn\xc3\xa9" "e, nous lui avons envoy\xc3\xa9 un lien "
              "pour confirmer l\xe2\x80\x99" "abonnement. Ouvrez-le pour recevoir les avis de changement\xc2\xa0; "
              "d\xe2\x80\x99ici l\xc3\xa0, rien n\xe2\x80\x99" "est envoy\xc3\xa9.",
              "Tenzij dit adres al geabonneerd is, hebben we er een link naartoe gestuurd om het abonnement "
              "te bevestigen. Open die om berichten over wijzigingen te ontvangen; tot dan wordt niets verstuurd."},
    [FW_TITLE_BAD] = {"This address cannot be used", "Cette adresse ne peut pas \xc3\xaatre utilis\xc3\xa9" "e",
                     "Dit adres kan niet worden gebruikt"},
    [FW_BAD] = {"Give one email address such as dpo@example.com.",
               "Indiquez une seule adresse e-mail, par exemple dpo@example.com.",
               "Geef \xc3\xa9\xc3\xa9n e-mailadres op, bijvoorbeeld dpo@example.com."},
    [FW_TITLE_BUSY] = {"Too many requests", "Trop de demandes", "Te veel aanvragen"},
    [FW_BUSY] = {"Too many subscription requests came from here or for this address: try again later.",
                "Trop de demandes d\xe2\x80\x99" "abonnement sont venues d\xe2\x80\x99ici ou pour cette adresse\xc2\xa0: "
                "r\xc3\xa9" "essayez plus tard.",
                "Er kwamen te veel aanvragen van hier of voor dit adres: probeer het later opnieuw."},
    [FW_TITLE_ORIGIN] = {"Use the form on the list", "Utilisez le formulaire de la liste",
                        "Gebruik het formulier op de lijst"},
    [FW_ORIGIN] = {"Subscriptions are taken from the form on the list of sub-processors only.",
                  "Les abonnements ne se font que par le formulaire de la liste des sous-traitants ult\xc3\xa9rieurs.",
                  "Abonnementen gaan alleen via het formulier op de lijst van subverwerkers."},
    [FW_BACK] = {"Back to the list", "Retour \xc3\xa0 la liste", "Terug naar de lijst"},
};

/* The answer page to the form, in language l (0 en, 1 fr, 2 nl). */
static enum MHD_Result form_answer(struct MHD_Connection *c, req *r, int status, int l, int title,
                                   int text, const char *retry_after)
{
    const char *hs[] = {"Content-Security-Policy", api_notice_page_headers[1], "X-Frame-Options", "DENY",
                        "Referrer-Policy", "no-referrer", "Content-Language", page_langs[l],
                        retry_after ? "Retry-After" : NULL, retry_after, NULL};
    char body[1200];
    buf out;
    enum MHD_Result ret;

    snprintf(body, sizeof(body), "<p>%s</p>\n<p><a href=\"/?lang=%s\">%s</a></p>", form_words[text][l],
             page_langs[l], form_words[FW_BACK][l]);
    buf_init(&out, 0);
    if (message_page(page_langs[l], form_words[title][l], body, NULL, NULL, NULL, NULL, 0, &out) != 0)
        ret = srv_error(c, r, 500, "out of memory");
    else
        ret = srv_send(c, r, status, "text/html; charset=utf-8", out.p, out.len, "no-store", NULL, hs);
    buf_free(&out);
    return ret;
}

/* 1 when the request comes from a page of this server: its Origin is the --public-url's
 * origin, or this Host's. A form of another site always says where it comes from (browsers
 * send Origin with every POST form), and is refused. */
static int same_origin(server *s, struct MHD_Connection *c)
{
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"), *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    char own[400];
    size_t n;

    if (!origin)
        return 0;
    if (s->public_url) {
        const char *p = strstr(s->public_url, "://");
        const char *end = p ? strchr(p + 3, '/') : NULL;
        n = end ? (size_t)(end - s->public_url) : strlen(s->public_url);
        if (strlen(origin) == n && strncasecmp(origin, s->public_url, n) == 0)
            return 1;
    }
    if (!host)
        return 0;
    snprintf(own, sizeof(own), "http://%s", host);
    if (strcasecmp(origin, own) == 0)
        return 1;
    snprintf(own, sizeof(own), "https://%s", host);
    return strcasecmp(origin, own) == 0;
}

/* POST /subscribe: the page's form (application/x-www-form-urlencoded: email, lang), from
 * this server's own pages only; the same double opt-in, rate limits and queue as POST
 * /v1/subscriptions, answered with a page in the form's language. */
static enum MHD_Result post_subscribe_form(server *s, struct MHD_Connection *c, req *r)
{
    const char *body = r->body.p ? r->body.p : "", *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    char email[NOTICE_EMAIL_MAX + 2] = "", lang[8] = "", ip[64], key[300], why[200], ra[16];
    int l, after;

    api_form_value(body, "lang", lang, sizeof(lang));
    l = strcmp(lang, "fr") == 0 ? 1 : strcmp(lang, "nl") == 0 ? 2 : 0;
    if (!same_origin(s, c))
        return form_answer(c, r, 403, l, FW_TITLE_ORIGIN, FW_ORIGIN, NULL);
    if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
        return srv_error(c, r, 415, "send the form as application/x-www-form-urlencoded");
    srv_client_ip(s, c, ip, sizeof(ip));
    snprintf(key, sizeof(key), "ip:%s", ip);
    if (!notify_rate(s->notify, key, RATE_IP, RATE_IP_WINDOW, &after)) {
        snprintf(ra, sizeof(ra), "%d", after > 0 ? after : 1);
        return form_answer(c, r, 429, l, FW_TITLE_BUSY, FW_BUSY, ra);
    }
    if (!api_form_value(body, "email", email, sizeof(email)) || !notice_email_valid(email, why, sizeof(why)))
        return form_answer(c, r, 400, l, FW_TITLE_BAD, FW_BAD, NULL);
    if (queue_subscription(s, email, l == 1 ? "fr" : l == 2 ? "nl" : "en", &after) != 0) {
        snprintf(ra, sizeof(ra), "%d", after > 0 ? after : 1);
        return form_answer(c, r, 429, l, FW_TITLE_BUSY, FW_BUSY, ra);
    }
    return form_answer(c, r, 200, l, FW_TITLE_OK, FW_OK, NULL);
}

/* The most deliveries one page of GET /v1/notices holds (also its default). */
#define NOTICES_PAGE 1000

/* POST /v1/subscriptions: rate limits, then the request queued for the notices thread,
 * answered 202 before any lookup (the time tells nobody who is subscribed). */
static enum MHD_Result post_subscription(server *s, struct MHD_Connection *c, req *r)
{
    enum MHD_Result ret = MHD_NO;
    char ip[64], key[300];
    const char *email, *lang;
    cJSON *o, *root;
    int after, queued;

    srv_client_ip(s, c, ip, sizeof(ip));
    snprintf(key, sizeof(key), "ip:%s", ip);
    if (!notify_rate(s->notify, key, RATE_IP, RATE_IP_WINDOW, &after))
        return too_many(c, r, after);
    {
        /* JSON only: a form of any web site can post text/plain here without asking (no CORS
         * preflight), and so subscribe its visitors; application/json needs the preflight */
        const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
        size_t l = ct ? strcspn(ct, "; ") : 0;
        if (!ct || l != 16 || strncasecmp(ct, "application/json", 16) != 0)
            return srv_error(c, r, 415, "send the subscription as Content-Type: application/json");
    }
    if (!(o = json_body(c, r, &ret)))
        return ret;
    if (subscription_fields(c, r, o, &email, &lang, &ret)) {
        cJSON_Delete(o);
        return ret;
    }
    queued = queue_subscription(s, email, lang, &after) == 0;
    cJSON_Delete(o);
    if (!queued)
        return too_many(c, r, after);
    root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "status", "pending");
    cJSON_AddStringToObject(root, "message", "unless this address is subscribed already, a confirmation email is on "
                                             "its way: open its link to confirm");
    return srv_json(c, r, 202, root, "no-store", NULL, NULL);
}

/* The numeric id at the end of url after prefix; 0 when it is not one. */
static int64_t tail_id(const char *url, const char *prefix)
{
    const char *p = url + strlen(prefix);
    char *end;
    long long v;

    if (*p < '1' || *p > '9')
        return 0;
    v = strtoll(p, &end, 10);
    return *end ? 0 : v;
}

/* arr as {name: arr}, private; or the 500 of a failed query (rc != 0). */
static enum MHD_Result send_list(struct MHD_Connection *c, req *r, const char *name, cJSON *arr, int rc,
                                 const sr_err *err)
{
    cJSON *root;

    if (rc != 0)
        return srv_error(c, r, 500, "%s", err->msg);
    root = cJSON_CreateObject();
    cJSON_AddItemToObject(root, name, arr);
    return srv_json(c, r, 200, root, "private, no-store", NULL, NULL);
}

/* A full page of a paged list: {name: arr, "next": cursor} (the next page: ?after=cursor). */
static enum MHD_Result send_page(struct MHD_Connection *c, req *r, const char *name, cJSON *arr, long long next)
{
    cJSON *root = cJSON_CreateObject();
    char cursor[24];

    cJSON_AddItemToObject(root, name, arr);
    snprintf(cursor, sizeof(cursor), "%lld", next);
    cJSON_AddStringToObject(root, "next", cursor);
    return srv_json(c, r, 200, root, "private, no-store", NULL, NULL);
}

/* DELETE PREFIX<id> with remove (1 removed, 0 absent, -1): 204, 404 or 400. */
static enum MHD_Result delete_by_id(server *s, struct MHD_Connection *c, req *r, const char *url, const char *prefix,
                                    const char *what, int (*remove)(noticedb *, int64_t, sr_err *))
{
    sr_err err = {{0}};
    int64_t id = tail_id(url, prefix);
    int rc;

    if (!id)
        return srv_error(c, r, 400, "give the %s's number: %sID", what, prefix);
    rc = remove(notify_db_lock(s->notify), id, &err);
    notify_db_unlock(s->notify);
    if (rc < 0)
        return srv_error(c, r, 500, "%s", err.msg);
    if (rc == SR_NOTFOUND)
        return srv_error(c, r, 404, "no %s %" PRId64, what, id);
    return srv_send(c, r, 204, NULL, "", 0, "no-store", NULL, NULL);
}

/* Remove subscriber id without erasing (the DELETE of /v1/subscribers/{id}). */
static int remove_subscriber(noticedb *db, int64_t id, sr_err *err)
{
    return notice_unsubscribe(db, id, NULL, 0, err);
}

/* /v1/subscribers for editors: GET the list, POST a confirmed contact, DELETE one. */
static enum MHD_Result subscribers(server *s, struct MHD_Connection *c, req *r, const char *method,
                                   const char *url, const char *who)
{
    enum MHD_Result ret = MHD_NO;
    sr_err err = {{0}};
    cJSON *arr = NULL, *o, *root;
    notice_subscriber sub;
    const char *email, *lang, *cust;
    int rc, created;

    if (strcmp(method, "DELETE") == 0)
        return delete_by_id(s, c, r, url, "/v1/subscribers/", "subscriber", remove_subscriber);
    if (strcmp(url, "/v1/subscribers") != 0)
        return srv_error(c, r, 405, "use DELETE /v1/subscribers/ID");
    if (strcmp(method, "POST") != 0) {
        rc = notice_subscribers(notify_db_lock(s->notify), &arr, &err);
        notify_db_unlock(s->notify);
        return send_list(c, r, "subscribers", arr, rc, &err);
    }
    if (!(o = json_body(c, r, &ret)))
        return ret;
    cust = json_str(o, "customer");
    if (subscription_fields(c, r, o, &email, &lang, &ret)) {
        cJSON_Delete(o);
        return ret;
    }
    if (cust && !notice_text_ok(cust, 200)) {
        cJSON_Delete(o);
        return srv_error(c, r, 400, "customer: one line of UTF-8 text, at most 200 bytes");
    }
    {
        char src[120];
        snprintf(src, sizeof(src), "editor:%s", who);
        rc = notice_subscribe(notify_db_lock(s->notify), email, lang, cust, src, 1, &sub, &created, &err);
        notify_db_unlock(s->notify);
    }
    cJSON_Delete(o);
    if (rc != 0)
        return srv_error(c, r, 500, "%s", err.msg);
    root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "id", (double)sub.id);
    cJSON_AddStringToObject(root, "email", sub.email);
    cJSON_AddStringToObject(root, "lang", sub.lang);
    cJSON_AddBoolToObject(root, "confirmed", 1);
    return srv_json(c, r, created ? 201 : 200, root, "no-store", NULL, NULL);
}

/* /v1/webhooks for editors: GET the list, POST one (its secret shown once), DELETE one. */
static enum MHD_Result webhooks(server *s, struct MHD_Connection *c, req *r, const char *method,
                                const char *url, const char *who)
{
    enum MHD_Result ret = MHD_NO;
    sr_err err = {{0}};
    cJSON *arr = NULL, *o, *root;
    const char *hook, *cust;
    char why[400], secret[72];
    int64_t id;
    int rc;

    if (strcmp(method, "DELETE") == 0)
        return delete_by_id(s, c, r, url, "/v1/webhooks/", "webhook", notice_webhook_remove);
    if (strcmp(url, "/v1/webhooks") != 0)
        return srv_error(c, r, 405, "use DELETE /v1/webhooks/ID");
    if (strcmp(method, "POST") != 0) {
        rc = notice_webhooks(notify_db_lock(s->notify), &arr, &err);
        notify_db_unlock(s->notify);
        return send_list(c, r, "webhooks", arr, rc, &err);
    }
    if (!(o = json_body(c, r, &ret)))
        return ret;
    hook = json_str(o, "url");
    cust = json_str(o, "customer");
    if (!hook || strlen(hook) > 1000 || strpbrk(hook, " \r\n\t")) {
        cJSON_Delete(o);
        return srv_error(c, r, 400, "url: an http or https URL of at most 1000 characters is required");
    }
    if (cust && !notice_text_ok(cust, 200)) {
        cJSON_Delete(o);
        return srv_error(c, r, 400, "customer: one line of UTF-8 text, at most 200 bytes");
    }
    if (!deliver_url_ok(&notify_config(s->notify)->policy, hook, why, sizeof(why))) {
        cJSON_Delete(o);
        return srv_error(c, r, 400, "%s", why);
    }
    rc = notice_webhook_add(notify_db_lock(s->notify), hook, cust, who, &id, secret, &err);
    notify_db_unlock(s->notify);
    if (rc != 0) {
        cJSON_Delete(o);
        return srv_error(c, r, 500, "%s", err.msg);
    }
    root = cJSON_CreateObject();
    cJSON_AddNumberToObject(root, "id", (double)id);
    cJSON_AddStringToObject(root, "url", hook);
    cJSON_AddStringToObject(root, "secret", secret);
    cJSON_AddStringToObject(root, "signature", "X-Subreg-Signature: t=UNIX,v1=hex(HMAC-SHA256(secret, t + \".\" + body))");
    cJSON_Delete(o);
    return srv_json(c, r, 201, root, "no-store", NULL, NULL);
}

enum MHD_Result api_notify(server *s, struct MHD_Connection *c, req *r, const char *method, const char *url)
{
    enum MHD_Result ret = MHD_NO;
    sr_err err = {{0}};
    cJSON *arr = NULL;
    char who[80];
    int post = strcmp(method, "POST") == 0, rc, day;
    const char *since;

    if (strncmp(url, "/subscriptions/confirm/", 23) == 0 || strncmp(url, "/unsubscribe/", 13) == 0 ||
        strncmp(url, "/objections/", 12) == 0 || strncmp(url, "/customer/", 10) == 0)
        return api_link_page(s, c, r, url, post);
    if (strcmp(url, "/v1/subscriptions") == 0)
        return post_subscription(s, c, r);
    if (strcmp(url, "/subscribe") == 0)
        return post_subscribe_form(s, c, r);
    /* the rest is for editors */
    if (api_require(s, c, r, ROLE_EDITOR, who, sizeof(who), &ret))
        return ret;
    if (strncmp(url, "/v1/subscribers", 15) == 0)
        return subscribers(s, c, r, method, url, who);
    if (strncmp(url, "/v1/webhooks", 12) == 0)
        return webhooks(s, c, r, method, url, who);
    if (strcmp(url, "/v1/notices") == 0) {
        /* paged: at most `limit` deliveries (default and most NOTICES_PAGE) after the
         * delivery id `after`; "next" names the cursor of the following page */
        const char *after = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
        const char *limit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
        char *end = NULL;
        long long a = 0, l = NOTICES_PAGE;
        since = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
        if (since && date_parse(since, &day) != 0)
            return srv_error(c, r, 400, "since: a day as YYYY-MM-DD");
        if (after && ((a = strtoll(after, &end, 10)) < 0 || !*after || *end))
            return srv_error(c, r, 400, "after: the id of a delivery (the \"next\" of the previous page)");
        if (limit && ((l = strtoll(limit, &end, 10)) < 1 || l > NOTICES_PAGE || !*limit || *end))
            return srv_error(c, r, 400, "limit: 1 to %d", NOTICES_PAGE);
        rc = notice_proof(notify_db_lock(s->notify), since ? (int64_t)day * 86400 : 0, a, l, &arr, &err);
        notify_db_unlock(s->notify);
        if (rc == 0 && cJSON_GetArraySize(arr) == l) {
            cJSON *last = cJSON_GetArrayItem(arr, (int)l - 1), *id = cJSON_GetObjectItemCaseSensitive(last, "id");
            if (cJSON_IsNumber(id))
                return send_page(c, r, "notices", arr, (long long)id->valuedouble);
        }
        return send_list(c, r, "notices", arr, rc, &err);
    }
    rc = notice_objections(notify_db_lock(s->notify), &arr, &err);
    notify_db_unlock(s->notify);
    return send_list(c, r, "objections", arr, rc, &err);
}

void api_notice_findings(server *s, int day, diag_list *d)
{
    char today[11], file[120];
    sr_err err = {{0}};
    cJSON *rows = NULL, *row, *it;
    int rc;

    rc = notice_unsent(notify_db_lock(s->notify), date_format(day, today), &rows, &err);
    notify_db_unlock(s->notify);
    if (rc != 0) {
        /* never silent: a state that cannot be read is itself a finding */
        diag_add(d, "notify.sqlite", 0, 0, SEV_WARNING, "notice-unsent", NULL,
                 "cannot read the records of notice: %s", err.msg);
        return;
    }
    cJSON_ArrayForEach(row, rows) {
        const char *eff = json_str(row, "effective"), *to = json_str(row, "to");
        int pending = cJSON_GetObjectItemCaseSensitive(row, "pending")->valueint;
        int all = cJSON_GetObjectItemCaseSensitive(row, "recipients")->valueint;
        cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(row, "items")) {
            snprintf(file, sizeof(file), "subprocessors/%.80s.xml", json_str(it, "id") ? json_str(it, "id") : "?");
            diag_add(d, file, 0, 0, SEV_WARNING, "notice-unsent", json_str(it, "id"),
                     "the notice of change set %d (revision %.12s%s%s) has not reached %d of its %d subscribers "
                     "(see GET /v1/notices)", cJSON_GetObjectItemCaseSensitive(row, "changeset")->valueint,
                     to ? to : "?", eff ? ", effective " : "", eff ? eff : "", pending, all);
        }
    }
    cJSON_Delete(rows);
}
