# shellcheck shell=bash
# failover-route-vti: Azure-style active-active, route-based over VTI (user-mode
# Linux has VTI, not XFRM interfaces; failover-route-xfrmi runs this script
# with XFRM interfaces under qemu). xfrmd creates one VTI per tunnel and a
# multipath route to the remote LAN over both. Several flows spread over the
# two tunnels; path 1 is cut: every flow continues on tunnel 2 within a
# second; path 1 returns: both tunnels carry traffic again.
# Both ends run xfrmd and the paths stay cut for long: probe.restart_after is 0
# here (the stale-tunnel restart is shown against peers that are not xfrmd,
# peer-swanctl-*), so that what this scenario asserts does not race two
# gateways renegotiating at once.

FLOW_SRCS=(10.1.0.11 10.1.0.12 10.1.0.13 10.1.0.14 10.1.0.15 10.1.0.16)
for a in "${FLOW_SRCS[@]}"; do on hosta ip addr add $a/24 dev lan0; done

start_xfrmd_pair
check both-active-gwa wait_for 15 active_is gwa "[1, 2]"
check both-active-gwb wait_for 15 active_is gwb "[1, 2]"
check tunnel-links on gwa ip -d link show xfrmd1
check_eq multipath-route 2 "$(on gwa ip route show 10.2.0.0/24 proto 211 | grep -c 'nexthop dev xfrmd')"
on gwa ip route show proto 211 >"$LAB_OUT/show-routes-gwa.txt"

# 1. Several flows (different sources) spread over both tunnels.
t1_0=$(esp_out gwa $GWA_UL1) t2_0=$(esp_out gwa $GWA_UL2)
for a in "${FLOW_SRCS[@]}"; do on hosta ping -n -q -c 10 -i 0.02 -W 1 -I $a $HOSTB >/dev/null || true; done
check_gt t1-carries "$(esp_delta "$t1_0" "$(esp_out gwa $GWA_UL1)")" 9
check_gt t2-carries "$(esp_delta "$t2_0" "$(esp_out gwa $GWA_UL2)")" 9

# 2. Cut path 1 under running flows: all continue on tunnel 2.
for i in "${!FLOW_SRCS[@]}"; do flow_start hosta $HOSTB f$i 0.02 "${FLOW_SRCS[$i]}"; done
sleep 1
path_cut gwa $GWA_UL1 $GWB_UL1
check failover-gwa wait_for 5 active_is gwa "[2]"
check failover-gwb wait_for 5 active_is gwb "[2]"
sleep 1
worst=0 fewest=100000
for i in "${!FLOW_SRCS[@]}"; do
  flow_stop f$i
  g=$(flow_gap_ms f$i) r=$(flow_received f$i)
  ((g > worst)) && worst=$g
  ((r < fewest)) && fewest=$r
done
check_gt every-flow-survived "$fewest" 80
check_lt interruption-under-1s "$worst" 1000
echo "active-active $LAB_SCENARIO, path 1 cut: worst flow interruption ${worst} ms," \
  "reaction (health event -> route change) $(conn gwa "c['last_reaction_us']") us" \
  >"$LAB_OUT/show-failover.txt"
check_eq single-path-route 0 "$(on gwa ip route show 10.2.0.0/24 proto 211 | grep -c 'xfrmd1')"

# 3. Path 1 back: both tunnels carry traffic again.
path_restore gwa $GWA_UL1 $GWB_UL1
check both-active-again wait_for 20 active_is gwa "[1, 2]"
t1_1=$(esp_out gwa $GWA_UL1) t2_1=$(esp_out gwa $GWA_UL2)
for a in "${FLOW_SRCS[@]}"; do on hosta ping -n -q -c 10 -i 0.02 -W 1 -I $a $HOSTB >/dev/null || true; done
check_gt t1-carries-again "$(esp_delta "$t1_1" "$(esp_out gwa $GWA_UL1)")" 9
check_gt t2-carries-again "$(esp_delta "$t2_1" "$(esp_out gwa $GWA_UL2)")" 9

# 4. Both tunnels dead: a blackhole route, nothing in clear on the underlay.
esp_cut gwa
esp_cut gwb
check blackholed wait_for 5 sh -c "ip netns exec gwa ip route show 10.2.0.0/24 proto 211 | grep -q blackhole"
check_eq route-state-blackhole blackhole \
  "$(xfrmctl_on gwa routes --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["state"])')"
capture_start gwa ul0 "$LAB_RUN/gwa/ul0.pcap"
on hosta ping -n -q -c 10 -i 0.05 -W 1 $HOSTB >/dev/null 2>&1 || true
capture_stop "$LAB_RUN/gwa/ul0.pcap"
check_eq fail-closed-no-clear-text 0 \
  "$(capture_count "$LAB_RUN/gwa/ul0.pcap" "not esp and net $NET_A and net $NET_B")"
esp_restore gwa
esp_restore gwb
check recovers wait_for 15 active_is gwa "[1, 2]"
# The route came back by itself: multipath over both links, published and active.
check_eq route-returns 2 "$(on gwa ip route show 10.2.0.0/24 proto 211 | grep -c 'nexthop dev xfrmd')"
check_eq route-state-active active \
  "$(xfrmctl_on gwa routes --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["state"])')"

# 5. charon's own route installation (table 220) would override xfrmd's
# routes: xfrmd notices within a resync interval and says what to set.
on gwa ip route add 10.2.0.0/24 dev xfrmd2 table 220
conflict() { xfrmctl_on gwa status | grep >/dev/null "WARNING: table 220 has a route to 10.2.0.0/24.*install_routes = no"; }
check charon-route-conflict-shown wait_for 15 conflict
on gwa ip route del 10.2.0.0/24 dev xfrmd2 table 220

# explain: LAN traffic rides the multipath route over both VTIs; the kernel's
# hash picks one, whose mark policy and SA name that link's tunnel.
check explain-both-active wait_for 15 active_is gwa "[1, 2]"
xfrmctl_on gwa explain --json $HOSTA $HOSTB >"$LAB_RUN/gwa/explain.json"
xfrmctl_on gwa explain $HOSTA $HOSTB >"$LAB_OUT/show-explain-gwa.txt" 2>&1 || true
check_eq explain-protected-via-multipath "protected via xfrmd1 xfrmd2 by the link's tunnel" \
  "$(json_get "$LAB_RUN/gwa/explain.json" "'%s via %s by %s' % (j['outcome'],
    ' '.join(sorted(h['dev'] for h in j['route']['nexthops'])),
    \"the link's tunnel\" if j['tunnel'] and 'xfrmd%d' % j['tunnel']['id'] == j['link']['dev']
    else j['verdict'])")"
