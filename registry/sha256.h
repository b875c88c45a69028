/* sha256: FIPS 180-4 SHA-256 and RFC 2104 HMAC-SHA256, for hashing API tokens at rest,
 * signing webhooks and notice links (none of the project's libraries exports a hash
 * function the program may use: libcurl's is internal). */
#ifndef SUBREG_SHA256_H
#define SUBREG_SHA256_H
#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t len;
    unsigned char buf[64];
    size_t fill;
} sha256_ctx;

/* Streaming: init, update any number of times, final writes the 32-byte digest. */
void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
void sha256_final(sha256_ctx *c, unsigned char out[32]);
/* The digest of len bytes of data as 64 lower-case hex digits and a NUL in out. */
void sha256_hex(const void *data, size_t len, char out[65]);
/* n raw bytes as 2n lower-case hex digits and a NUL in out. */
void sha256_to_hex(const unsigned char *raw, size_t n, char *out);
/* HMAC-SHA256 with key over a followed by b (b may be NULL: a alone). */
void hmac_sha256(const void *key, size_t klen, const void *a, size_t alen, const void *b,
                 size_t blen, unsigned char out[32]);
/* 1 when the strings are equal, in time that depends only on their lengths (for comparing
 * signatures and token hashes). */
int sha256_equal(const char *a, const char *b);
#endif
