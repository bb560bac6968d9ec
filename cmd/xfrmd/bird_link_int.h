/* Between bird_link.c (the connection to BIRD, sessions, reports) and
 * bird_link_apply.c (an apply's step, the running config, start): struct
 * bird_link is theirs; the rest of the daemon uses bird_link.h. */
#ifndef XFRMD_BIRD_LINK_INT_H
#define XFRMD_BIRD_LINK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bird_client.h"
#include "bird_link.h"
#include "bird_proto.h"
#include "config.h"
#include "xerr.h"

#define RECONNECT_MIN_MS     100
#define RECONNECT_MAX_MS     2000
#define REFRESH_MS	     2000 /* session states for status, while sessions exist */
#define REWRITE_MS	     200  /* health changes coalesced into one include write */
#define CONFIGURE_TIMEOUT_MS 60000
#define INCLUDE_MAX	     (64u << 20)

enum want { WANT_UNKNOWN, WANT_ON, WANT_OFF };

struct lan_state {
	bool known;	  /* health has said */
	unsigned healthy; /* mask by tunnel */
	uint8_t told;	  /* enum want: announced (ON) or withdrawn (OFF) */
};

struct bird_apply {
	bird_link_done_fn done; /* NULL: none waiting */
	void *ctx;
	const struct cfg_config *cfg;
	char *prev;	  /* the include before this apply wrote it (NULL: there was none) */
	uint64_t t_write; /* loop_now_ms() as the include was being written */
};

struct bird_link {
	struct xfrmd *d;
	struct bird_client *client;
	struct loop_timer *reconnect, *refresh, *rewrite;
	unsigned reconnect_ms;
	char socket[CFG_BIRD_SOCKET_MAX + 1];
	char include[CFG_PATH_MAX];
	bool active; /* the running config has sessions */
	bool ready, said_unreachable, refreshing;
	char version[32];
	char error[256];
	char *written; /* the include as xfrmd last wrote or found it; NULL: none */
	uint8_t *want; /* by tunnel id (enum want) */
	size_t n_want;
	/* The LAN side (bird_link_lan.c), by a connection's first tunnel id:
	 * its healthy tunnels as health last said, and what BIRD was told. */
	struct lan_state *lan;
	size_t n_lan;
	struct bird_protos protos;
	struct bird_apply ap;
};

bool link_has_sessions(const struct cfg_config *cfg);
/* Sessions, or gateway.lan: xfrmd writes an include and drives BIRD. */
bool link_needs_bird(const struct cfg_config *cfg);
bool link_ours(const char *text); /* the include's first line has xfrmd's mark */
size_t link_protocols(const struct cfg_config *cfg);
void link_set_paths(struct bird_link *bl, const struct cfg_config *cfg);
int link_render(struct bird_link *bl, const struct cfg_config *cfg, char **out, struct xerr *e);
void link_connect_now(struct bird_link *bl);
/* bird_link_lan.c: the render hook (announced now), every connection's
 * state told again (BIRD reconnected), decided again (sessions moved). */
bool link_lan_on(const struct cfg_connection *c, void *arg);
void link_lan_resend(struct bird_link *bl);
void link_lan_eval_all(struct bird_link *bl);
void link_note_error(struct bird_link *bl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
