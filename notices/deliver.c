#include "deliver.h"
#include <stdatomic.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <curl/curl.h>

int deliver_init(sr_err *err)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        sr_err_set(err, "cannot initialise libcurl");
        return -1;
    }
    return 0;
}

void deliver_cleanup(void)
{
    curl_global_cleanup();
}

/* ip as 16 bytes (IPv4 mapped into ::ffff:0:0/96). Returns 0, -1 when not an address. */
int deliver_allow(deliver_policy *p, const char *cidr, sr_err *err)
{
    if (p->nallow >= DELIVER_MAX_ALLOW) {
        sr_err_set(err, "--webhook-allow: at most %d ranges", DELIVER_MAX_ALLOW);
        return -1;
    }
    if (netaddr_range_parse(cidr, &p->allow[p->nallow]) != 0) {
        sr_err_set(err, "--webhook-allow %s: give an address range such as 127.0.0.0/8 or fd00::/8", cidr);
        return -1;
    }
    p->nallow++;
    return 0;
}

/* The ranges no webhook may reach by default: this host, private networks, link-local
 * (cloud metadata at 169.254.169.254), carrier-grade NAT, documentation, multicast and
 * reserved space, in IPv4 and IPv6. */
static const struct { const char *net; int prefix; } internal[] = {
    {"0.0.0.0", 8}, {"10.0.0.0", 8}, {"100.64.0.0", 10}, {"127.0.0.0", 8}, {"169.254.0.0", 16},
    {"172.16.0.0", 12}, {"192.0.0.0", 24}, {"192.0.2.0", 24}, {"192.168.0.0", 16}, {"198.18.0.0", 15},
    {"198.51.100.0", 24}, {"203.0.113.0", 24}, {"224.0.0.0", 4}, {"240.0.0.0", 4},
    {"::", 128}, {"::1", 128}, {"64:ff9b::", 96}, {"100::", 64}, {"2001:db8::", 32}, {"fc00::", 7},
    {"fe80::", 10}, {"ff00::", 8},
    /* tunnels and translations that reach IPv4 or internal space: 6to4, Teredo, local-use
     * NAT64, and the deprecated site-local range */
    {"2002::", 16}, {"2001::", 32}, {"64:ff9b:1::", 48}, {"fec0::", 10},
};

int deliver_addr_allowed(const deliver_policy *p, const char *ip)
{
    unsigned char a[16];
    netaddr_range net;
    size_t i;
    int k;

    if (netaddr_parse(ip, a) != 0)
        return 0;
    for (k = 0; k < p->nallow; k++)
        if (netaddr_in(a, &p->allow[k]))
            return 1;
    for (i = 0; i < sizeof(internal) / sizeof(internal[0]); i++) {
        int v4 = strchr(internal[i].net, ':') == NULL;
        netaddr_parse(internal[i].net, net.addr);
        net.prefix = internal[i].prefix + (v4 ? 96 : 0);
        if (netaddr_in(a, &net))
            return 0;
    }
    return 1;
}

int deliver_url_ok(const deliver_policy *p, const char *url, char *why, size_t n)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    struct addrinfo hints, *res = NULL, *ai;
    int ok = 0;

    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        snprintf(why, n, "url: give an absolute http or https URL");
        goto out;
    }
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
        snprintf(why, n, "url: only http and https URLs, not %s", scheme);
        goto out;
    }
    if (host[0] == '[') { /* an IPv6 literal */
        size_t l = strlen(host);
        memmove(host, host + 1, l);
        if (l >= 2)
            host[l - 2] = '\0';
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res) {
        snprintf(why, n, "url: the host %s does not resolve", host);
        goto out;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        char ip[INET6_ADDRSTRLEN] = "";
        if (ai->ai_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr, ip, sizeof(ip));
        else if (ai->ai_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr, ip, sizeof(ip));
        if (!deliver_addr_allowed(p, ip)) {
            snprintf(why, n, "url: %s is %s, an internal address webhooks may not reach "
                             "(an operator can allow its range with serve --webhook-allow CIDR)", host, ip);
            goto out;
        }
    }
    ok = 1;
out:
    if (res)
        freeaddrinfo(res);
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

int deliver_smtp_url_ok(const char *url, char *why, size_t n)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    int ok = 0;

    if (!u || curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        (strcmp(scheme, "smtp") != 0 && strcmp(scheme, "smtps") != 0))
        snprintf(why, n, "--smtp %s: give smtp://HOST:PORT (STARTTLS when offered, required with a password) "
                         "or smtps://HOST:PORT (TLS)", url);
    else
        ok = 1;
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

typedef struct reader {
    const char *p;
    size_t left;
} reader;

static size_t read_cb(char *out, size_t size, size_t nitems, void *arg)
{
    reader *r = arg;
    size_t n = size * nitems < r->left ? size * nitems : r->left;

    memcpy(out, r->p, n);
    r->p += n;
    r->left -= n;
    return n;
}

typedef struct last_line {
    char *out;
    size_t n;
} last_line;

/* Keeps the relay's last reply line (what proves it took the message). */
static int debug_cb(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
    last_line *l = arg;
    size_t k;

    (void)h;
    if (type != CURLINFO_HEADER_IN || size == 0)
        return 0;
    /* the farewell to QUIT says nothing of the message: keep what came before it (a relay's
     * refusal of the recipient is the proof that matters then) */
    if (size >= 4 && memcmp(data, "221 ", 4) == 0 && l->out[0])
        return 0;
    k = size < l->n - 1 ? size : l->n - 1;
    memcpy(l->out, data, k);
    l->out[k] = '\0';
    l->out[strcspn(l->out, "\r\n")] = '\0';
    return 0;
}

static atomic_int cancelled;

void deliver_cancel_all(void)
{
    atomic_store(&cancelled, 1);
}

/* libcurl asks about once a second (and at each transfer step): 1 aborts the transfer. */
static int progress(void *p, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)p, (void)dt, (void)dn, (void)ut, (void)un;
    return atomic_load(&cancelled) ? 1 : 0;
}

/* The options every transfer shares: no signals, deadlines, and the abort check of a
 * shutdown. */
static void common(CURL *h)
{
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    /* a shutdown ends a delivery in flight within about a second (it is retried after the
     * restart, with the same Message-ID and idempotency key) */
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
    /* libcurl 7.88's CURLOPT_TIMEOUT does not bound the wait for the relay's answer after the
     * end of DATA: a relay that stalls there held the notices thread about 180 s a message */
    curl_easy_setopt(h, CURLOPT_SERVER_RESPONSE_TIMEOUT, 30L);
}

int deliver_smtp(const deliver_smtp_cfg *cfg, const char *from, const char *to, const char *msg,
                 size_t len, char *response, size_t rn)
{
    CURL *h = curl_easy_init();
    struct curl_slist *rcpt = NULL;
    reader r = {msg, len};
    last_line l = {response, rn};
    char addr[300];
    CURLcode cc;
    long code = 0;
    int rc = 1;

    snprintf(response, rn, "not sent");
    if (!h)
        return 1;
    snprintf(addr, sizeof(addr), "<%s>", to);
    rcpt = curl_slist_append(NULL, addr);
    snprintf(addr, sizeof(addr), "<%s>", from);
    common(h);
    curl_easy_setopt(h, CURLOPT_URL, cfg->url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, addr);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, &r);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    /* a password never goes over a connection without TLS; without one, STARTTLS when the
     * relay offers it */
    curl_easy_setopt(h, CURLOPT_USE_SSL, cfg->password ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
    if (cfg->user)
        curl_easy_setopt(h, CURLOPT_USERNAME, cfg->user);
    if (cfg->password)
        curl_easy_setopt(h, CURLOPT_PASSWORD, cfg->password);
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, debug_cb);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, &l);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L); /* for debug_cb: the replies, printed nowhere */
    cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (cc == CURLE_OK && code >= 200 && code < 300)
        rc = 0;
    else if (code < 400 || !response[0])
        snprintf(response, rn, "%s", curl_easy_strerror(cc));
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(h);
    return rc;
}

static size_t write_cb(char *data, size_t size, size_t nitems, void *arg)
{
    last_line *l = arg;
    size_t have = strlen(l->out), n = size * nitems;

    if (have + 1 < l->n) {
        size_t k = n < l->n - 1 - have ? n : l->n - 1 - have;
        memcpy(l->out + have, data, k);
        l->out[have + k] = '\0';
    }
    return n;
}

/* libcurl's last word before it connects: refuse an address the webhook policy does not allow
 * (the name may have resolved anywhere). */
static int prereq_cb(void *arg, char *ip, char *local, int port, int lport)
{
    (void)local, (void)port, (void)lport;
    return deliver_addr_allowed(arg, ip) ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT;
}

int deliver_http(const deliver_policy *p, const char *url, const char *const *headers,
                 const char *body, size_t len, char *response, size_t rn)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hs = NULL;
    char answer[200] = "";
    last_line l = {answer, sizeof(answer)};
    CURLcode cc;
    long code = 0;
    size_t i;
    int rc = -1;

    snprintf(response, rn, "not sent");
    if (!h)
        return -1;
    hs = curl_slist_append(hs, "Content-Type: application/json");
    hs = curl_slist_append(hs, "User-Agent: subreg-notices");
    for (i = 0; headers && headers[i]; i++)
        hs = curl_slist_append(hs, headers[i]);
    common(h);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); /* a redirect is not a delivery */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &l);
    curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, prereq_cb);
    curl_easy_setopt(h, CURLOPT_PREREQDATA, (void *)p);
    cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    for (i = 0; answer[i]; i++)
        if ((unsigned char)answer[i] < 0x20)
            answer[i] = ' ';
    if (cc == CURLE_OK) {
        snprintf(response, rn, "HTTP %ld %s", code, answer);
        rc = code >= 200 && code < 300 ? 0 : -1;
    } else if (cc == CURLE_ABORTED_BY_CALLBACK) {
        snprintf(response, rn, "refused: the host resolved to an internal address");
    } else {
        snprintf(response, rn, "%s", curl_easy_strerror(cc));
    }
    curl_slist_free_all(hs);
    curl_easy_cleanup(h);
    return rc;
}
