/*
 * X.509 tunnels (cert_file, key_file, ca_file) against certificates
 * openssl makes for the test (x509_fixture.h): the files read and checked
 * like psk_file (relative to the config, the key private), each error
 * naming its field and never quoting the key; an expired certificate
 * refused at apply but kept by a saved config; a gateway host reading its
 * own tunnels' files later; a changed file read again, an unchanged one
 * taken from the earlier config; expiry warnings.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "fileio.h"

#include "../x509_fixture.h"
#include "check_main.h"

static char dir[] = "/tmp/xfrmd-cfg-x509.XXXXXX";

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
	strcpy(dir, "/tmp/xfrmd-cfg-x509.XXXXXX");
}

/* One connection, one tunnel whose extra keys are tun (",\"k\":..."). */
static const char *doc(const char *tun)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "{\"gateway\":{\"name\":\"gw\"},\"connections\":[{\"name\":\"c\","
		 "\"local_prefixes\":[\"10.1.0.0/24\"],\"remote_prefixes\":[\"10.2.0.0/24\"],"
		 "\"tunnels\":[{\"local\":\"192.0.2.1\",\"remote\":\"198.51.100.1\","
		 "\"remote_id\":\"C=CH, O=peer, CN=peer\"%s}]}]}",
		 tun);
	return buf;
}

#define X509 ",\"cert_file\":\"gw.pem\",\"key_file\":\"gw.key\",\"ca_file\":\"ca.pem\""

static struct cfg_config *load(const char *tun, struct xerr *e)
{
	const char *d = doc(tun);

	return cfg_load_string(d, strlen(d), dir, e);
}

static void refused(const char *tun, const char *want)
{
	struct xerr e;
	struct cfg_config *cfg = load(tun, &e);

	ck_assert_msg(cfg == NULL, "accepted: %s", tun);
	ck_assert_msg(strstr(e.msg, want) != NULL, "got \"%s\", want \"%s\"", e.msg, want);
}

static void path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

START_TEST(loads_certificate_key_and_ca)
{
	struct xerr e;
	struct cfg_config *cfg = load(X509, &e);
	const struct cfg_tunnel *t;
	char p[256];
	size_t len;
	char *key;

	ck_assert_msg(cfg != NULL, "%s", e.msg);
	t = &cfg->conns[0].tunnels[0];
	ck_assert_ptr_nonnull(t->x509);
	ck_assert(!t->psk_auto && !t->psk_from_file && !t->psk[0] && !t->local_id_set);
	ck_assert_str_eq(t->x509->subject, X509_FX_SUBJECT);
	path(p, sizeof(p), "gw.pem");
	ck_assert_str_eq(t->x509->cert_file, p);
	ck_assert_int_gt(t->x509->not_after, (int64_t)time(NULL) + 364 * 86400);
	ck_assert_uint_eq(t->x509->n_ca, 1);
	ck_assert_uint_eq(t->x509->cert.v[0], 0x30); /* DER */
	/* the key file's bytes, as they are, for load-key */
	path(p, sizeof(p), "gw.key");
	key = file_read_all(p, 1 << 16, &len, &e);
	ck_assert_uint_eq(t->x509->key.len, len);
	ck_assert(!memcmp(t->x509->key.v, key, len));
	free(key);
	cfg_free(cfg);
}
END_TEST

START_TEST(der_files_and_ca_bundle)
{
	struct xerr e;
	struct cfg_config *cfg =
	    load(",\"cert_file\":\"gw.der\",\"key_file\":\"gw.key.der\","
		 "\"ca_file\":\"bundle.pem\",\"local_id\":\"" X509_FX_SUBJECT "\"",
		 &e);

	ck_assert_msg(cfg != NULL, "%s", e.msg);
	ck_assert_uint_eq(cfg->conns[0].tunnels[0].x509->n_ca, 2);
	ck_assert(cfg->conns[0].tunnels[0].local_id_set);
	cfg_free(cfg);
}
END_TEST

START_TEST(all_three_or_none)
{
	refused(",\"cert_file\":\"gw.pem\",\"ca_file\":\"ca.pem\"",
		"connections[0].tunnels[0].key_file: missing: X.509 needs cert_file, key_file and "
		"ca_file together");
	refused(",\"key_file\":\"gw.key\",\"ca_file\":\"ca.pem\"",
		"connections[0].tunnels[0].cert_file: missing");
	refused(",\"cert_file\":\"gw.pem\",\"key_file\":\"gw.key\"",
		"connections[0].tunnels[0].ca_file: missing");
	refused(
	    X509 ",\"psk\":\"abcdefghijklmnop\"",
	    "connections[0].tunnels[0]: cert_file, key_file and ca_file (X.509) exclude psk and "
	    "psk_file");
}
END_TEST

START_TEST(files_that_do_not_fit)
{
	char p[256], want[512];

	path(p, sizeof(p), "gw.key");
	ck_assert_int_eq(chmod(p, 0640), 0);
	snprintf(want, sizeof(want),
		 "connections[0].tunnels[0].key_file: %s is readable by group or others (mode "
		 "0640); chmod 600 it",
		 p);
	refused(X509, want);
	ck_assert_int_eq(chmod(p, 0600), 0);
	refused(",\"cert_file\":\"gw.pem\",\"key_file\":\"gw.key\",\"ca_file\":\"gw.key\"",
		"connections[0].tunnels[0].ca_file: ");
	refused(",\"cert_file\":\"gw.pem\",\"key_file\":\"gw.key\",\"ca_file\":\"gw.key\"",
		"holds a PEM \"PRIVATE KEY\" block, not a certificate");
	refused(",\"cert_file\":\"gw.pem\",\"key_file\":\"gw.pem\",\"ca_file\":\"ca.pem\"",
		"connections[0].tunnels[0].key_file: ");
	refused(",\"cert_file\":\"gw.pem\",\"key_file\":\"gw.pem\",\"ca_file\":\"ca.pem\"",
		"holds a certificate, not a private key");
	refused(",\"cert_file\":\"gw.pem\",\"key_file\":\"enc.key\",\"ca_file\":\"ca.pem\"",
		"the private key is encrypted");
	refused(",\"cert_file\":\"gw.key\",\"key_file\":\"gw.key\",\"ca_file\":\"ca.pem\"",
		"connections[0].tunnels[0].cert_file: ");
	refused(",\"cert_file\":\"bundle.pem\",\"key_file\":\"gw.key\",\"ca_file\":\"ca.pem\"",
		"holds more than 1 certificates");
	refused(",\"cert_file\":\"gw.pem\",\"key_file\":\"gw-rsa.key\",\"ca_file\":\"ca.pem\"",
		"connections[0].tunnels[0].key_file: ");
	refused(",\"cert_file\":\"gw.pem\",\"key_file\":\"gw-rsa.key\",\"ca_file\":\"ca.pem\"",
		"gw-rsa.key: not the private key of cert_file's certificate (" X509_FX_SUBJECT ")");
	refused(",\"cert_file\":\"nope.pem\",\"key_file\":\"gw.key\",\"ca_file\":\"ca.pem\"",
		"No such file or directory");
	refused(",\"cert_file\":\".\",\"key_file\":\"gw.key\",\"ca_file\":\"ca.pem\"",
		"is a directory; a certificate file must be a regular file");
}
END_TEST

/* The key's bytes appear in no error, whatever goes wrong with it. */
START_TEST(errors_never_quote_the_key)
{
	static const char *const tuns[] = {
	    ",\"cert_file\":\"gw.key\",\"key_file\":\"gw.key\",\"ca_file\":\"ca.pem\"",
	    ",\"cert_file\":\"gw.pem\",\"key_file\":\"gw.key\",\"ca_file\":\"gw.key\"",
	};
	char p[256], line[128];
	struct xerr e;
	FILE *f;

	path(p, sizeof(p), "gw.key");
	f = fopen(p, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f)); /* BEGIN line */
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f)); /* key bytes */
	fclose(f);
	line[20] = '\0';
	for (size_t i = 0; i < sizeof(tuns) / sizeof(tuns[0]); i++) {
		ck_assert_ptr_null(load(tuns[i], &e));
		ck_assert_msg(!strstr(e.msg, line), "key quoted: %s", e.msg);
	}
}
END_TEST

START_TEST(expired_refused_unless_saved)
{
	const char *d = doc(",\"cert_file\":\"gw-expired.pem\",\"key_file\":\"gw.key\","
			    "\"ca_file\":\"ca.pem\"");
	struct cfg_config *cfg;
	struct xerr e;
	char p[256], want[512];

	path(p, sizeof(p), "gw-expired.pem");
	snprintf(want, sizeof(want),
		 "connections[0].tunnels[0].cert_file: %s: the certificate (" X509_FX_SUBJECT
		 ") expired on 2021-01-01 00:00:00 UTC",
		 p);
	ck_assert_ptr_null(cfg_load_string(d, strlen(d), dir, &e));
	ck_assert_str_eq(e.msg, want);
	/* What an earlier apply accepted keeps running after a restart. */
	cfg = cfg_load_saved(d, strlen(d), dir, NULL, &e);
	ck_assert_msg(cfg != NULL, "%s", e.msg);
	ck_assert_int_eq(cfg->conns[0].tunnels[0].x509->not_after, 1609459200);
	cfg_free(cfg);
}
END_TEST

/* A host reads its tunnels' files only in cfg_keys_read, with the same
 * errors. */
START_TEST(keys_later)
{
	const char *d = doc(X509);
	struct cfg_config *cfg, *whole;
	char p[256];
	struct xerr e;

	cfg = cfg_load_keys_later(d, strlen(d), dir, NULL, false, &e);

	ck_assert_ptr_nonnull(cfg);
	ck_assert(cfg->conns[0].tunnels[0].x509->unread);
	ck_assert_ptr_null(cfg->conns[0].tunnels[0].x509->cert.v);
	ck_assert_int_eq(cfg_keys_read(cfg, NULL, &e), 0);
	ck_assert(!cfg->conns[0].tunnels[0].x509->unread);
	whole = cfg_load_string(d, strlen(d), dir, &e);
	ck_assert(cfg_equal(cfg, whole));
	cfg_free(whole);
	cfg_free(cfg);
	path(p, sizeof(p), "gw.key");
	ck_assert_int_eq(chmod(p, 0644), 0);
	cfg = cfg_load_keys_later(d, strlen(d), dir, NULL, false, &e);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(cfg_keys_read(cfg, NULL, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "connections[0].tunnels[0].key_file: "));
	ck_assert_ptr_nonnull(strstr(e.msg, "is readable by group or others"));
	cfg_free(cfg);
}
END_TEST

/* The same text again: unchanged files give the same config; a rewritten
 * certificate (rotation) is read again. */
START_TEST(changed_file_read_again)
{
	const char *d = doc(X509);
	struct cfg_config *a, *b, *c;
	char cmd[512];
	struct xerr e;

	a = cfg_load_text_since(d, strlen(d), dir, NULL, &e);
	ck_assert_msg(a != NULL, "%s", e.msg);
	b = cfg_load_text_since(d, strlen(d), dir, a, &e);
	ck_assert_msg(b != NULL, "%s", e.msg);
	ck_assert(cfg_x509_equal(a->conns[0].tunnels[0].x509, b->conns[0].tunnels[0].x509));
	snprintf(cmd, sizeof(cmd), "cd '%s' && cp gw-2070.pem new.pem && mv new.pem gw.pem", dir);
	ck_assert_int_eq(system(cmd), 0);
	c = cfg_load_text_since(d, strlen(d), dir, b, &e);
	ck_assert_msg(c != NULL, "%s", e.msg);
	ck_assert_int_eq(c->conns[0].tunnels[0].x509->not_after, 3155760000);
	ck_assert(!cfg_x509_equal(b->conns[0].tunnels[0].x509, c->conns[0].tunnels[0].x509));
	/* An expired certificate swapped in is refused on this quick path too. */
	snprintf(cmd, sizeof(cmd), "cd '%s' && cp gw-expired.pem new.pem && mv new.pem gw.pem",
		 dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_ptr_null(cfg_load_text_since(d, strlen(d), dir, c, &e));
	ck_assert_ptr_nonnull(strstr(e.msg, "cert_file: "));
	ck_assert_ptr_nonnull(strstr(e.msg, "expired on 2021-01-01 00:00:00 UTC"));
	cfg_free(a);
	cfg_free(b);
	cfg_free(c);
}
END_TEST

START_TEST(expiry_warnings)
{
	struct xerr e;
	struct cfg_config *cfg = load(X509, &e);
	const struct cfg_connection *c;
	int64_t end;
	char buf[512];
	bool expired;

	ck_assert_msg(cfg != NULL, "%s", e.msg);
	c = &cfg->conns[0];
	end = c->tunnels[0].x509->not_after;
	ck_assert(!cfg_x509_warning(c, 0, end - 31 * 86400, buf, sizeof(buf), &expired));
	ck_assert(cfg_x509_warning(c, 0, end - 29 * 86400 - 60, buf, sizeof(buf), &expired));
	ck_assert(!expired);
	ck_assert_msg(strstr(buf, "connections[0].tunnels[0].cert_file: the certificate "
				  "(" X509_FX_SUBJECT ") expires in 29 days, on "),
		      "%s", buf);
	ck_assert(cfg_x509_warning(c, 0, end + 1, buf, sizeof(buf), &expired));
	ck_assert(expired);
	ck_assert_ptr_nonnull(strstr(buf, "expired on"));
	cfg_free(cfg);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("config_x509");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, loads_certificate_key_and_ca);
	tcase_add_test(tc, der_files_and_ca_bundle);
	tcase_add_test(tc, all_three_or_none);
	tcase_add_test(tc, files_that_do_not_fit);
	tcase_add_test(tc, errors_never_quote_the_key);
	tcase_add_test(tc, expired_refused_unless_saved);
	tcase_add_test(tc, keys_later);
	tcase_add_test(tc, changed_file_read_again);
	tcase_add_test(tc, expiry_warnings);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
