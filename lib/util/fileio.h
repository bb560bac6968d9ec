/* Whole-file reads with size limits, and secrecy checks on key files. */
#ifndef XFRMD_FILEIO_H
#define XFRMD_FILEIO_H

#include <stddef.h>

#include "xerr.h"

/* Reads at most max bytes into a NUL-terminated malloc'd buffer; on
 * failure the partial data is wiped. path is for messages. */
char *fd_read_all(int fd, const char *path, size_t max, size_t *len, struct xerr *e);
char *file_read_all(const char *path, size_t max, size_t *len, struct xerr *e);
/* Atomic replace: write to PATH.tmp, fsync, rename, fsync directory. */
int file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
		      struct xerr *e);

#endif
