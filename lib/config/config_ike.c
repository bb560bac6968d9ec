/*
 * IKE and ESP settings of a connection: proposal tokens and how they fit
 * together, the algorithms refused as weak unless the connection opts in
 * (allow_legacy_crypto), the lifetimes against each other and the IKEv1
 * DPD timers.
 */
#include "config_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/*
 * Refused unless the connection sets allow_legacy_crypto: single DES and
 * the 64-bit block ciphers (3DES, Blowfish, CAST-128: Sweet32), MD5 and
 * SHA-1 as integrity algorithm or PRF, MODP groups under 2048 bits and
 * the 160-bit subgroup of MODP-1024, elliptic curves under 256 bits. The
 * same holds for additional key exchanges (ke1_modp1024 is modp1024).
 */
static const char weak_words[] = " des 3des blowfish blowfish128 blowfish192 blowfish256 cast128"
				 " md5 md5_128 sha sha1 sha1_160 prfmd5 prfsha1"
				 " modp768 modp1024 modp1536 modp1024s160 ecp192 ecp224 ecp224bp ";

/*
 * strongSwan's proposal keywords (proposal_keywords_static.txt, plus the
 * ntru and newhope plugins of 5.9), one space-separated list per transform
 * type. A typo here would otherwise pass `validate` and only fail when
 * charon loads the connection.
 */
static const char enc_words[] =
    " null des 3des aes aes128 aes192 aes256 aes128ctr aes192ctr aes256ctr"
    " aes128ccm8 aes128ccm64 aes128ccm12 aes128ccm96 aes128ccm16 aes128ccm128 aes128ccm"
    " aes192ccm8 aes192ccm64 aes192ccm12 aes192ccm96 aes192ccm16 aes192ccm128 aes192ccm"
    " aes256ccm8 aes256ccm64 aes256ccm12 aes256ccm96 aes256ccm16 aes256ccm128 aes256ccm"
    " aes128gcm8 aes128gcm64 aes128gcm12 aes128gcm96 aes128gcm16 aes128gcm128 aes128gcm"
    " aes192gcm8 aes192gcm64 aes192gcm12 aes192gcm96 aes192gcm16 aes192gcm128 aes192gcm"
    " aes256gcm8 aes256gcm64 aes256gcm12 aes256gcm96 aes256gcm16 aes256gcm128 aes256gcm"
    " aes128gmac aes192gmac aes256gmac chacha20poly1305 chacha20poly1305compat"
    " blowfish blowfish128 blowfish192 blowfish256 camellia camellia128 camellia192 camellia256"
    " camellia128ctr camellia192ctr camellia256ctr"
    " camellia128ccm8 camellia128ccm64 camellia128ccm12 camellia128ccm96 camellia128ccm16"
    " camellia128ccm128 camellia192ccm8 camellia192ccm64 camellia192ccm12 camellia192ccm96"
    " camellia192ccm16 camellia192ccm128 camellia256ccm8 camellia256ccm64 camellia256ccm12"
    " camellia256ccm96 camellia256ccm16 camellia256ccm128"
    " cast128 serpent serpent128 serpent192 serpent256 twofish twofish128 twofish192 twofish256 ";
static const char integ_words[] = " sha sha1 sha1_160 sha256 sha2_256 sha256_96 sha2_256_96"
				  " sha384 sha2_384 sha512 sha2_512 md5 md5_128 aesxcbc"
				  " camelliaxcbc aescmac ";
static const char prf_words[] = " prfsha1 prfsha256 prfsha384 prfsha512 prfmd5 prfaesxcbc"
				" prfcamelliaxcbc prfaescmac ";
static const char ke_words[] =
    " modp768 modp1024 modp1536 modp2048 modp3072 modp4096 modp6144 modp8192"
    " ecp192 ecp224 ecp256 ecp384 ecp521 modp1024s160 modp2048s224 modp2048s256"
    " ecp224bp ecp256bp ecp384bp ecp512bp curve25519 x25519 curve448 x448 gost256 gost512"
    " mlkem512 mlkem768 mlkem1024 ntru112 ntru128 ntru192 ntru256 newhope128 ";
static const char noke_words[] = " none modpnone modpnull ";
static const char esn_words[] = " noesn esn ";

static bool in_words(const char *words, const char *tok, size_t len)
{
	for (const char *p = strstr(words, " "); p && p[1]; p = strchr(p + 1, ' '))
		if (!strncmp(p + 1, tok, len) && p[1 + len] == ' ')
			return true;
	return false;
}

bool cfg_tok_no_ke(const char *tok, size_t len)
{
	return in_words(noke_words, tok, len);
}

bool cfg_tok_extra_ke(const char *tok, size_t len)
{
	return len > 4 && tok[0] == 'k' && tok[1] == 'e' && tok[2] >= '1' && tok[2] <= '7' &&
	       tok[3] == '_';
}

static bool tok_weak(const char *tok, size_t len)
{
	if (cfg_tok_extra_ke(tok, len))
		return in_words(weak_words, tok + 4, len - 4);
	return in_words(weak_words, tok, len);
}

enum tok_kind cfg_tok_kind(const char *tok, size_t len)
{
	/* Additional key exchanges never replace the main group an IKE
	 * proposal needs. */
	if (cfg_tok_extra_ke(tok, len))
		return in_words(ke_words, tok + 4, len - 4) || cfg_tok_no_ke(tok + 4, len - 4)
			   ? TOK_OTHER
			   : TOK_UNKNOWN;
	if (in_words(enc_words, tok, len)) {
		/* null and AES-GMAC authenticate but do not encrypt. */
		if (!strncmp(tok, "null", len) || (len > 4 && !memcmp(tok + len - 4, "gmac", 4)))
			return TOK_NULL_ENC;
		if (memmem(tok, len, "gcm", 3) || memmem(tok, len, "ccm", 3) ||
		    memmem(tok, len, "chacha20poly1305", 16))
			return TOK_AEAD;
		return TOK_ENC;
	}
	if (in_words(integ_words, tok, len))
		return TOK_INTEG;
	if (in_words(prf_words, tok, len))
		return TOK_PRF;
	if (in_words(ke_words, tok, len))
		return TOK_KE;
	if (cfg_tok_no_ke(tok, len) || in_words(esn_words, tok, len))
		return TOK_OTHER; /* neither matters for the checks below */
	return TOK_UNKNOWN;
}

const char *cfg_proposal_syntax(const char *p)
{
	static const char why[] = "expected lowercase algorithm tokens [a-z0-9_] joined by '-'";
	size_t n = strlen(p);

	if (!n || p[0] == '-' || p[n - 1] == '-' || strstr(p, "--"))
		return why;
	if (strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		return why;
	return NULL;
}

/* The first token of each kind, for messages. */
struct tok_seen {
	const char *at[TOK_OTHER + 1];
	size_t len[TOK_OTHER + 1];
};

/* Appends ", tok" (or "tok" first) to list; the count goes up either way. */
static void list_add(char *list, size_t size, size_t *n, const char *t, size_t len)
{
	size_t used = strlen(list);

	if (used < size)
		snprintf(list + used, size - used, "%s%.*s", *n ? ", " : "", (int)len, t);
	(*n)++;
}

static void weak_add(struct cfg_weak_algs *w, const char *t, size_t len)
{
	for (size_t i = 0; i < w->n && i < CFG_WEAK_MAX; i++)
		if (w->len[i] == len && !memcmp(w->at[i], t, len))
			return;
	if (w->n < CFG_WEAK_MAX) {
		w->at[w->n] = t;
		w->len[w->n] = len;
	}
	w->n++;
}

/* Every token known, the weak ones named unless legacy crypto is allowed;
 * the first of each kind in ts. NULL if fine; else the reason, in buf. */
static const char *scan_tokens(const char *p, bool legacy_ok, struct tok_seen *ts, char *buf,
			       size_t len)
{
	struct cfg_weak_algs weak = {0};
	char list[CFG_PROPOSAL_LEN + 8];

	for (const char *t = p; *t;) {
		size_t n = strcspn(t, "-");
		enum tok_kind k = cfg_tok_kind(t, n);

		if (k == TOK_UNKNOWN) {
			snprintf(buf, len, "unknown algorithm (%.*s)", (int)n, t);
			return buf;
		}
		if (!legacy_ok && tok_weak(t, n))
			weak_add(&weak, t, n);
		if (!ts->at[k]) {
			ts->at[k] = t;
			ts->len[k] = n;
		}
		t += n;
		if (*t)
			t++;
	}
	if (!weak.n)
		return NULL;
	snprintf(buf, len,
		 "weak algorithm%s %s (refused unless the connection sets "
		 "\"allow_legacy_crypto\": true)",
		 weak.n > 1 ? "s" : "", cfg_weak_algs_str(&weak, list, sizeof(list)));
	return buf;
}

/* NULL if fine; else the reason, in buf when it names a token. */
static const char *proposal_problem(const char *p, bool ike, const struct cfg_connection *c,
				    bool weak_ok, char *buf, size_t len)
{
	struct tok_seen ts = {{0}, {0}};
	const char *why = scan_tokens(p, weak_ok, &ts, buf, len);

	if (why)
		return why;
	if (!ts.at[TOK_ENC] && !ts.at[TOK_AEAD])
		return "no encryption algorithm";
	/* charon refuses the mix outright, and silently drops integrity
	 * algorithms from AEAD proposals: both are mistakes worth naming. */
	if (ts.at[TOK_ENC] && ts.at[TOK_AEAD]) {
		snprintf(buf, len, "AEAD %.*s and classic %.*s cannot share a proposal",
			 (int)ts.len[TOK_AEAD], ts.at[TOK_AEAD], (int)ts.len[TOK_ENC],
			 ts.at[TOK_ENC]);
		return buf;
	}
	if (ts.at[TOK_AEAD] && ts.at[TOK_INTEG]) {
		snprintf(buf, len, "AEAD %.*s takes no integrity algorithm (%.*s)",
			 (int)ts.len[TOK_AEAD], ts.at[TOK_AEAD], (int)ts.len[TOK_INTEG],
			 ts.at[TOK_INTEG]);
		return buf;
	}
	if (ts.at[TOK_ENC] && !ts.at[TOK_INTEG])
		return "a classic cipher needs an integrity algorithm (e.g. sha256)";
	if (!ike)
		return NULL;
	if (ts.at[TOK_AEAD] && c->ike_version == 1)
		return "IKEv1 cannot use AEAD (gcm, ccm, chacha20poly1305) for the IKE SA";
	if (ts.at[TOK_AEAD] && !ts.at[TOK_PRF])
		return "AEAD proposal needs a prf token (e.g. prfsha384)";
	if (!ts.at[TOK_KE])
		return "no key exchange (DH) group";
	return NULL;
}

/* prev: the connection checked before c (already found fine), or NULL.
 * Most connections repeat their neighbour's proposals: checked once. */
static int check_proposals(const struct cfg_connection *c, const struct cfg_connection *prev,
			   size_t ci, bool ike, bool saved, struct xerr *e)
{
	const struct cfg_proposals *ps = ike ? &c->ike_proposals : &c->esp_proposals;
	char buf[256];

	if (prev && prev->ike_version == c->ike_version &&
	    prev->allow_legacy_crypto == c->allow_legacy_crypto &&
	    cfg_proposals_equal(ps, ike ? &prev->ike_proposals : &prev->esp_proposals))
		return 0;

	for (size_t i = 0; i < ps->n; i++) {
		const char *why = proposal_problem(
		    ps->v[i], ike, c, c->allow_legacy_crypto || saved, buf, sizeof(buf));

		if (why)
			return xerr_set(e, "connections[%zu].%s.proposals[%zu]: \"%s\": %s", ci,
					ike ? "ike" : "esp", i, ps->v[i], why);
	}
	return 0;
}

/* IKEv1 declares the peer dead once nothing came from it for dpd.timeout
 * seconds, looked at every dpd.interval: a shorter timeout kills a live
 * but quiet peer between two checks. IKEv2 ignores the timeout. */
static int check_dpd(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	if (c->ike_version != 1 || !c->dpd_interval || c->dpd_timeout >= c->dpd_interval)
		return 0;
	return xerr_set(e,
			"connections[%zu].dpd.timeout: %u is shorter than dpd.interval (%u); "
			"IKEv1 would declare a live peer dead between two checks",
			ci, c->dpd_timeout, c->dpd_interval);
}

/*
 * Lifetimes (swanctl.conf(5); charon's vici_config.c, child_cfg.c and
 * peer_cfg.c). An SA must rekey before it expires: life_time after
 * rekey_time, life_bytes/life_packets above rekey_bytes/rekey_packets.
 * To keep both ends from rekeying at once, charon rekeys a random amount
 * up to rand_time early: a CHILD_SA at rekey_time - random(0..
 * min(rand_time, rekey_time)) (before 5.9.9 without the min: past
 * rekey_time the subtraction wrapped), an IKE_SA at rekey_time - random()
 * % rand_time (rand_time cut to rekey_time). The expiry does not move with
 * it (an IKE_SA's over_time counts from the rekey time drawn), so a
 * rand_time near rekey_time rekeys at any time from the SA's start, even
 * at once: xfrmd keeps it at most half of rekey_time, the cap charon puts
 * on its own IKE default (min(over_time, rekey_time / 2)). A CHILD_SA's
 * default rand_time is life_time - rekey_time, with no cap, and so are
 * rand_bytes and rand_packets (life - rekey; not keys of xfrmd's).
 * life_bytes/life_packets need rekey_bytes/rekey_packets: charon derives
 * the missing soft limit (life / 1.1) only from 5.9.9 on; before, the SA
 * never rekeyed on volume and just expired at the hard one.
 *
 * One limit of a connection's SAs: "ike"/"esp", "time"/"bytes"/"packets".
 */
struct limit {
	size_t ci;
	const char *sec, *what;
	uint64_t rekey;
};

static const char *unit(const struct limit *l)
{
	return strcmp(l->what, "time") ? "" : " s";
}

static int check_rand(const struct limit *l, uint64_t rand, struct xerr *e)
{
	const char *u = unit(l);

	if (2 * rand <= l->rekey)
		return 0;
	return xerr_set(
	    e,
	    "connections[%zu].%s.rand_%s: %" PRIu64 "%s is more than half of rekey_%s %" PRIu64
	    "%s (charon rekeys a random amount up to rand_%s early; at most %" PRIu64 "%s)",
	    l->ci, l->sec, l->what, rand, u, l->what, l->rekey, u, l->what, l->rekey / 2, u);
}

/* life after rekey; when charon draws its rand_ default from the
 * difference, uncapped (rand_capped false), by at most half of rekey. */
static int check_limit(const struct limit *l, uint64_t life, bool rand_capped, struct xerr *e)
{
	bool time = !strcmp(l->what, "time");
	const char *u = unit(l);

	if (life <= l->rekey)
		return xerr_set(e,
				"connections[%zu].%s.life_%s: %" PRIu64
				"%s is not %s rekey_%s %" PRIu64
				"%s (%s must rekey before it expires)",
				l->ci, l->sec, l->what, life, u, time ? "after" : "above", l->what,
				l->rekey, u, strcmp(l->sec, "ike") ? "a CHILD_SA" : "an IKE_SA");
	if (rand_capped || 2 * (life - l->rekey) <= l->rekey)
		return 0;
	if (time)
		return xerr_set(
		    e,
		    "connections[%zu].%s.life_time: %" PRIu64
		    " s is more than 1.5 times rekey_time %" PRIu64
		    " s: without rand_time charon rekeys a random amount up to life_time - "
		    "rekey_time (%" PRIu64 " s) early; set rand_time (at most %" PRIu64 " s)",
		    l->ci, l->sec, life, l->rekey, life - l->rekey, l->rekey / 2);
	return xerr_set(e,
			"connections[%zu].%s.life_%s: %" PRIu64
			" is more than 1.5 times rekey_%s %" PRIu64
			": charon rekeys a random amount up to life_%s - rekey_%s (%" PRIu64
			") early; life_%s at most %" PRIu64,
			l->ci, l->sec, l->what, life, l->what, l->rekey, l->what, l->what,
			life - l->rekey, l->what, l->rekey + l->rekey / 2);
}

static int check_volume(const struct limit *l, uint64_t life, struct xerr *e)
{
	if (!l->rekey)
		return xerr_set(
		    e,
		    "connections[%zu].%s.life_%s: needs rekey_%s too (strongSwan before "
		    "5.9.9 would not rekey on volume: the CHILD_SA would just expire)",
		    l->ci, l->sec, l->what, l->what);
	return check_limit(l, life, false, e);
}

static int check_life(const struct cfg_connection *c, size_t ci, struct xerr *e)
{
	const struct cfg_ike_life *ike = &c->ike_life;
	const struct cfg_child_life *ch = &c->child_life;
	struct limit ike_time = {ci, "ike", "time", c->ike_rekey_time};
	struct limit esp_time = {ci, "esp", "time", c->child_rekey_time};
	struct limit bytes = {ci, "esp", "bytes", ch->rekey_bytes};
	struct limit packets = {ci, "esp", "packets", ch->rekey_packets};

	/* charon caps its IKE rand_time default, given or not. */
	if ((ike->life_time && check_limit(&ike_time, ike->life_time, true, e)) ||
	    (ike->rand_set && check_rand(&ike_time, ike->rand_time, e)) ||
	    (ch->life_time && check_limit(&esp_time, ch->life_time, ch->rand_set, e)) ||
	    (ch->rand_set && check_rand(&esp_time, ch->rand_time, e)) ||
	    (ch->life_bytes && check_volume(&bytes, ch->life_bytes, e)) ||
	    (ch->life_packets && check_volume(&packets, ch->life_packets, e)))
		return -1;
	return 0;
}

int cfg_check_ike(const struct cfg_connection *c, const struct cfg_connection *prev, size_t ci,
		  bool saved, struct xerr *e)
{
	if (check_proposals(c, prev, ci, true, saved, e) ||
	    check_proposals(c, prev, ci, false, saved, e) || check_life(c, ci, e))
		return -1;
	return saved ? 0 : check_dpd(c, ci, e);
}

static void weak_in(struct cfg_weak_algs *w, const struct cfg_proposals *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		for (const char *t = ps->v[i]; *t;) {
			size_t n = strcspn(t, "-");

			if (tok_weak(t, n))
				weak_add(w, t, n);
			t += n;
			if (*t)
				t++;
		}
}

void cfg_conn_weak_algs(const struct cfg_connection *c, struct cfg_weak_algs *w)
{
	memset(w, 0, sizeof(*w));
	weak_in(w, &c->ike_proposals);
	weak_in(w, &c->esp_proposals);
}

const char *cfg_weak_algs_str(const struct cfg_weak_algs *w, char *buf, size_t len)
{
	size_t n = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < w->n && i < CFG_WEAK_MAX; i++)
		list_add(buf, len, &n, w->at[i], w->len[i]);
	if (w->n > CFG_WEAK_MAX)
		list_add(buf, len, &n, "...", 3);
	return buf;
}

bool cfg_weak_warning(const struct cfg_connection *c, char *buf, size_t len)
{
	struct cfg_weak_algs w;
	char list[256];

	cfg_conn_weak_algs(c, &w);
	if (len)
		buf[0] = '\0';
	if (!w.n)
		return false;
	cfg_weak_algs_str(&w, list, sizeof(list));
	if (c->allow_legacy_crypto)
		snprintf(buf, len, "connection %s uses weak algorithms (allow_legacy_crypto): %s",
			 c->name, list);
	else
		snprintf(buf, len,
			 "connection %s uses weak algorithms without allow_legacy_crypto: %s (kept "
			 "from the saved config; the next apply refuses them unless the connection "
			 "sets \"allow_legacy_crypto\": true)",
			 c->name, list);
	return true;
}
