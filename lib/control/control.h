/*
 * The xfrmd <-> xfrmctl control protocol.
 *
 * A unix stream socket. Each message is one JSON object on one line: the
 * client sends {"cmd": NAME, ...arguments}; the daemon answers each request,
 * in order, with {"ok": true, ...} or {"ok": false, "error": MESSAGE}.
 * Requests on one connection are handled one at a time; replies may be
 * deferred while the daemon waits for charon. The names of the commands,
 * their arguments and the envelope's members are control_proto.h's; the
 * full command list is in README.md ("Control protocol").
 *
 * Who owns a json-c object, one rule for lib/ and cmd/: a function taking
 * a struct json_object * borrows it; the caller keeps its reference, puts
 * it when done, and the callee takes a reference of its own
 * (json_object_get) for anything it keeps. A function that takes the
 * caller's reference instead says so in its name (_take) or, where that
 * cannot be, in its comment (json-c's own json_object_object_add and
 * json_object_array_add take the value they add). A function returning a
 * struct json_object * gives the caller a reference to put, unless its
 * comment says the object is borrowed (a member of an object the caller
 * holds, as json_object_object_get's are).
 */
#ifndef XFRMD_CONTROL_H
#define XFRMD_CONTROL_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "loop.h"
#include "xerr.h"

#define CTL_DEFAULT_SOCKET "/run/xfrmd/xfrmd.sock"
/* One line: a 16 MiB config sent as a JSON string (every quote escaped) plus framing. */
#define CTL_MSG_MAX (33u << 20)

struct ctl_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

/* --- line framing, shared by both ends -------------------------------- */

struct ctl_buf {
	char *data;
	size_t len, cap;
};

int ctl_buf_append(struct ctl_buf *b, const void *data, size_t len);
/* Removes and returns the first complete line (without '\n', NUL-ended,
 * malloc'd); NULL if none yet. Sets *too_long when the buffer holds more
 * than CTL_MSG_MAX bytes without a newline. */
char *ctl_buf_take_line(struct ctl_buf *b, int *too_long);
void ctl_buf_free(struct ctl_buf *b);
/* Frees the storage of an empty buffer that grew past 64 KiB (a large config
 * or status): a client that stays connected must not pin it. */
void ctl_buf_release_idle(struct ctl_buf *b);
/* Serialises obj plus '\n' (json-c's plain form never contains one). */
char *ctl_encode(struct json_object *obj, size_t *len);

/* --- server (in xfrmd) --------------------------------------------------- */

struct ctl_server;
/* req is borrowed for the call. Answer with ctl_server_reply, now or later. */
typedef void (*ctl_request_cb)(void *ctx, uint64_t client, const struct ctl_peer *peer,
			       struct json_object *req);

struct ctl_server *ctl_server_new(struct loop *l, const char *path, unsigned mode,
				  ctl_request_cb cb, void *ctx, struct xerr *e);
void ctl_server_free(struct ctl_server *s);
/* Does not take resp. Returns -1 if the client has gone (reply dropped). */
int ctl_server_reply(struct ctl_server *s, uint64_t client, struct json_object *resp);
/* Convenience: {"ok": false, "error": msg}. */
int ctl_server_reply_error(struct ctl_server *s, uint64_t client, const char *msg);
/* Streams an unsolicited line to a client (monitor); does not end its request. */
int ctl_server_send(struct ctl_server *s, uint64_t client, struct json_object *msg);

/* --- client (in xfrmctl) ------------------------------------------------- */

/* -1 with e set and errno kept from connect() when xfrmd cannot be reached. */
int ctl_connect(const char *path, struct xerr *e);
/* Sends req, waits for one reply line. Returns the parsed reply (caller
 * puts it), NULL with e set on I/O, timeout or parse errors. */
struct json_object *ctl_call(int fd, struct json_object *req, int timeout_ms, struct xerr *e);

#endif
