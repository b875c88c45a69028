/* message: what a notice says. The RFC 5322 email (multipart/alternative: plain text and
 * HTML, base64 bodies, RFC 2047 encoded headers, RFC 8058 one-click unsubscribe) in the
 * subscriber's language (en, fr, nl), and the JSON body of a webhook. Nothing here sends. */
#ifndef SUBREG_MESSAGE_H
#define SUBREG_MESSAGE_H
#include <time.h>
#include <cjson/cJSON.h>
#include "../registry/buf.h"

typedef struct message_ctx {
    const char *owner;        /* the company, e.g. "CallNex BV" */
    const char *from, *to;    /* plain addresses (checked by notice_email_valid) */
    const char *lang;         /* "en", "fr" or "nl" (anything else: en) */
    const char *message_id;   /* without angle brackets: "local@domain" */
    time_t date;
    const char *page_url;     /* the public page */
    const char *action_url;   /* confirmation: the confirm link; change: the objection link */
    const char *unsubscribe_url;
    const char *customer_url; /* a customer's contact: the customer's own view, or NULL */
    const char *object_until; /* change: the last day to object (notify_object_until), "" or NULL: unsaid */
} message_ctx;

/* 1 when lang is one the messages are written in. */
int message_lang_known(const char *lang);
/* The confirmation email of a subscription. Appends it (CRLF line ends) to out.
 * Returns 0, -1 when out of memory. */
int message_confirmation(const message_ctx *m, buf *out);
/* The notice of change set cs (notice_changeset's object). Returns 0 or -1. */
int message_changes(const message_ctx *m, const cJSON *cs, buf *out);
/* The webhook body for change set cs: {"type", "delivery", "owner", "page", "changeset"}.
 * Returns 0 or -1. */
int message_webhook(const char *owner, const char *delivery, const char *page_url,
                    const cJSON *cs, buf *out);
/* The page (text/html, in language lang: "en", "fr" or "nl") of the links in an email:
 * title and paragraphs of already-escaped HTML, and an optional form posting to action with a
 * submit button labelled button (and a comment field when comment is set). Returns 0 or -1. */
int message_page(const char *lang, const char *title, const char *body_html, const char *action, const char *button,
                 const char *hidden_name, const char *hidden_value, int comment, buf *out);
#endif
