/* psk show and export-peer: what the operator of the other end needs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xfrmctl.h"

#define CALL_TIMEOUT_MS 10000

/* xfrmctl psk show CONNECTION TUNNEL */
int cmd_psk(const struct ctl_opts *o, int argc, char **argv)
{
	struct json_object *req, *resp, *psk;
	char *end;
	long tunnel;

	if (argc < 2 || strcmp(argv[1], "show")) {
		if (argc < 2)
			usage_error("psk", "which subcommand? (show)");
		else
			usage_error("psk", "unknown subcommand '%s' (show)", argv[1]);
		return 2;
	}
	if (argc != 4) {
		usage_error("psk", "show needs CONN and TUNNEL");
		return 2;
	}
	tunnel = strtol(argv[3], &end, 10);
	if (*end || end == argv[3] || tunnel < 1) {
		usage_error("psk", "TUNNEL is a tunnel number (1, 2), not '%s'", argv[3]);
		return 2;
	}
	req = json_object_new_object();
	json_object_object_add(req, CTL_CMD, json_object_new_string(CTL_CMD_PSK_SHOW));
	json_object_object_add(req, CTL_ARG_CONNECTION, json_object_new_string(argv[2]));
	json_object_object_add(req, CTL_ARG_TUNNEL, json_object_new_int64(tunnel));
	resp = daemon_call(o, req, CALL_TIMEOUT_MS);
	json_object_put(req);
	if (!resp)
		return 1;
	json_object_object_get_ex(resp, CTL_REPLY_PSK, &psk);
	printf("%s\n", psk ? json_object_get_string(psk) : "");
	json_object_put(resp);
	return 0;
}

/* xfrmctl export-peer [--format xfrmd|swanctl] CONNECTION */
int cmd_export_peer(const struct ctl_opts *o, int argc, char **argv)
{
	const char *format = CTL_EXPORT_XFRMD, *conn = NULL;
	struct json_object *req, *resp, *out, *notes;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--format")) {
			if (!(format =
				  opt_value(argc, argv, &i, "export-peer", "xfrmd or swanctl")))
				return 2;
			if (strcmp(format, CTL_EXPORT_XFRMD) &&
			    strcmp(format, CTL_EXPORT_SWANCTL)) {
				usage_error("export-peer", "--format is xfrmd or swanctl, not '%s'",
					    format);
				return 2;
			}
		} else if (!conn && argv[i][0] != '-') {
			conn = argv[i];
		} else {
			usage_error("export-peer", "unexpected argument '%s'", argv[i]);
			return 2;
		}
	}
	if (!conn) {
		usage_error("export-peer", "which connection?");
		return 2;
	}
	req = json_object_new_object();
	json_object_object_add(req, CTL_CMD, json_object_new_string(CTL_CMD_EXPORT_PEER));
	json_object_object_add(req, CTL_ARG_CONNECTION, json_object_new_string(conn));
	resp = daemon_call(o, req, CALL_TIMEOUT_MS);
	json_object_put(req);
	if (!resp)
		return 1;
	json_object_object_get_ex(resp, format, &out);
	if (!strcmp(format, CTL_EXPORT_XFRMD))
		printf("%s\n", json_object_to_json_string_ext(
				   out, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		fputs(json_object_get_string(out), stdout);
	/* Instructions go to stderr so stdout stays a loadable file. */
	if (json_object_object_get_ex(resp, CTL_REPLY_NOTES, &notes))
		for (size_t i = 0; i < json_object_array_length(notes); i++)
			fprintf(stderr, "note: %s\n",
				json_object_get_string(json_object_array_get_idx(notes, i)));
	json_object_put(resp);
	return 0;
}
