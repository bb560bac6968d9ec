/*
 * Pre-shared keys: key files read before (kept while unchanged;
 * config_keyfile.c reads them) and generated keys. What a key may hold is
 * config_psk_rules.c's.
 *
 * Nothing here ever copies key bytes into an error message: a rejected key
 * is described by position and character class only.
 */
#include "config_int.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static int psk_read_file(struct cfg_tunnel *t, const char *config_dir, struct xerr *e)
{
	struct stat st;

	if (cfg_keyfile_load(t->psk_file, config_dir, t->psk, sizeof(t->psk), &st, e))
		return -1;
	t->psk_stamp = cfg_stamp_of(&st);
	return 0;
}

static int cmp_key_path(const void *a, const void *b)
{
	return strcmp((*(const struct cfg_tunnel *const *)a)->psk_file,
		      (*(const struct cfg_tunnel *const *)b)->psk_file);
}

int cfg_key_cache_init(struct cfg_key_cache *c, const struct cfg_config *prev)
{
	size_t n = 0;

	memset(c, 0, sizeof(*c));
	if (cfg_x509_cache_init(c, prev))
		return -1;
	for (size_t i = 0; prev && i < prev->n_conns; i++)
		n += prev->conns[i].n_tunnels;
	if (!n)
		return 0;
	c->t = calloc(n, sizeof(*c->t));
	if (!c->t) {
		cfg_x509_cache_free(c);
		return -1;
	}
	for (size_t i = 0; i < prev->n_conns; i++)
		for (size_t k = 0; k < prev->conns[i].n_tunnels; k++)
			if (prev->conns[i].tunnels[k].psk_from_file)
				c->t[c->n++] = &prev->conns[i].tunnels[k];
	qsort(c->t, c->n, sizeof(*c->t), cmp_key_path);
	return 0;
}

void cfg_key_cache_free(struct cfg_key_cache *c)
{
	free(c->t);
	cfg_x509_cache_free(c);
	memset(c, 0, sizeof(*c));
}

static const struct cfg_tunnel *cached_key(const struct cfg_key_cache *c, const char *path)
{
	struct cfg_tunnel key = {.psk_file = (char *)path};
	const struct cfg_tunnel *k = &key, *const * hit;

	if (!c || !c->n)
		return NULL;
	hit = bsearch(&k, c->t, c->n, sizeof(*c->t), cmp_key_path);
	return hit ? *hit : NULL;
}

/* was: an earlier load of the same path (NULL: none). */
static int psk_load_since(const struct cfg_tunnel *was, struct cfg_tunnel *t,
			  const char *config_dir, struct xerr *e)
{
	struct stat st;

	/* A failed stat or a changed stamp: the read says what is wrong. */
	if (was && !cfg_keyfile_stat(t->psk_file, &st, e)) {
		struct cfg_file_stamp now = cfg_stamp_of(&st);

		if (cfg_stamp_equal(&now, &was->psk_stamp)) {
			if (cfg_keyfile_private(t->psk_file, &st, config_dir, e))
				return -1;
			if (was != t)
				memcpy(t->psk, was->psk, sizeof(t->psk));
			t->psk_stamp = now;
			return 0;
		}
	}
	return psk_read_file(t, config_dir, e);
}

int cfg_psk_load(const struct cfg_key_cache *c, struct cfg_tunnel *t, const char *config_dir,
		 struct xerr *e)
{
	return psk_load_since(cached_key(c, t->psk_file), t, config_dir, e);
}

int cfg_keys_read(struct cfg_config *cfg, const struct cfg_config *prev, struct xerr *e)
{
	const char *dir = cfg->src_base_dir && cfg->src_base_dir[0] ? cfg->src_base_dir : NULL;
	struct cfg_key_cache keys;
	struct xerr fe;
	int rc = 0;

	if (cfg_key_cache_init(&keys, prev))
		return xerr_set(e, "out of memory");
	for (size_t i = 0; i < cfg->n_conns && !rc; i++) {
		struct cfg_connection *c = &cfg->conns[i];

		for (size_t k = 0; k < c->n_tunnels && !rc; k++) {
			struct cfg_tunnel *t = &c->tunnels[k];

			if (t->x509 && t->x509->unread) {
				if (cfg_x509_load(&keys, t->x509, dir, cfg->saved, &fe))
					rc = xerr_set(e, "connections[%zu].tunnels[%u].%s",
						      c->index, t->number - 1, fe.msg);
				continue;
			}
			if (!t->psk_unread)
				continue;
			if (cfg_psk_load(&keys, t, dir, &fe))
				rc = xerr_set(e, "connections[%zu].tunnels[%u].psk_file: %s",
					      c->index, t->number - 1, fe.msg);
			else
				t->psk_unread = false;
		}
	}
	cfg_key_cache_free(&keys);
	return rc;
}

int cfg_psk_refresh(struct cfg_tunnel *t, struct xerr *e)
{
	return psk_load_since(t, t, NULL, e);
}

/* Fills buf completely; getrandom may return short reads for large
 * requests or be interrupted by a signal. */
static int random_bytes(unsigned char *buf, size_t len, struct xerr *e)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = getrandom(buf + got, len - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return xerr_set(e, "getrandom: %s", strerror(errno));
		got += (size_t)n;
	}
	return 0;
}

int cfg_psk_generate(char *out, size_t len, struct xerr *e)
{
	char set[128];
	unsigned char rnd[64];
	size_t n = 0, done = 0, limit;

	if (len <= CFG_PSK_GEN_LEN)
		return xerr_set(e, "buffer too small for a generated key");
	/* The set is derived from cfg_psk_char_ok so generated keys can never
	 * fall outside what the loader accepts. */
	for (int c = 0x21; c < 0x7f; c++)
		if (cfg_psk_char_ok((char)c))
			set[n++] = (char)c;
	/* Bytes at or above the largest multiple of n are thrown away:
	 * taking them modulo n would favour the first 256 % n characters. */
	limit = 256 - 256 % n;
	while (done < CFG_PSK_GEN_LEN) {
		if (random_bytes(rnd, sizeof(rnd), e)) {
			explicit_bzero(out, len);
			return -1;
		}
		for (size_t i = 0; i < sizeof(rnd) && done < CFG_PSK_GEN_LEN; i++)
			if (rnd[i] < limit)
				out[done++] = set[rnd[i] % n];
	}
	out[done] = '\0';
	explicit_bzero(rnd, sizeof(rnd));
	return 0;
}
