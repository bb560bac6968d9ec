#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "xfrmctl.h"

#define APPLY_TIMEOUT_MS 300000 /* thousands of tunnels, one VICI call each */

static void print_result(struct json_object *resp)
{
	struct json_object *gen, *unchanged, *actions;
	size_t n;

	json_object_object_get_ex(resp, "generation", &gen);
	json_object_object_get_ex(resp, "unchanged", &unchanged);
	json_object_object_get_ex(resp, "actions", &actions);
	n = actions ? json_object_array_length(actions) : 0;
	printf("applied generation %s: %zu changes, %s tunnels unchanged\n",
	       json_object_get_string(gen), n, json_object_get_string(unchanged));
	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(actions, i), *act, *name;

		json_object_object_get_ex(a, "action", &act);
		json_object_object_get_ex(a, "name", &name);
		printf("  %-14s %s\n", json_object_get_string(act), json_object_get_string(name));
	}
}

/* The daemon resolves psk_file paths itself, so it needs the file's directory. */
static int abs_dir(const char *path, char *out)
{
	char tmp[PATH_MAX];

	if (!realpath(path, tmp))
		return -1;
	snprintf(out, PATH_MAX, "%s", dirname(tmp));
	return 0;
}

int cmd_apply(const struct ctl_opts *o, int argc, char **argv)
{
	const char *path = file_arg(argc, argv, "apply");
	struct json_object *doc, *req, *resp;
	struct cfg_config *cfg;
	char dir[PATH_MAX];

	if (!path)
		return 2;
	cfg = load_config(path);
	if (!cfg)
		return 1;
	cfg_free(cfg);
	doc = json_object_from_file(path);
	if (!doc || abs_dir(path, dir)) {
		fprintf(stderr, "%s: cannot read it again\n", path);
		json_object_put(doc);
		return 1;
	}
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("apply"));
	json_object_object_add(req, "config", doc);
	json_object_object_add(req, "base_dir", json_object_new_string(dir));
	resp = daemon_call(o, req, APPLY_TIMEOUT_MS);
	json_object_put(req);
	if (!resp)
		return 1;
	print_result(resp);
	json_object_put(resp);
	return 0;
}
