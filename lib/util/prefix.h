/* IPv4/IPv6 addresses and CIDR prefixes: strict parsing and overlap tests. */
#ifndef XFRMD_PREFIX_H
#define XFRMD_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PREFIX_STRLEN 50 /* INET6_ADDRSTRLEN + "/128" */

struct ipaddr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t bytes[16];
};

struct prefix {
	struct ipaddr addr;
	uint8_t len;
};

/* 0 on success, -1 on syntax error. */
int ipaddr_parse(const char *s, struct ipaddr *a);
/* Strict CIDR "a.b.c.d/n" or "x::/n"; a bare address is a host prefix.
 * Rejects host bits set beyond the mask (*why is set to a reason). */
int prefix_parse(const char *s, struct prefix *p, const char **why);
bool prefix_overlap(const struct prefix *a, const struct prefix *b);
bool prefix_equal(const struct prefix *a, const struct prefix *b);
/* p is q or lies inside it (as long or longer, same leading bits). */
bool prefix_within(const struct prefix *p, const struct prefix *q);
/* The same prefixes in the same order. */
bool prefix_list_equal(const struct prefix *a, size_t na, const struct prefix *b, size_t nb);
/* Whether one of v[0..n) is of family (AF_INET, AF_INET6). */
bool prefix_list_has_family(const struct prefix *v, size_t n, int family);
bool prefix_contains_addr(const struct prefix *p, const struct ipaddr *a);
bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b);
const char *ipaddr_str(const struct ipaddr *a, char *buf, size_t len);
const char *prefix_str(const struct prefix *p, char *buf, size_t len);

#endif
