/*
 * What BIRD's replies say, as plain structs: `show protocols [all]` tables
 * and details (protocol and BGP states, last error, per-channel route
 * counts and limit hits) and the outcome of `configure [check]`. Pure
 * parsers over a struct bird_reply; texts are kept as BIRD prints them.
 */
#ifndef XFRMD_BIRD_PROTO_H
#define XFRMD_BIRD_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "bird_reply.h"
#include "xerr.h"

/* Protocols in one reply: three per connection (two sessions, a LAN static)
 * at a gateway's 16,384, and more. */
#define BIRD_PROTOS_MAX 65536
/* Reply bytes one protocol may take in `show protocols all` (bird_reply's
 * count): an Established session with one channel takes 3 KiB. */
#define BIRD_PROTO_REPLY_COST ((size_t)8 << 10)
#define BIRD_CHANNELS_MAX     8 /* channels kept per protocol; more are counted */
#define BIRD_NAME_MAX	      64
#define BIRD_TEXT_MAX	      256

/* A protocol's state column (BIRD's proto_state_name). */
enum bird_pstate {
	BIRD_PS_UNKNOWN,
	BIRD_PS_DOWN,
	BIRD_PS_START,
	BIRD_PS_UP,
	BIRD_PS_STOP,
	BIRD_PS_FLUSH,
};

/* A BGP protocol's session state; NONE when not BGP or not printed. */
enum bird_bgp {
	BIRD_BGP_NONE,
	BIRD_BGP_DOWN, /* the protocol is down */
	BIRD_BGP_IDLE,
	BIRD_BGP_CONNECT,
	BIRD_BGP_ACTIVE,
	BIRD_BGP_OPENSENT,
	BIRD_BGP_OPENCONFIRM,
	BIRD_BGP_ESTABLISHED,
	BIRD_BGP_CLOSE,
	BIRD_BGP_PASSIVE, /* a passive session waiting for its peer */
	BIRD_BGP_OTHER,	  /* printed, but none of the above */
};

struct bird_limit {
	bool set; /* printed: the limit is configured */
	unsigned long limit;
	bool hit;
	char action[16]; /* warn, block, restart, disable */
};

struct bird_channel {
	char name[BIRD_NAME_MAX];
	char state[16];	   /* DOWN, START, UP, FLUSHING */
	bool has_routes;   /* a "Routes:" line was printed (channel not down) */
	bool has_filtered; /* it counted filtered routes (import keep filtered) */
	unsigned long imported, filtered, exported, preferred;
	struct bird_limit receive, import, export;
};

struct bird_proto {
	char name[BIRD_NAME_MAX];
	char proto[32]; /* BGP, Static, Device, ... */
	char table[BIRD_NAME_MAX];
	char state_text[16];
	enum bird_pstate state;
	char since[40];		  /* as BIRD prints it (its "timeformat protocol") */
	char info[BIRD_TEXT_MAX]; /* the table's Info column */
	/* Only in `show protocols all`: */
	bool detailed;
	char description[BIRD_TEXT_MAX];
	char message[BIRD_TEXT_MAX];
	enum bird_bgp bgp;
	char bgp_text[16];
	char neighbor[BIRD_NAME_MAX]; /* address as printed */
	unsigned long neighbor_as, local_as;
	char last_error[BIRD_TEXT_MAX];
	size_t n_channels; /* kept in channels[] (at most BIRD_CHANNELS_MAX) */
	size_t channels_seen;
	struct bird_channel channels[BIRD_CHANNELS_MAX];
};

struct bird_protos {
	size_t n;
	struct bird_proto *v;
};

/* A `show protocols` or `show protocols all [NAME]` reply. An error reply
 * (8xxx/9xxx, e.g. an unknown name) returns -1 with BIRD's text. */
int bird_protos_parse(const struct bird_reply *r, struct bird_protos *out, struct xerr *e);
void bird_protos_free(struct bird_protos *p);
/* The reply bound for `show protocols all` of n protocols. */
size_t bird_protos_reply_max(size_t n);
const struct bird_proto *bird_protos_find(const struct bird_protos *p, const char *name);

/* A BGP session that carries: Established, with routes imported on one of
 * its channels (the routes to the far side are in BIRD's tables, so in the
 * kernel's: an Established session that has not yet received its routes
 * leaves only xfrmd's fail-closed hold). */
bool bird_proto_carries(const struct bird_proto *p);

enum bird_pstate bird_pstate_parse(const char *s);
enum bird_bgp bird_bgp_parse(const char *s);
const char *bird_bgp_name(enum bird_bgp s);

/* The outcome of `configure [check|soft|...]`. */
struct bird_configure {
	bool ok;		     /* accepted (0003/0004/0005/0017/0018/0019/0020) */
	int code;		     /* the reply's last code */
	char message[BIRD_TEXT_MAX]; /* BIRD's last line, as printed */
	/* For 8002 "FILE:LINE:COL TEXT"; file empty when not in that form. */
	char file[BIRD_TEXT_MAX];
	unsigned line, col;
	char text[BIRD_TEXT_MAX];
};

void bird_configure_parse(const struct bird_reply *r, struct bird_configure *out);

#endif
