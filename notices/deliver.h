/* deliver: the two transports of notices, through libcurl: an email handed to an SMTP
 * relay, and a JSON POST to a customer's webhook; and the policy of where webhooks may go
 * (http and https only; never a loopback, private, link-local or otherwise internal
 * address unless an operator allowed its range), checked when a webhook is registered and
 * again on the address each connection really uses (a name that resolves elsewhere later
 * gains nothing). */
#ifndef SUBREG_DELIVER_H
#define SUBREG_DELIVER_H
#include <stddef.h>
#include "../registry/diag.h"
#include "../registry/netaddr.h"

#define DELIVER_MAX_ALLOW 16


typedef struct deliver_policy {
    netaddr_range allow[DELIVER_MAX_ALLOW];
    int nallow;
} deliver_policy;

typedef struct deliver_smtp_cfg {
    const char *url;          /* smtp://HOST:PORT or smtps://HOST:PORT */
    const char *user, *password; /* from the environment, or NULL */
} deliver_smtp_cfg;

/* Call once before any thread starts (curl_global_init). Returns 0 or -1 with err set. */
int deliver_init(sr_err *err);
void deliver_cleanup(void);
/* Add "A.B.C.D/N" or an IPv6 "X::Y/N" (a bare address: one host) to the allowed ranges.
 * Returns 0, or -1 with err saying what is wrong. */
int deliver_allow(deliver_policy *p, const char *cidr, sr_err *err);
/* 1 when a connection to the numeric address ip may be made: a public address, or one in
 * an allowed range. */
int deliver_addr_allowed(const deliver_policy *p, const char *ip);
/* 1 when url is an http(s) URL whose host resolves only to allowed addresses; else 0 with
 * why (for a person). */
int deliver_url_ok(const deliver_policy *p, const char *url, char *why, size_t n);
/* 1 when url is one --smtp takes (smtp:// or smtps://, a host); else 0 with why. */
int deliver_smtp_url_ok(const char *url, char *why, size_t n);

/* Hand the message (CRLF lines, headers first) for to from from to the relay. Returns 0
 * when the relay accepted it, 1 when it refused it or could not be reached; response
 * holds the relay's last reply ("250 2.0.0 Ok: queued as ...") or curl's reason. */
int deliver_smtp(const deliver_smtp_cfg *cfg, const char *from, const char *to, const char *msg,
                 size_t len, char *response, size_t rn);
/* POST body (application/json) to url with the extra headers (NULL-terminated "Name: value"
 * strings). Returns 0 on a 2xx answer, -1 otherwise; response holds the status and the start
 * of the answer, or curl's reason. */
int deliver_http(const deliver_policy *p, const char *url, const char *const *headers,
                 const char *body, size_t len, char *response, size_t rn);
/* Abort every delivery in flight and to come (a server shutting down): they fail as an
 * attempt and are retried after the restart. */
void deliver_cancel_all(void);
#endif
