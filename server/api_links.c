/* The pages behind the links in emails (docs/notify.md): confirm a subscription, see what is
 * stored and unsubscribe (and erase), object to a change. Each speaks the subscriber's
 * language and names the company; a GET never acts (mail scanners follow links), a POST
 * does. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "../registry/customer_view.h"
#include "../registry/date.h"
#include "../registry/json.h"
#include "../registry/page_words.h"
#include "../notices/message.h"
#include "../notices/noticedb.h"
#include "../notices/notify.h"
#include "objections.h"
#include "serve.h"
#include "writes.h"

#define COMMENT_MAX 4000

const char *const api_notice_page_headers[] = {
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
        ret = srv_send(c, r, status, "text/html; charset=utf-8", out.p, out.len, "no-store", NULL, api_notice_page_headers);
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
int api_form_value(const char *body, const char *name, char *out, size_t n)
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
    ret = page(c, r, page_langs[l], status, lp_words[title][l], body.p, action,
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
        erase = api_form_value(r->body.p ? r->body.p : "", "action", action, sizeof(action)) && strcmp(action, "erase") == 0;
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
    ret = page(c, r, page_langs[l], 200, lp_words[LP_YOURS][l], body.p, r->path, lp_words[LP_ERASE_BUTTON][l], "action",
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
    int rc, end = DATE_NONE, l;

    if (!token_subscriber(s, tok, 'o', &b, &sub))
        return bad_link(c, r);
    l = lp_lang(sub.lang);
    if (post && r->job) { /* resumed: the objection's commit to the customer's file has run */
        objection_job *j = r->job;
        if (j->rc != 0)
            srv_log(s, "the objection of customer %s is in the server's records but not in git: %s; "
                       "an editor records it in customers/%s.xml", j->customer, j->why, j->customer);
        return lp_page(s, c, r, l, 201, LP_OBJECTED, LP_OBJECTED_TEXT, NULL, -1);
    }
    cs = notice_changeset(notify_db_lock(s->notify), b, &err);
    notify_db_unlock(s->notify);
    if (!cs)
        return bad_link(c, r);
    {
        snapshot *sn = srv_current(s); /* the email's day: a customer's own window, else the notice's */
        end = notify_object_until(sn ? sn->reg : NULL, cs, sub.id);
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
        ret = page(c, r, page_langs[l], 410, lp_words[LP_ENDED][l], body.p, NULL, NULL, NULL, NULL, 0);
        buf_free(&body);
        buf_free(&name);
        return ret;
    }
    if (post) {
        api_form_value(r->body.p ? r->body.p : "", "comment", comment, sizeof(comment));
        utf8_sanitize(comment);
        rc = notice_object(notify_db_lock(s->notify), b, sub.id, comment[0] ? comment : NULL, time(NULL), &err);
        notify_db_unlock(s->notify);
        buf_free(&name);
        if (rc < 0) {
            cJSON_Delete(cs);
            return srv_error(c, r, 500, "%s", err.msg);
        }
        if (rc == SR_NOTFOUND) {
            cJSON_Delete(cs);
            return lp_page(s, c, r, l, 410, LP_OBJECTED_ALREADY, LP_OBJECTED_ALREADY_TEXT, NULL, -1);
        }
        /* a customer's contact: the objection holds the change back, so it goes into git, in
         * the customer's file (off this thread, through the writer) */
        {
            objection_job *j = calloc(1, sizeof(*j));
            if (j && objection_prepare(s, (long long)sub.id, cJSON_GetObjectItemCaseSensitive(cs, "items"), j) > 0 &&
                s->writes && s->writer) {
                j->s = s;
                snprintf(j->reason, sizeof(j->reason), "%s", comment);
                r->job = j;
                r->job_free = free;
                cJSON_Delete(cs);
                MHD_suspend_connection(c);
                if (writes_submit(s->writes, objection_commit, j, c) != 0) {
                    j->rc = -1;
                    snprintf(j->why, sizeof(j->why), "the server is stopping");
                    MHD_resume_connection(c);
                }
                return MHD_YES;
            }
            free(j);
        }
        cJSON_Delete(cs);
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
    ret = page(c, r, page_langs[l], 200, lp_words[LP_OBJECT][l], body.p, r->path, lp_words[LP_OBJECT_BUTTON][l], NULL,
               NULL, 1);
    buf_free(&body);
    buf_free(&name);
    cJSON_Delete(cs);
    return ret;
}

/* GET of a customer's view link (from a notice to one of its contacts): the registry as it
 * applies to the customer (customer_view_html). Never cached, never indexed. */
static enum MHD_Result customer_page(server *s, struct MHD_Connection *c, req *r, const char *tok)
{
    notice_subscriber sub;
    snapshot *sn;
    const customer *cu;
    enum MHD_Result ret;
    int64_t b;
    buf body;
    char title[400];

    if (!token_subscriber(s, tok, 'v', &b, &sub) || !(sn = srv_current(s)))
        return bad_link(c, r);
    cu = customers_of_subscriber(sn->reg->customers, (long long)sub.id);
    if (!cu) { /* no longer a contact of any customer */
        snapshot_unref(sn);
        return bad_link(c, r);
    }
    buf_init(&body, 0);
    snprintf(title, sizeof(title), "Sub-processors for %.300s", cu->name ? cu->name : cu->id);
    if (customer_view_html(sn->reg, cu, date_today(), &body) != 0)
        ret = srv_error(c, r, 500, "out of memory");
    else
        ret = page(c, r, "en", 200, title, body.p, NULL, NULL, NULL, NULL, 0);
    buf_free(&body);
    snapshot_unref(sn);
    return ret;
}

enum MHD_Result api_link_page(server *s, struct MHD_Connection *c, req *r, const char *url, int post)
{
    if (strncmp(url, "/customer/", 10) == 0)
        return customer_page(s, c, r, url + 10);
    if (strncmp(url, "/subscriptions/confirm/", 23) == 0)
        return confirm_page(s, c, r, url + 23, post);
    if (strncmp(url, "/unsubscribe/", 13) == 0)
        return unsubscribe_page(s, c, r, url + 13, post);
    return objection_page(s, c, r, url + 12, post); /* /objections/ */
}
