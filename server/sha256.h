/* sha256: FIPS 180-4 SHA-256, for hashing API tokens at rest (none of the project's five
 * libraries exports a hash function). */
#ifndef SUBREG_SHA256_H
#define SUBREG_SHA256_H
#include <stddef.h>
#include <stdint.h>

/* The digest of len bytes of data as 64 lower-case hex digits and a NUL in out. */
void sha256_hex(const void *data, size_t len, char out[65]);
#endif
