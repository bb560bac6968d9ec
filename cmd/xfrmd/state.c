/* The applied config survives restarts in STATE_DIR/state.json, written
 * atomically and readable by root only (it holds pre-shared keys). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "xfrmd.h"

static void state_path(const struct xfrmd *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/state.json", d->opt.state_dir);
}

int state_save(struct xfrmd *d, struct xerr *e)
{
	struct json_object *st = json_object_new_object();
	char path[CFG_PATH_MAX + 16];
	const char *text;
	int rc;

	if (mkdir(d->opt.state_dir, 0700) && errno != EEXIST)
		return xerr_set(e, "%s: %s", d->opt.state_dir, strerror(errno));
	json_object_object_add(st, "generation", json_object_new_uint64(d->generation));
	json_object_object_add(st, "hash", json_object_new_string(d->config_hash));
	json_object_object_add(st, "base_dir", json_object_new_string(d->running_base_dir));
	json_object_object_add(st, "config", json_object_get(d->running_doc));
	json_object_object_add(st, "tunnel_ids", json_object_get(d->tunnel_ids));
	if (d->published)
		json_object_object_add(st, "published", json_object_get(d->published));
	if (d->psks)
		json_object_object_add(st, "generated_psks", json_object_get(d->psks));
	text = json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN);
	state_path(d, path, sizeof(path));
	rc = file_write_atomic(path, text, strlen(text), 0600, e);
	json_object_put(st);
	return rc;
}

struct json_object *state_load(struct xfrmd *d, char *base_dir, size_t len, uint64_t *generation,
			       struct xerr *e)
{
	char path[CFG_PATH_MAX + 16];
	struct json_object *st, *doc, *gen, *dir, *ids;
	char *text;

	state_path(d, path, sizeof(path));
	if (access(path, F_OK))
		return NULL;
	text = file_read_all(path, CFG_DOC_MAX + 4096, NULL, e);
	if (!text)
		return NULL;
	st = json_tokener_parse(text);
	free(text);
	if (!st || !json_object_object_get_ex(st, "config", &doc) ||
	    !json_object_object_get_ex(st, "generation", &gen) ||
	    !json_object_object_get_ex(st, "base_dir", &dir)) {
		json_object_put(st);
		xerr_set(e, "%s: not a state file written by xfrmd", path);
		return NULL;
	}
	*generation = json_object_get_uint64(gen);
	if (json_object_object_get_ex(st, "tunnel_ids", &ids) &&
	    json_object_is_type(ids, json_type_object))
		d->tunnel_ids = json_object_get(ids);
	if (json_object_object_get_ex(st, "published", &ids) &&
	    json_object_is_type(ids, json_type_object))
		d->published = json_object_get(ids);
	if (json_object_object_get_ex(st, "generated_psks", &ids) &&
	    json_object_is_type(ids, json_type_object))
		d->psks = json_object_get(ids);
	snprintf(base_dir, len, "%s", json_object_get_string(dir));
	json_object_get(doc);
	json_object_put(st);
	return doc;
}
