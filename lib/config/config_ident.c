/*
 * IKE identities as charon tells them apart. libstrongswan turns the text
 * into a typed identity (identification_create_from_string): a type prefix
 * ("fqdn:", "email:", "keyid:", ...) or "{N}:" names the type; otherwise
 * text with '=' is a distinguished name; without '@' an IPv4 or IPv6
 * address if it parses as one, else a host name (no ':') or a key id;
 * "@host" is a host name, "@@user@host" and "user@host" e-mail addresses,
 * "@#hex" a key id. Host names and e-mail addresses are then equal
 * whatever their case, addresses by value (2001:DB8:0::1 is 2001:db8::1).
 *
 * The key built here compares equal exactly when charon's identities
 * would, with one simplification on the safe side: distinguished names
 * and "#hex" values compare as written (charon may still find two such
 * equal; they are then not reported as duplicates, as before).
 */
#include "config_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* libstrongswan's id_type_t values. */
enum {
	ID_ANY = 0,
	ID_IPV4 = 1,
	ID_FQDN = 2,
	ID_EMAIL = 3,
	ID_IPV6 = 5,
	ID_DN = 9,
	ID_GN = 10,
	ID_KEYID = 11,
};

static const struct {
	const char *prefix;
	unsigned kind;
} typed[] = {
    {"ipv4:", ID_IPV4},	     {"ipv6:", ID_IPV6},   {"rfc822:", ID_EMAIL}, {"email:", ID_EMAIL},
    {"userfqdn:", ID_EMAIL}, {"fqdn:", ID_FQDN},   {"dns:", ID_FQDN},	  {"asn1dn:", ID_DN},
    {"asn1gn:", ID_GN},	     {"keyid:", ID_KEYID},
};

static void set(struct cfg_id_key *k, unsigned kind, const void *v, size_t len)
{
	k->kind = kind;
	k->len = len < sizeof(k->v) ? len : sizeof(k->v);
	memcpy(k->v, v, k->len);
	/* Host names and e-mail addresses: charon compares with strncasecmp;
	 * hex digits have no case either. */
	if (kind == ID_FQDN || kind == ID_EMAIL || (k->len && k->v[0] == '#'))
		for (size_t i = 0; i < k->len; i++)
			k->v[i] = (unsigned char)tolower(k->v[i]);
}

/* "{N}:value", the numeric type form; false if s is not one. */
static bool numeric_type(const char *s, struct cfg_id_key *k)
{
	char *end;
	unsigned long n;

	if (s[0] != '{' || !isdigit((unsigned char)s[1]))
		return false;
	n = strtoul(s + 1, &end, 0);
	if (end[0] != '}' || end[1] != ':' || n > 255)
		return false;
	set(k, (unsigned)n, end + 2, strlen(end + 2));
	return true;
}

static bool is_any(const char *s)
{
	static const char *const any[] = {"", "%any", "%any6", "0.0.0.0", "*", "::", "0::0"};

	for (size_t i = 0; i < sizeof(any) / sizeof(any[0]); i++)
		if (!strcmp(s, any[i]))
			return true;
	return false;
}

/* Text without '@' and '=': any, an address, or a name. */
static void plain_id(const char *s, struct cfg_id_key *k)
{
	unsigned char a[16];

	if (is_any(s))
		set(k, ID_ANY, "", 0);
	else if (!strchr(s, ':') && inet_pton(AF_INET, s, a) == 1)
		set(k, ID_IPV4, a, 4);
	else if (!strchr(s, ':'))
		set(k, ID_FQDN, s, strlen(s));
	else if (inet_pton(AF_INET6, s, a) == 1)
		set(k, ID_IPV6, a, 16);
	else
		set(k, ID_KEYID, s, strlen(s));
}

void cfg_id_key(const char *id, struct cfg_id_key *k)
{
	memset(k, 0, sizeof(*k));
	for (size_t i = 0; i < sizeof(typed) / sizeof(typed[0]); i++) {
		size_t n = strlen(typed[i].prefix);

		if (!strncasecmp(id, typed[i].prefix, n)) {
			set(k, typed[i].kind, id + n, strlen(id + n));
			return;
		}
	}
	if (numeric_type(id, k))
		return;
	if (strchr(id, '='))
		set(k, ID_DN, id, strlen(id));
	else if (!strchr(id, '@'))
		plain_id(id, k);
	else if (id[0] == '@' && id[1] == '#')
		set(k, ID_KEYID, id + 1, strlen(id + 1));
	else if (id[0] == '@' && id[1] == '@')
		set(k, ID_EMAIL, id + 2, strlen(id + 2));
	else if (id[0] == '@')
		set(k, ID_FQDN, id + 1, strlen(id + 1));
	else
		set(k, ID_EMAIL, id, strlen(id));
}

void cfg_id_key_text(const char *id, struct cfg_id_key *k)
{
	memset(k, 0, sizeof(*k));
	k->len = strnlen(id, sizeof(k->v));
	memcpy(k->v, id, k->len);
}

int cfg_id_key_cmp(const struct cfg_id_key *a, const struct cfg_id_key *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->v, b->v, a->len);
}

bool cfg_id_equal(const char *a, const char *b)
{
	struct cfg_id_key ka, kb;

	cfg_id_key(a, &ka);
	cfg_id_key(b, &kb);
	return !cfg_id_key_cmp(&ka, &kb);
}
