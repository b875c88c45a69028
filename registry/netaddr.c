#include "netaddr.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int netaddr_parse(const char *text, unsigned char out[16])
{
    struct in_addr a4;

    if (inet_pton(AF_INET6, text, out) == 1)
        return 0;
    if (inet_pton(AF_INET, text, &a4) != 1)
        return -1;
    memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    memcpy(out + 12, &a4, 4);
    return 0;
}

int netaddr_range_parse(const char *cidr, netaddr_range *out)
{
    char host[64], *slash, *end = NULL;
    long prefix;
    int v4;

    snprintf(host, sizeof(host), "%s", cidr);
    slash = strchr(host, '/');
    if (slash)
        *slash = '\0';
    v4 = strchr(host, ':') == NULL;
    prefix = slash ? strtol(slash + 1, &end, 10) : (v4 ? 32 : 128);
    if (netaddr_parse(host, out->addr) != 0 || prefix < 0 || prefix > (v4 ? 32 : 128) ||
        (slash && (!slash[1] || *end)))
        return -1;
    out->prefix = (int)prefix + (v4 ? 96 : 0);
    return 0;
}

int netaddr_in(const unsigned char a[16], const netaddr_range *r)
{
    int full = r->prefix / 8, rest = r->prefix % 8;

    if (memcmp(a, r->addr, (size_t)full) != 0)
        return 0;
    return rest == 0 || ((a[full] ^ r->addr[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}
