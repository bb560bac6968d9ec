/*
 * One daemon per gateway: a second xfrmd on the same state directory or
 * control socket would take the socket over (and delete it on exit) and
 * fight the first over charon and the kernel. Each holds an flock on
 * STATE_DIR/xfrmd.lock and on SOCKET.lock for its whole life, taken before
 * it binds or reads anything; the kernel drops a lock when its holder dies,
 * so a killed daemon leaves nothing that blocks the next one (a stale
 * socket file is replaced). The lock files hold the holder's pid, for the
 * message, and are never removed: removing one would let two daemons lock
 * two different files of the same name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "instance_lock.h"

pid_t instance_lock_parse_pid(const char *text)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || (*end && *end != '\n') || v <= 0 || v != (pid_t)v)
		return 0;
	return (pid_t)v;
}

/* The holder writes its pid right after it locks: a reader that comes in
 * between sees an empty file for a moment. */
static pid_t read_holder(int fd)
{
	for (int tries = 0; tries < 50; tries++) {
		char buf[32];
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		pid_t pid;

		buf[n > 0 ? n : 0] = '\0';
		pid = instance_lock_parse_pid(buf);
		if (pid)
			return pid;
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	}
	return 0;
}

static int refuse(int fd, const char *path, const char *what, struct xerr *e)
{
	pid_t pid = read_holder(fd);

	close(fd);
	if (pid)
		return xerr_set(e, "another xfrmd (pid %ld) is running with %s (it holds %s)",
				(long)pid, what, path);
	return xerr_set(e, "another xfrmd is running with %s (it holds %s)", what, path);
}

int instance_lock(const char *path, const char *what, int *fd_out, struct xerr *e)
{
	char pid[24];
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644), n;

	if (fd < 0)
		return xerr_set(e, "%s: %s", path, strerror(errno));
	while (flock(fd, LOCK_EX | LOCK_NB)) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			return refuse(fd, path, what, e);
		xerr_set(e, "%s: lock: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, (size_t)n, 0) != n) {
		xerr_set(e, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	*fd_out = fd;
	return 0;
}
