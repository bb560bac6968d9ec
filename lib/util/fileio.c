#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *fd_read_all(int fd, const char *path, size_t max, size_t *len, struct xerr *e)
{
	size_t used = 0, cap = 4096;
	char *buf = malloc(cap + 1);

	while (buf) {
		ssize_t n;

		if (used == cap) {
			char *nb;

			if (cap >= max) {
				xerr_set(e, "%s: larger than %zu bytes", path, max);
				goto fail;
			}
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb)
				break;
			buf = nb;
		}
		n = read(fd, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			xerr_set(e, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0) {
			buf[used] = '\0';
			if (len)
				*len = used;
			return buf;
		}
		used += (size_t)n;
	}
	xerr_set(e, "%s: out of memory", path);
fail:
	/* What was read may be a key file. */
	if (buf)
		explicit_bzero(buf, used);
	free(buf);
	return NULL;
}

char *file_read_all(const char *path, size_t max, size_t *len, struct xerr *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;

	if (fd < 0) {
		xerr_set(e, "%s: %s", path, strerror(errno));
		return NULL;
	}
	buf = fd_read_all(fd, path, max, len, e);
	close(fd);
	return buf;
}

static int write_full(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int file_write_atomic(const char *path, const void *data, size_t len, unsigned mode, struct xerr *e)
{
	char tmp[4096], dir[4096];
	int fd, dfd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return xerr_set(e, "%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return xerr_set(e, "%s: %s", tmp, strerror(errno));
	if (fchmod(fd, mode) || write_full(fd, data, len) || fsync(fd)) {
		xerr_set(e, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path)) {
		xerr_set(e, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}
