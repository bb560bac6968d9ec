/*
 * PEM (RFC 7468): "-----BEGIN LABEL-----", base64, "-----END LABEL-----";
 * the certificates of a file (PEM or one DER certificate) and a private
 * key file told apart from everything else. Decoded key bytes are wiped
 * before they are freed; reasons never quote them.
 */
#include "x509_der.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BEGIN  "-----BEGIN "
#define END    "-----END "
#define DASHES "-----"

static const char *find(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(hay + i, needle, n))
			return hay + i;
	return NULL;
}

bool x509_is_pem(const uint8_t *data, size_t len)
{
	return find((const char *)data, len, BEGIN) != NULL;
}

static int b64(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* The base64 text s..end, white space ignored, into out (room enough:
 * 3/4 of its length). */
static int b64_decode(const char *s, const char *end, uint8_t *out, size_t *outlen)
{
	unsigned acc = 0, bits = 0, pad = 0;
	size_t n = 0;

	for (; s < end; s++) {
		int v;

		if (strchr(" \t\r\n", *s))
			continue;
		if (*s == '=') {
			pad++;
			continue;
		}
		if (pad || (v = b64(*s)) < 0)
			return -1;
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	if (pad > 2 || bits >= 6)
		return -1;
	*outlen = n;
	return 0;
}

int x509_pem_next(const char *text, size_t len, size_t *pos, char *label, size_t labellen,
		  uint8_t **der, size_t *derlen, bool *encrypted, char *why, size_t whylen)
{
	const char *t = text + *pos, *end = text + len, *b, *lab, *labend, *body, *e;
	char endline[96];

	*der = NULL;
	*encrypted = false;
	if (!(b = find(t, (size_t)(end - t), BEGIN))) {
		*pos = len;
		return 0;
	}
	lab = b + strlen(BEGIN);
	if (!(labend = find(lab, (size_t)(end - lab), DASHES)) ||
	    (size_t)(labend - lab) >= labellen || labend - lab > 64) {
		snprintf(why, whylen, "a PEM BEGIN line is malformed");
		return -1;
	}
	memcpy(label, lab, (size_t)(labend - lab));
	label[labend - lab] = '\0';
	body = labend + strlen(DASHES);
	snprintf(endline, sizeof(endline), END "%s" DASHES, label);
	if (!(e = find(body, (size_t)(end - body), endline))) {
		snprintf(why, whylen, "the PEM block \"%s\" has no END line", label);
		return -1;
	}
	/* RFC 1421 headers (Proc-Type: 4,ENCRYPTED / DEK-Info) before a
	 * blank line: only encrypted legacy keys have them. */
	if (find(body, (size_t)(e - body), "Proc-Type:")) {
		*encrypted = true;
		*pos = (size_t)(e - text) + strlen(endline);
		return 1;
	}
	*der = malloc((size_t)(e - body) * 3 / 4 + 3);
	if (!*der) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (b64_decode(body, e, *der, derlen) || !*derlen) {
		free(*der);
		*der = NULL;
		snprintf(why, whylen, "the PEM block \"%s\" is not valid base64", label);
		return -1;
	}
	*pos = (size_t)(e - text) + strlen(endline);
	return 1;
}

static void wipe_free(uint8_t *p, size_t len)
{
	if (p)
		explicit_bzero(p, len);
	free(p);
}

static int cert_one(uint8_t *der, size_t len, char *why, size_t whylen)
{
	struct x509_info info;

	return x509_cert_info(der, len, &info, why, whylen);
}

int x509_certs_from(const uint8_t *data, size_t len, uint8_t **der, size_t *derlen, size_t max,
		    char *why, size_t whylen)
{
	size_t pos = 0, n = 0;
	char label[80];

	if (!x509_is_pem(data, len)) {
		if (!max || cert_one((uint8_t *)data, len, why, whylen))
			return -1;
		if (!(der[0] = malloc(len ? len : 1)))
			return snprintf(why, whylen, "out of memory"), -1;
		memcpy(der[0], data, len);
		derlen[0] = len;
		return 1;
	}
	for (;;) {
		uint8_t *d;
		size_t dl;
		bool enc;
		int rc = x509_pem_next((const char *)data, len, &pos, label, sizeof(label), &d, &dl,
				       &enc, why, whylen);

		if (rc == 0)
			break;
		if (rc < 0)
			goto fail;
		if (strcmp(label, "CERTIFICATE") && strcmp(label, "X509 CERTIFICATE") &&
		    strcmp(label, "TRUSTED CERTIFICATE")) {
			wipe_free(d, dl);
			snprintf(why, whylen, "holds a PEM \"%.40s\" block, not a certificate",
				 label);
			goto fail;
		}
		if (n == max) {
			wipe_free(d, dl);
			snprintf(why, whylen, "holds more than %zu certificates", max);
			goto fail;
		}
		if (cert_one(d, dl, why, whylen)) {
			char inner[96];

			snprintf(inner, sizeof(inner), "%s", why);
			snprintf(why, whylen, "certificate %zu: %s", n + 1, inner);
			wipe_free(d, dl);
			goto fail;
		}
		der[n] = d;
		derlen[n++] = dl;
	}
	if (!n) {
		snprintf(why, whylen, "holds no certificate");
		return -1;
	}
	return (int)n;
fail:
	while (n--)
		wipe_free(der[n], derlen[n]);
	return -1;
}

/* RSAPrivateKey, ECPrivateKey and PKCS#8 PrivateKeyInfo all start
 * SEQUENCE { INTEGER version (0 or 1), ... }; a certificate starts
 * SEQUENCE { SEQUENCE ...}. */
static int der_key_shape(const uint8_t *d, size_t len, char *why, size_t whylen)
{
	size_t hdr;

	if (len < 4 || d[0] != 0x30)
		return snprintf(why, whylen, "not a private key (PEM or DER)"), -1;
	hdr = d[1] < 0x80 ? 2 : 2 + (d[1] & 0x7f);
	if (hdr + 3 > len)
		return snprintf(why, whylen, "not a private key (truncated)"), -1;
	if (d[hdr] == 0x30)
		return snprintf(why, whylen, "holds a certificate, not a private key"), -1;
	if (d[hdr] != 0x02 || d[hdr + 1] != 1 || d[hdr + 2] > 1)
		return snprintf(why, whylen, "not a private key (PEM or DER)"), -1;
	return 0;
}

int x509_key_check(const uint8_t *data, size_t len, char *why, size_t whylen)
{
	size_t pos = 0, dl = 0;
	char label[80];
	uint8_t *d = NULL;
	bool enc;
	int rc;

	if (!x509_is_pem(data, len))
		return der_key_shape(data, len, why, whylen);
	rc = x509_pem_next((const char *)data, len, &pos, label, sizeof(label), &d, &dl, &enc, why,
			   whylen);
	if (rc <= 0) {
		if (!rc)
			snprintf(why, whylen, "not a private key (PEM or DER)");
		return -1;
	}
	if (enc || !strcmp(label, "ENCRYPTED PRIVATE KEY"))
		snprintf(why, whylen,
			 "the private key is encrypted; charon loads it unencrypted (openssl pkey "
			 "-in KEY -out PLAIN, then chmod 600 PLAIN)");
	else if (!strcmp(label, "CERTIFICATE"))
		snprintf(why, whylen, "holds a certificate, not a private key");
	else if (strcmp(label, "PRIVATE KEY") && strcmp(label, "RSA PRIVATE KEY") &&
		 strcmp(label, "EC PRIVATE KEY"))
		snprintf(why, whylen, "holds a PEM \"%.40s\" block, not a private key", label);
	else
		rc = der_key_shape(d, dl, why, whylen) ? -1 : 2;
	wipe_free(d, dl);
	if (rc == 2 && x509_pem_next((const char *)data, len, &pos, label, sizeof(label), &d, &dl,
				     &enc, why, whylen) != 0) {
		wipe_free(d, dl);
		snprintf(why, whylen, "holds more than one PEM block; a key file holds one key");
		return -1;
	}
	return rc == 2 ? 0 : -1;
}

int x509_key_file_matches(const uint8_t *data, size_t len, const struct x509_info *cert)
{
	size_t pos = 0, dl = 0;
	char label[80], why[64];
	uint8_t *d = NULL;
	bool enc;
	int rc;

	if (!x509_is_pem(data, len))
		return x509_key_matches(data, len, cert);
	if (x509_pem_next((const char *)data, len, &pos, label, sizeof(label), &d, &dl, &enc, why,
			  sizeof(why)) != 1 ||
	    enc)
		rc = -1;
	else
		rc = x509_key_matches(d, dl, cert);
	wipe_free(d, dl);
	return rc;
}
