/*
 * The DER walker against certificates openssl makes for the test
 * (x509_fixture.h): subject and validity (UTCTime and GeneralizedTime)
 * as `openssl x509` reads them; PEM and DER alike; bundles; private keys
 * told from certificates and encrypted keys; malformed input refused.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "x509_der.h"

#include "../x509_fixture.h"
#include "check_main.h"

static char dir[] = "/tmp/xfrmd-x509-der.XXXXXX";

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	x509_fx_make(dir);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(dir, "/tmp/xfrmd-x509-der.XXXXXX");
}

static uint8_t *slurp(const char *name, size_t *len)
{
	char path[256];
	struct xerr e;
	char *buf;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf = file_read_all(path, 1 << 20, len, &e);
	ck_assert_msg(buf != NULL, "%s", e.msg);
	return (uint8_t *)buf;
}

/* `openssl x509 -enddate` of a file, as Unix seconds. */
static int64_t openssl_end(const char *name)
{
	char cmd[512];
	long long v = -1;
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "date -u -d \"$(openssl x509 -in '%s/%s' -noout -enddate | cut -d= -f2)\" +%%s",
		 dir, name);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(fscanf(p, "%lld", &v), 1);
	pclose(p);
	return v;
}

static struct x509_info info_of(const char *name)
{
	uint8_t *der[4];
	size_t dlen[4], len;
	uint8_t *buf = slurp(name, &len);
	struct x509_info info;
	char why[128];
	int n = x509_certs_from(buf, len, der, dlen, 4, why, sizeof(why));

	ck_assert_msg(n == 1, "%s: %s", name, why);
	ck_assert_int_eq(x509_cert_info(der[0], dlen[0], &info, why, sizeof(why)), 0);
	free(der[0]);
	free(buf);
	return info;
}

START_TEST(subject_and_dates_as_openssl_reads_them)
{
	struct x509_info i = info_of("gw.pem");

	ck_assert_str_eq(i.subject, X509_FX_SUBJECT);
	ck_assert_int_eq(i.not_after, openssl_end("gw.pem"));
	ck_assert_int_lt(i.not_before, i.not_after);
	ck_assert_int_gt(i.not_after - i.not_before, 365 * 86400);
}
END_TEST

/* UTCTime before 2050, GeneralizedTime after: both read. */
START_TEST(utctime_and_generalizedtime)
{
	struct x509_info old = info_of("gw-expired.pem"), far = info_of("gw-2070.pem");

	ck_assert_int_eq(old.not_before, 1577836800); /* 2020-01-01 */
	ck_assert_int_eq(old.not_after, 1609459200);  /* 2021-01-01 */
	ck_assert_int_eq(far.not_after, 3155760000);  /* 2070-01-01 */
	ck_assert_int_eq(far.not_after, openssl_end("gw-2070.pem"));
}
END_TEST

START_TEST(der_reads_like_pem)
{
	struct x509_info a = info_of("gw.pem"), b = info_of("gw.der");

	ck_assert_str_eq(a.subject, b.subject);
	ck_assert_int_eq(a.not_after, b.not_after);
}
END_TEST

START_TEST(time_values)
{
	int64_t t;

	ck_assert_int_eq(x509_time(0x17, (const uint8_t *)"491231235959Z", 13, &t), 0);
	ck_assert_int_eq(t, 2524607999); /* 2049-12-31 23:59:59 */
	ck_assert_int_eq(x509_time(0x17, (const uint8_t *)"500101000000Z", 13, &t), 0);
	ck_assert_int_eq(t, -631152000); /* 1950 */
	ck_assert_int_eq(x509_time(0x18, (const uint8_t *)"20240229120000Z", 15, &t), 0);
	ck_assert_int_eq(t, 1709208000);
	/* no Z, 30 February, a UTCTime's length under a GeneralizedTime's tag */
	ck_assert_int_eq(x509_time(0x17, (const uint8_t *)"2401011200000", 13, &t), -1);
	ck_assert_int_eq(x509_time(0x18, (const uint8_t *)"20230230120000Z", 15, &t), -1);
	ck_assert_int_eq(x509_time(0x18, (const uint8_t *)"240101120000Z", 13, &t), -1);
}
END_TEST

START_TEST(bundle_gives_each_certificate)
{
	uint8_t *der[4];
	size_t dlen[4], len;
	uint8_t *buf = slurp("bundle.pem", &len);
	struct x509_info a, b;
	char why[128];

	ck_assert_int_eq(x509_certs_from(buf, len, der, dlen, 4, why, sizeof(why)), 2);
	ck_assert_int_eq(x509_cert_info(der[0], dlen[0], &a, why, sizeof(why)), 0);
	ck_assert_int_eq(x509_cert_info(der[1], dlen[1], &b, why, sizeof(why)), 0);
	ck_assert_str_eq(a.subject, "C=CH, O=xfrmd test, CN=test CA");
	ck_assert_str_eq(b.subject, "CN=other CA");
	free(der[0]);
	free(der[1]);
	/* more than allowed */
	ck_assert_int_eq(x509_certs_from(buf, len, der, dlen, 1, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "holds more than 1 certificates");
	free(buf);
}
END_TEST

START_TEST(not_certificates)
{
	uint8_t *der[2];
	size_t dlen[2], len;
	uint8_t *key = slurp("gw.key", &len);
	char why[128];

	ck_assert_int_eq(x509_certs_from(key, len, der, dlen, 2, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "holds a PEM \"PRIVATE KEY\" block, not a certificate");
	free(key);
	key = slurp("gw.key.der", &len);
	ck_assert_int_eq(x509_certs_from(key, len, der, dlen, 2, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "not an X.509 certificate"));
	free(key);
	ck_assert_int_eq(
	    x509_certs_from((const uint8_t *)"hello\n", 6, der, dlen, 2, why, sizeof(why)), -1);
	ck_assert_int_eq(x509_certs_from((const uint8_t *)"-----BEGIN CERTIFICATE-----\nAAA*\n"
							  "-----END CERTIFICATE-----\n",
					 60, der, dlen, 2, why, sizeof(why)),
			 -1);
	ck_assert_str_eq(why, "the PEM block \"CERTIFICATE\" is not valid base64");
}
END_TEST

/* Every length inside the certificate is checked: each truncation of a
 * real one is refused, never read past its end. */
START_TEST(truncated_certificates_refused)
{
	size_t len;
	uint8_t *buf = slurp("gw.der", &len);
	struct x509_info info;
	char why[128];

	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, buf, n);
		ck_assert_int_eq(x509_cert_info(copy, n, &info, why, sizeof(why)), -1);
		free(copy);
	}
	ck_assert_int_eq(x509_cert_info(buf, len, &info, why, sizeof(why)), 0);
	free(buf);
}
END_TEST

START_TEST(private_keys)
{
	static const char *const ok[] = {"gw.key", "gw-rsa.key", "gw.key.der"};
	char why[160];
	size_t len;
	uint8_t *buf;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		buf = slurp(ok[i], &len);
		ck_assert_msg(!x509_key_check(buf, len, why, sizeof(why)), "%s: %s", ok[i], why);
		free(buf);
	}
	buf = slurp("enc.key", &len);
	ck_assert_int_eq(x509_key_check(buf, len, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "the private key is encrypted"));
	free(buf);
	buf = slurp("gw.pem", &len);
	ck_assert_int_eq(x509_key_check(buf, len, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "holds a certificate, not a private key");
	free(buf);
	buf = slurp("gw.der", &len);
	ck_assert_int_eq(x509_key_check(buf, len, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "holds a certificate, not a private key");
	free(buf);
	ck_assert_int_eq(x509_key_check((const uint8_t *)"secret\n", 7, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "not a private key (PEM or DER)");
}
END_TEST

static int matches(const char *key, const char *cert)
{
	uint8_t *der[1], *k, *c;
	size_t dlen[1], klen, clen;
	struct x509_info info;
	char why[128];
	int rc;

	k = slurp(key, &klen);
	c = slurp(cert, &clen);
	ck_assert_int_eq(x509_certs_from(c, clen, der, dlen, 1, why, sizeof(why)), 1);
	ck_assert_int_eq(x509_cert_info(der[0], dlen[0], &info, why, sizeof(why)), 0);
	rc = x509_key_file_matches(k, klen, &info);
	free(der[0]);
	free(k);
	free(c);
	return rc;
}

/* RSA by modulus and exponent, EC by the point the key file holds; PEM,
 * DER, PKCS#1, SEC1 inside PKCS#8 alike. */
START_TEST(key_belongs_to_certificate)
{
	ck_assert_int_eq(matches("gw.key", "gw.pem"), 1);
	ck_assert_int_eq(matches("gw.key.der", "gw.pem"), 1);
	ck_assert_int_eq(matches("gw-rsa.key", "gw-rsa.pem"), 1);
	ck_assert_int_eq(matches("gw-rsa.p8", "gw-rsa.pem"), 1);
	ck_assert_int_eq(matches("ca.key", "gw.pem"), 0);
	ck_assert_int_eq(matches("gw-rsa.key", "gw.pem"), 0);
	ck_assert_int_eq(matches("gw.key", "gw-rsa.pem"), 0);
	ck_assert_int_eq(matches("enc.key", "gw.pem"), -1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("x509_der");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, subject_and_dates_as_openssl_reads_them);
	tcase_add_test(tc, utctime_and_generalizedtime);
	tcase_add_test(tc, der_reads_like_pem);
	tcase_add_test(tc, time_values);
	tcase_add_test(tc, bundle_gives_each_certificate);
	tcase_add_test(tc, not_certificates);
	tcase_add_test(tc, truncated_certificates_refused);
	tcase_add_test(tc, private_keys);
	tcase_add_test(tc, key_belongs_to_certificate);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
