/*
 * Typed reports built by hand for the renderers' tests:
 *
 *   gateway     "gw-1", generation 7, hash "abc", charon connected at
 *               "unix:///run/charon.vici", no kernel error, no conflict;
 *               reaction: buckets 100 us (1) and 1 s (3), samples 80, 900000,
 *               700000 (count 3, sum 1600080 us, max 900000)
 *   connection  "vpc", route mode, active-standby, start immediate,
 *               followed (failovers 2, failbacks 1, last_failover 1700000000,
 *               last_reaction_us 850, fail closed)
 *   tunnel 1    primary, 192.0.2.1 -> 198.51.100.1, id 7, healthy, carries
 *               traffic, up; IKE ESTABLISHED and an INSTALLED CHILD_SA with
 *               kernel counters; probes on (answered 1200 ms ago, inbound
 *               never seen)
 *   tunnel 2    standby, 192.0.2.2 -> 198.51.100.2, id 9, not healthy; IKE
 *               CONNECTING, no CHILD_SA; probes off
 *
 * fx_report_bgp adds BGP sessions (local AS 65010, peer AS 64512) and BIRD
 * (reachable, 2.0.12 at /run/bird/bird.ctl, no error):
 *   tunnel 1    xfrmd7_vpc, 169.254.12.2 -> 169.254.12.1, Established since
 *               "16:06:08.763", enabled; routes 3 accepted, 1 filtered, 2
 *               announced; limit not hit, no error
 *   tunnel 2    xfrmd9_vpc, 169.254.13.2 -> 169.254.13.1, disabled since
 *               "16:06:24.352", shut; 0 routes; limit hit; last error
 *               "BGP Error: Bad peer AS"
 *
 * fx_report_hosts spreads the gateway over hosts: this host "gw-1" of 2
 * runs tunnel 1 only; tunnel 2 (standby, 192.0.2.2 -> 198.51.100.2) is
 * away on "gw-2"; gateway.lan, local AS 65001, announces "vpc" now, to
 * LAN neighbors 10.0.0.1 (xfrmd_lan1, AS 65000, Established since
 * "16:06:09.001") and 10.0.0.2 (xfrmd_lan2, AS 65000, Active, since null).
 *
 * fx_report_elsewhere: the same gateway on 3 hosts, seen from "gw-3",
 * which runs no tunnel of "vpc": tunnel 1 (primary, 192.0.2.1 ->
 * 198.51.100.1) is on "gw-1", tunnel 2 (standby) on "gw-2"; not followed
 * here, withdrawn from the LAN.
 */
#ifndef XFRMD_REPORT_FIXTURE_H
#define XFRMD_REPORT_FIXTURE_H

#include <stddef.h>

#include "report.h"

/* One connection (r->conns is malloc'd: report_free). */
void fx_report(struct report *r);
/* The same with BGP sessions on both tunnels, and BIRD. */
void fx_report_bgp(struct report *r);
/* One connection spread over two hosts, with gateway.lan. */
void fx_report_hosts(struct report *r);
/* One connection only other hosts run (state elsewhere), with gateway.lan. */
void fx_report_elsewhere(struct report *r);
/* The text of the JSON value (object, array, string or scalar, as
 * written) starting at `at`, malloc'd; NULL: at is NULL. */
char *fx_value(const char *at);
/* The value of the first member named `key`; NULL: none. */
char *fx_member(const char *json, const char *key);
/* The object of the tunnel with this index; NULL: none. */
char *fx_tunnel(const char *json, size_t index);

#endif
