/*
 * An X.509 tunnel's settings as memory: copied, compared and freed with
 * its connection (config.c), each file's share taken or dropped
 * (config_x509.c reads the files). Key bytes are wiped before they are
 * freed.
 */
#include "config_int.h"

#include <stdlib.h>
#include <string.h>

char **cfg_x509_path_at(struct cfg_x509 *x, int kind)
{
	return kind == X_CERT ? &x->cert_file : kind == X_KEY ? &x->key_file : &x->ca_file;
}

const char *cfg_x509_path(const struct cfg_x509 *x, int kind)
{
	return kind == X_CERT ? x->cert_file : kind == X_KEY ? x->key_file : x->ca_file;
}

struct cfg_file_stamp *cfg_x509_stamp_at(struct cfg_x509 *x, int kind)
{
	return kind == X_CERT ? &x->cert_stamp : kind == X_KEY ? &x->key_stamp : &x->ca_stamp;
}

static void blob_free(struct cfg_blob *b)
{
	if (b->v)
		explicit_bzero(b->v, b->len);
	free(b->v);
	b->v = NULL;
	b->len = 0;
}

static int blob_dup(struct cfg_blob *dst, const struct cfg_blob *src)
{
	dst->v = NULL;
	dst->len = 0;
	if (!src->v)
		return 0;
	if (!(dst->v = malloc(src->len ? src->len : 1)))
		return -1;
	memcpy(dst->v, src->v, src->len);
	dst->len = src->len;
	return 0;
}

static bool blob_equal(const struct cfg_blob *a, const struct cfg_blob *b)
{
	return a->len == b->len && (!a->len || !memcmp(a->v, b->v, a->len));
}

/* What a file of that kind gave: freed, or copied from src. */
void cfg_x509_drop(struct cfg_x509 *x, int kind)
{
	if (kind == X_CERT) {
		blob_free(&x->cert);
		x->subject[0] = '\0';
		x->not_before = x->not_after = 0;
	} else if (kind == X_KEY) {
		blob_free(&x->key);
	} else {
		for (size_t i = 0; i < x->n_ca; i++)
			blob_free(&x->ca[i]);
		x->n_ca = 0;
		x->ca_not_after = 0;
	}
}

int cfg_x509_take(struct cfg_x509 *x, const struct cfg_x509 *src, int kind)
{
	int rc = 0;

	cfg_x509_drop(x, kind);
	if (kind == X_CERT) {
		rc = blob_dup(&x->cert, &src->cert);
		memcpy(x->subject, src->subject, sizeof(x->subject));
		x->not_before = src->not_before;
		x->not_after = src->not_after;
	} else if (kind == X_KEY) {
		rc = blob_dup(&x->key, &src->key);
	} else {
		for (size_t i = 0; i < src->n_ca && !rc; i++, x->n_ca++)
			rc = blob_dup(&x->ca[i], &src->ca[i]);
		x->ca_not_after = src->ca_not_after;
	}
	*cfg_x509_stamp_at(x, kind) = kind == X_CERT  ? src->cert_stamp
				      : kind == X_KEY ? src->key_stamp
						      : src->ca_stamp;
	return rc;
}

void cfg_x509_free(struct cfg_x509 *x)
{
	if (!x)
		return;
	for (int k = 0; k < X_KINDS; k++) {
		cfg_x509_drop(x, k);
		free(*cfg_x509_path_at(x, k));
	}
	explicit_bzero(x, sizeof(*x));
	free(x);
}

int cfg_x509_copy(struct cfg_x509 **dst, const struct cfg_x509 *src)
{
	struct cfg_x509 *x;
	int rc = 0;

	*dst = NULL;
	if (!src)
		return 0;
	if (!(x = calloc(1, sizeof(*x))))
		return -1;
	x->unread = src->unread;
	for (int k = 0; k < X_KINDS; k++) {
		const char *p = cfg_x509_path(src, k);

		if (p && !(*cfg_x509_path_at(x, k) = strdup(p)))
			rc = -1;
		if (!rc)
			rc = cfg_x509_take(x, src, k);
	}
	if (rc) {
		cfg_x509_free(x);
		return -1;
	}
	*dst = x;
	return 0;
}

bool cfg_x509_equal(const struct cfg_x509 *a, const struct cfg_x509 *b)
{
	if (!a || !b)
		return a == b;
	for (int k = 0; k < X_KINDS; k++) {
		const char *p = cfg_x509_path(a, k), *q = cfg_x509_path(b, k);

		if (!(p == q || (p && q && !strcmp(p, q))))
			return false;
	}
	if (a->n_ca != b->n_ca)
		return false;
	for (size_t i = 0; i < a->n_ca; i++)
		if (!blob_equal(&a->ca[i], &b->ca[i]))
			return false;
	return !memcmp(&a->cert_stamp, &b->cert_stamp, sizeof(a->cert_stamp)) &&
	       !memcmp(&a->key_stamp, &b->key_stamp, sizeof(a->key_stamp)) &&
	       !memcmp(&a->ca_stamp, &b->ca_stamp, sizeof(a->ca_stamp)) &&
	       blob_equal(&a->cert, &b->cert) && blob_equal(&a->key, &b->key) &&
	       !strcmp(a->subject, b->subject) && a->not_before == b->not_before &&
	       a->not_after == b->not_after && a->ca_not_after == b->ca_not_after &&
	       a->unread == b->unread;
}
