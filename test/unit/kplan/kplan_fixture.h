/*
 * One connection for the planner's tests, in every mode, redundancy,
 * interface type, start, fail_closed and health:
 *
 *   tunnel 1  192.0.2.1 -> 198.51.100.1, id 7 (reqid 100007), link 21,
 *             underlay path to its peer: via 203.0.113.1 dev 3
 *   tunnel 2  192.0.2.2 -> 198.51.100.2, id 9 (reqid 100009), link 22,
 *             underlay path to its peer: via 203.0.113.2 dev 4
 *   local     10.1.0.0/16, 2001:db8:1::/48
 *   remote    10.2.0.0/16, 10.3.0.0/24, 2001:db8:2::/48
 *             (3 prefix pairs of one family: 10.1/16 x 10.2/16, 10.1/16 x
 *             10.3/24, 2001:db8:1::/48 x 2001:db8:2::/48)
 *   routes    the remote prefixes in table 254, metric 100, published;
 *             10.9.0.0/24 metric 50, not published
 */
#ifndef XFRMD_KPLAN_FIXTURE_H
#define XFRMD_KPLAN_FIXTURE_H

#include <stdbool.h>

#include "kplan.h"

enum health { H_NONE, H_PRI, H_STB, H_BOTH }; /* which tunnels are healthy */

/* Short names for fx_init's arguments. */
#define POLICY CFG_MODE_POLICY
#define ROUTE  CFG_MODE_ROUTE
#define AS     CFG_RED_ACTIVE_STANDBY
#define AA     CFG_RED_ACTIVE_ACTIVE
#define XFRM   CFG_IF_XFRM
#define VTI    CFG_IF_VTI
#define IMM    CFG_START_IMMEDIATE
#define OT     CFG_START_ON_TRAFFIC
#define FC     true
#define FO     false

struct fx {
	struct cfg_connection cfg;
	struct prefix local[2], remote[3];
	struct pair pair;
	struct kp_route_obj routes[4];
	struct kp_conn in;
};

/* primary: 0 or 1 (tunnel 2 primary: its role says so). */
void fx_init(struct fx *f, enum cfg_mode mode, enum cfg_redundancy red, enum cfg_ifkind ifk,
	     enum cfg_start start, bool fail_closed, size_t primary);
/* Health from scratch (pair_set_health at time 0), then the underlay path
 * to the peer of kp_route_tunnel() as the daemon would look it up. */
void fx_health(struct fx *f, enum health h);
/* kp_plan of the connection; the test fails if it fails. */
struct kp_plan fx_plan(struct fx *f);

struct prefix fx_prefix(const char *s);
struct ipaddr fx_addr(const char *s);

/* Changes as text, one per line, every field xfrmd writes:
 *   out 10.1.0.0/16 10.2.0.0/16 prio 100500 tunnel 192.0.2.1 198.51.100.1 reqid 100007
 *   in 10.2.0.0/16 10.1.0.0/16 prio 100500 tunnel any any reqid 0
 *   out 10.1.0.0/16 10.2.0.0/16 prio 100500 block
 *   del out 10.1.0.0/16 10.2.0.0/16 prio 100500
 *   route 10.2.0.0/16 table 254 metric 100 unicast dev 21 dev 22
 *   route 10.2.0.0/16 table 254 metric 100 unicast via 203.0.113.1 dev 3
 *   route 10.2.0.0/16 table 254 metric 100 blackhole
 *   del route 10.9.0.0/24 table 254 metric 50
 * The result is a static buffer. */
const char *fx_changes_str(const struct kp_changes *ch);
const char *fx_policy_str(const struct nl_policy *p, bool del);
const char *fx_route_str(const struct nl_route *r, bool del);

#endif
