#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control.h"
#include "xerr.h"
#include "xfrmctl.h"

void usage_error(const char *verb, const char *fmt, ...)
{
	const struct verb *v = verb_find(verb);

	if (fmt) {
		va_list ap;

		fprintf(stderr, "xfrmctl: %s: ", verb);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, "\n");
	}
	fprintf(stderr, "usage: xfrmctl %s\n", v ? v->synopsis : verb);
}

const char *opt_value(int argc, char **argv, int *i, const char *verb, const char *what)
{
	const char *opt = argv[*i];

	/* "-" alone is a value; "-x" is the next option, not this one's value */
	if (*i + 1 >= argc || (argv[*i + 1][0] == '-' && argv[*i + 1][1])) {
		usage_error(verb, "option %s needs %s", opt, what);
		return NULL;
	}
	return argv[++*i];
}

int ctl_open(const struct ctl_opts *o)
{
	struct xerr e;
	int fd = ctl_connect(o->socket, &e), err = errno;

	if (fd >= 0)
		return fd;
	fprintf(stderr, "xfrmctl: %s\n", e.msg);
	if (err == EACCES || err == EPERM)
		fprintf(stderr, "xfrmctl: only root and the members of the socket's group may "
				"connect (the group xfrmd in the Debian package)\n");
	else
		fprintf(stderr,
			"xfrmctl: is xfrmd running (systemctl status xfrmd)? If it listens "
			"elsewhere: xfrmctl -s PATH, or XFRMD_SOCKET=PATH%s\n",
			o->socket_from_env ? " (this path came from XFRMD_SOCKET)" : "");
	return -1;
}

struct json_object *daemon_call(const struct ctl_opts *o, struct json_object *req, int timeout_ms)
{
	struct xerr e;
	struct json_object *resp, *ok, *err;
	int fd = ctl_open(o);

	if (fd < 0)
		return NULL;
	resp = ctl_call(fd, req, timeout_ms, &e);
	close(fd);
	if (!resp) {
		fprintf(stderr, "xfrmctl: %s\n", e.msg);
		return NULL;
	}
	if (json_object_object_get_ex(resp, "ok", &ok) && json_object_get_boolean(ok))
		return resp;
	json_object_object_get_ex(resp, "error", &err);
	fprintf(stderr, "xfrmctl: %s\n", err ? json_object_get_string(err) : "xfrmd refused");
	json_object_put(resp);
	return NULL;
}

int call_and_show(const struct ctl_opts *o, struct json_object *req, int timeout_ms,
		  const char *key, bool as_json, void (*human)(struct json_object *resp))
{
	struct json_object *resp = daemon_call(o, req, timeout_ms), *shown;

	json_object_put(req);
	if (!resp)
		return 1;
	json_object_object_del(resp, "ok");
	if (!as_json)
		human(resp);
	else if (!key || json_object_object_get_ex(resp, key, &shown))
		printf("%s\n", json_object_to_json_string_ext(key ? shown : resp,
							      JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(resp);
	return 0;
}

/* xfrmctl help [COMMAND] */
static int help(int argc, char **argv)
{
	const struct verb *v = argc > 1 ? verb_find(argv[1]) : NULL;

	if (argc > 2 || (argc == 2 && !v)) {
		fprintf(stderr, "xfrmctl: help: no command '%s'\n", argv[argc - 1]);
		verb_overview(stderr);
		return 2;
	}
	if (v)
		verb_help(stdout, v);
	else
		verb_overview(stdout);
	return 0;
}

/* COMMAND --help (or -h) anywhere among its arguments */
static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct ctl_opts o = {.socket = getenv("XFRMD_SOCKET")};
	const struct verb *v;
	int i = 1;

	o.socket_from_env = o.socket && *o.socket;
	if (!o.socket_from_env)
		o.socket = CTL_DEFAULT_SOCKET;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-s") || !strcmp(argv[i], "--socket")) {
			if (i + 1 >= argc || argv[i + 1][0] == '-') {
				fprintf(stderr, "xfrmctl: option %s needs a socket path\n",
					argv[i]);
				return 2;
			}
			o.socket = argv[++i];
			o.socket_from_env = false;
		} else if (!strcmp(argv[i], "-V") || !strcmp(argv[i], "--version")) {
			printf("xfrmctl " XFRMD_VERSION "\n");
			return 0;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			verb_overview(stdout);
			return 0;
		} else {
			fprintf(stderr, "xfrmctl: unknown option '%s'\n", argv[i]);
			verb_overview(stderr);
			return 2;
		}
	}
	if (i == argc) {
		verb_overview(stderr);
		return 2;
	}
	if (!strcmp(argv[i], "help"))
		return help(argc - i, argv + i);
	v = verb_find(argv[i]);
	if (!v) {
		fprintf(stderr, "xfrmctl: unknown command '%s'\n", argv[i]);
		verb_overview(stderr);
		return 2;
	}
	if (wants_help(argc - i, argv + i)) {
		verb_help(stdout, v);
		return 0;
	}
	return v->fn(&o, argc - i, argv + i);
}
