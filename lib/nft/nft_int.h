/* Shared by lib/nft's files: a growing text buffer, a connection's links. */
#ifndef XFRMD_NFT_INT_H
#define XFRMD_NFT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

struct nbuf {
	char *s;
	size_t len, cap;
	bool oom;
};
void nb_add(struct nbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* { "xfrmd1", "xfrmd2" }: the links of c's tunnels (kplan's names). */
void nb_links(struct nbuf *b, const struct cfg_connection *c);
/* { 10.1.0.0/24, ... } of family out of v[n]; false: none of it. */
bool nb_prefixes(struct nbuf *b, const struct prefix *v, size_t n, int family);

/* " tcp flags syn / syn,rst ... comment \"conn NAME\"\n": c's clamp. */
void nb_clamp(struct nbuf *b, const struct cfg_connection *c);
/* nb_clamp with mss instead of c's (CFG_MSS_AUTO: rt mtu). */
void nb_clamp_to(struct nbuf *b, const struct cfg_connection *c, uint32_t mss);

/* nft_rules_nat.c: chains premark, prenat and postnat; the clamp rules of
 * a policy-mode NAT connection (out: what its mark routes to the far side
 * and what goes to remote prefixes no ingress rule translates; in: what
 * its SAs decrypted). */
void nft_nat_chains(struct nbuf *b, const struct cfg_config *cfg);
void nft_clamp_policy_nat(struct nbuf *b, const struct cfg_connection *c);

#endif
