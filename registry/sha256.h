/* sha256: SHA-256 and HMAC-SHA256 through OpenSSL's libcrypto (EVP), for hashing API tokens
 * at rest, signing webhooks and notice links, and comparing them in constant time. */
#ifndef SUBREG_SHA256_H
#define SUBREG_SHA256_H
#include <stddef.h>

/* The digest of len bytes of data as 64 lower-case hex digits and a NUL in out. */
void sha256_hex(const void *data, size_t len, char out[65]);
/* n raw bytes as 2n lower-case hex digits and a NUL in out. */
void sha256_to_hex(const unsigned char *raw, size_t n, char *out);
/* HMAC-SHA256 with key over a followed by b (b may be NULL: a alone). */
void hmac_sha256(const void *key, size_t klen, const void *a, size_t alen, const void *b,
                 size_t blen, unsigned char out[32]);
/* 1 when the strings are equal, in time that depends only on their lengths (CRYPTO_memcmp;
 * for comparing signatures and token hashes). */
int sha256_equal(const char *a, const char *b);
#endif
