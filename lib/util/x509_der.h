/*
 * X.509 as far as xfrmd reads it: the PEM armour taken off, a
 * certificate's subject and validity read from its DER (x509_der.c), and
 * a private key's file told apart from anything else (x509_pem.c). No
 * signature is checked here: charon does that. Nothing here quotes key
 * bytes in a reason.
 */
#ifndef XFRMD_X509_DER_H
#define XFRMD_X509_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define X509_SUBJECT_MAX 256

enum { X509_KEY_OTHER, X509_KEY_RSA, X509_KEY_EC };
struct x509_info {
	char subject[X509_SUBJECT_MAX]; /* "C=CH, O=Lab, CN=gwa", as charon prints it */
	int64_t not_before, not_after;	/* Unix seconds */
	/* The subject public key: its algorithm and the BIT STRING's bytes
	 * (RSAPublicKey DER, an EC point, ...), pointing into the DER given. */
	int key_alg;
	const uint8_t *key;
	size_t key_len;
};

/* One DER-encoded certificate (exactly len bytes): its subject and
 * validity. -1 and a reason when it is not a certificate's shape. */
int x509_cert_info(const uint8_t *der, size_t len, struct x509_info *out, char *why, size_t whylen);
/* A UTCTime (tag 0x17) or GeneralizedTime (0x18) value, seconds only,
 * ending in Z: Unix seconds. UTCTime years 50..99 are 19xx (RFC 5280). */
int x509_time(unsigned tag, const uint8_t *v, size_t len, int64_t *out);
/* "2027-01-31 12:00:00 UTC" (buf: at least 24 bytes). */
const char *x509_time_str(int64_t t, char *buf, size_t len);

/* PEM blocks of a text, in order: *pos (start at 0) moves past each one
 * found. 1: a block, its label ("CERTIFICATE") in label and its decoded
 * bytes in a malloc'd *der (the caller wipes and frees it); 0: no more
 * blocks; -1: a malformed block, with a reason. encrypted: the block
 * carries RFC 1421 headers saying it is encrypted. */
int x509_pem_next(const char *text, size_t len, size_t *pos, char *label, size_t labellen,
		  uint8_t **der, size_t *derlen, bool *encrypted, char *why, size_t whylen);
/* Text that holds a PEM block at all ("-----BEGIN "). */
bool x509_is_pem(const uint8_t *data, size_t len);

/* Certificates of a file's bytes (PEM blocks labelled CERTIFICATE, or one
 * DER certificate), each DER in a malloc'd buffer: at most max. Returns
 * how many, or -1 with a reason (not a certificate, none found, more than
 * max). */
int x509_certs_from(const uint8_t *data, size_t len, uint8_t **der, size_t *derlen, size_t max,
		    char *why, size_t whylen);
/* Whether a private key (DER: RSAPrivateKey, ECPrivateKey or PKCS#8 of
 * either) is the one of cert's public key, compared without any
 * cryptography: RSA by modulus and exponent, EC by the public point the
 * key file holds. 1: it is; 0: it is not; -1: cannot tell (another
 * algorithm, an EC key without its public point). x509_key_file_matches:
 * the same for a key file's bytes, PEM or DER. */
int x509_key_matches(const uint8_t *der, size_t len, const struct x509_info *cert);
int x509_key_file_matches(const uint8_t *data, size_t len, const struct x509_info *cert);
/* A private key file's bytes: one PEM block (PRIVATE KEY, RSA PRIVATE
 * KEY, EC PRIVATE KEY) or DER, unencrypted, shaped as a key (a SEQUENCE
 * starting with its version INTEGER). -1 and a reason (encrypted, a
 * certificate, not a key) that never quotes the bytes. */
int x509_key_check(const uint8_t *data, size_t len, char *why, size_t whylen);

#endif
