/* The applied config (applied.c) survives restarts in STATE_DIR/state.json, written
 * atomically and readable by root only (it holds pre-shared keys).
 *
 * `xfrmctl route publish|unpublish` changes one connection's choices, but
 * the state file holds the whole config and every choice (thousands of
 * prefixes): rewriting it per call cost more than the routes. Such a change
 * is appended instead to STATE_DIR/choices.log as one line, the
 * connection's choices then, and fsynced. A full save starts a new epoch
 * (recorded in state.json) and drops the log; lines of another epoch (a
 * crash between the two) are ignored on load. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "applied_int.h"
#include "fileio.h"
#include "json_span.h"
#include "log.h"
#include "state.h"
#include "xfrmd.h"

/* Past this, the next change is a full save (which empties the log). */
#define CHOICES_LOG_MAX (1024 * 1024)

static void state_path(const struct xfrmd *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/state.json", d->opt.state_dir);
}

static void choices_path(const struct xfrmd *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s/choices.log", d->opt.state_dir);
}

/* An epoch no earlier state file or log line can carry. */
static uint64_t new_epoch(uint64_t old)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	return now > old ? now : old + 1;
}

/* What state.json starts with: the running document follows as its text. */
static const char state_head[] = "{\"config\":";

/* {"config":RUNNING,REST...}: the running document goes in as the text it
 * is kept as, not parsed and serialised again. rest is the other fields'
 * object, serialised: "{...}". */
static char *state_text(const struct applied *a, const char *rest, size_t *len)
{
	size_t rest_len = strlen(rest), n = sizeof(state_head) - 1;
	char *buf = malloc(n + a->len + rest_len + 1);

	if (!buf)
		return NULL;
	memcpy(buf, state_head, n);
	memcpy(buf + n, a->text, a->len);
	n += a->len;
	buf[n++] = ',';
	memcpy(buf + n, rest + 1, rest_len - 1); /* its fields and closing brace */
	n += rest_len - 1;
	buf[n] = '\0';
	*len = n;
	return buf;
}

int state_save(struct xfrmd *d, struct xerr *e)
{
	struct applied *a = d->applied;
	struct json_object *st;
	char path[CFG_PATH_MAX + 16], *text;
	uint64_t epoch = new_epoch(a->choices_epoch);
	size_t len = 0;
	int rc;

	if (!a->text)
		return xerr_set(e, "no running config to save");
	if (mkdir(d->opt.state_dir, 0700) && errno != EEXIST)
		return xerr_set(e, "%s: %s", d->opt.state_dir, strerror(errno));
	st = json_object_new_object();
	json_object_object_add(st, "generation", json_object_new_uint64(a->generation));
	json_object_object_add(st, "choices_epoch", json_object_new_uint64(epoch));
	json_object_object_add(st, "hash", json_object_new_string(a->hash));
	json_object_object_add(st, "base_dir", json_object_new_string(a->base_dir));
	json_object_object_add(st, "tunnel_ids", json_object_get(a->tunnel_ids));
	if (a->published)
		json_object_object_add(st, "published", json_object_get(a->published));
	if (a->psks)
		json_object_object_add(st, "generated_psks", json_object_get(a->psks));
	if (a->key_ids)
		json_object_object_add(st, "key_ids", json_object_get(a->key_ids));
	text = state_text(a, json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN), &len);
	json_object_put(st);
	if (!text)
		return xerr_set(e, "out of memory");
	state_path(d, path, sizeof(path));
	rc = file_write_atomic(path, text, len, 0600, e);
	free(text);
	if (!rc) {
		a->choices_epoch = epoch; /* the log's lines are in state.json now */
		choices_path(d, path, sizeof(path));
		if (unlink(path) && errno != ENOENT)
			log_warn("%s: %s (its lines are stale)", path, strerror(errno));
	}
	return rc;
}

/* Appends text as one line; a torn last line (a crash mid-write) is ended
 * first, so only it is lost. */
static int append_line(int fd, const char *text, size_t len)
{
	struct stat st;
	char last = '\n';

	if (fstat(fd, &st))
		return -1;
	if (st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
		return -1;
	if (last != '\n' && write(fd, "\n", 1) != 1)
		return -1;
	while (len) {
		ssize_t n = write(fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		text += n;
		len -= (size_t)n;
	}
	return write(fd, "\n", 1) == 1 ? 0 : -1;
}

int state_save_choices(struct xfrmd *d, const char *conn, struct xerr *e)
{
	const struct applied *a = d->applied;
	struct json_object *line, *choices = NULL;
	char path[CFG_PATH_MAX + 16];
	struct stat st;
	const char *text;
	int fd, rc;

	/* No epoch yet (state file of an older xfrmd), or a long log: all. */
	if (!a->choices_epoch)
		return state_save(d, e);
	choices_path(d, path, sizeof(path));
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return xerr_set(e, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) || st.st_size > CHOICES_LOG_MAX) {
		close(fd);
		return state_save(d, e);
	}
	if (a->published)
		json_object_object_get_ex(a->published, conn, &choices);
	line = json_object_new_object();
	json_object_object_add(line, "epoch", json_object_new_uint64(a->choices_epoch));
	json_object_object_add(line, "connection", json_object_new_string(conn));
	json_object_object_add(line, "choices",
			       choices ? json_object_get(choices) : json_object_new_object());
	text = json_object_to_json_string_ext(line, JSON_C_TO_STRING_PLAIN);
	rc = (append_line(fd, text, strlen(text)) || fsync(fd)) ? -1 : 0;
	if (rc)
		xerr_set(e, "%s: %s", path, strerror(errno));
	json_object_put(line);
	close(fd);
	if (!rc && st.st_size == 0) { /* a new file: its name must last too */
		int dfd = open(d->opt.state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	return rc;
}

/* The log's lines of this epoch over the state file's choices, in order. */
static void choices_replay(const struct xfrmd *d, struct applied *a)
{
	char path[CFG_PATH_MAX + 16], *text, *line, *next;
	struct xerr e;

	choices_path(d, path, sizeof(path));
	if (access(path, F_OK))
		return;
	text = file_read_all(path, 2 * CHOICES_LOG_MAX, NULL, &e);
	if (!text) {
		log_err("publish choices since the last apply are lost: %s", e.msg);
		return;
	}
	for (line = text; line && *line; line = next) {
		struct json_object *l = NULL, *epoch, *conn, *choices;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (*line)
			l = json_tokener_parse(line);
		if (l && json_object_object_get_ex(l, "epoch", &epoch) &&
		    json_object_get_uint64(epoch) == a->choices_epoch &&
		    json_object_object_get_ex(l, "connection", &conn) &&
		    json_object_is_type(conn, json_type_string) &&
		    json_object_object_get_ex(l, "choices", &choices) &&
		    json_object_is_type(choices, json_type_object)) {
			if (!a->published)
				a->published = json_object_new_object();
			json_object_object_add(a->published, json_object_get_string(conn),
					       json_object_get(choices));
		}
		json_object_put(l);
	}
	free(text);
}

/* The config's text as state_text wrote it, byte for byte (its hash must
 * survive a restart); a state file of another shape gives it re-serialised. */
static char *config_text(const char *state, size_t state_len, struct json_object *doc, size_t *len)
{
	size_t n = sizeof(state_head) - 1, i = 0;
	const char *text;
	char *copy;

	/* Whitespace around the object is the document's own. */
	if (state_len > n && !memcmp(state, state_head, n)) {
		i = json_span_skip_ws(state, state_len, n);
		i += json_span_len(state + i, state_len - i);
		i = json_span_skip_ws(state, state_len, i);
	}
	if (i > n && i < state_len && state[i] == ',') {
		text = state + n;
		*len = i - n;
	} else {
		text = json_object_to_json_string_length(doc, JSON_C_TO_STRING_PLAIN, len);
	}
	if (!text || !(copy = malloc(*len + 1)))
		return NULL;
	memcpy(copy, text, *len);
	copy[*len] = '\0';
	return copy;
}

char *state_load(struct xfrmd *d, size_t *config_len, struct xerr *e)
{
	struct applied *a = d->applied;
	char path[CFG_PATH_MAX + 16];
	struct json_object *st, *doc, *gen, *dir, *ids;
	char *text, *config;
	size_t text_len;

	state_path(d, path, sizeof(path));
	if (access(path, F_OK))
		return NULL;
	text = file_read_all(path, CFG_DOC_MAX + 4096, &text_len, e);
	if (!text)
		return NULL;
	st = json_tokener_parse(text);
	if (!st || !json_object_object_get_ex(st, "config", &doc) ||
	    !json_object_object_get_ex(st, "generation", &gen) ||
	    !json_object_object_get_ex(st, "base_dir", &dir)) {
		json_object_put(st);
		free(text);
		xerr_set(e, "%s: not a state file written by xfrmd", path);
		return NULL;
	}
	config = config_text(text, text_len, doc, config_len);
	explicit_bzero(text, text_len); /* inline keys */
	free(text);
	if (!config) {
		json_object_put(st);
		xerr_set(e, "out of memory");
		return NULL;
	}
	a->generation = json_object_get_uint64(gen);
	if (json_object_object_get_ex(st, "tunnel_ids", &ids) &&
	    json_object_is_type(ids, json_type_object))
		a->tunnel_ids = json_object_get(ids);
	if (json_object_object_get_ex(st, "published", &ids) &&
	    json_object_is_type(ids, json_type_object))
		a->published = json_object_get(ids);
	if (json_object_object_get_ex(st, "generated_psks", &ids) &&
	    json_object_is_type(ids, json_type_object))
		a->psks = json_object_get(ids);
	if (json_object_object_get_ex(st, "key_ids", &ids) &&
	    json_object_is_type(ids, json_type_object))
		a->key_ids = json_object_get(ids);
	if (json_object_object_get_ex(st, "choices_epoch", &ids) &&
	    (a->choices_epoch = json_object_get_uint64(ids)))
		choices_replay(d, a);
	snprintf(a->base_dir, sizeof(a->base_dir), "%s", json_object_get_string(dir));
	json_object_put(st);
	return config;
}
