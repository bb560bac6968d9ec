/*
 * Whether a strongSwan proposal fits an algorithm combination a cloud VPN
 * gateway takes (config_cloud.c has the clouds' tables): its tokens
 * sorted by config_ike.c's cfg_tok_kind into ciphers, integrity
 * algorithms and PRFs (by their hash) and key exchanges, each kind
 * matched against the cloud's names. The loader has checked the proposal
 * already; this only compares.
 */
#include "config_int.h"

#include <string.h>

/* tok (len bytes) is a word of the space-separated list. */
static bool in_list(const char *list, const char *tok, size_t len)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ");

		if (n == len && !memcmp(p, tok, len))
			return true;
		p += n;
		p += strspn(p, " ");
	}
	return false;
}

/* An integrity algorithm or PRF as the hash clouds name; NULL: none of
 * theirs (aesxcbc, sha256_96, ...). */
static const char *hash_of(const char *tok, size_t len)
{
	static const char *const map[][2] = {
	    {"sha", "sha1"},	     {"sha1", "sha1"},	   {"sha1_160", "sha1"},
	    {"prfsha1", "sha1"},     {"sha256", "sha256"}, {"sha2_256", "sha256"},
	    {"prfsha256", "sha256"}, {"sha384", "sha384"}, {"sha2_384", "sha384"},
	    {"prfsha384", "sha384"}, {"sha512", "sha512"}, {"sha2_512", "sha512"},
	    {"prfsha512", "sha512"}, {"md5", "md5"},	   {"md5_128", "md5"},
	    {"prfmd5", "md5"},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strlen(map[i][0]) == len && !memcmp(map[i][0], tok, len))
			return map[i][1];
	return NULL;
}

/* A cipher under the name the suites use: aes is aes128, aes256gcm and
 * aes256gcm128 are aes256gcm16 (a 16-byte ICV). */
static const char *enc_name(const char *tok, size_t len, char *buf, size_t size)
{
	if (len == 3 && !memcmp(tok, "aes", 3))
		return "aes128";
	if (len + 3 > size)
		return "";
	memcpy(buf, tok, len);
	buf[len] = '\0';
	if (len > 3 && !strcmp(buf + len - 3, "gcm"))
		strcat(buf, "16");
	else if (len > 6 && !strcmp(buf + len - 6, "gcm128"))
		strcpy(buf + len - 3, "16");
	return buf;
}

/* The proposal fits the suite in every transform type; additional key
 * exchanges (ke1_ .. ke7_) only when each may be none. */
bool cfg_cloud_fits(const char *p, const struct cfg_cloud_suite *s)
{
	bool enc = false, hash_seen = false, hash = false, ke_seen = false, ke = false;
	bool extra[8] = {false}, extra_none[8] = {false};
	char buf[32];

	for (const char *t = p; *t;) {
		size_t n = strcspn(t, "-");
		enum tok_kind k = cfg_tok_kind(t, n);
		const char *h, *e;

		if (cfg_tok_extra_ke(t, n)) {
			extra[t[2] - '0'] = true;
			extra_none[t[2] - '0'] |= cfg_tok_no_ke(t + 4, n - 4);
		} else if (k == TOK_INTEG || k == TOK_PRF) {
			h = hash_of(t, n);
			hash_seen = true;
			hash |= h && in_list(s->hash, h, strlen(h));
		} else if (k == TOK_KE || cfg_tok_no_ke(t, n)) {
			ke_seen = true;
			ke |= k == TOK_KE ? in_list(s->ke, t, n) : in_list(s->ke, "none", 4);
		} else if (k != TOK_OTHER) { /* esn and noesn matter to no cloud */
			e = enc_name(t, n, buf, sizeof(buf));
			enc |= in_list(s->enc, e, strlen(e));
		}
		t += n;
		t += *t == '-';
	}
	for (size_t i = 1; i < 8; i++)
		if (extra[i] && !extra_none[i])
			return false;
	/* The loader lets a proposal without integrity through only for an
	 * AEAD cipher (ESP), one without a group only in ESP: no PFS. */
	return enc && (hash || !hash_seen) && (ke || (!ke_seen && in_list(s->ke, "none", 4)));
}
