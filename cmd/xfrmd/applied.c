/*
 * The applied config and what is kept with it (applied.h): one writer for
 * each field, these functions; state.c puts them on disk and back. A leaf:
 * it calls no other file of the daemon.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applied.h"
#include "applied_int.h"
#include "xfrmd.h"

struct applied_ids {
	struct json_object *ids;
};

struct applied_keep {
	struct json_object *set;
};

struct applied *applied_new(void)
{
	return calloc(1, sizeof(struct applied));
}

void applied_free(struct applied *a)
{
	if (!a)
		return;
	cfg_free(a->cfg);
	free(a->text);
	json_object_put(a->tunnel_ids);
	json_object_put(a->published);
	json_object_put(a->psks);
	json_object_put(a->key_ids);
	free(a);
}

const struct cfg_config *applied_cfg(const struct xfrmd *d)
{
	return d->applied->cfg;
}

const char *applied_text(const struct xfrmd *d, size_t *len)
{
	*len = d->applied->len;
	return d->applied->text;
}

const char *applied_base_dir(const struct xfrmd *d)
{
	return d->applied->base_dir;
}

uint64_t applied_generation(const struct xfrmd *d)
{
	return d->applied->generation;
}

const char *applied_hash(const struct xfrmd *d)
{
	return d->applied->hash;
}

const char *applied_psk(const struct xfrmd *d, const char *name, size_t *len)
{
	struct json_object *v;

	if (!d->applied->psks || !json_object_object_get_ex(d->applied->psks, name, &v))
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

bool applied_choice(const struct xfrmd *d, const char *conn, const char *prefix, bool *publish)
{
	struct json_object *per_conn, *v;
	const struct applied *a = d->applied;

	if (!a->published || !json_object_object_get_ex(a->published, conn, &per_conn) ||
	    !json_object_object_get_ex(per_conn, prefix, &v))
		return false;
	*publish = json_object_get_boolean(v);
	return true;
}

bool applied_tunnel_id(const struct xfrmd *d, const char *name, uint64_t *id)
{
	struct json_object *v;

	if (!d->applied->tunnel_ids || !json_object_object_get_ex(d->applied->tunnel_ids, name, &v))
		return false;
	*id = (uint64_t)json_object_get_int64(v);
	return true;
}

size_t applied_tunnel_id_count(const struct xfrmd *d)
{
	struct json_object *ids = d->applied->tunnel_ids;

	return ids ? (size_t)json_object_object_length(ids) : 0;
}

void applied_tunnel_ids_each(const struct xfrmd *d, void (*fn)(void *ctx, uint64_t id), void *ctx)
{
	if (!d->applied->tunnel_ids)
		return;
	json_object_object_foreach(d->applied->tunnel_ids, name, v)
	{
		(void)name;
		fn(ctx, (uint64_t)json_object_get_int64(v));
	}
}

struct cfg_config *applied_swap_cfg(struct xfrmd *d, struct cfg_config *cfg)
{
	struct cfg_config *old = d->applied->cfg;

	d->applied->cfg = cfg;
	return old;
}

/* The text becomes a copy of text, with its hash; the previous one is
 * returned (NULL: none), or set when out of memory (-1, nothing changed). */
static int set_text(struct applied *a, const char *text, size_t len, char **was)
{
	char *copy = malloc(len + 1);

	if (!copy)
		return -1;
	memcpy(copy, text, len);
	copy[len] = '\0';
	*was = a->text;
	a->text = copy;
	a->len = len;
	sha256_hex(copy, len, a->hash);
	return 0;
}

int applied_commit(struct xfrmd *d, const char *text, size_t len, const char *base_dir,
		   char **retired)
{
	struct applied *a = d->applied;

	if (set_text(a, text, len, retired))
		return -1;
	snprintf(a->base_dir, sizeof(a->base_dir), "%s", base_dir);
	a->generation++;
	return 0;
}

int applied_restore_text(struct xfrmd *d, const char *text, size_t len)
{
	char *was;

	if (set_text(d->applied, text, len, &was))
		return -1;
	free(was);
	return 0;
}

int applied_psk_set(struct xfrmd *d, const char *name, const char *key)
{
	struct applied *a = d->applied;

	if (!a->psks && !(a->psks = json_object_new_object()))
		return -1;
	json_object_object_add(a->psks, name, json_object_new_string(key));
	return 0;
}

void applied_choice_set(struct xfrmd *d, const char *conn, const char *prefix, bool publish)
{
	struct applied *a = d->applied;
	struct json_object *per_conn;

	if (!a->published)
		a->published = json_object_new_object();
	if (!json_object_object_get_ex(a->published, conn, &per_conn)) {
		per_conn = json_object_new_object();
		json_object_object_add(a->published, conn, per_conn);
	}
	json_object_object_add(per_conn, prefix, json_object_new_boolean(publish));
}

int applied_tunnel_ids_init(struct xfrmd *d)
{
	struct applied *a = d->applied;

	return !a->tunnel_ids && !(a->tunnel_ids = json_object_new_object()) ? -1 : 0;
}

void applied_tunnel_id_set(struct xfrmd *d, const char *name, uint64_t id)
{
	json_object_object_add(d->applied->tunnel_ids, name, json_object_new_int64((int64_t)id));
}

int applied_ids_save(const struct xfrmd *d, struct applied_ids **saved, struct xerr *e)
{
	struct json_object *copy = NULL;

	*saved = NULL;
	if (!d->applied->tunnel_ids)
		return 0;
	if (!(*saved = calloc(1, sizeof(**saved))) ||
	    json_object_deep_copy(d->applied->tunnel_ids, &copy, NULL)) {
		free(*saved);
		*saved = NULL;
		return xerr_set(e, "out of memory");
	}
	(*saved)->ids = copy;
	return 0;
}

void applied_ids_restore(struct xfrmd *d, struct applied_ids *saved)
{
	if (!saved)
		return;
	json_object_put(d->applied->tunnel_ids);
	d->applied->tunnel_ids = saved->ids;
	free(saved);
}

struct applied_keep *applied_keep_new(void)
{
	struct applied_keep *k = calloc(1, sizeof(*k));

	if (k && !(k->set = json_object_new_object())) {
		free(k);
		return NULL;
	}
	return k;
}

/* The set k built replaces *field (k freed). */
static void keep_install(struct json_object **field, struct applied_keep *k)
{
	json_object_put(*field);
	*field = k->set;
	free(k);
}

void applied_keep_id(struct applied_keep *k, const char *name, uint64_t id)
{
	if (k)
		json_object_object_add(k->set, name, json_object_new_int64((int64_t)id));
}

void applied_ids_prune(struct xfrmd *d, struct applied_keep *k)
{
	if (k)
		keep_install(&d->applied->tunnel_ids, k);
}

void applied_keep_psk(struct applied_keep *k, const struct xfrmd *d, const char *name)
{
	struct json_object *v;

	if (k && d->applied->psks && json_object_object_get_ex(d->applied->psks, name, &v))
		json_object_object_add(k->set, name, json_object_get(v));
}

/* No keys generated yet: none are kept either. */
void applied_psks_prune(struct xfrmd *d, struct applied_keep *k)
{
	if (!k)
		return;
	if (!d->applied->psks) {
		json_object_put(k->set);
		free(k);
		return;
	}
	keep_install(&d->applied->psks, k);
}

bool applied_keep_conn(struct applied_keep *k, const struct xfrmd *d, const char *conn)
{
	struct json_object *old;

	if (!k || !d->applied->published ||
	    !json_object_object_get_ex(d->applied->published, conn, &old))
		return false;
	json_object_object_add(k->set, conn, json_object_new_object());
	return true;
}

void applied_keep_choice(struct applied_keep *k, const struct xfrmd *d, const char *conn,
			 const char *prefix)
{
	struct json_object *old, *fresh, *v;

	if (k && d->applied->published &&
	    json_object_object_get_ex(d->applied->published, conn, &old) &&
	    json_object_object_get_ex(k->set, conn, &fresh) &&
	    json_object_object_get_ex(old, prefix, &v))
		json_object_object_add(fresh, prefix, json_object_get(v));
}

void applied_choices_prune(struct xfrmd *d, struct applied_keep *k)
{
	if (k)
		keep_install(&d->applied->published, k);
}

const char *applied_key_id(const struct xfrmd *d, const char *name)
{
	struct json_object *v;

	if (!d->applied->key_ids || !json_object_object_get_ex(d->applied->key_ids, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

void applied_key_ids_each(const struct xfrmd *d,
			  void (*fn)(void *ctx, const char *name, const char *id), void *ctx)
{
	if (!d->applied->key_ids)
		return;
	json_object_object_foreach(d->applied->key_ids, name, v)
	{
		if (json_object_is_type(v, json_type_string))
			fn(ctx, name, json_object_get_string(v));
	}
}

int applied_key_id_set(struct xfrmd *d, const char *name, const char *id)
{
	struct applied *a = d->applied;
	const char *was = applied_key_id(d, name);

	if (was && !strcmp(was, id))
		return 0;
	if (!a->key_ids && !(a->key_ids = json_object_new_object()))
		return -1;
	json_object_object_add(a->key_ids, name, json_object_new_string(id));
	a->key_ids_changed = true;
	return 0;
}

bool applied_key_ids_settle(struct xfrmd *d, bool (*keep)(void *ctx, const char *name), void *ctx)
{
	struct applied *a = d->applied;
	struct json_object *kept;
	bool changed;

	if (a->key_ids && (kept = json_object_new_object())) {
		json_object_object_foreach(a->key_ids, name, v)
		{
			if (keep(ctx, name))
				json_object_object_add(kept, name, json_object_get(v));
			else
				a->key_ids_changed = true;
		}
		json_object_put(a->key_ids);
		a->key_ids = kept;
	}
	changed = a->key_ids_changed;
	a->key_ids_changed = false;
	return changed;
}
