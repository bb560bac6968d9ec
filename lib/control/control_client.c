#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "loop.h"

int ctl_connect(const char *path, struct xerr *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return xerr_set(e, "%s: socket path too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return xerr_set(e, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = errno;

		xerr_set(e, "cannot reach xfrmd at %s: %s", path, strerror(err));
		close(fd);
		errno = err; /* for the caller's advice */
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t len, struct xerr *e)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return xerr_set(e, "send to xfrmd: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int wait_readable(int fd, uint64_t deadline, struct xerr *e)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	uint64_t now = loop_now_ms();
	int rc;

	if (now >= deadline)
		return xerr_set(e, "no answer from xfrmd in time");
	rc = poll(&pfd, 1, (int)(deadline - now));
	if (rc < 0 && errno != EINTR)
		return xerr_set(e, "poll: %s", strerror(errno));
	return 0;
}

static char *read_line(int fd, int timeout_ms, struct xerr *e)
{
	struct ctl_buf in = {0};
	uint64_t deadline = loop_now_ms() + (uint64_t)timeout_ms;
	char buf[65536], *line = NULL;

	for (;;) {
		int too_long;
		ssize_t n;

		line = ctl_buf_take_line(&in, &too_long);
		if (line || too_long)
			break;
		if (wait_readable(fd, deadline, e))
			break;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			xerr_set(e, "xfrmd closed the connection");
			break;
		}
		if (ctl_buf_append(&in, buf, (size_t)n)) {
			xerr_set(e, "out of memory");
			break;
		}
	}
	ctl_buf_free(&in);
	return line;
}

struct json_object *ctl_call(int fd, struct json_object *req, int timeout_ms, struct xerr *e)
{
	size_t len;
	char *out = ctl_encode(req, &len), *line;
	struct json_object *resp;

	if (!out) {
		xerr_set(e, "out of memory");
		return NULL;
	}
	if (send_all(fd, out, len, e)) {
		free(out);
		return NULL;
	}
	free(out);
	line = read_line(fd, timeout_ms, e);
	if (!line)
		return NULL;
	resp = json_tokener_parse(line);
	free(line);
	if (!resp || !json_object_is_type(resp, json_type_object)) {
		json_object_put(resp);
		xerr_set(e, "malformed reply from xfrmd");
		return NULL;
	}
	return resp;
}
