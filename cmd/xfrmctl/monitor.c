/*
 * Events as they happen, one line each, until xfrmd closes the connection
 * (or Ctrl-C). The "monitor" request is never answered: xfrmd streams
 * event lines instead, so only an error reply carries "ok".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control.h"
#include "jget.h"
#include "plural.h"
#include "xfrmctl.h"

/* [1, 2] -> "t1+t2", [] -> "none" */
static void print_set(struct json_object *ev, const char *key)
{
	struct json_object *a = jarr(ev, key);
	size_t n = jlen(a);

	for (size_t i = 0; i < n; i++)
		printf("%st%llu", i ? "+" : "",
		       (unsigned long long)json_object_get_uint64(json_object_array_get_idx(a, i)));
	if (!n)
		printf("none");
}

/* Types this version does not know: their fields as key=value. */
static void print_fields(struct json_object *ev)
{
	json_object_object_foreach(ev, k, v)
	{
		if (strcmp(k, "time") && strcmp(k, "type") && strcmp(k, "reason"))
			printf(" %s=%s", k, v ? json_object_to_json_string(v) : "null");
	}
}

static void print_human(struct json_object *ev)
{
	const char *type = jstr(ev, "type");

	printf("%s %s", jstr(ev, "time"), type);
	if (!strcmp(type, "tunnel-up") || !strcmp(type, "tunnel-down") || !strcmp(type, "rekey") ||
	    !strcmp(type, "bgp-session-enabled") || !strcmp(type, "bgp-session-disabled")) {
		printf(" %s t%llu", jstr(ev, "connection"), jnum(ev, "tunnel"));
		if (*jstr(ev, "sa"))
			printf(" %s", jstr(ev, "sa"));
		if (*jstr(ev, "protocol"))
			printf(" %s", jstr(ev, "protocol"));
	} else if (!strcmp(type, "failover") || !strcmp(type, "failback") ||
		   !strcmp(type, "active-changed")) {
		printf(" %s ", jstr(ev, "connection"));
		print_set(ev, "from");
		printf(" -> ");
		print_set(ev, "to");
	} else if (!strcmp(type, "config-applied")) {
		printf(" generation %llu: %llu %s, %llu unchanged%s", jnum(ev, "generation"),
		       jnum(ev, "actions"), plural(jnum(ev, "actions"), "action", "actions"),
		       jnum(ev, "unchanged"), jnum(ev, "resync") ? " (resync)" : "");
	} else if (!strcmp(type, "charon-connected") || !strcmp(type, "charon-disconnected")) {
		printf(" %s", jstr(ev, "uri"));
	} else if (!strcmp(type, "subscribed")) {
		if (*jstr(ev, "gateway"))
			printf(" gateway %s", jstr(ev, "gateway"));
		printf(" generation %llu charon %s", jnum(ev, "generation"),
		       jnum(ev, "charon_connected") ? "connected" : "disconnected");
	} else {
		print_fields(ev);
	}
	if (*jstr(ev, "reason"))
		printf(" (%s)", jstr(ev, "reason"));
	printf("\n");
}

/* 0: printed; 1: xfrmd refused or sent garbage (message printed). */
static int handle_line(const char *line, bool as_json)
{
	struct json_object *ev = json_tokener_parse(line), *ok;

	if (!ev || !json_object_is_type(ev, json_type_object)) {
		fprintf(stderr, "xfrmctl: malformed line from xfrmd\n");
		json_object_put(ev);
		return 1;
	}
	if (json_object_object_get_ex(ev, CTL_OK, &ok)) {
		fprintf(stderr, "xfrmctl: %s\n",
			*jstr(ev, CTL_ERROR) ? jstr(ev, CTL_ERROR) : "xfrmd ended the monitor");
		json_object_put(ev);
		return 1;
	}
	if (as_json)
		printf("%s\n", line);
	else
		print_human(ev);
	/* a file or pipe must see each event now, not at exit */
	fflush(stdout);
	json_object_put(ev);
	return 0;
}

static int send_request(int fd)
{
	struct json_object *req = json_object_new_object();
	size_t len = 0, off = 0;
	char *line;

	json_object_object_add(req, CTL_CMD, json_object_new_string(CTL_CMD_MONITOR));
	line = ctl_encode(req, &len);
	json_object_put(req);
	if (!line) {
		fprintf(stderr, "xfrmctl: out of memory\n");
		return -1;
	}
	while (off < len) {
		ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (off < len)
		fprintf(stderr, "xfrmctl: send to xfrmd: %s\n", strerror(errno));
	free(line);
	return off == len ? 0 : -1;
}

/* Ends only when xfrmd closes the connection or something fails: 1. */
static int stream(int fd, bool as_json)
{
	struct ctl_buf in = {0};
	char buf[65536], *line;
	int too_long = 0, bad = 0;

	while (!bad && !too_long) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "xfrmctl: %s\n",
				n ? strerror(errno) : "xfrmd closed the connection");
			break;
		}
		if (ctl_buf_append(&in, buf, (size_t)n)) {
			fprintf(stderr, "xfrmctl: out of memory\n");
			break;
		}
		while (!bad && (line = ctl_buf_take_line(&in, &too_long))) {
			bad = handle_line(line, as_json);
			free(line);
		}
	}
	if (too_long)
		fprintf(stderr, "xfrmctl: line from xfrmd too long\n");
	ctl_buf_free(&in);
	return 1;
}

int cmd_monitor(const struct ctl_opts *o, int argc, char **argv)
{
	bool as_json = argc == 2 && !strcmp(argv[1], "--json");
	int fd, rc;

	if (argc > 2 || (argc == 2 && !as_json)) {
		usage_error("monitor", "unexpected argument '%s'", argv[argc - 1]);
		return 2;
	}
	fd = ctl_open(o);
	if (fd < 0)
		return 1;
	rc = send_request(fd) ? 1 : stream(fd, as_json);
	close(fd);
	return rc;
}
