/* netaddr: IPv4 and IPv6 addresses and ranges (CIDR), one representation for both: 16 bytes,
 * IPv4 as ::ffff:a.b.c.d. For --webhook-allow and --trust-proxy alike. */
#ifndef SUBREG_NETADDR_H
#define SUBREG_NETADDR_H

typedef struct netaddr_range {
    unsigned char addr[16];
    int prefix; /* over the 128 bits */
} netaddr_range;

/* A numeric address (IPv4 or IPv6) into out. Returns 0, or -1 when text is not one. */
int netaddr_parse(const char *text, unsigned char out[16]);
/* "A.B.C.D/N" or "X::Y/N" (a bare address: one host) into out. Returns 0 or -1. */
int netaddr_range_parse(const char *cidr, netaddr_range *out);
/* 1 when a is inside the range. */
int netaddr_in(const unsigned char a[16], const netaddr_range *r);
#endif
