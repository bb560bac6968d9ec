/*
 * Non-blocking client of BIRD's control socket (the one birdc uses,
 * /run/bird/bird.ctl by default) on the daemon's event loop.
 *
 * The client connects, waits for BIRD's greeting ("0001 BIRD x.y ready."),
 * then sends queued commands one at a time: BIRD answers a connection's
 * commands in order and a reply carries no id, so the next command goes
 * out only when the previous reply is complete. Each command has a
 * timeout (a loop timer); a command that times out ends the connection,
 * since a late reply could not be told from the next one's. Spontaneous
 * printouts ("+" lines) go to the async callback.
 *
 * When the connection ends (I/O error, EOF, a malformed or oversized
 * reply, a timeout, bird_client_close) every queued command hears why and
 * the close callback runs (not for bird_client_close). Reconnecting is the
 * caller's choice. Callbacks may queue commands, close or free the client.
 * A reply lives only for the duration of its callback.
 */
#ifndef XFRMD_BIRD_CLIENT_H
#define XFRMD_BIRD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "bird_reply.h"
#include "xerr.h"

struct loop;
struct bird_client;

#define BIRD_DEFAULT_SOCKET "/run/bird/bird.ctl"
#define BIRD_TIMEOUT_MS	    10000 /* default per command, and for the greeting */
#define BIRD_COMMAND_MAX    1000  /* BIRD refuses longer input lines */

enum bird_status {
	BIRD_REPLY = 0,	       /* a complete reply (which may be an error code) */
	BIRD_DISCONNECTED = 1, /* the connection ended before the reply */
	BIRD_TIMEOUT = 2,      /* no complete reply in time; the connection is closed */
};

/* reply is non-NULL only for BIRD_REPLY; why says what happened otherwise. */
typedef void (*bird_reply_cb)(void *ctx, enum bird_status st, const struct bird_reply *reply,
			      const char *why);

struct bird_client_cbs {
	/* The greeting arrived; version is what follows "BIRD " in it. */
	void (*ready)(void *ctx, const char *version);
	/* The connection ended (not by bird_client_close), after the commands' callbacks. */
	void (*closed)(void *ctx, const char *why);
	/* A spontaneous "+" printout, without the '+'. */
	void (*async)(void *ctx, const char *line);
	void *ctx;
};

struct bird_client *bird_client_new(struct loop *l, const struct bird_client_cbs *cbs);
/* Closes; queued commands' callbacks are not called. */
void bird_client_free(struct bird_client *c);

/* Starts a non-blocking connect to a unix socket path (NULL: the default).
 * Commands may be queued at once; they go out after the greeting, which
 * must come within the default timeout. */
int bird_client_connect(struct bird_client *c, const char *path, struct xerr *e);
/* Closes now; queued commands hear BIRD_DISCONNECTED, no close callback. */
void bird_client_close(struct bird_client *c);
bool bird_client_connected(const struct bird_client *c); /* connecting counts */
bool bird_client_ready(const struct bird_client *c);	 /* greeted */

/* Default timeout for commands queued afterwards (ms, 0: BIRD_TIMEOUT_MS). */
void bird_client_set_timeout(struct bird_client *c, unsigned ms);
/* Bound on one reply (0: BIRD_REPLY_MAX), from the reply being read on. */
void bird_client_set_reply_max(struct bird_client *c, size_t bytes);

/* Queues a command line (no newline; printable, at most BIRD_COMMAND_MAX
 * bytes). timeout_ms 0 takes the client's default; it runs from when the
 * command is sent. */
int bird_client_command(struct bird_client *c, const char *cmd, unsigned timeout_ms,
			bird_reply_cb cb, void *ctx, struct xerr *e);
size_t bird_client_pending(const struct bird_client *c); /* queued + in flight */

#endif
