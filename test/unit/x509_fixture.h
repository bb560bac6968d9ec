/*
 * Certificates for unit tests, made by openssl in a fresh directory when
 * a test starts (nothing is committed): a CA; gw.pem for gw.key (EC
 * P-256), valid from a day ago for 365 days; gw-rsa.key (PKCS#1 PEM);
 * gw-expired.pem for gw.key (2020-01-01 .. 2021-01-01, UTCTime);
 * gw-2070.pem for gw.key (until 2070-01-01, a GeneralizedTime); DER
 * copies gw.der and gw.key.der; gw-rsa.pem for gw-rsa.key (also as
 * PKCS#8, gw-rsa.p8); other-ca.pem, another CA; enc.key, an encrypted
 * PKCS#8 key; a bundle of both CAs. Key files mode 0600.
 */
#ifndef XFRMD_TEST_X509_FIXTURE_H
#define XFRMD_TEST_X509_FIXTURE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#define X509_FX_SUBJECT "C=CH, O=xfrmd test, CN=gw"

static const char x509_fx_script[] =
    "set -e; cd \"$1\"; exec 2>/dev/null\n"
    "mkdir -p db; : > db/index.txt; echo 1000 > db/serial\n"
    "printf '[ca]\\ndefault_ca=t\\n[t]\\ndir=db\\ndatabase=db/index.txt\\n"
    "new_certs_dir=db\\nserial=db/serial\\ndefault_md=sha256\\npolicy=p\\npreserve=yes\\n"
    "unique_subject=no\\n[p]\\ncountryName=optional\\norganizationName=optional\\n"
    "commonName=supplied\\n' > ca.cnf\n"
    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 "
    "-keyout ca.key -out ca.pem -subj '/C=CH/O=xfrmd test/CN=test CA'\n"
    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 "
    "-keyout other-ca.key -out other-ca.pem -subj '/CN=other CA'\n"
    "cat ca.pem other-ca.pem > bundle.pem\n"
    "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out gw.key\n"
    "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -traditional "
    "-out gw-rsa.key 2>/dev/null || openssl genrsa -traditional -out gw-rsa.key 1024\n"
    "openssl pkcs8 -topk8 -in gw.key -passout pass:secret -out enc.key\n"
    "openssl pkey -in gw.key -outform der -out gw.key.der\n"
    "openssl req -new -key gw.key -subj '/C=CH/O=xfrmd test/CN=gw' -out gw.csr\n"
    "openssl req -new -key gw-rsa.key -subj '/C=CH/O=xfrmd test/CN=gw' -out rsa.csr\n"
    "ca() { openssl ca -batch -notext -config ca.cnf -cert ca.pem -keyfile ca.key "
    "-in \"${4:-gw.csr}\" -out \"$1\" -startdate \"$2\" -enddate \"$3\"; }\n"
    "ca gw.pem $(date -u -d '-1 day' +%Y%m%d%H%M%SZ) $(date -u -d '+365 days' +%Y%m%d%H%M%SZ)\n"
    "ca gw-expired.pem 20200101000000Z 20210101000000Z\n"
    "ca gw-2070.pem 20200101000000Z 20700101000000Z\n"
    "ca gw-rsa.pem 20200101000000Z 20700101000000Z rsa.csr\n"
    "openssl pkcs8 -topk8 -nocrypt -in gw-rsa.key -out gw-rsa.p8\n"
    "openssl x509 -in gw.pem -outform der -out gw.der\n"
    "chmod 600 gw.key gw-rsa.key gw-rsa.p8 enc.key gw.key.der\n";

/* Makes the files in dir (which exists); fails the test if openssl does. */
static inline void x509_fx_make(const char *dir)
{
	char cmd[4096];
	FILE *f;
	char script[512];

	snprintf(script, sizeof(script), "%s/mk.sh", dir);
	f = fopen(script, "w");
	ck_assert_ptr_nonnull(f);
	fputs(x509_fx_script, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s'", script, dir);
	ck_assert_msg(system(cmd) == 0, "openssl could not make the test certificates");
}

#endif
