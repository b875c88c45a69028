/* noticedb: the server's records of notice, in STATE/notify.sqlite (never in git: they hold
 * personal data): subscribers, customers' webhooks, the change sets that mattered to
 * customers, the outbox of deliveries with every attempt (the proof of notice) and the
 * objections.
 *
 * Durability: a change set and its deliveries (one per confirmed subscriber and active
 * webhook) are inserted in one transaction with the revision cursor, so a crash leaves
 * either nothing (the change set is found again from the cursor) or everything. Each
 * delivery has a unique idempotency key (kind, recipient, change set): queuing twice is a
 * no-op. synchronous=FULL: a committed delivery survives a power cut.
 *
 * Lists come back as cJSON arrays (caller owns them). Every function returns 0 on success
 * and -1 with err set, unless its comment says otherwise. A handle is for one thread at a
 * time. */
#ifndef SUBREG_NOTICEDB_H
#define SUBREG_NOTICEDB_H
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "../registry/diag.h"

typedef struct noticedb noticedb;

/* The limits of an address (RFC 5321 4.5.3.1: 64-octet local part, 254-octet path). */
#define NOTICE_EMAIL_MAX 254

/* Open (creating it, mode 0600) STATE_DIR/notify.sqlite. */
int notice_open(const char *state_dir, noticedb **out, sr_err *err);
void notice_close(noticedb *db);
/* This installation's 32-byte secret for signing links (made on first open). */
const unsigned char *notice_key(noticedb *db);

/* 1 when email is an address the program will send to: ASCII, one '@', a local part of
 * 1-64 characters without spaces, quotes, angle brackets or control characters, a domain
 * of dot-separated labels of letters, digits and '-', at most NOTICE_EMAIL_MAX in all.
 * Otherwise 0 with why (for a person) filled. */
int notice_email_valid(const char *email, char *why, size_t n);

/* 1 when s (a customer's name) is one line of at most max bytes of well-formed UTF-8
 * without control characters. */
int notice_text_ok(const char *s, size_t max);

typedef struct notice_subscriber {
    int64_t id;
    char email[NOTICE_EMAIL_MAX + 1];
    char lang[8];
    char nonce[33];      /* random, signed into its links: a new subscription gets new links */
    int confirmed;
} notice_subscriber;

/* Add email (or update its language and customer). confirmed = 1 makes it confirmed at
 * once (an editor adding a customer's contact). *created = 1 when it is new, *sub filled
 * either way. */
int notice_subscribe(noticedb *db, const char *email, const char *lang, const char *customer,
                     const char *source, int confirmed, notice_subscriber *sub, int *created,
                     sr_err *err);
/* The subscriber id (or, with id 0, email): 0 found (sub filled), SR_NOTFOUND, or -1. */
int notice_find(noticedb *db, int64_t id, const char *email, notice_subscriber *sub,
                      sr_err *err);
/* Confirm subscriber id: 0 done, SR_NOTFOUND when it was confirmed already (or is gone), or
 * -1. */
int notice_confirm(noticedb *db, int64_t id, sr_err *err);
/* Remove subscriber id (or with id 0, email) and its pending deliveries. pseudonymise = 1
 * also replaces the address in the delivery records and objections by "erased:" and its
 * SHA-256, so that proof can still be checked against an address a person gives, without
 * the registry keeping it. 0 removed, SR_NOTFOUND absent, or -1. */
int notice_unsubscribe(noticedb *db, int64_t id, const char *email, int pseudonymise,
                       sr_err *err);
/* Subscribers, oldest first: [{id, email, lang, customer, source, created, confirmed}]. */
int notice_subscribers(noticedb *db, cJSON **out, sr_err *err);
/* What is stored about subscriber id: its row and its deliveries, as one object. */
int notice_subscriber_data(noticedb *db, int64_t id, cJSON **out, sr_err *err);

/* Register a webhook: fills *id and secret ("whsec_" and 64 hex digits). */
int notice_webhook_add(noticedb *db, const char *url, const char *customer, const char *by,
                       int64_t *id, char secret[72], sr_err *err);
/* 0 removed, SR_NOTFOUND absent, or -1. */
int notice_webhook_remove(noticedb *db, int64_t id, sr_err *err);
/* [{id, url, customer, created, created_by}] (no secrets). */
int notice_webhooks(noticedb *db, cJSON **out, sr_err *err);

/* The last revision examined for change sets into rev (41 bytes), "" when none yet. */
int notice_cursor(noticedb *db, char rev[41], sr_err *err);
int notice_set_cursor(noticedb *db, const char *rev, sr_err *err);
/* Record the change set from..to (items: a JSON array of changes, announced and effective
 * "YYYY-MM-DD" or NULL) and queue one delivery per confirmed subscriber and per webhook,
 * and move the cursor to to, in one transaction. *queued: deliveries queued. */
int notice_record(noticedb *db, const char *from, const char *to, const char *items,
                  const char *announced, const char *effective, int64_t *changeset,
                  size_t *queued, sr_err *err);
/* Queue the confirmation email of subscriber id (durable, retried like the others). */
int notice_queue_confirmation(noticedb *db, int64_t id, sr_err *err);
/* The change set id: {id, from, to, recorded, announced, effective, items}; NULL when absent
 * (err empty) or on failure. */
cJSON *notice_changeset(noticedb *db, int64_t id, sr_err *err);

typedef enum { DELIVER_CONFIRM, DELIVER_MAIL, DELIVER_WEBHOOK } notice_kind;

/* One delivery due now. */
typedef struct notice_due {
    int64_t id, changeset, subscriber, webhook;
    notice_kind kind;
    char recipient[1024];     /* the address or the URL */
    char lang[8], nonce[33];  /* of the subscriber */
    char secret[72];          /* of the webhook */
    char idem[96];            /* the idempotency key */
    int attempts;
    int64_t queued;
} notice_due;

/* Up to max deliveries of the kinds (bits 1 << notice_kind) whose next attempt is due at
 * now (unix seconds), oldest first. Returns how many, or -1. */
int notice_due_list(noticedb *db, int64_t now, unsigned kinds, notice_due *out, int max, sr_err *err);
/* Make every pending delivery due now (a restart: the relay may have been fixed). */
int notice_retry_now(noticedb *db, sr_err *err);
/* Record an attempt of delivery id at now: ok = 1 delivered (with message_id), else retried
 * at next_at, or given up when next_at is 0. response: what the relay or the receiver said. */
int notice_attempt(noticedb *db, int64_t id, int64_t now, int ok, const char *response,
                   const char *message_id, int64_t next_at, sr_err *err);
/* Deliveries still pending: returns the count, or -1. */
int64_t notice_pending(noticedb *db, sr_err *err);
/* Subscriptions not confirmed yet: returns the count, or -1. */
int64_t notice_unconfirmed(noticedb *db, sr_err *err);

/* The proof of notice: every delivery of a change set recorded at or after since (unix
 * seconds, 0: all), oldest first: [{id, changeset, from, to, channel, recipient, customer,
 * status, queued, delivered, attempts, response, message_id}]. */
int notice_proof(noticedb *db, int64_t since, int64_t after, int64_t limit, cJSON **out, sr_err *err);

/* Record subscriber id's objection to changeset (comment may be NULL): 0 recorded,
 * SR_NOTFOUND when it objected already (nothing to change), or -1. */
int notice_object(noticedb *db, int64_t changeset, int64_t subscriber, const char *comment,
                  int64_t now, sr_err *err);
/* [{id, changeset, from, to, email, customer, date, comment, items}], newest first. */
int notice_objections(noticedb *db, cJSON **out, sr_err *err);

/* Change sets whose notice period has started (announced, else recorded, on or before
 * today "YYYY-MM-DD") with deliveries not yet made: [{changeset, to, announced, effective,
 * pending, recipients}]. */
int notice_unsent(noticedb *db, const char *today, cJSON **out, sr_err *err);

/* Remove subscriptions never confirmed and made before before (unix seconds), with their
 * pending confirmation: nobody asked to keep them. Returns how many, or -1. */
int notice_expire_unconfirmed(noticedb *db, int64_t before, sr_err *err);
/* The retention of proof: remove the change sets recorded before before whose deliveries
 * are all done, with their deliveries, attempts and objections, and done confirmation
 * emails queued before it. Returns the deliveries removed, or -1. */
int notice_purge(noticedb *db, int64_t before, sr_err *err);
#endif
