/*
 * Non-blocking VICI client for an event loop.
 *
 * VICI has no request ids, but charon answers the requests of a connection
 * strictly in order (its vici_socket.c processes them one by one), so a
 * reply belongs to the oldest unanswered request. Requests queue here and
 * go out one at a time, or, with vici_client_set_window(), several ahead
 * of their replies (pipelining: no round trip per request). Events (registered with
 * vici_client_register) may arrive at any moment, also between a request
 * and its response; they go to the event callback. Streamed results of a
 * command (list-sas -> list-sa events) arrive the same way before the
 * command's response.
 *
 * The client owns no loop: the caller polls vici_client_fd() for
 * vici_client_events() and calls vici_client_handle() when ready. The set
 * changes as requests queue and drain, so level-triggered callers should
 * re-read vici_client_events() after every call into the client.
 *
 * Callbacks may queue requests, connect, close or free the client; they
 * must not call vici_client_handle() or vici_client_run() (refused). A
 * reply or event tree lives only for the duration of its callback.
 */
#ifndef XFRMD_VICI_CLIENT_H
#define XFRMD_VICI_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vici_msg.h"
#include "xerr.h"

enum vici_status {
	VICI_OK = 0,		 /* CMD_RESPONSE or EVENT_CONFIRM */
	VICI_UNKNOWN = 1,	 /* CMD_UNKNOWN or EVENT_UNKNOWN */
	VICI_DISCONNECTED = 2,	 /* connection lost before the reply */
	VICI_PROTOCOL_ERROR = 3, /* reply could not be decoded */
};

struct vici_client;

/* reply is NULL unless status is VICI_OK (and NULL for event confirms). */
typedef void (*vici_reply_cb)(void *ctx, enum vici_status status, const struct vici_node *reply);
typedef void (*vici_event_cb)(void *ctx, const char *event, const struct vici_node *msg);
/* Called once when a connected client loses its connection (reason given),
 * also when a non-blocking connect fails; runs after the pending callbacks. */
typedef void (*vici_close_cb)(void *ctx, const char *reason);

struct vici_client *vici_client_new(vici_event_cb on_event, vici_close_cb on_close, void *ctx);
void vici_client_free(struct vici_client *c); /* pending callbacks are not called */

/* uri: "unix:///path" or a plain absolute path. Starts a non-blocking
 * connect; requests may be queued at once (not before: queueing on a
 * closed client fails). Reconnecting after a close is allowed. */
int vici_client_connect(struct vici_client *c, const char *uri, struct xerr *e);
/* True from a successful vici_client_connect until the connection ends. */
bool vici_client_connected(const struct vici_client *c);
int vici_client_fd(const struct vici_client *c); /* -1 when not connected */
/* EPOLLIN, plus EPOLLOUT while there are bytes to send. */
uint32_t vici_client_events(const struct vici_client *c);
/* Make progress on readable/writable; dispatches callbacks. On a fatal
 * error (I/O error, EOF, segment over VICI_SEGMENT_MAX, undecodable packet
 * or event, reply without a matching request) the connection is closed,
 * pending requests get VICI_DISCONNECTED, the close callback runs, and -1
 * is returned. A reply whose message does not parse only gives its
 * callback VICI_PROTOCOL_ERROR. Also -1 when not connected. */
int vici_client_handle(struct vici_client *c, uint32_t revents);
/* Close now; like a lost connection but without the close callback. */
void vici_client_close(struct vici_client *c);

/* Queue a command. msg/len is an encoded message (may be NULL/0); it is copied. */
int vici_client_request(struct vici_client *c, const char *cmd, const uint8_t *msg, size_t len,
			vici_reply_cb cb, void *ctx, struct xerr *e);
/* Event (un)registration queues like a command; the callback gets VICI_OK
 * for EVENT_CONFIRM and VICI_UNKNOWN for EVENT_UNKNOWN. Streamed commands
 * (list-sas, list-conns) need their event registered before they run. */
int vici_client_register(struct vici_client *c, const char *event, vici_reply_cb cb, void *ctx,
			 struct xerr *e);
int vici_client_unregister(struct vici_client *c, const char *event, vici_reply_cb cb, void *ctx,
			   struct xerr *e);
size_t vici_client_pending(const struct vici_client *c); /* queued + in flight */
/* How many requests may be sent before the oldest is answered (default 1). */
void vici_client_set_window(struct vici_client *c, size_t window);
/* Command requests sent since vici_client_new (registrations not counted). */
uint64_t vici_client_requests_total(const struct vici_client *c);

/* Blocking helper for tools and tests: polls until nothing is pending,
 * the connection drops, or timeout_ms passes (-1 on timeout/drop; a
 * negative timeout_ms waits forever). */
int vici_client_run(struct vici_client *c, int timeout_ms, struct xerr *e);

#endif
