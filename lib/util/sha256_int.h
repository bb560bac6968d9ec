/* Between sha256.c and its CPU-specific block functions. */
#ifndef XFRMD_SHA256_INT_H
#define XFRMD_SHA256_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern const uint32_t sha256_k[64]; /* the round constants (sha256_k.c) */

/* For tests: true uses the portable code whatever the CPU has. */
void sha256_set_portable(bool portable);

bool sha256_x86_available(void);
/* n whole 64-byte blocks into h; only where sha256_x86_available(). */
void sha256_x86_blocks(uint32_t h[8], const uint8_t *p, size_t n);

#endif
