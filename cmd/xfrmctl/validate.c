/* xfrmctl validate -f FILE [--json]: the config checked offline, as text for
 * people or as one JSON object for CI. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "nft_ruleset.h"
#include "plural.h"
#include "xfrmctl.h"

/* The JSON path a loader message starts with: "(root)" or keys and
 * indexes, "connections[1].tunnels[0].remote". Its length, or 0. */
static size_t path_len(const char *s)
{
	size_t i = 0;

	if (!strncmp(s, "(root)", 6))
		return 6;
	while (isalpha((unsigned char)s[i]) || s[i] == '_') {
		while (isalnum((unsigned char)s[i]) || s[i] == '_')
			i++;
		while (s[i] == '[' && isdigit((unsigned char)s[i + 1])) {
			size_t j = i + 1;

			while (isdigit((unsigned char)s[j]))
				j++;
			if (s[j] != ']')
				return 0;
			i = j + 1;
		}
		if (s[i] != '.')
			break;
		i++;
	}
	return i && s[i - 1] != '.' ? i : 0;
}

/* The loader says "FILE: PATH: REASON", "FILE: line L, column C: REASON"
 * or "FILE: REASON" (some messages name the file otherwise). */
static struct json_object *error_json(const char *file, const char *msg)
{
	struct json_object *o = json_object_new_object();
	const char *rest = msg;
	size_t flen = strlen(file), plen;
	unsigned line, col;
	int n = 0;

	json_object_object_add(o, "valid", json_object_new_boolean(0));
	json_object_object_add(o, "file", json_object_new_string(file));
	json_object_object_add(o, "error", json_object_new_string(msg));
	if (!strncmp(msg, file, flen) && !strncmp(msg + flen, ": ", 2))
		rest = msg + flen + 2;
	plen = path_len(rest);
	if (plen && !strncmp(rest + plen, ": ", 2)) {
		json_object_object_add(o, "path", json_object_new_string_len(rest, (int)plen));
		rest += plen + 2;
	} else {
		json_object_object_add(o, "path", NULL);
		if (sscanf(rest, "line %u, column %u: %n", &line, &col, &n) == 2 && n > 0) {
			json_object_object_add(o, "line", json_object_new_int64(line));
			json_object_object_add(o, "column", json_object_new_int64(col));
			rest += n;
		}
	}
	json_object_object_add(o, "message", json_object_new_string(rest));
	return o;
}

static void print_json(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
}

int cmd_validate(const struct ctl_opts *o, int argc, char **argv)
{
	const char *path = NULL;
	struct cfg_config *cfg;
	char warning[384], hint[1024];
	bool as_json = false;
	struct xerr e;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--file")) {
			if (!(path = opt_value(argc, argv, &i, "validate", "a file")))
				return 2;
		} else if (!strcmp(argv[i], "--json")) {
			as_json = true;
		} else {
			usage_error("validate", "unexpected argument '%s'", argv[i]);
			return 2;
		}
	}
	if (!path) {
		usage_error("validate", "which file? (-f FILE)");
		return 2;
	}
	cfg = cfg_load_file(path, &e);
	if (!cfg) {
		/* The loader's message starts with the path already. */
		if (as_json) {
			struct json_object *j = error_json(path, e.msg);

			print_json(j);
			json_object_put(j);
		} else {
			fprintf(stderr, "%s\n", e.msg);
		}
		return 1;
	}
	struct json_object *warnings = json_object_new_array();

	for (size_t i = 0; i < cfg->n_conns; i++) {
		if (!cfg_weak_warning(&cfg->conns[i], warning, sizeof(warning)))
			continue;
		if (as_json)
			json_object_array_add(warnings, json_object_new_string(warning));
		else
			fprintf(stderr, "warning: %s\n", warning);
	}
	/* Where a connection misses its peer_cloud's defaults: advice only. */
	struct json_object *hints = json_object_new_array();

	for (size_t i = 0; i < cfg->n_conns; i++)
		for (unsigned at = 0; cfg_cloud_hint(&cfg->conns[i], i, &at, hint, sizeof(hint));) {
			if (as_json)
				json_object_array_add(hints, json_object_new_string(hint));
			else
				fprintf(stderr, "hint: %s\n", hint);
		}
	/* What goes into xfrmd's nftables table: MSS clamps and NAT rules. */
	struct json_object *nft = json_object_new_array();

	for (size_t i = 0; i < cfg->n_conns; i++)
		if (nft_conn_summary(&cfg->conns[i], hint, sizeof(hint)))
			json_object_array_add(nft, json_object_new_string(hint));
	if (as_json) {
		struct json_object *r = json_object_new_object();

		json_object_object_add(r, "valid", json_object_new_boolean(1));
		json_object_object_add(r, "nftables", nft);
		nft = NULL;
		json_object_object_add(r, "warnings", warnings);
		warnings = NULL;
		json_object_object_add(r, "hints", hints);
		hints = NULL;
		json_object_object_add(r, "file", json_object_new_string(path));
		json_object_object_add(r, "connections", json_object_new_uint64(cfg->n_conns));
		print_json(r);
		json_object_put(r);
	} else {
		printf("%s: configuration OK (%zu %s)\n", path, cfg->n_conns,
		       plural(cfg->n_conns, "connection", "connections"));
		for (size_t i = 0; i < json_object_array_length(nft); i++)
			printf("nftables (table inet xfrmd): %s\n",
			       json_object_get_string(json_object_array_get_idx(nft, i)));
	}
	json_object_put(nft);
	json_object_put(warnings);
	json_object_put(hints);
	cfg_free(cfg);
	return 0;
}
