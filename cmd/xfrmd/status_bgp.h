/* status_bgp.c: a report's BGP parts, from what BIRD last said (pure). */
#ifndef XFRMD_STATUS_BGP_H
#define XFRMD_STATUS_BGP_H

#include <stdbool.h>

#include "bird_proto.h"
#include "config.h"
#include "report.h"

/* Tunnel t's session (c has a bgp section): p is what BIRD last said of
 * its protocol (NULL: nothing; BIRD unreachable, or no such protocol),
 * enabled what health wants (bird_link_wanted: 1, 0, -1 undecided). o's
 * strings borrow from p. */
void status_bgp_fill(struct report_bgp *o, const struct cfg_connection *c,
		     const struct cfg_tunnel *t, const struct bird_proto *p, int enabled);

/* The session's state word: BIRD's BGP state (Established, Active, ...),
 * "down", "disabled" (down, and health shut it) or "unknown" (p NULL). */
const char *status_bgp_state(const struct bird_proto *p, int enabled);

/* Whether cfg has a connection with a bgp section (then the report has "bird"). */
bool status_has_bgp(const struct cfg_config *cfg);

#endif
