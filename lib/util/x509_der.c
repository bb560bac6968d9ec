/*
 * A certificate's DER walked just far enough for its subject and validity
 * (RFC 5280 4.1): Certificate = SEQUENCE { tbsCertificate SEQUENCE {
 * [0] version OPTIONAL, serialNumber, signature, issuer, validity
 * SEQUENCE { notBefore, notAfter }, subject, subjectPublicKeyInfo, ... },
 * signatureAlgorithm, signatureValue }. Every length is checked against
 * what holds it; single-byte tags only (all X.509 needs here).
 */
#include "x509_der.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

struct tlv {
	unsigned tag;
	const uint8_t *v; /* value */
	size_t len;	  /* of the value */
	const uint8_t *end;
};

/* The TLV at *p, within end; *p moves past it. */
static int tlv_next(const uint8_t **p, const uint8_t *end, struct tlv *t)
{
	const uint8_t *q = *p;
	size_t len = 0;

	if (end - q < 2)
		return -1;
	t->tag = *q++;
	if ((t->tag & 0x1f) == 0x1f)
		return -1; /* multi-byte tag */
	if (*q < 0x80) {
		len = *q++;
	} else {
		unsigned n = *q++ & 0x7f;

		if (n == 0 || n > 4 || end - q < (ptrdiff_t)n)
			return -1;
		while (n--)
			len = len << 8 | *q++;
	}
	if ((size_t)(end - q) < len)
		return -1;
	t->v = q;
	t->len = len;
	t->end = q + len;
	*p = q + len;
	return 0;
}

static int tlv_expect(const uint8_t **p, const uint8_t *end, unsigned tag, struct tlv *t)
{
	return tlv_next(p, end, t) || t->tag != tag ? -1 : 0;
}

static int digits(const uint8_t *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int x509_time(unsigned tag, const uint8_t *v, size_t len, int64_t *out)
{
	static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	size_t ylen = tag == 0x17 ? 2 : tag == 0x18 ? 4 : 0;
	int y, mo, d, h, mi, s;

	if (!ylen || len != ylen + 11 || v[len - 1] != 'Z' || digits(v, ylen, &y) ||
	    digits(v + ylen, 2, &mo) || digits(v + ylen + 2, 2, &d) ||
	    digits(v + ylen + 4, 2, &h) || digits(v + ylen + 6, 2, &mi) ||
	    digits(v + ylen + 8, 2, &s))
		return -1;
	if (ylen == 2)
		y += y >= 50 ? 1900 : 2000;
	if (mo < 1 || mo > 12 || d < 1 ||
	    (unsigned)d > mdays[mo - 1] + (mo == 2 && leap(y) ? 1u : 0u) || h > 23 || mi > 59 ||
	    s > 60)
		return -1;
	*out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
	return 0;
}

const char *x509_time_str(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "@%lld", (long long)t);
	return buf;
}

/* Attribute types charon names (its oid table's short names). */
static const struct {
	const char *name;
	uint8_t oid[10];
	size_t len;
} dn_names[] = {
    {"CN", {0x55, 0x04, 0x03}, 3},
    {"SN", {0x55, 0x04, 0x04}, 3},
    {"serialNumber", {0x55, 0x04, 0x05}, 3},
    {"C", {0x55, 0x04, 0x06}, 3},
    {"L", {0x55, 0x04, 0x07}, 3},
    {"ST", {0x55, 0x04, 0x08}, 3},
    {"street", {0x55, 0x04, 0x09}, 3},
    {"O", {0x55, 0x04, 0x0a}, 3},
    {"OU", {0x55, 0x04, 0x0b}, 3},
    {"T", {0x55, 0x04, 0x0c}, 3},
    {"DC", {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19}, 10},
    {"E", {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01}, 9},
};

struct out {
	char *buf;
	size_t len, at;
};

static void put(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n && o->at + 1 < o->len; i++)
		o->buf[o->at++] = s[i];
	o->buf[o->at] = '\0';
}

/* A dotted OID for types not in the table. */
static void put_oid(struct out *o, const uint8_t *v, size_t len)
{
	unsigned long long a = 0;
	bool first = true;
	char num[48];

	for (size_t i = 0; i < len; i++) {
		a = a << 7 | (v[i] & 0x7f);
		if (v[i] & 0x80)
			continue;
		if (first)
			snprintf(num, sizeof(num), "%llu.%llu", a < 80 ? a / 40 : 2,
				 a < 80 ? a % 40 : a - 80);
		else
			snprintf(num, sizeof(num), ".%llu", a);
		put(o, num, strlen(num));
		first = false;
		a = 0;
	}
}

static void put_value(struct out *o, const struct tlv *t)
{
	/* UTF8String, PrintableString, T61String, IA5String; anything else
	 * (BMPString, ...) as '?' per byte: a name to show, not to parse. */
	bool text = t->tag == 0x0c || t->tag == 0x13 || t->tag == 0x14 || t->tag == 0x16;

	for (size_t i = 0; i < t->len; i++) {
		char c = (char)t->v[i];

		if (!text || t->v[i] < 0x20 || t->v[i] == 0x7f)
			c = '?';
		put(o, &c, 1);
	}
}

/* Name = SEQUENCE OF SET OF SEQUENCE { type OID, value }. */
static int dn_str(const struct tlv *name, char *buf, size_t len)
{
	struct out o = {buf, len, 0};
	const uint8_t *p = name->v;

	buf[0] = '\0';
	while (p < name->end) {
		struct tlv set, atv, oid, val;
		const uint8_t *q;

		if (tlv_expect(&p, name->end, 0x31, &set))
			return -1;
		for (q = set.v; q < set.end;) {
			const uint8_t *r;
			size_t k;

			if (tlv_expect(&q, set.end, 0x30, &atv))
				return -1;
			r = atv.v;
			if (tlv_expect(&r, atv.end, 0x06, &oid) || tlv_next(&r, atv.end, &val))
				return -1;
			if (o.at)
				put(&o, ", ", 2);
			for (k = 0; k < sizeof(dn_names) / sizeof(dn_names[0]); k++)
				if (dn_names[k].len == oid.len &&
				    !memcmp(dn_names[k].oid, oid.v, oid.len))
					break;
			if (k < sizeof(dn_names) / sizeof(dn_names[0]))
				put(&o, dn_names[k].name, strlen(dn_names[k].name));
			else
				put_oid(&o, oid.v, oid.len);
			put(&o, "=", 1);
			put_value(&o, &val);
		}
	}
	return 0;
}

static int key_alg(const struct tlv *oid)
{
	static const uint8_t rsa[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01};
	static const uint8_t ec[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};

	if (oid->len == sizeof(rsa) && !memcmp(oid->v, rsa, sizeof(rsa)))
		return X509_KEY_RSA;
	if (oid->len == sizeof(ec) && !memcmp(oid->v, ec, sizeof(ec)))
		return X509_KEY_EC;
	return X509_KEY_OTHER;
}

/* SubjectPublicKeyInfo { algorithm { OID, ... }, subjectPublicKey BIT STRING }. */
static int spki_read(const struct tlv *spki, struct x509_info *out)
{
	const uint8_t *p = spki->v, *q;
	struct tlv alg, oid, bits;

	if (tlv_expect(&p, spki->end, 0x30, &alg) || tlv_expect(&p, spki->end, 0x03, &bits) ||
	    bits.len < 1)
		return -1;
	q = alg.v;
	if (tlv_expect(&q, alg.end, 0x06, &oid))
		return -1;
	out->key_alg = key_alg(&oid);
	out->key = bits.v + 1; /* past the unused-bits octet */
	out->key_len = bits.len - 1;
	return 0;
}

static int fail(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "%s", what);
	return -1;
}

int x509_cert_info(const uint8_t *der, size_t len, struct x509_info *out, char *why, size_t whylen)
{
	const uint8_t *p = der, *end = der + len, *q;
	struct tlv cert, tbs, t, validity, nb, na;

	memset(out, 0, sizeof(*out));
	if (tlv_expect(&p, end, 0x30, &cert) || p != end)
		return fail(why, whylen, "not a DER-encoded X.509 certificate");
	p = cert.v;
	if (tlv_expect(&p, cert.end, 0x30, &tbs))
		return fail(why, whylen, "not an X.509 certificate (no tbsCertificate)");
	q = tbs.v;
	if (tlv_next(&q, tbs.end, &t))
		return fail(why, whylen, "not an X.509 certificate (truncated)");
	if (t.tag == 0xa0 && tlv_next(&q, tbs.end, &t)) /* version, then serial */
		return fail(why, whylen, "not an X.509 certificate (truncated)");
	if (t.tag != 0x02 || tlv_expect(&q, tbs.end, 0x30, &t) || /* signature */
	    tlv_expect(&q, tbs.end, 0x30, &t) ||		  /* issuer */
	    tlv_expect(&q, tbs.end, 0x30, &validity))
		return fail(why, whylen, "not an X.509 certificate (no validity)");
	p = validity.v;
	if (tlv_next(&p, validity.end, &nb) || tlv_next(&p, validity.end, &na) ||
	    x509_time(nb.tag, nb.v, nb.len, &out->not_before) ||
	    x509_time(na.tag, na.v, na.len, &out->not_after))
		return fail(why, whylen, "the certificate's validity dates are malformed");
	if (tlv_expect(&q, tbs.end, 0x30, &t) || dn_str(&t, out->subject, sizeof(out->subject)))
		return fail(why, whylen, "the certificate's subject is malformed");
	if (tlv_expect(&q, tbs.end, 0x30, &t) || spki_read(&t, out))
		return fail(why, whylen, "not an X.509 certificate (no public key)");
	return 0;
}

/* ---- does a private key belong to a certificate? ---- */

static bool same(const struct tlv *a, const struct tlv *b)
{
	return a->tag == b->tag && a->len == b->len && !memcmp(a->v, b->v, a->len);
}

/* RSAPrivateKey { version, n, e, ... } against RSAPublicKey { n, e }. */
static int rsa_matches(const uint8_t *p, const uint8_t *end, const struct x509_info *c)
{
	const uint8_t *q = c->key, *r;
	struct tlv pub, n, e, kn, ke, v;

	if (tlv_expect(&q, c->key + c->key_len, 0x30, &pub))
		return -1;
	r = pub.v;
	if (tlv_expect(&r, pub.end, 0x02, &n) || tlv_expect(&r, pub.end, 0x02, &e) ||
	    tlv_expect(&p, end, 0x02, &v) || tlv_expect(&p, end, 0x02, &kn) ||
	    tlv_expect(&p, end, 0x02, &ke))
		return -1;
	return same(&n, &kn) && same(&e, &ke);
}

/* ECPrivateKey { version 1, privateKey, [0] parameters, [1] publicKey }:
 * the public key, when the file holds it (openssl writes it), against
 * the certificate's. */
static int ec_matches(const uint8_t *p, const uint8_t *end, const struct x509_info *c)
{
	struct tlv t;

	while (p < end) {
		if (tlv_next(&p, end, &t))
			return -1;
		if (t.tag == 0xa1) {
			const uint8_t *q = t.v;
			struct tlv bits;

			if (tlv_expect(&q, t.end, 0x03, &bits) || bits.len < 1)
				return -1;
			return bits.len - 1 == c->key_len &&
			       !memcmp(bits.v + 1, c->key, c->key_len);
		}
	}
	return -1; /* no public key in the file: cannot tell */
}

int x509_key_matches(const uint8_t *der, size_t len, const struct x509_info *cert)
{
	const uint8_t *p = der, *end = der + len, *q;
	struct tlv seq, version, next;

	if (!cert->key || tlv_expect(&p, end, 0x30, &seq))
		return -1;
	q = seq.v;
	if (tlv_expect(&q, seq.end, 0x02, &version) || tlv_next(&q, seq.end, &next))
		return -1;
	if (next.tag == 0x02) /* RSAPrivateKey: n follows the version */
		return cert->key_alg == X509_KEY_RSA ? rsa_matches(seq.v, seq.end, cert) : 0;
	if (next.tag == 0x04) /* ECPrivateKey: the private key follows */
		return cert->key_alg == X509_KEY_EC ? ec_matches(next.end, seq.end, cert) : 0;
	if (next.tag == 0x30) { /* PKCS#8: the algorithm, then the key in an OCTET STRING */
		struct tlv oct;
		const uint8_t *r = next.v;
		struct tlv oid;

		if (tlv_expect(&r, next.end, 0x06, &oid) || tlv_expect(&q, seq.end, 0x04, &oct))
			return -1;
		if (key_alg(&oid) != cert->key_alg)
			return key_alg(&oid) == X509_KEY_OTHER ? -1 : 0;
		return x509_key_matches(oct.v, oct.len, cert);
	}
	return -1;
}
