/* notify: notice of changes inside `subreg serve`. One thread follows the served revision:
 * when main moved with a change customers can see (an entry added, removed or retired, or
 * its public view changed) it records the change set and queues its deliveries in one
 * transaction (noticedb), then delivers what is due: confirmation and change emails
 * through the SMTP relay, signed POSTs to webhooks, with exponential backoff for
 * NOTIFY_GIVE_UP_S. The links in emails carry signed tokens (HMAC-SHA256 with the
 * installation's key) naming the subscriber and the change set.
 *
 * The API's request threads share one further database handle under a mutex
 * (notify_db_lock / notify_db_unlock): notices are rare next to reads. */
#ifndef SUBREG_NOTIFY_H
#define SUBREG_NOTIFY_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "deliver.h"
#include "noticedb.h"
#include "../registry/snapshot.h"

/* Deliveries are retried for 4 days (the issue asks at least 3), the delay doubling from
 * retry_base up to NOTIFY_MAX_DELAY_S. */
#define NOTIFY_GIVE_UP_S (4 * 86400)
#define NOTIFY_MAX_DELAY_S 3600
/* A subscription not confirmed within a week is removed (nobody asked to keep it). */
#define NOTIFY_UNCONFIRMED_S (7 * 86400)

typedef struct notify_cfg {
    deliver_smtp_cfg smtp;     /* smtp.url NULL: emails wait in the outbox */
    const char *mail_from;     /* the envelope and From: address */
    const char *public_url;    /* where the links in emails point, without a trailing / */
    deliver_policy policy;     /* where webhooks may go */
    int retry_base;            /* seconds before the first retry */
    int debounce_ms;           /* main must stay still this long before a change set is sealed:
                                * a burst of writes is one notice, not one per write */
} notify_cfg;

typedef struct notifier notifier;

/* Counters for /metrics. */
typedef struct notify_stats {
    atomic_ulong sent, failed_attempts, given_up, changesets;
} notify_stats;

/* Open state_dir/notify.sqlite and start the thread, which reads the served revisions and
 * logs through src (copied; what it points to must outlive the notifier). cfg is copied
 * (its strings must outlive the notifier). Returns 0, or -1 with err set. */
int notify_start(const char *state_dir, const snapshot_source *src, const notify_cfg *cfg,
                 notifier **out, sr_err *err);
/* Stop the thread (after the delivery in progress) and free everything. NULL is fine. */
void notify_stop(notifier *n);
/* Look for work now rather than within the second. */
void notify_wake(notifier *n);
const notify_cfg *notify_config(const notifier *n);
notify_stats *notify_counters(notifier *n);

/* The request threads' database handle: notify_db_lock takes the mutex that guards it and
 * returns it; notify_db_unlock gives it back (every path between the two must reach it). */
noticedb *notify_db_lock(notifier *n);
void notify_db_unlock(notifier *n);

struct registry;
/* The last day subscriber may object to change set cs (notice_changeset's object): for a
 * customer's contact, its DPA's objection window (customer_object_until); else the change
 * set's effective day, or its announcement (else the day it was recorded) + the registry's
 * notice-days (30 without a registry). DATE_NONE when cs says no day. One answer for the
 * notice's email and the objection page. */
int notify_object_until(const struct registry *r, const cJSON *cs, int64_t subscriber);

/* A link token: kind 'c' (confirm subscriber a), 'u' (unsubscribe/see/erase subscriber a),
 * 'o' (subscriber a objects to change set b), 'v' (the view of the customer whose contact
 * subscriber a is); nonce is the subscriber's. out: 80 bytes. */
void notify_token(const unsigned char key[32], char kind, int64_t a, int64_t b, const char *nonce,
                  char out[80]);
/* Read a token's parts without checking it: 0, or -1 when it is not of a token's shape. */
int notify_token_parse(const char *tok, char *kind, int64_t *a, int64_t *b);
/* 1 when tok is the token notify_token makes for these parts. */
int notify_token_valid(const unsigned char key[32], const char *tok, char kind, int64_t a,
                       int64_t b, const char *nonce);

/* A subscription request of the public (email checked, lang known), answered before it is
 * looked at: the notices thread gives an address nobody has, or one still unconfirmed, a
 * confirmation, and a confirmed one nothing. So the request does the same work, in the same
 * time, whoever is subscribed. 1 when queued; 0 when too many wait (in memory, or for their
 * confirmation: at most 10,000), which the caller answers with 429. */
int notify_request(notifier *n, const char *email, const char *lang);

/* Fixed-window rate limit: 1 when one more event for key (e.g. "ip:1.2.3.4") is allowed
 * (and counts it), 0 when limit events happened in the current window of window_s seconds
 * (*retry_after then says when the next is allowed). */
int notify_rate(notifier *n, const char *key, int limit, int window_s, int *retry_after);
#endif
