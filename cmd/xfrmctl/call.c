/*
 * Talking to xfrmd: the connection (with advice when it fails), one
 * request and its reply, and a reply shown as JSON or as text.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "control.h"
#include "xerr.h"
#include "xfrmctl.h"

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
	if (json_object_object_get_ex(resp, CTL_OK, &ok) && json_object_get_boolean(ok))
		return resp;
	json_object_object_get_ex(resp, CTL_ERROR, &err);
	fprintf(stderr, "xfrmctl: %s\n", err ? json_object_get_string(err) : "xfrmd refused");
	json_object_put(resp);
	return NULL;
}

int call_and_show(const struct ctl_opts *o, struct json_object *req, int timeout_ms,
		  const char *key, bool as_json, void (*human)(struct json_object *resp))
{
	struct json_object *resp = daemon_call(o, req, timeout_ms), *shown;

	if (!resp)
		return 1;
	json_object_object_del(resp, CTL_OK);
	if (!as_json)
		human(resp);
	else if (!key || json_object_object_get_ex(resp, key, &shown))
		printf("%s\n", json_object_to_json_string_ext(key ? shown : resp,
							      JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(resp);
	return 0;
}
