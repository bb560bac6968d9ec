/*
 * Key files (psk_file) and config files: opened without ever blocking,
 * read only when they are regular files, and described exactly when they
 * are not fit.
 *
 * A named pipe, a device or a socket is refused from its stat before it is
 * opened (opening a FIFO for reading waits for a writer: validate, xfrmd -n
 * and the daemon's event loop would hang); the open itself is O_NONBLOCK
 * and fstat confirms what was opened. A symlink is followed and the file it
 * leads to checked like any other; every message about it names the link
 * and its target. Advice to chmod is given only for a file of the caller's
 * own in the configuration's directory: a key file named by mistake (a
 * system file, a link to one) is described, never recommended for a chmod.
 * No message quotes the file's contents.
 */
#include "config_int.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cfg_file_stamp cfg_stamp_of(const struct stat *st)
{
	return (struct cfg_file_stamp){
	    .dev = st->st_dev,
	    .ino = st->st_ino,
	    .size = (uint64_t)st->st_size,
	    .mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec,
	    .ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec,
	};
}

bool cfg_stamp_equal(const struct cfg_file_stamp *a, const struct cfg_file_stamp *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

/* "PATH" or "PATH (a symlink to TARGET)". */
static const char *describe(const char *path, char *buf, size_t len)
{
	char target[256];
	struct stat lst;
	ssize_t n;

	if (lstat(path, &lst) || !S_ISLNK(lst.st_mode) ||
	    (n = readlink(path, target, sizeof(target) - 1)) < 0) {
		snprintf(buf, len, "%s", path);
		return buf;
	}
	target[n] = '\0';
	for (ssize_t i = 0; i < n; i++)
		if ((unsigned char)target[i] < 0x20 || (unsigned char)target[i] >= 0x7f)
			target[i] = '?';
	snprintf(buf, len, "%s (a symlink to %s%s)", path, target,
		 (size_t)n == sizeof(target) - 1 ? "..." : "");
	return buf;
}

static bool is_symlink(const char *path)
{
	struct stat lst;

	return !lstat(path, &lst) && S_ISLNK(lst.st_mode);
}

static const char *kind_of(mode_t m)
{
	if (S_ISFIFO(m))
		return "a named pipe (FIFO)";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	return "not a regular file";
}

/* what: "a key file", "a config file". */
static int not_regular(const char *path, const char *what, mode_t m, struct xerr *e)
{
	char who[512];

	return xerr_set(e, "%s is %s; %s must be a regular file", describe(path, who, sizeof(who)),
			kind_of(m), what);
}

static int sys_err(const char *path, int err, struct xerr *e)
{
	char who[512];

	return xerr_set(e, "%s: %s", describe(path, who, sizeof(who)), strerror(err));
}

int cfg_keyfile_stat(const char *path, struct stat *st, struct xerr *e)
{
	if (stat(path, st))
		return sys_err(path, errno, e);
	if (!S_ISREG(st->st_mode))
		return not_regular(path, "a key file", st->st_mode, e);
	if (st->st_size > (off_t)CFG_PSK_FILE_MAX) {
		char who[512];

		return xerr_set(
		    e, "%s is %lld bytes; a key file holds one key of at most %d characters",
		    describe(path, who, sizeof(who)), (long long)st->st_size, CFG_PSK_MAX);
	}
	return 0;
}

/* A regular file opened O_NONBLOCK after its stat said so (a FIFO or a
 * device is never opened at all), its fstat in *st. */
static int open_regular(const char *path, const char *what, struct stat *st, struct xerr *e)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return sys_err(path, errno, e);
	/* What was opened may not be what was looked at. */
	if (fstat(fd, st)) {
		sys_err(path, errno, e);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		not_regular(path, what, st->st_mode, e);
		close(fd);
		return -1;
	}
	return fd;
}

static char *keyfile_read(const char *path, struct stat *st, size_t *len, struct xerr *e)
{
	char *buf;
	int fd;

	if (cfg_keyfile_stat(path, st, e) || (fd = open_regular(path, "a key file", st, e)) < 0)
		return NULL;
	buf = fd_read_all(fd, path, CFG_PSK_FILE_MAX, len, e);
	close(fd);
	return buf;
}

char *cfg_read_file(const char *path, size_t max, size_t *len, mode_t *mode, struct xerr *e)
{
	struct stat st;
	char *buf;
	int fd;

	if (stat(path, &st)) {
		sys_err(path, errno, e);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		not_regular(path, "a config file", st.st_mode, e);
		return NULL;
	}
	if ((fd = open_regular(path, "a config file", &st, e)) < 0)
		return NULL;
	buf = fd_read_all(fd, path, max, len, e);
	close(fd);
	/* The mode from fstat on the descriptor read: a file swapped in
	 * between the check and the read cannot slip through. */
	if (buf)
		*mode = st.st_mode & 07777;
	return buf;
}

/* path lies in dir or below it (both resolved). */
static bool inside_dir(const char *path, const char *dir)
{
	char rp[PATH_MAX], rd[PATH_MAX];
	size_t n;

	if (!realpath(path, rp) || !realpath(dir ? dir : ".", rd))
		return false;
	n = strlen(rd);
	if (n == 1) /* "/" */
		return true;
	return !strncmp(rp, rd, n) && rp[n] == '/';
}

char *cfg_file_blob(const char *path, size_t max, const char *what, struct stat *st, size_t *len,
		    struct xerr *e)
{
	char *buf;
	int fd;

	if (stat(path, st)) {
		sys_err(path, errno, e);
		return NULL;
	}
	if (!S_ISREG(st->st_mode)) {
		not_regular(path, what, st->st_mode, e);
		return NULL;
	}
	if (st->st_size > (off_t)max) {
		char who[512];

		xerr_set(e, "%s is %lld bytes; %s holds at most %zu",
			 describe(path, who, sizeof(who)), (long long)st->st_size, what, max);
		return NULL;
	}
	if ((fd = open_regular(path, what, st, e)) < 0)
		return NULL;
	buf = fd_read_all(fd, path, max, len, e);
	close(fd);
	return buf;
}

int cfg_keyfile_private(const char *path, const struct stat *st, const char *config_dir,
			struct xerr *e)
{
	unsigned mode = st->st_mode & 07777;
	const char *what = (mode & 044) ? "readable" : "writable";
	char who[512];
	bool advise;

	if (!(mode & 066))
		return 0;
	advise = st->st_uid == geteuid() && !is_symlink(path) && inside_dir(path, config_dir);
	return xerr_set(e, "%s is %s by group or others (mode %04o); %s",
			describe(path, who, sizeof(who)), what, mode,
			advise ? "chmod 600 it"
			       : "a key file must be readable and writable by its owner only");
}

/* Blank: nothing but line ends and white space. */
static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr("\r\n\t ", s[i]))
			return false;
	return true;
}

static size_t count_lines(const char *s, size_t len)
{
	size_t n = 1;

	for (size_t i = 0; i + 1 < len; i++)
		n += s[i] == '\n';
	return n;
}

int cfg_psk_file_text(const char *buf, size_t len, size_t *keylen, char *why, size_t whylen)
{
	const char *nl = memchr(buf, '\n', len);
	size_t line = nl ? (size_t)(nl - buf) : len;

	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) {
		snprintf(why, whylen,
			 "starts with a UTF-8 byte order mark; save the key without one");
		return -1;
	}
	if (line && buf[line - 1] == '\r') {
		snprintf(why, whylen,
			 "the key's line ends with a carriage return (CR LF, a Windows line "
			 "end); save it with a plain newline (LF)");
		return -1;
	}
	if (nl && line + 1 < len) {
		if (blank(nl + 1, len - line - 1))
			snprintf(why, whylen,
				 "blank lines or white space follow the key; a key file holds the "
				 "key and at most one newline");
		else
			snprintf(why, whylen,
				 "holds %zu lines; a key file holds the key alone, on one line",
				 count_lines(buf, len));
		return -1;
	}
	if (cfg_psk_check(buf, line, why, whylen))
		return -1;
	*keylen = line;
	return 0;
}

int cfg_keyfile_load(const char *path, const char *config_dir, char *key, size_t size,
		     struct stat *st, struct xerr *e)
{
	char why[160], who[512];
	size_t len, keylen;
	char *buf = keyfile_read(path, st, &len, e);
	int rc = -1;

	if (!buf)
		return -1;
	if (cfg_psk_file_text(buf, len, &keylen, why, sizeof(why)))
		xerr_set(e, "%s: %s", describe(path, who, sizeof(who)), why);
	else if (keylen >= size)
		xerr_set(e, "%s: pre-shared key too long", describe(path, who, sizeof(who)));
	else if (!cfg_keyfile_private(path, st, config_dir, e))
		rc = 0;
	if (!rc) {
		memcpy(key, buf, keylen);
		key[keylen] = '\0';
	}
	explicit_bzero(buf, len);
	free(buf);
	return rc;
}
