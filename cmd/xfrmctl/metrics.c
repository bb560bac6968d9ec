/*
 * Prometheus text for node_exporter's textfile collector. With -o the file
 * is written beside its final name and renamed into place, so the collector
 * never reads half of it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xfrmctl.h"

#define METRICS_TIMEOUT_MS 10000

static int write_atomic(const char *path, const char *text)
{
	char tmp[4096];
	FILE *f;
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);

	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fprintf(stderr, "xfrmctl: %s: path too long\n", path);
		return 1;
	}
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) == EOF || fclose(f) || rename(tmp, path)) {
		fprintf(stderr, "xfrmctl: %s: %s\n", f ? path : tmp, strerror(errno));
		if (f)
			remove(tmp);
		return 1;
	}
	return 0;
}

int cmd_metrics(const struct ctl_opts *o, int argc, char **argv)
{
	const char *out = NULL;
	struct json_object *req, *resp, *text;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) {
			if (!(out = opt_value(argc, argv, &i, "metrics", "a file")))
				return 2;
		} else {
			usage_error("metrics", "unexpected argument '%s'", argv[i]);
			return 2;
		}
	}
	req = json_object_new_object();
	json_object_object_add(req, CTL_CMD, json_object_new_string(CTL_CMD_METRICS));
	resp = daemon_call(o, req, METRICS_TIMEOUT_MS);
	json_object_put(req);
	if (!resp)
		return 1;
	if (!json_object_object_get_ex(resp, CTL_REPLY_TEXT, &text) ||
	    !json_object_is_type(text, json_type_string)) {
		fprintf(stderr, "xfrmctl: malformed metrics reply from xfrmd\n");
		json_object_put(resp);
		return 1;
	}
	if (out)
		rc = write_atomic(out, json_object_get_string(text));
	else
		rc = fputs(json_object_get_string(text), stdout) == EOF ? 1 : 0;
	json_object_put(resp);
	return rc;
}
