/*
 * The control protocol's vocabulary, written once for both ends: the
 * envelope of every request and reply, the commands, their arguments and
 * the reply members the two ends share. xfrmd's handlers and xfrmctl use
 * these names, never the strings themselves; a change here is a change of
 * the wire format, so README.md ("Control protocol") changes with it. The
 * members of the reports (status, plan, explain, events) are not here:
 * schemas/ and README describe those.
 */
#ifndef XFRMD_CONTROL_PROTO_H
#define XFRMD_CONTROL_PROTO_H

/* The envelope: {"cmd": NAME, ...} in, {"ok": true, ...} or {"ok": false,
 * "error": MESSAGE} out. */
#define CTL_CMD	  "cmd"
#define CTL_OK	  "ok"
#define CTL_ERROR "error"

/* The commands (the value of "cmd"). */
#define CTL_CMD_APPLY	    "apply"
#define CTL_CMD_PLAN	    "plan"
#define CTL_CMD_STATUS	    "status"
#define CTL_CMD_VERSION	    "version"
#define CTL_CMD_ROUTES	    "routes"
#define CTL_CMD_ROUTE	    "route"
#define CTL_CMD_EXPLAIN	    "explain"
#define CTL_CMD_METRICS	    "metrics"
#define CTL_CMD_MONITOR	    "monitor"
#define CTL_CMD_PSK_SHOW    "psk-show"
#define CTL_CMD_EXPORT_PEER "export-peer"

/* Arguments. apply and plan: the file's text (or a "config" object), the
 * file's name for errors, the directory relative key files are in, and
 * the generation the change was planned against (optional). */
#define CTL_ARG_CONFIG_TEXT	  "config_text"
#define CTL_ARG_CONFIG		  "config"
#define CTL_ARG_FILE		  "file"
#define CTL_ARG_BASE_DIR	  "base_dir"
#define CTL_ARG_EXPECT_GENERATION "expect_generation"
/* status, routes (optional), route, psk-show, export-peer */
#define CTL_ARG_CONNECTION "connection"
/* route: CTL_ROUTE_PUBLISH or CTL_ROUTE_UNPUBLISH, and a prefix (optional:
 * all the connection's routes) */
#define CTL_ARG_ACTION	    "action"
#define CTL_ARG_PREFIX	    "prefix"
#define CTL_ROUTE_PUBLISH   "publish"
#define CTL_ROUTE_UNPUBLISH "unpublish"
/* psk-show: the tunnel's number (1-based) */
#define CTL_ARG_TUNNEL "tunnel"
/* explain: the packet's addresses */
#define CTL_ARG_SRC "src"
#define CTL_ARG_DST "dst"

/* Reply members besides "ok". */
#define CTL_REPLY_ROUTES  "routes"  /* routes, route: the routes */
#define CTL_REPLY_VERSION "version" /* version */
#define CTL_REPLY_TEXT	  "text"    /* metrics: Prometheus text */
#define CTL_REPLY_PSK	  "psk"	    /* psk-show: the key */
#define CTL_REPLY_NOTES	  "notes"   /* export-peer: where each key goes */
/* export-peer: the peer's config in each format, under the format's name */
#define CTL_EXPORT_XFRMD   "xfrmd"
#define CTL_EXPORT_SWANCTL "swanctl"

#endif
