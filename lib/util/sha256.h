/* SHA-256 (FIPS 180-4): names an applied config in status and plans. */
#ifndef XFRMD_SHA256_H
#define XFRMD_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN     32
#define SHA256_HEX_LEN (2 * SHA256_LEN + 1)

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;
	uint8_t block[64];
	size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN]);
/* One-shot, lowercase hex. */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN]);

#endif
