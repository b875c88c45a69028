#include "message.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../registry/date.h"
#include "../registry/json.h"
#include "../registry/page_words.h"

/* The words of the messages, per language. %s and %d in the order the comments say. */
typedef struct words {
    const char *lang;
    const char *subject_changes;  /* owner */
    const char *subject_confirm;  /* owner */
    const char *greeting;
    const char *intro;            /* owner */
    const char *added, *removed, *changed;
    const char *effective;        /* date */
    const char *now;              /* no effective date: at once */
    const char *period;           /* from, to, days */
    const char *object;           /* deadline (then the link) */
    const char *object_button;
    const char *list;             /* (then the link) */
    const char *why;              /* address, owner */
    const char *unsubscribe;      /* (then the link) */
    const char *confirm;          /* owner (then the link) */
    const char *confirm_button;
    const char *ignore;
    const char *more;             /* count: the changes past MESSAGE_MAX_ITEMS (then the list's link) */
    const char *customer;         /* a customer's contact: its own view (then the link) */
} words;

/* An email lists at most this many changes; past it, a count and the link to the list (a
 * push of 20,000 entries made an email of 10 MB, over what relays take). */
#define MESSAGE_MAX_ITEMS 100

static const words all_words[] = {
    {"en", "%s: changes to our sub-processors", "%s: confirm your subscription to sub-processor notices",
     "Hello,",
     "%s is changing the sub-processors that process personal data on its behalf (GDPR Art. 28(2)).",
     "New", "Removed", "Changed", "effective %s", "effective at once",
     "Notice period: from %s to %s (%d days).",
     "You may object to this change until %s:", "Object to this change",
     "The current list of sub-processors:",
     "You receive this because %s subscribed to notices of sub-processor changes of %s.",
     "Unsubscribe:",
     "To receive notices of sub-processor changes of %s, open this link and confirm:", "Confirm",
     "If you did not ask for this, ignore this email: nothing will be sent to you.",
     "... and %d more changes: see the list below.",
     "Your company's sub-processors, terms, upcoming changes and objections:"},
    {"fr", "%s : modifications de nos sous-traitants ultérieurs",
     "%s : confirmez votre abonnement aux avis sur les sous-traitants",
     "Bonjour,",
     "%s modifie les sous-traitants ultérieurs qui traitent des données personnelles pour son compte "
     "(article 28, paragraphe 2, du RGPD).",
     "Nouveau", "Retiré", "Modifié", "en vigueur le %s", "en vigueur immédiatement",
     "Délai de préavis : du %s au %s (%d jours).",
     "Vous pouvez vous opposer à cette modification jusqu'au %s :", "S'opposer à cette modification",
     "La liste actuelle des sous-traitants :",
     "Vous recevez ce message car %s s'est abonné aux avis de modification des sous-traitants de %s.",
     "Se désabonner :",
     "Pour recevoir les avis de modification des sous-traitants de %s, ouvrez ce lien et confirmez :",
     "Confirmer",
     "Si vous n'avez rien demandé, ignorez ce message : rien ne vous sera envoyé.",
     "... et %d autres modifications : voir la liste ci-dessous.",
     "Les sous-traitants, conditions, modifications à venir et oppositions de votre entreprise :"},
    {"nl", "%s: wijzigingen in onze subverwerkers",
     "%s: bevestig uw aanmelding voor kennisgevingen over subverwerkers",
     "Goedendag,",
     "%s wijzigt de subverwerkers die namens haar persoonsgegevens verwerken (art. 28, lid 2, AVG).",
     "Nieuw", "Verwijderd", "Gewijzigd", "van kracht vanaf %s", "onmiddellijk van kracht",
     "Kennisgevingstermijn: van %s tot %s (%d dagen).",
     "U kunt tot %s bezwaar maken tegen deze wijziging:", "Bezwaar maken tegen deze wijziging",
     "De actuele lijst van subverwerkers:",
     "U ontvangt dit bericht omdat %s zich heeft aangemeld voor kennisgevingen over subverwerkers van %s.",
     "Afmelden:",
     "Om kennisgevingen over wijzigingen in de subverwerkers van %s te ontvangen, opent u deze link en bevestigt u:",
     "Bevestigen",
     "Heeft u dit niet gevraagd? Negeer dan dit bericht: u ontvangt niets.",
     "... en nog %d wijzigingen: zie de lijst hieronder.",
     "De subverwerkers, voorwaarden, komende wijzigingen en bezwaren van uw bedrijf:"},
};

/* The message table of lang; English when lang is NULL or not one of ours. */
static const words *words_for(const char *lang)
{
    size_t i;

    for (i = 0; lang && i < sizeof(all_words) / sizeof(all_words[0]); i++)
        if (strcmp(all_words[i].lang, lang) == 0)
            return &all_words[i];
    return &all_words[0];
}

int message_lang_known(const char *lang)
{
    return lang && strcmp(words_for(lang)->lang, lang) == 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of data; a CRLF after every 76 characters when wrap is set. */
static int put_base64(buf *out, const unsigned char *p, size_t n, int wrap)
{
    size_t i, col = 0;
    char q[4];

    for (i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        q[0] = b64[v >> 18 & 63];
        q[1] = b64[v >> 12 & 63];
        q[2] = i + 1 < n ? b64[v >> 6 & 63] : '=';
        q[3] = i + 2 < n ? b64[v & 63] : '=';
        if (buf_add(out, q, 4) != 0)
            return -1;
        col += 4;
        if (wrap && col >= 76 && i + 3 < n) {
            if (buf_puts(out, "\r\n") != 0)
                return -1;
            col = 0;
        }
    }
    return wrap ? buf_puts(out, "\r\n") : 0;
}

/* A header value as RFC 2047 encoded words (UTF-8, base64) of at most 45 bytes each, never
 * splitting a character, folded onto continuation lines: nothing in it can end the header.
 * Plain ASCII without controls is written as it is. */
static int put_encoded(buf *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i, take;
    int plain = 1;

    for (i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] >= 0x7f)
            plain = 0;
    if (plain && n < 900)
        return buf_puts(out, s);
    for (i = 0; i < n; i += take) {
        take = n - i < 45 ? n - i : 45;
        while (i + take < n && (p[i + take] & 0xc0) == 0x80)
            take--; /* do not split a UTF-8 sequence */
        if (take == 0)
            take = 1;
        if (buf_puts(out, i ? "\r\n =?UTF-8?B?" : "=?UTF-8?B?") != 0 || put_base64(out, p + i, take, 0) != 0 ||
            buf_puts(out, "?=") != 0)
            return -1;
    }
    return 0;
}

/* A display name (RFC 5322 3.2.5 phrase): as it is when it is plain ASCII of atoms and
 * spaces; a quoted-string when it has specials (an owner named "Example, Inc." would be two
 * mailboxes unquoted); encoded words when it is not ASCII. */
static int put_display_name(buf *out, const char *s)
{
    const unsigned char *p;
    int plain = 1, specials = 0;

    for (p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p >= 0x7f)
            plain = 0;
        else if (strchr("()<>[]:;@\\,.\"", *p))
            specials = 1;
    }
    if (!plain || strlen(s) >= 900)
        return put_encoded(out, s);
    if (!specials)
        return buf_puts(out, s);
    if (buf_puts(out, "\"") != 0)
        return -1;
    for (p = (const unsigned char *)s; *p; p++)
        if ((*p == '"' || *p == '\\') ? buf_add(out, "\\", 1) != 0 || buf_add(out, p, 1) != 0 : buf_add(out, p, 1) != 0)
            return -1;
    return buf_puts(out, "\"");
}

/* Text without control characters but tab and newline (for a subject or a display name:
 * none either). */
static void clean(char *s, int keep_newlines)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 && !(keep_newlines && (*s == '\n' || *s == '\t')))
            *s = ' ';
}

/* The email's headers (From with the owner's name quoted, Subject encoded, Date, Message-ID,
 * MIME) into out. Returns 0 or -1. */
static int headers(const message_ctx *m, const char *subject, const char *boundary, buf *out)
{
    char date[64], *owner = strdup(m->owner ? m->owner : "subreg"), *subj = strdup(subject);
    struct tm tm;
    int rc = -1;

    if (!owner || !subj)
        goto out;
    clean(owner, 0);
    clean(subj, 0);
    gmtime_r(&m->date, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
    if (buf_puts(out, "From: ") != 0 || put_display_name(out, owner) != 0 ||
        buf_printf(out, " <%s>\r\nTo: <%s>\r\nSubject: ", m->from, m->to) != 0 || put_encoded(out, subj) != 0 ||
        buf_printf(out, "\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n"
                        "Content-Type: multipart/alternative; boundary=\"%s\"\r\n"
                        "Content-Language: %s\r\nAuto-Submitted: auto-generated\r\n"
                        "List-Unsubscribe: <%s>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\n",
                   date, m->message_id, boundary, words_for(m->lang)->lang, m->unsubscribe_url) != 0)
        goto out;
    rc = 0;
out:
    free(owner);
    free(subj);
    return rc;
}

/* One MIME part of boundary: its Content-Type and body, lines ended with CRLF,
 * base64. Returns 0 or -1. */
static int part(buf *out, const char *boundary, const char *ctype, const buf *body)
{
    buf crlf; /* text in its canonical form (RFC 2045 6.8): CRLF line ends */
    size_t i;
    int rc = -1;

    buf_init(&crlf, 0);
    for (i = 0; i < body->len; i++)
        if ((body->p[i] == '\n' && buf_add(&crlf, "\r", 1) != 0) || buf_add(&crlf, body->p + i, 1) != 0)
            goto out;
    if (buf_printf(out, "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                   boundary, ctype) != 0)
        goto out;
    rc = put_base64(out, (const unsigned char *)crlf.p, crlf.len, 1);
out:
    buf_free(&crlf);
    return rc;
}

/* Put the whole message: headers, the text and the HTML part. */
static int assemble(const message_ctx *m, const char *subject, const buf *text, const buf *html, buf *out)
{
    char boundary[80];
    size_t i, l;

    /* the boundary cannot occur in base64 bodies: '=' and '_' around it */
    snprintf(boundary, sizeof(boundary), "=_subreg_%s", m->message_id);
    for (i = 0, l = strlen(boundary); i < l; i++)
        if (boundary[i] == '@')
            boundary[i] = '_';
    if (headers(m, subject, boundary, out) != 0 || part(out, boundary, "text/plain", text) != 0 ||
        part(out, boundary, "text/html", html) != 0)
        return -1;
    return buf_printf(out, "--%s--\r\n", boundary);
}

/* An HTML email's opening up to <body>, in lang, with title escaped and head (trusted) as is.
 * Returns 0 or -1. */
static int html_open(buf *h, const char *lang, const char *title, const char *head)
{
    if (buf_printf(h, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">%s<title>", lang, head) != 0 ||
        buf_xml_escape(h, title) != 0)
        return -1;
    return buf_puts(h, "</title></head><body>\n");
}

/* A paragraph: label, then url as an escaped link. Returns 0 or -1. */
static int html_link(buf *h, const char *label, const char *url)
{
    if (buf_puts(h, "<p>") != 0 || buf_xml_escape(h, label) != 0 || buf_puts(h, " <a href=\"") != 0 ||
        buf_xml_escape(h, url) != 0 || buf_puts(h, "\">") != 0 || buf_xml_escape(h, url) != 0)
        return -1;
    return buf_puts(h, "</a></p>\n");
}

/* A paragraph of escaped text. Returns 0 or -1. */
static int html_para(buf *h, const char *text)
{
    if (buf_puts(h, "<p>") != 0 || buf_xml_escape(h, text) != 0)
        return -1;
    return buf_puts(h, "</p>\n");
}

int message_confirmation(const message_ctx *m, buf *out)
{
    const words *w = words_for(m->lang);
    char subject[300], line[600];
    buf text, html;
    int rc = -1;

    buf_init(&text, 0);
    buf_init(&html, 0);
    snprintf(subject, sizeof(subject), w->subject_confirm, m->owner);
    snprintf(line, sizeof(line), w->confirm, m->owner);
    if (buf_printf(&text, "%s\n\n%s\n%s\n\n%s\n", w->greeting, line, m->action_url, w->ignore) != 0 ||
        html_open(&html, w->lang, subject, "") != 0 || html_para(&html, w->greeting) != 0 ||
        html_link(&html, line, m->action_url) != 0 || html_para(&html, w->ignore) != 0 ||
        buf_puts(&html, "</body></html>\n") != 0)
        goto out;
    rc = assemble(m, subject, &text, &html, out);
out:
    buf_free(&text);
    buf_free(&html);
    return rc;
}

/* One change, as a line: "New: Gladia SAS: <summary> (effective 2026-12-20)". */
static void item_line(const words *w, const cJSON *it, char *out, size_t n)
{
    const char *kind = json_str(it, "change"), *eff = json_str(it, "effective"), *summary = json_str(it, "summary");
    const char *name = json_str(it, "name"), *purpose;
    int l = page_lang_index(w->lang), day;
    char when[120];
    buf places, date;

    buf_init(&places, 0);
    buf_init(&date, 0);
    if (eff && date_parse(eff, &day) == 0) {
        page_date_text(&date, day, l);
        snprintf(when, sizeof(when), w->effective, buf_str(&date));
    } else {
        snprintf(when, sizeof(when), "%s", w->now);
    }
    /* in the subscriber's words, from the item's parts (page_words.c, as the page says
     * them); an item recorded before it had its parts keeps the registry's English summary */
    page_places_text(&places, it, l);
    purpose = json_str(cJSON_GetObjectItemCaseSensitive(it, "purposes"), w->lang);
    if (!purpose)
        purpose = json_str(it, "purpose");
    if (kind && strcmp(kind, "added") == 0 && name && purpose)
        snprintf(out, n, "%s%s%s \xe2\x80\x93 %s%s%s (%s)", w->added, page_colon[l], name, purpose,
                 places.len ? " \xe2\x80\x93 " : "", buf_str(&places), when);
    else if (kind && strcmp(kind, "removed") == 0 && name)
        snprintf(out, n, "%s%s%s (%s)", w->removed, page_colon[l], name, when);
    else if (kind && strcmp(kind, "changed") == 0 && name && places.len)
        snprintf(out, n, "%s%s%s \xe2\x80\x93 %s (%s)", w->changed, page_colon[l], name, buf_str(&places), when);
    else {
        /* the summary says "Added: ..." in English; the language's own word comes first */
        if (summary && strncmp(summary, "Added: ", 7) == 0)
            summary += 7;
        else if (summary && strncmp(summary, "Removed: ", 9) == 0)
            summary += 9;
        else if (summary && strncmp(summary, "Changed: ", 9) == 0)
            summary += 9;
        snprintf(out, n, "%s: %s (%s)",
                 kind && strcmp(kind, "added") == 0 ? w->added : kind && strcmp(kind, "removed") == 0 ? w->removed : w->changed,
                 summary ? summary : json_str(it, "id") ? json_str(it, "id") : "", when);
    }
    buf_free(&places);
    buf_free(&date);
    clean(out, 0);
}

int message_changes(const message_ctx *m, const cJSON *cs, buf *out)
{
    const words *w = words_for(m->lang);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(cs, "items"), *it;
    const char *eff = json_str(cs, "effective"), *ann = json_str(cs, "announced"), *rec = json_str(cs, "recorded");
    char subject[300], line[1200], from[11] = "", deadline[11] = "";
    buf text, html;
    int rc = -1, d0, d1;

    buf_init(&text, 0);
    buf_init(&html, 0);
    snprintf(subject, sizeof(subject), w->subject_changes, m->owner);
    snprintf(from, sizeof(from), "%.10s", ann ? ann : rec ? rec : "");
    if (m->object_until)
        snprintf(deadline, sizeof(deadline), "%s", m->object_until);
    if (buf_printf(&text, "%s\n\n", w->greeting) != 0 || html_open(&html, w->lang, subject, "") != 0 ||
        html_para(&html, w->greeting) != 0)
        goto out;
    snprintf(line, sizeof(line), w->intro, m->owner);
    if (buf_printf(&text, "%s\n\n", line) != 0 || html_para(&html, line) != 0 || buf_puts(&html, "<ul>\n") != 0)
        goto out;
    {
        int k = 0, total = cJSON_GetArraySize(items);
        cJSON_ArrayForEach(it, items) {
            if (k++ == MESSAGE_MAX_ITEMS)
                break;
            item_line(w, it, line, sizeof(line));
            if (buf_printf(&text, "- %s\n", line) != 0 || buf_puts(&html, "<li>") != 0 || buf_xml_escape(&html, line) != 0 ||
                buf_puts(&html, "</li>\n") != 0)
                goto out;
        }
        if (total > MESSAGE_MAX_ITEMS) {
            snprintf(line, sizeof(line), w->more, total - MESSAGE_MAX_ITEMS);
            if (buf_printf(&text, "%s\n", line) != 0 || buf_puts(&html, "<li>") != 0 ||
                buf_xml_escape(&html, line) != 0 || buf_puts(&html, "</li>\n") != 0)
                goto out;
        }
    }
    if (buf_puts(&text, "\n") != 0 || buf_puts(&html, "</ul>\n") != 0)
        goto out;
    if (eff && from[0] && date_parse(from, &d0) == 0 && date_parse(eff, &d1) == 0) {
        snprintf(line, sizeof(line), w->period, from, eff, d1 - d0);
        if (buf_printf(&text, "%s\n\n", line) != 0 || html_para(&html, line) != 0)
            goto out;
    }
    snprintf(line, sizeof(line), w->object, deadline);
    if (buf_printf(&text, "%s\n%s\n\n%s\n%s\n\n", line, m->action_url, w->list, m->page_url) != 0 ||
        html_link(&html, line, m->action_url) != 0 || html_link(&html, w->list, m->page_url) != 0)
        goto out;
    if (m->customer_url &&
        (buf_printf(&text, "%s\n%s\n\n", w->customer, m->customer_url) != 0 ||
         html_link(&html, w->customer, m->customer_url) != 0))
        goto out;
    snprintf(line, sizeof(line), w->why, m->to, m->owner);
    if (buf_printf(&text, "-- \n%s\n%s %s\n", line, w->unsubscribe, m->unsubscribe_url) != 0 ||
        buf_puts(&html, "<hr>\n") != 0 || html_para(&html, line) != 0 ||
        html_link(&html, w->unsubscribe, m->unsubscribe_url) != 0 || buf_puts(&html, "</body></html>\n") != 0)
        goto out;
    rc = assemble(m, subject, &text, &html, out);
out:
    buf_free(&text);
    buf_free(&html);
    return rc;
}

int message_webhook(const char *owner, const char *delivery, const char *page_url,
                    const cJSON *cs, buf *out)
{
    cJSON *root = cJSON_CreateObject();
    char *txt = NULL;
    int rc = -1;

    if (!root)
        return -1;
    cJSON_AddStringToObject(root, "type", "subprocessors.changed");
    cJSON_AddStringToObject(root, "delivery", delivery);
    cJSON_AddStringToObject(root, "owner", owner ? owner : "");
    cJSON_AddStringToObject(root, "page", page_url);
    cJSON_AddItemToObject(root, "changeset", cJSON_Duplicate(cs, 1));
    txt = cJSON_PrintUnformatted(root);
    if (txt)
        rc = buf_puts(out, txt);
    cJSON_free(txt);
    cJSON_Delete(root);
    return rc;
}

int message_page(const char *lang, const char *title, const char *body_html, const char *action,
                 const char *button, const char *hidden_name, const char *hidden_value, int comment,
                 buf *out)
{
    if (html_open(out, words_for(lang)->lang, title, "<meta name=\"viewport\" content=\"width=device-width\">"
                                    "<meta name=\"robots\" content=\"noindex\"><link rel=\"stylesheet\" href=\"/page.css\">") != 0 ||
        buf_puts(out, "<main><h1>") != 0 ||
        buf_xml_escape(out, title) != 0 || buf_printf(out, "</h1>\n%s\n", body_html) != 0)
        return -1;
    if (action) {
        if (buf_puts(out, "<form method=\"post\" action=\"") != 0 || buf_xml_escape(out, action) != 0 ||
            buf_puts(out, "\">\n") != 0)
            return -1;
        if (hidden_name && buf_printf(out, "<input type=\"hidden\" name=\"%s\" value=\"%s\">\n", hidden_name, hidden_value) != 0)
            return -1;
        if (comment && buf_printf(out, "<p><label for=\"comment\">%s</label><br>"
                                       "<textarea id=\"comment\" name=\"comment\" rows=\"5\" cols=\"60\" maxlength=\"4000\">"
                                       "</textarea></p>\n",
                                  strcmp(words_for(lang)->lang, "fr") == 0   ? "Vos raisons (facultatif)"
                                  : strcmp(words_for(lang)->lang, "nl") == 0 ? "Uw redenen (optioneel)"
                                                                            : "Your reasons (optional)") != 0)
            return -1;
        if (buf_puts(out, "<p><button type=\"submit\">") != 0 || buf_xml_escape(out, button) != 0 ||
            buf_puts(out, "</button></p>\n</form>\n") != 0)
            return -1;
    }
    return buf_puts(out, "</main></body></html>\n");
}
