/* Errors travel up as a message, never printed deep inside. */
#ifndef XFRMD_XERR_H
#define XFRMD_XERR_H

#include <stddef.h>

struct xerr {
	char msg[512];
};

/* Always returns -1 so callers can `return xerr_set(e, ...)`. e may be NULL. */
int xerr_set(struct xerr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix the existing message: "context: old message". */
int xerr_wrap(struct xerr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
