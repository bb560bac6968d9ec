#include "prefix.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t family_bytes(int family)
{
	return family == AF_INET ? 4 : 16;
}

int ipaddr_parse(const char *s, struct ipaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->bytes) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -1;
}

static int parse_len(const char *s, unsigned max, uint8_t *len)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1]))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*len = (uint8_t)v;
	return 0;
}

static bool host_bits_zero(const struct prefix *p)
{
	size_t n = family_bytes(p->addr.family);

	for (size_t i = 0; i < n; i++) {
		unsigned bit0 = (unsigned)i * 8;
		uint8_t mask;

		if (bit0 + 8 <= p->len)
			continue;
		mask = bit0 >= p->len ? 0 : (uint8_t)(0xff << (8 - (p->len - bit0)));
		if (p->addr.bytes[i] & (uint8_t)~mask)
			return false;
	}
	return true;
}

int prefix_parse(const char *s, struct prefix *p, const char **why)
{
	char buf[PREFIX_STRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	const char *dummy;

	if (!why)
		why = &dummy;
	*why = "not an IPv4 or IPv6 prefix";
	if (alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (ipaddr_parse(buf, &p->addr))
		return -1;
	if (!slash) {
		p->len = p->addr.family == AF_INET ? 32 : 128;
		return 0;
	}
	if (parse_len(slash + 1, p->addr.family == AF_INET ? 32 : 128, &p->len)) {
		*why = "invalid prefix length";
		return -1;
	}
	if (!host_bits_zero(p)) {
		*why = "host bits set beyond the prefix length";
		return -1;
	}
	return 0;
}

static bool bits_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole))
		return false;
	if (!rest)
		return true;
	return ((a[whole] ^ b[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool prefix_overlap(const struct prefix *a, const struct prefix *b)
{
	if (a->addr.family != b->addr.family)
		return false;
	return bits_equal(a->addr.bytes, b->addr.bytes, a->len < b->len ? a->len : b->len);
}

bool prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return a->len == b->len && ipaddr_equal(&a->addr, &b->addr);
}

bool prefix_within(const struct prefix *p, const struct prefix *q)
{
	return q->len <= p->len && prefix_overlap(p, q);
}

bool prefix_contains_addr(const struct prefix *p, const struct ipaddr *a)
{
	return p->addr.family == a->family && bits_equal(p->addr.bytes, a->bytes, p->len);
}

bool ipaddr_equal(const struct ipaddr *a, const struct ipaddr *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, family_bytes(a->family));
}

const char *ipaddr_str(const struct ipaddr *a, char *buf, size_t len)
{
	if (!a->family || !inet_ntop(a->family, a->bytes, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *prefix_str(const struct prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", ipaddr_str(&p->addr, a, sizeof(a)), p->len);
	return buf;
}

bool prefix_list_equal(const struct prefix *a, size_t na, const struct prefix *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!prefix_equal(&a[i], &b[i]))
			return false;
	return true;
}

bool prefix_list_has_family(const struct prefix *v, size_t n, int family)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].addr.family == family)
			return true;
	return false;
}
