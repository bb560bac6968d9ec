/* One xfrmd per state directory and per control socket (instance_lock.c). */
#ifndef XFRMD_INSTANCE_LOCK_H
#define XFRMD_INSTANCE_LOCK_H

#include <sys/types.h>

#include "xerr.h"

/* Locks path (created if missing) for the life of the process and writes
 * the pid into it; *fd stays open and must not be closed while the thing
 * it guards (the socket file) exists. Held by another process: -1 with
 * "another xfrmd (pid N) is running with WHAT (it holds PATH)". */
int instance_lock(const char *path, const char *what, int *fd, struct xerr *e);
/* A lock file's pid ("123\n"); 0 when it holds none. */
pid_t instance_lock_parse_pid(const char *text);

#endif
