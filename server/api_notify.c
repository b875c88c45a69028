/* The HTTP routes of notices (docs/notify.md): public subscription, the pages behind the
 * links in emails (confirm, unsubscribe and erase, object), and the editors' subscribers,
 * webhooks, proof of notice and objections. */
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

/* Per client address and per email address: enough for a person who mistyped, far too few
 * to flood anyone's mailbox. */
#define RATE_IP 10
#define RATE_IP_WINDOW 600
#define RATE_EMAIL 3
#define RATE_EMAIL_WINDOW 3600
#define COMMENT_MAX 4000

static const char *const notice_page_headers[] = {
    "Content-Security-Policy", "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "X-Frame-Options", "DENY", "Referrer-Policy", "no-referrer", /* the token is in the URL */
    "X-Robots-Tag", "noindex", NULL};

/* A page behind an email link (message_page) with status: title, body (trusted HTML), and a
 * form when action is given. */
static enum MHD_Result page(struct MHD_Connection *c, req *r, const char *lang, int status, const char *title,
                            const char *body, const char *action, const char *button,
                            const char *hidden_name, const char *hidden_value, int comment)
{
    buf out;
    enum MHD_Result ret;

    buf_init(&out, 0);
    if (message_page(lang, title, body, action, button, hidden_name, hidden_value, comment, &out) != 0)
        ret = srv_error(c, r, 500, "out of memory");
    else
        ret = srv_send(c, r, status, "text/html; charset=utf-8", out.p, out.len, "no-store", NULL, notice_page_headers);
    buf_free(&out);
    return ret;
}

/* The 404 page of a link that is not valid (or no longer). */
static enum MHD_Result bad_link(struct MHD_Connection *c, req *r)
{
    return page(c, r, "en", 404, "This link is not valid",
                "<p>This link is not valid, or no longer: the subscription it belonged to may have been removed. "
                "Check that the whole link was copied from the email.</p>", NULL, NULL, NULL, NULL, 0);
}

/* The value of name in an application/x-www-form-urlencoded body, decoded, into out.
 * Returns 1 found, 0 absent. */
static int form_value(const char *body, const char *name, char *out, size_t n)
{
    size_t nl = strlen(name), k = 0;
    const char *p = body;

    while (p && *p) {
        if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
            for (p += nl + 1; *p && *p != '&' && k + 1 < n; p++) {
                if (*p == '+') {
                    out[k++] = ' ';
                } else if (*p == '%' && p[1] && p[2]) {
                    char hex[3] = {p[1], p[2], 0};
                    out[k++] = (char)strtol(hex, NULL, 16);
                    p += 2;
                } else {
                    out[k++] = *p;
                }
            }
            out[k] = '\0';
            return 1;
        }
        p = strchr(p, '&');
        if (p)
            p++;
    }
    out[0] = '\0';
    return 0;
}

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

/* The languages of the pages this file answers, by index (0 en, 1 fr, 2 nl). */
static const char *const langs[] = {"en", "fr", "nl"};

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
    const char *hs[] = {"Content-Security-Policy", notice_page_headers[1], "X-Frame-Options", "DENY",
                        "Referrer-Policy", "no-referrer", "Content-Language", langs[l],
                        retry_after ? "Retry-After" : NULL, retry_after, NULL};
    char body[1200];
    buf out;
    enum MHD_Result ret;

    snprintf(body, sizeof(body), "<p>%s</p>\n<p><a href=\"/?lang=%s\">%s</a></p>", form_words[text][l],
             langs[l], form_words[FW_BACK][l]);
    buf_init(&out, 0);
    if (message_page(langs[l], form_words[title][l], body, NULL, NULL, NULL, NULL, 0, &out) != 0)
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

    form_value(body, "lang", lang, sizeof(lang));
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
    if (!form_value(body, "email", email, sizeof(email)) || !notice_email_valid(email, why, sizeof(why)))
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

/* The subscriber a token of kind names, checked: 1 found (sub filled), 0 not valid. */
static int token_subscriber(server *s, const char *tok, char kind, int64_t *b, notice_subscriber *sub)
{
    char k;
    int64_t a;
    sr_err err = {{0}};
    noticedb *db;
    int ok = 0;

    if (notify_token_parse(tok, &k, &a, b) != 0 || k != kind)
        return 0;
    db = notify_db_lock(s->notify);
    if (notice_find(db, a, NULL, sub, &err) == 0 && notify_token_valid(notice_key(db), tok, kind, a, *b, sub->nonce))
        ok = 1;
    notify_db_unlock(s->notify);
    return ok;
}

/* The words of the pages behind the links in emails, in en, fr and nl: the subscriber's
 * language. %s is the company's name where it appears. */
enum {
    LP_CONFIRMED_ALREADY, LP_CONFIRMED_ALREADY_TEXT, LP_USED_ALREADY_TEXT, LP_CONFIRM, LP_CONFIRM_TEXT,
    LP_CONFIRM_BUTTON, LP_CONFIRMED, LP_CONFIRMED_TEXT, LP_UNSUBSCRIBED, LP_UNSUBSCRIBED_TEXT,
    LP_ERASED_TEXT, LP_YOURS, LP_YOURS_TEXT, LP_YOURS_AFTER, LP_ERASE_BUTTON, LP_F_EMAIL, LP_F_LANG,
    LP_F_CUSTOMER, LP_F_SOURCE, LP_F_CREATED, LP_F_CONFIRMED, LP_F_DELIVERIES, LP_ENDED, LP_ENDED_TEXT,
    LP_OBJECTED_ALREADY, LP_OBJECTED_ALREADY_TEXT, LP_OBJECTED, LP_OBJECTED_TEXT, LP_OBJECT, LP_OBJECT_TEXT,
    LP_OBJECT_UNTIL, LP_OBJECT_BUTTON, LP_COUNT
};
static const char *const lp_words[LP_COUNT][3] = {
    [LP_CONFIRMED_ALREADY] = {"Already confirmed", "D\xc3\xa9j\xc3\xa0 confirm\xc3\xa9", "Al bevestigd"},
    [LP_CONFIRMED_ALREADY_TEXT] = {"This subscription is confirmed already.", "Cet abonnement est d\xc3\xa9j\xc3\xa0 confirm\xc3\xa9.",
                                   "Dit abonnement is al bevestigd."},
    [LP_USED_ALREADY_TEXT] = {"This link was used already: the subscription is confirmed.",
                              "Ce lien a d\xc3\xa9j\xc3\xa0 servi\xc2\xa0: l\xe2\x80\x99" "abonnement est confirm\xc3\xa9.",
                              "Deze link is al gebruikt: het abonnement is bevestigd."},
    [LP_CONFIRM] = {"Confirm your subscription", "Confirmez votre abonnement", "Bevestig uw abonnement"},
    [LP_CONFIRM_TEXT] = {"Press the button to receive by email the notices of changes to the sub-processors of %s.",
                         "Appuyez sur le bouton pour recevoir par e-mail les avis de changement des sous-traitants ult\xc3\xa9rieurs de %s.",
                         "Druk op de knop om per e-mail de berichten over wijzigingen van de subverwerkers van %s te ontvangen."},
    [LP_CONFIRM_BUTTON] = {"Confirm my subscription", "Confirmer mon abonnement", "Mijn abonnement bevestigen"},
    [LP_CONFIRMED] = {"Subscription confirmed", "Abonnement confirm\xc3\xa9", "Abonnement bevestigd"},
    [LP_CONFIRMED_TEXT] = {"Thank you: you will receive an email before each change to the sub-processors of %s. Every email has a link to unsubscribe.",
                           "Merci\xc2\xa0: vous recevrez un e-mail avant chaque changement des sous-traitants ult\xc3\xa9rieurs de %s. Chaque e-mail contient un lien de d\xc3\xa9sinscription.",
                           "Dank u: u ontvangt een e-mail v\xc3\xb3\xc3\xb3r elke wijziging van de subverwerkers van %s. Elke e-mail bevat een link om u af te melden."},
    [LP_UNSUBSCRIBED] = {"Unsubscribed", "D\xc3\xa9sinscription faite", "Afgemeld"},
    [LP_UNSUBSCRIBED_TEXT] = {"You are unsubscribed: no more notices will be sent to this address.",
                              "Vous \xc3\xaates d\xc3\xa9sinscrit\xc2\xa0: plus aucun avis ne sera envoy\xc3\xa9 \xc3\xa0 cette adresse.",
                              "U bent afgemeld: er worden geen berichten meer naar dit adres gestuurd."},
    [LP_ERASED_TEXT] = {"You are unsubscribed. Your address is erased: the records that notices were delivered keep only a one-way hash of it.",
                        "Vous \xc3\xaates d\xc3\xa9sinscrit. Votre adresse est effac\xc3\xa9" "e\xc2\xa0: les preuves de remise des avis n\xe2\x80\x99" "en gardent qu\xe2\x80\x99une empreinte irr\xc3\xa9versible.",
                        "U bent afgemeld. Uw adres is gewist: de bewijzen van bezorging bewaren er alleen een onomkeerbare hash van."},
    [LP_YOURS] = {"Your subscription", "Votre abonnement", "Uw abonnement"},
    [LP_YOURS_TEXT] = {"This is everything %s stores about your subscription:",
                       "Voici tout ce que %s conserve sur votre abonnement\xc2\xa0:",
                       "Dit is alles wat %s over uw abonnement bewaart:"},
    [LP_YOURS_AFTER] = {"Unsubscribing removes the subscription and erases the address; the records that past notices were delivered keep only a one-way hash of it, so that delivery can still be proven to whoever knows the address.",
                        "La d\xc3\xa9sinscription supprime l\xe2\x80\x99" "abonnement et efface l\xe2\x80\x99" "adresse\xc2\xa0; les preuves de remise des avis pass\xc3\xa9s n\xe2\x80\x99" "en gardent qu\xe2\x80\x99une empreinte irr\xc3\xa9versible, pour que la remise puisse encore \xc3\xaatre prouv\xc3\xa9" "e \xc3\xa0 qui conna\xc3\xaet l\xe2\x80\x99" "adresse.",
                        "Afmelden verwijdert het abonnement en wist het adres; de bewijzen van bezorging van eerdere berichten bewaren er alleen een onomkeerbare hash van, zodat de bezorging nog kan worden aangetoond aan wie het adres kent."},
    [LP_ERASE_BUTTON] = {"Unsubscribe and erase my address", "Me d\xc3\xa9sinscrire et effacer mon adresse", "Afmelden en mijn adres wissen"},
    [LP_F_EMAIL] = {"Address", "Adresse", "Adres"},
    [LP_F_LANG] = {"Language", "Langue", "Taal"},
    [LP_F_CUSTOMER] = {"Customer", "Client", "Klant"},
    [LP_F_SOURCE] = {"Subscribed through", "Abonn\xc3\xa9 par", "Geabonneerd via"},
    [LP_F_CREATED] = {"Subscribed on", "Abonn\xc3\xa9 le", "Geabonneerd op"},
    [LP_F_CONFIRMED] = {"Confirmed on", "Confirm\xc3\xa9 le", "Bevestigd op"},
    [LP_F_DELIVERIES] = {"Emails sent or waiting", "E-mails envoy\xc3\xa9s ou en attente", "Verstuurde of wachtende e-mails"},
    [LP_ENDED] = {"The notice period has ended", "Le d\xc3\xa9lai de pr\xc3\xa9" "avis est \xc3\xa9" "coul\xc3\xa9", "De aankondigingstermijn is verstreken"},
    [LP_ENDED_TEXT] = {"The notice period of this change ended on %s. To raise a concern, write to %s directly.",
                       "Le d\xc3\xa9lai de pr\xc3\xa9" "avis de ce changement a pris fin le %s. Pour faire part d\xe2\x80\x99une pr\xc3\xa9occupation, \xc3\xa9" "crivez directement \xc3\xa0 %s.",
                       "De aankondigingstermijn van deze wijziging liep af op %s. Schrijf voor een bezwaar rechtstreeks naar %s."},
    [LP_OBJECTED_ALREADY] = {"Objection already recorded", "Opposition d\xc3\xa9j\xc3\xa0 enregistr\xc3\xa9" "e", "Bezwaar al geregistreerd"},
    [LP_OBJECTED_ALREADY_TEXT] = {"Your objection to this change was recorded already.",
                                  "Votre opposition \xc3\xa0 ce changement est d\xc3\xa9j\xc3\xa0 enregistr\xc3\xa9" "e.",
                                  "Uw bezwaar tegen deze wijziging is al geregistreerd."},
    [LP_OBJECTED] = {"Objection recorded", "Opposition enregistr\xc3\xa9" "e", "Bezwaar geregistreerd"},
    [LP_OBJECTED_TEXT] = {"Your objection is recorded with the date. %s will contact you about it.",
                          "Votre opposition est enregistr\xc3\xa9" "e avec sa date. %s vous contactera \xc3\xa0 ce sujet.",
                          "Uw bezwaar is met de datum geregistreerd. %s neemt er contact met u over op."},
    [LP_OBJECT] = {"Object to a change of sub-processors", "S\xe2\x80\x99opposer \xc3\xa0 un changement de sous-traitants ult\xc3\xa9rieurs",
                   "Bezwaar maken tegen een wijziging van subverwerkers"},
    [LP_OBJECT_TEXT] = {"The change of the sub-processors of %s you were notified of:",
                        "Le changement des sous-traitants ult\xc3\xa9rieurs de %s qui vous a \xc3\xa9t\xc3\xa9 notifi\xc3\xa9\xc2\xa0:",
                        "De wijziging van de subverwerkers van %s waarover u bericht kreeg:"},
    [LP_OBJECT_UNTIL] = {"You may object until %s.", "Vous pouvez vous y opposer jusqu\xe2\x80\x99" "au %s.",
                         "U kunt bezwaar maken tot en met %s."},
    [LP_OBJECT_BUTTON] = {"Record my objection", "Enregistrer mon opposition", "Mijn bezwaar registreren"},
};

/* The index of lang in lp_words (the subscriber's language; English when unknown). */
static int lp_lang(const char *lang)
{
    return lang && strcmp(lang, "fr") == 0 ? 1 : lang && strcmp(lang, "nl") == 0 ? 2 : 0;
}

/* "<p>TEXT</p>" with text lp_words[w][l], the company's name (escaped) put in its %s. */
static void lp_para(buf *b, int w, int l, const char *owner)
{
    buf name;

    buf_init(&name, 0);
    buf_xml_escape(&name, owner ? owner : "");
    buf_puts(b, "<p>");
    if (strstr(lp_words[w][l], "%s"))
        buf_printf(b, lp_words[w][l], buf_str(&name));
    else
        buf_puts(b, lp_words[w][l]);
    buf_puts(b, "</p>\n");
    buf_free(&name);
}

/* The company's name, from the served registry (into out). */
static void owner_of(server *s, char *out, size_t n)
{
    snapshot *sn = srv_current(s);

    snprintf(out, n, "%s", sn && sn->reg->settings.owner ? sn->reg->settings.owner : "the company");
    snapshot_unref(sn);
}

/* A page of words: title lp_words[title] and one paragraph lp_words[text], in language l. */
static enum MHD_Result lp_page(server *s, struct MHD_Connection *c, req *r, int l, int status, int title,
                               int text, const char *action, int button)
{
    char owner[300];
    buf body;
    enum MHD_Result ret;

    owner_of(s, owner, sizeof(owner));
    buf_init(&body, 0);
    lp_para(&body, text, l, owner);
    ret = page(c, r, langs[l], status, lp_words[title][l], body.p, action,
               button >= 0 ? lp_words[button][l] : NULL, NULL, NULL, 0);
    buf_free(&body);
    return ret;
}

/* GET (the button) and POST (the confirmation) of a confirmation link, in the subscriber's
 * language. */
static enum MHD_Result confirm_page(server *s, struct MHD_Connection *c, req *r, const char *tok, int post)
{
    notice_subscriber sub;
    sr_err err = {{0}};
    int64_t b;
    int rc, l;

    if (!token_subscriber(s, tok, 'c', &b, &sub))
        return bad_link(c, r);
    l = lp_lang(sub.lang);
    if (!post)
        return sub.confirmed ? lp_page(s, c, r, l, 410, LP_CONFIRMED_ALREADY, LP_CONFIRMED_ALREADY_TEXT, NULL, -1)
                             : lp_page(s, c, r, l, 200, LP_CONFIRM, LP_CONFIRM_TEXT, r->path, LP_CONFIRM_BUTTON);
    rc = notice_confirm(notify_db_lock(s->notify), sub.id, &err);
    notify_db_unlock(s->notify);
    if (rc < 0)
        return srv_error(c, r, 500, "%s", err.msg);
    if (rc == SR_NOTFOUND)
        return lp_page(s, c, r, l, 410, LP_CONFIRMED_ALREADY, LP_USED_ALREADY_TEXT, NULL, -1);
    return lp_page(s, c, r, l, 200, LP_CONFIRMED, LP_CONFIRMED_TEXT, NULL, -1);
}

/* GET (what is stored, in words, and the button) and POST (unsubscribe, or unsubscribe and
 * erase; RFC 8058 one-click) of an unsubscribe link, in the subscriber's language. */
static enum MHD_Result unsubscribe_page(server *s, struct MHD_Connection *c, req *r, const char *tok, int post)
{
    static const struct { int word; const char *key; } fields[] = {
        {LP_F_EMAIL, "email"}, {LP_F_LANG, "lang"}, {LP_F_CUSTOMER, "customer"}, {LP_F_SOURCE, "source"},
        {LP_F_CREATED, "created"}, {LP_F_CONFIRMED, "confirmed"}};
    notice_subscriber sub;
    sr_err err = {{0}};
    char action[16], owner[300];
    buf body;
    cJSON *data = NULL, *it;
    enum MHD_Result ret;
    int64_t b;
    int rc, erase, l;
    size_t i;

    if (!token_subscriber(s, tok, 'u', &b, &sub))
        return bad_link(c, r);
    l = lp_lang(sub.lang);
    if (post) {
        /* RFC 8058: the one-click POST carries List-Unsubscribe=One-Click; the page's
         * button asks for the erasure as well */
        erase = form_value(r->body.p ? r->body.p : "", "action", action, sizeof(action)) && strcmp(action, "erase") == 0;
        rc = notice_unsubscribe(notify_db_lock(s->notify), sub.id, NULL, erase, &err);
        notify_db_unlock(s->notify);
        if (rc < 0)
            return srv_error(c, r, 500, "%s", err.msg);
        return lp_page(s, c, r, l, 200, LP_UNSUBSCRIBED, erase ? LP_ERASED_TEXT : LP_UNSUBSCRIBED_TEXT, NULL, -1);
    }
    rc = notice_subscriber_data(notify_db_lock(s->notify), sub.id, &data, &err);
    notify_db_unlock(s->notify);
    if (rc != 0 || !data)
        return srv_error(c, r, 500, "%s", err.msg[0] ? err.msg : "subscriber vanished");
    owner_of(s, owner, sizeof(owner));
    buf_init(&body, 0);
    lp_para(&body, LP_YOURS_TEXT, l, owner);
    buf_puts(&body, "<dl>\n");
    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        const char *v = json_str(data, fields[i].key);
        if (!v)
            continue;
        buf_printf(&body, "<dt>%s</dt><dd>", lp_words[fields[i].word][l]);
        buf_xml_escape(&body, v);
        buf_puts(&body, "</dd>\n");
    }
    buf_printf(&body, "<dt>%s</dt><dd>%d", lp_words[LP_F_DELIVERIES][l],
               cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(data, "deliveries")));
    buf_puts(&body, "<ul>");
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(data, "deliveries")) {
        const char *q = json_str(it, "queued"), *st = json_str(it, "status");
        buf_puts(&body, "<li>");
        buf_xml_escape(&body, q ? q : "");
        buf_puts(&body, " \xe2\x80\x93 ");
        buf_xml_escape(&body, st ? st : "");
        buf_puts(&body, "</li>");
    }
    buf_puts(&body, "</ul></dd>\n</dl>\n");
    lp_para(&body, LP_YOURS_AFTER, l, owner);
    ret = page(c, r, langs[l], 200, lp_words[LP_YOURS][l], body.p, r->path, lp_words[LP_ERASE_BUTTON][l], "action",
               "erase", 0);
    buf_free(&body);
    cJSON_Delete(data);
    return ret;
}

/* GET (the change and the form) and POST (the objection recorded) of an objection link,
 * while the change's objection period runs, in the subscriber's language. */
static enum MHD_Result objection_page(server *s, struct MHD_Connection *c, req *r, const char *tok, int post)
{
    notice_subscriber sub;
    sr_err err = {{0}};
    char comment[COMMENT_MAX + 1], deadline[11] = "", owner[300], text[1200];
    cJSON *cs, *it;
    buf body, name;
    enum MHD_Result ret;
    int64_t b;
    int rc, day, end = DATE_NONE, l;
    const char *eff, *rec;

    if (!token_subscriber(s, tok, 'o', &b, &sub))
        return bad_link(c, r);
    l = lp_lang(sub.lang);
    cs = notice_changeset(notify_db_lock(s->notify), b, &err);
    notify_db_unlock(s->notify);
    if (!cs)
        return bad_link(c, r);
    eff = json_str(cs, "effective");
    rec = json_str(cs, "announced") ? json_str(cs, "announced") : json_str(cs, "recorded"); /* as the email says */
    if (eff && date_parse(eff, &day) == 0)
        end = day;
    else if (rec && strlen(rec) >= 10) {
        char d[11];
        snapshot *sn = srv_current(s);
        snprintf(d, sizeof(d), "%.10s", rec);
        if (date_parse(d, &day) == 0)
            end = day + (sn ? sn->reg->settings.notice_days : 30);
        snapshot_unref(sn);
    }
    if (end != DATE_NONE)
        date_format(end, deadline);
    owner_of(s, owner, sizeof(owner));
    buf_init(&name, 0);
    buf_xml_escape(&name, owner);
    if (end != DATE_NONE && date_today() > end) {
        cJSON_Delete(cs);
        buf_init(&body, 0);
        snprintf(text, sizeof(text), lp_words[LP_ENDED_TEXT][l], deadline, buf_str(&name));
        buf_printf(&body, "<p>%s</p>", text);
        ret = page(c, r, langs[l], 410, lp_words[LP_ENDED][l], body.p, NULL, NULL, NULL, NULL, 0);
        buf_free(&body);
        buf_free(&name);
        return ret;
    }
    if (post) {
        form_value(r->body.p ? r->body.p : "", "comment", comment, sizeof(comment));
        utf8_sanitize(comment);
        rc = notice_object(notify_db_lock(s->notify), b, sub.id, comment[0] ? comment : NULL, time(NULL), &err);
        notify_db_unlock(s->notify);
        cJSON_Delete(cs);
        buf_free(&name);
        if (rc < 0)
            return srv_error(c, r, 500, "%s", err.msg);
        if (rc == SR_NOTFOUND)
            return lp_page(s, c, r, l, 410, LP_OBJECTED_ALREADY, LP_OBJECTED_ALREADY_TEXT, NULL, -1);
        return lp_page(s, c, r, l, 201, LP_OBJECTED, LP_OBJECTED_TEXT, NULL, -1);
    }
    buf_init(&body, 0);
    lp_para(&body, LP_OBJECT_TEXT, l, owner);
    buf_puts(&body, "<ul>\n");
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(cs, "items")) {
        /* the summary is the registry's own words (English) */
        buf_puts(&body, l ? "<li lang=\"en\">" : "<li>");
        buf_xml_escape(&body, json_str(it, "summary") ? json_str(it, "summary") : "");
        buf_puts(&body, "</li>\n");
    }
    buf_puts(&body, "</ul>\n");
    if (deadline[0]) {
        snprintf(text, sizeof(text), lp_words[LP_OBJECT_UNTIL][l], deadline);
        buf_printf(&body, "<p>%s</p>", text);
    }
    ret = page(c, r, langs[l], 200, lp_words[LP_OBJECT][l], body.p, r->path, lp_words[LP_OBJECT_BUTTON][l], NULL,
               NULL, 1);
    buf_free(&body);
    buf_free(&name);
    cJSON_Delete(cs);
    return ret;
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
    const char *email, *lang, *customer;
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
    customer = json_str(o, "customer");
    if (subscription_fields(c, r, o, &email, &lang, &ret)) {
        cJSON_Delete(o);
        return ret;
    }
    if (customer && !notice_text_ok(customer, 200)) {
        cJSON_Delete(o);
        return srv_error(c, r, 400, "customer: one line of UTF-8 text, at most 200 bytes");
    }
    {
        char src[120];
        snprintf(src, sizeof(src), "editor:%s", who);
        rc = notice_subscribe(notify_db_lock(s->notify), email, lang, customer, src, 1, &sub, &created, &err);
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
    const char *hook, *customer;
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
    customer = json_str(o, "customer");
    if (!hook || strlen(hook) > 1000 || strpbrk(hook, " \r\n\t")) {
        cJSON_Delete(o);
        return srv_error(c, r, 400, "url: an http or https URL of at most 1000 characters is required");
    }
    if (customer && !notice_text_ok(customer, 200)) {
        cJSON_Delete(o);
        return srv_error(c, r, 400, "customer: one line of UTF-8 text, at most 200 bytes");
    }
    if (!deliver_url_ok(&notify_config(s->notify)->policy, hook, why, sizeof(why))) {
        cJSON_Delete(o);
        return srv_error(c, r, 400, "%s", why);
    }
    rc = notice_webhook_add(notify_db_lock(s->notify), hook, customer, who, &id, secret, &err);
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

    if (strncmp(url, "/subscriptions/confirm/", 23) == 0)
        return confirm_page(s, c, r, url + 23, post);
    if (strncmp(url, "/unsubscribe/", 13) == 0)
        return unsubscribe_page(s, c, r, url + 13, post);
    if (strncmp(url, "/objections/", 12) == 0)
        return objection_page(s, c, r, url + 12, post);
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
