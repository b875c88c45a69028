#include "sha256.h"
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

void sha256_to_hex(const unsigned char *raw, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < n; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[2 * n] = '\0';
}

void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char d[32];
    unsigned int n = 0;

    if (EVP_Digest(data, len, d, &n, EVP_sha256(), NULL) != 1 || n != 32)
        memset(d, 0, sizeof(d)); /* only out of memory: an all-zero digest matches nothing stored */
    sha256_to_hex(d, 32, out);
}

void hmac_sha256(const void *key, size_t klen, const void *a, size_t alen, const void *b,
                 size_t blen, unsigned char out[32])
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *h = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
                           OSSL_PARAM_construct_end()};
    size_t n = 0;

    if (!h || EVP_MAC_init(h, key, klen, params) != 1 || EVP_MAC_update(h, a, alen) != 1 ||
        (b && EVP_MAC_update(h, b, blen) != 1) || EVP_MAC_final(h, out, &n, 32) != 1 || n != 32)
        memset(out, 0, 32); /* only out of memory: a signature that matches nothing */
    EVP_MAC_CTX_free(h);
    EVP_MAC_free(mac);
}

int sha256_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);

    return la == lb && CRYPTO_memcmp(a, b, la) == 0;
}
