/*
 * X.509 tunnels: cert_file, key_file and ca_file, given together instead
 * of psk / psk_file. Each file is read like a psk_file (config_keyfile.c:
 * a regular file, opened without blocking) and kept with its stamp: while
 * the stamp is the same the bytes are taken from the earlier config, a
 * changed file is read again. The key file must be private (the psk_file
 * rule) and its bytes never reach a message; certificate and CA files are
 * public but must hold certificates (lib/util/x509_der.h reads their
 * subject and validity).
 */
#include "config_json.h"
#include "x509_der.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define CERT_FILE_MAX (32u << 10) /* a VICI value holds 65535 bytes at most */
#define KEY_FILE_MAX  (16u << 10)

static const char *const field_name[X_KINDS] = {"cert_file", "key_file", "ca_file"};

struct cfg_x509_ref {
	const char *path;
	int kind;
	const struct cfg_x509 *x;
};

/* ---- the cache of an earlier config's files ---- */

static int ref_cmp(const void *va, const void *vb)
{
	const struct cfg_x509_ref *a = va, *b = vb;
	int d = strcmp(a->path, b->path);

	return d ? d : a->kind - b->kind;
}

int cfg_x509_cache_init(struct cfg_key_cache *c, const struct cfg_config *prev)
{
	size_t n = 0;

	for (size_t i = 0; prev && i < prev->n_conns; i++)
		for (size_t k = 0; k < prev->conns[i].n_tunnels; k++)
			n += prev->conns[i].tunnels[k].x509 ? X_KINDS : 0;
	if (!n)
		return 0;
	if (!(c->x = calloc(n, sizeof(*c->x))))
		return -1;
	for (size_t i = 0; i < prev->n_conns; i++)
		for (size_t k = 0; k < prev->conns[i].n_tunnels; k++) {
			const struct cfg_x509 *x = prev->conns[i].tunnels[k].x509;

			for (int kind = 0; x && !x->unread && kind < X_KINDS; kind++)
				c->x[c->nx++] =
				    (struct cfg_x509_ref){cfg_x509_path(x, kind), kind, x};
		}
	qsort(c->x, c->nx, sizeof(*c->x), ref_cmp);
	return 0;
}

void cfg_x509_cache_free(struct cfg_key_cache *c)
{
	free(c->x);
	c->x = NULL;
	c->nx = 0;
}

static const struct cfg_x509 *cached(const struct cfg_key_cache *c, const char *path, int kind)
{
	struct cfg_x509_ref key = {path, kind, NULL};
	const struct cfg_x509_ref *hit;

	if (!c || !c->nx)
		return NULL;
	hit = bsearch(&key, c->x, c->nx, sizeof(*c->x), ref_cmp);
	return hit ? hit->x : NULL;
}

/* ---- reading the files ---- */

static int read_certs(struct cfg_x509 *x, int kind, const uint8_t *buf, size_t len, struct xerr *e)
{
	uint8_t *der[CFG_CA_MAX];
	size_t dlen[CFG_CA_MAX];
	char why[160];
	size_t max = kind == X_CERT ? 1 : CFG_CA_MAX;
	int n = x509_certs_from(buf, len, der, dlen, max, why, sizeof(why));

	if (n < 0)
		return xerr_set(e, "%s: %s", cfg_x509_path(x, kind), why);
	cfg_x509_drop(x, kind);
	for (int i = 0; i < n; i++) {
		struct x509_info info;

		x509_cert_info(der[i], dlen[i], &info, why, sizeof(why));
		if (kind == X_CERT) {
			x->cert = (struct cfg_blob){der[i], dlen[i]};
			memcpy(x->subject, info.subject, sizeof(x->subject));
			x->not_before = info.not_before;
			x->not_after = info.not_after;
		} else {
			x->ca[x->n_ca++] = (struct cfg_blob){der[i], dlen[i]};
			if (!x->ca_not_after || info.not_after < x->ca_not_after)
				x->ca_not_after = info.not_after;
		}
	}
	return 0;
}

static int read_kind(struct cfg_x509 *x, int kind, const char *config_dir, struct xerr *e)
{
	static const char *const what[X_KINDS] = {"a certificate file", "a private key file",
						  "a CA certificate file"};
	const char *path = cfg_x509_path(x, kind);
	struct stat st;
	char why[160];
	size_t len = 0;
	char *buf = cfg_file_blob(path, kind == X_KEY ? KEY_FILE_MAX : CERT_FILE_MAX, what[kind],
				  &st, &len, e);
	int rc = -1;

	if (!buf)
		return -1;
	if (kind != X_KEY) {
		rc = read_certs(x, kind, (const uint8_t *)buf, len, e);
	} else if (x509_key_check((const uint8_t *)buf, len, why, sizeof(why))) {
		xerr_set(e, "%s: %s", path, why);
	} else if (!cfg_keyfile_private(path, &st, config_dir, e)) {
		cfg_x509_drop(x, kind);
		x->key = (struct cfg_blob){(uint8_t *)buf, len};
		buf = NULL;
		rc = 0;
	}
	if (!rc)
		*cfg_x509_stamp_at(x, kind) = cfg_stamp_of(&st);
	if (buf)
		explicit_bzero(buf, len);
	free(buf);
	return rc;
}

/* was: the same file read before (NULL: none), unchanged while its stamp is. */
static int load_kind(const struct cfg_x509 *was, struct cfg_x509 *x, int kind,
		     const char *config_dir, struct xerr *e)
{
	const char *path = cfg_x509_path(x, kind);
	struct stat st;

	if (was && !stat(path, &st) && S_ISREG(st.st_mode)) {
		struct cfg_file_stamp now = cfg_stamp_of(&st);
		const struct cfg_file_stamp *then = kind == X_CERT  ? &was->cert_stamp
						    : kind == X_KEY ? &was->key_stamp
								    : &was->ca_stamp;

		if (cfg_stamp_equal(&now, then)) {
			if (kind == X_KEY && cfg_keyfile_private(path, &st, config_dir, e))
				return -1;
			if (was != x && cfg_x509_take(x, was, kind))
				return xerr_set(e, "out of memory");
			return 0;
		}
	}
	return read_kind(x, kind, config_dir, e);
}

static int prefix_field(int kind, struct xerr *e)
{
	char msg[sizeof(e->msg)];

	snprintf(msg, sizeof(msg), "%s", e->msg);
	return xerr_set(e, "%s: %s", field_name[kind], msg);
}

/* Expired material is refused at apply: the peer would refuse it anyway,
 * after a tunnel that worked was torn down for it. A saved config (the
 * daemon's restart) keeps running what it ran. */
static int check_dates(const struct cfg_x509 *x, bool saved, struct xerr *e)
{
	int64_t now = (int64_t)time(NULL);
	char when[32];

	if (saved)
		return 0;
	if (x->not_after <= now)
		return xerr_set(e, "cert_file: %s: the certificate (%s) expired on %s",
				x->cert_file, x->subject,
				x509_time_str(x->not_after, when, sizeof(when)));
	if (x->ca_not_after <= now)
		return xerr_set(e, "ca_file: %s: a CA certificate expired on %s", x->ca_file,
				x509_time_str(x->ca_not_after, when, sizeof(when)));
	return 0;
}

/* A key and certificate that do not belong together would only fail at
 * the next IKE_AUTH (for a rotation: long after the apply). Compared
 * where no cryptography is needed (RSA, EC keys holding their point);
 * charon finds any other mismatch. */
static int check_pair(const struct cfg_x509 *x, struct xerr *e)
{
	struct x509_info info;
	char why[128];

	if (x509_cert_info(x->cert.v, x->cert.len, &info, why, sizeof(why)) ||
	    x509_key_file_matches(x->key.v, x->key.len, &info) != 0)
		return 0;
	return xerr_set(e, "key_file: %s: not the private key of cert_file's certificate (%s)",
			x->key_file, x->subject);
}

int cfg_x509_load(const struct cfg_key_cache *c, struct cfg_x509 *x, const char *config_dir,
		  bool saved, struct xerr *e)
{
	for (int k = 0; k < X_KINDS; k++)
		if (load_kind(c ? cached(c, cfg_x509_path(x, k), k) : NULL, x, k, config_dir, e))
			return prefix_field(k, e);
	x->unread = false;
	return check_pair(x, e) || check_dates(x, saved, e) ? -1 : 0;
}

int cfg_x509_refresh(struct cfg_x509 *x, struct xerr *e)
{
	if (x->unread)
		return 0;
	for (int k = 0; k < X_KINDS; k++)
		if (load_kind(x, x, k, NULL, e))
			return prefix_field(k, e);
	/* Expired since: the whole load decides (refused, or kept if saved). */
	return check_pair(x, e) || check_dates(x, false, e) ? -1 : 0;
}

bool cfg_x509_warning(const struct cfg_connection *c, size_t t, int64_t now, char *buf, size_t len,
		      bool *expired)
{
	const struct cfg_tunnel *tun = &c->tunnels[t];
	const struct cfg_x509 *x = tun->x509;
	int64_t soon = now + (int64_t)CFG_CERT_WARN_DAYS * 86400;
	bool cert;
	char when[32];
	int64_t at;

	buf[0] = '\0';
	*expired = false;
	if (!x || x->unread)
		return false;
	cert = x->not_after <= x->ca_not_after;
	at = cert ? x->not_after : x->ca_not_after;
	if (at > soon)
		return false;
	*expired = at <= now;
	x509_time_str(at, when, sizeof(when));
	if (*expired)
		snprintf(buf, len,
			 "connections[%zu].tunnels[%u].%s: %s (%s) expired on %s: IKE SAs "
			 "with it fail",
			 c->index, tun->number ? tun->number - 1 : (unsigned)t,
			 cert ? "cert_file" : "ca_file",
			 cert ? "the certificate" : "a CA certificate",
			 cert ? x->subject : x->ca_file, when);
	else
		snprintf(buf, len,
			 "connections[%zu].tunnels[%u].%s: %s (%s) expires in %lld days, on "
			 "%s: replace it and apply",
			 c->index, tun->number ? tun->number - 1 : (unsigned)t,
			 cert ? "cert_file" : "ca_file",
			 cert ? "the certificate" : "a CA certificate",
			 cert ? x->subject : x->ca_file, (long long)((at - now) / 86400), when);
	return true;
}

/* ---- the JSON keys ---- */

static struct cfg_x509 *x509_of(struct cfg_tunnel *t)
{
	if (!t->x509)
		t->x509 = calloc(1, sizeof(*t->x509));
	return t->x509;
}

static int parse_file(struct pctx *x, json_object *v, void *dst, int kind)
{
	struct cfg_x509 *xx = x509_of(dst);

	if (!xx)
		return cj_err(x, "out of memory");
	return cj_path(x, v, cfg_x509_path_at(xx, kind));
}

int cfg_parse_cert_file(struct pctx *x, json_object *v, void *dst)
{
	return parse_file(x, v, dst, X_CERT);
}

int cfg_parse_key_file(struct pctx *x, json_object *v, void *dst)
{
	return parse_file(x, v, dst, X_KEY);
}

int cfg_parse_ca_file(struct pctx *x, json_object *v, void *dst)
{
	return parse_file(x, v, dst, X_CA);
}

int cfg_x509_finish(struct pctx *x, struct cfg_tunnel *t, bool cert, bool key, bool ca, bool psk)
{
	const bool given[X_KINDS] = {cert, key, ca};
	struct xerr fe;

	if (psk)
		return cj_err(x,
			      "cert_file, key_file and ca_file (X.509) exclude psk and psk_file");
	for (int k = 0; k < X_KINDS; k++)
		if (!given[k]) {
			cj_push_key(x, field_name[k]);
			return cj_err(x, "missing: X.509 needs cert_file, key_file and ca_file "
					 "together");
		}
	t->psk_auto = false;
	if (x->keys_later) {
		t->x509->unread = true;
		return 0;
	}
	if (cfg_x509_load(x->keys, t->x509, x->base_dir, x->saved, &fe)) {
		/* fe.msg starts with the field: "key_file: PATH ..." */
		char *colon = strchr(fe.msg, ':');

		for (int k = 0; k < X_KINDS; k++)
			if (colon && (size_t)(colon - fe.msg) == strlen(field_name[k]) &&
			    !strncmp(fe.msg, field_name[k], strlen(field_name[k]))) {
				cj_push_key(x, field_name[k]);
				return cj_err(x, "%s", colon + 2);
			}
		return cj_err(x, "%s", fe.msg);
	}
	return 0;
}
