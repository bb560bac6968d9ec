# shellcheck shell=bash
# bgp-swanctl (issue 18): BGP over the tunnels, against a far side that is not xfrmd. gwa runs
# xfrmd and BIRD 2 (its bird.conf only includes xfrmd's file): one connection of two route-based
# tunnels over VTIs, active-standby, probes every 100 ms (3 lost: dead), fail-closed, a bgp
# section (AS 65001 to AS 65002, accept: the remote prefix). gwb, the cloud gateway's shape, is
# plain strongSwan from a swanctl.conf (a VTI per tunnel, selectors 0.0.0.0/0) and a
# hand-written BIRD: an eBGP session per tunnel over the inside addresses, announcing site B's
# 10.2.0.0/24 and 10.9.0.0/24 (outside gwa's accept), installing its best path. gwb sends
# nothing of its own but BGP; it answers a flow through the tunnel the flow arrived on
# (connection marks), so the failover measured is gwa's.
#   1. Bring-up: both sessions Established; gwa installs 10.2.0.0/24 from BGP over tunnel 1
#      (the primary's higher local preference), refuses 10.9.0.0/24, keeps its fail-closed
#      blackhole under it; gwb prefers tunnel 1 too (gwa prepends its standby's announcements);
#      traffic crosses.
#   1b. hosta, site A's LAN router, runs BIRD and learns 10.2.0.0/24 from gwa (gwa's bird.conf
#      exports xfrmd's learned routes into the LAN); not 10.9.0.0/24.
#   1c. gwb announces three more prefixes: past max_prefixes (3, action block) BIRD takes no more.
#   2. Path 1 cut: xfrmd shuts tunnel 1's session within the probe time (BGP alone would wait
#      for the 30 s hold timer), gwa's route moves to tunnel 2; restored: the session comes back
#      after the hold-down and the route returns to tunnel 1. Then 3 cuts under a flow
#      (interruptions measured).
#   3. Both paths cut: BIRD's routes go, the blackhole holds (no clear text); back by itself.
#   4. xfrmd SIGKILLed and restarted under traffic: no packet lost, the sessions untouched.
#   5. BIRD stopped and started on gwa: fail-closed meanwhile (and an apply changing the sessions
#      fails naming BIRD, changing nothing), sessions and routes come back without operator
#      action.

PEER_RESTART_AFTER=5
P1=xfrmd1_peer P2=xfrmd2_peer
# shellcheck source=setup.sh
. "$LAB_SCENARIO_DIR/setup.sh"
bgp_far_side "$LAB_SCENARIO_DIR"
(umask 077 && sed "s|RUN|$LAB_RUN|g" "$LAB_SCENARIO_DIR/gwa.json" >"$LAB_RUN/gwa/src.json")
peer_start "$LAB_SCENARIO_DIR/gwb.swanctl.conf" "retransmit_base = 1"
tflow_start hosta "$HOSTB" up 0.05
peer_xfrmd "$LAB_RUN/gwa/src.json" "$PEER_RESTART_AFTER"

# gwa's kernel route to PREFIX from BIRD (proto bird) goes via tunnel N's inside peer.
bgp_route_via() { grep -q "^$1 via 169.254.2$2.1 dev xfrmd$2 proto bird" <<<"$(kroute gwa "$1")"; }
# No route from BIRD for PREFIX on gwa.
no_bgp_route() { ! grep -q 'proto bird' <<<"$(kroute gwa "$1")"; }
# xfrmd's fail-closed hold: a blackhole (protocol 211) at the route's metric + 1.
# `xfrmctl routes` on gwa lists PREFIX as learned over BGP through tunnel(s) VIA ("1" or "2").
routes_learned_via() {
  xfrmctl_on gwa routes --json peer | python3 -c "import json,sys
rows=[r for r in json.load(sys.stdin) if r['prefix']=='$1']
ok=[r for r in rows if r['state']=='learned' and r['source']=='bgp' and r['via_tunnels']==[int(v) for v in '$2'.split(',')]]
sys.exit(0 if ok else 1)"
}
routes_has_hold() {
  xfrmctl_on gwa routes --json peer | python3 -c "import json,sys
rows=[r for r in json.load(sys.stdin) if r['prefix']=='10.2.0.0/24' and r['state']=='fail-closed-hold' and r['source']=='xfrmd']
sys.exit(0 if rows else 1)"
}
hold_there() { grep -q '^blackhole 10.2.0.0/24 proto 211 .*metric 101' <<<"$(kroute gwa 10.2.0.0/24)"; }
show_routes() {
  echo "gwa: ip route show exact 10.2.0.0/24"
  kroute gwa 10.2.0.0/24
  echo "gwa: birdc show protocols"
  birdc_on gwa show protocols 2>&1 | sed 1d
  echo "gwb: ip route show exact 10.1.0.0/24; birdc show route 10.1.0.0/24 all"
  kroute gwb 10.1.0.0/24
  birdc_on gwb show route 10.1.0.0/24 all 2>&1 | sed 1d
}

# 1. Bring-up.
peer_bringup connected
check bgp-t1-established wait_for 60 bird_established gwa $P1
check bgp-t2-established wait_for 60 bird_established gwa $P2
check bgp-learned-via-tunnel1 wait_for 30 bgp_route_via 10.2.0.0/24 1
check bgp-outside-accept-refused no_bgp_route 10.9.0.0/24
check bgp-fail-closed-hold-under-it hold_there
check routes-lists-learned-via-tunnel1 wait_for 10 routes_learned_via 10.2.0.0/24 1
check routes-lists-hold routes_has_hold
check gwb-prefers-tunnel1 wait_for 30 sh -c "ip -n gwb route show exact $NET_A proto bird | grep -q 'dev vti1'"
check gwb-standby-path-prepended sh -c "ip netns exec gwb birdc -s $LAB_RUN/gwb/bird.ctl show route $NET_A all | grep -q 'BGP.as_path: 65001 65001 65001'"
check include-written-by-xfrmd grep -q "written by xfrmd" "$LAB_RUN/gwa/xfrmd-bird.conf"
show_routes >"$LAB_OUT/show-bgp-bringup.txt" 2>&1
xfrmctl_on gwa routes >>"$LAB_OUT/show-bgp-bringup.txt" 2>&1 || true
xfrmctl_on gwa explain "$HOSTA" "$HOSTB" >"$LAB_OUT/show-explain.txt" 2>&1 || true
xfrmctl_on gwa explain --json "$HOSTA" "$HOSTB" >"$LAB_RUN/gwa/explain.json" 2>&1 || true
check_eq explain-route-learned-over-bgp "True 12 xfrmd1" \
  "$(json_get "$LAB_RUN/gwa/explain.json" "' '.join(str(j['route'][k]) for k in ('bgp', 'protocol', 'dev'))")"
check_eq explain-protected-by-bgp-route "protected: tunnel xfrmd-peer-t1, by a route learned over BGP" \
  "$(json_get "$LAB_RUN/gwa/explain.json" "j['verdict'].split(' (SPI')[0] + j['verdict'].split(')', 1)[1]")"

# 1b. Publishing into the LAN: the administrator adds the export and reconfigures BIRD; xfrmd's
# sessions are not restarted by it.
since1=$(bird_since_ms gwa $P1)
cp "$LAB_SCENARIO_DIR/gwa.lan.bird.conf" "$LAB_RUN/gwa/lan.conf"
check admin-configure birdc_on gwa configure
lan_learned() { grep -q "BGP.as_path: 65001 65002" <<<"$(birdc_on hosta show route "$1" all)"; }
check lan-router-learns-far-site wait_for 60 lan_learned 10.2.0.0/24
check lan-router-not-refused-prefix sh -c "! ip netns exec hosta birdc -s $LAB_RUN/hosta/bird.ctl show route 10.9.0.0/24 | grep -q 10.9.0.0"
birdc_on hosta show route all >"$LAB_OUT/show-lan-router.txt" 2>&1 || true
check admin-configure-sessions-untouched bird_untouched gwa $P1 "$since1"

# 1c. The far side announces more than max_prefixes (3 received, the refused one counted): BIRD
# takes no more (action block), the routes taken before stay.
check gwb-announces-more birdc_on gwb enable more
limit_hit() { grep -Eq 'Receive limit: +3 +\[HIT\]' <<<"$(birdc_on gwa show protocols all $P1)"; }
check bgp-limit-hit wait_for 30 limit_hit
check bgp-limit-at-most-3-imported sh -c "ip netns exec gwa birdc -s $LAB_RUN/gwa/bird.ctl show route table xfrmd_ipv4_t254_m100 protocol $P1 count | grep -Eq '^[0-3] of '"
check bgp-limit-earlier-route-stays bgp_route_via 10.2.0.0/24 1
birdc_on gwa show protocols all $P1 >"$LAB_OUT/show-bgp-limit.txt" 2>&1 || true
check gwb-announces-less birdc_on gwb disable more

# 2. Path 1 cut: the session goes with the tunnel, within the probe time.
ev_mark
t_cut=$EPOCHREALTIME
peer_cut "$GWA_UL1" "$GWB_UL1"
check bgp-cut-route-moves-to-tunnel2 wait_for 10 bgp_route_via 10.2.0.0/24 2
t_moved=$EPOCHREALTIME
check bgp-cut-session1-shut wait_for 10 bird_not_established gwa $P1
t_shut=$EPOCHREALTIME
check routes-lists-learned-via-tunnel2 wait_for 10 routes_learned_via 10.2.0.0/24 2
show_routes >"$LAB_OUT/show-bgp-cut.txt" 2>&1
check_lt bgp-cut-route-moved-well-before-hold-time "$(peer_ms_since "$t_cut" "$t_moved")" "$(peer_ms 5000)"
t_res=$EPOCHREALTIME
peer_uncut "$GWA_UL1" "$GWB_UL1"
check bgp-restore-session1-back wait_for 60 bird_established gwa $P1
check bgp-restore-route-back-on-tunnel1 wait_for 30 bgp_route_via 10.2.0.0/24 1
t_back=$EPOCHREALTIME
{
  echo "path 1 cut (no flow): cut -> gwa's route via tunnel 2 (polled) $(peer_ms_since "$t_cut" "$t_moved") ms;" \
    "cut -> BIRD's session 1 not Established (polled) $(peer_ms_since "$t_cut" "$t_shut") ms;" \
    "BGP hold time 30 s"
  echo "restored -> session 1 Established and the route on tunnel 1 again (polled): $(peer_ms_since "$t_res" "$t_back") ms" \
    "(failback_hold_down 2 s, then BIRD connects)"
} >"$LAB_OUT/show-bgp-failover.txt"
peer_cuts 3 2 60 1
check bgp-after-cuts-on-tunnel1 wait_for 60 bgp_route_via 10.2.0.0/24 1

# 3. Both paths cut: BIRD's routes go, the hold drops what would leave in clear.
p0=$LAB_RUN/gwa/bgp-both-ul0.pcap p1=$LAB_RUN/gwa/bgp-both-ul1.pcap
tflow_start hosta "$HOSTB" both 0.02
wait_for 30 tflow_has both 10 || true
capture_start gwa ul0 "$p0" >>"$LAB_RUN/gwa/captures.log"
capture_start gwa ul1 "$p1" >>"$LAB_RUN/gwa/captures.log"
t_cut=$EPOCHREALTIME
peer_cut "$GWA_UL1" "$GWB_UL1" "$GWA_UL2" "$GWB_UL2"
check bgp-both-cut-learned-route-gone wait_for 10 no_bgp_route 10.2.0.0/24
check bgp-both-cut-hold-remains hold_there
t_res=$EPOCHREALTIME
peer_uncut "$GWA_UL1" "$GWB_UL1" "$GWA_UL2" "$GWB_UL2"
tflow_mark both
check bgp-both-cut-traffic-returns wait_for 90 tflow_has both 10
ret=$(peer_ms_since "$t_res" "$(tflow_first both "$t_res")")
flow_stop both
capture_stop "$p0"
capture_stop "$p1"
check_eq bgp-both-cut-no-clear-text 0 "$(peer_clear_text "$p0" "$p1")"
echo "both paths cut for $(peer_ms_since "$t_cut" "$t_res") ms: restore -> first reply ${ret:-never} ms" \
  >"$LAB_OUT/show-bgp-both-paths.txt"
check bgp-both-back-on-tunnel1 wait_for 60 bgp_route_via 10.2.0.0/24 1

# 4. xfrmd SIGKILLed and restarted under traffic: nothing lost, BIRD's sessions untouched.
since1=$(bird_since_ms gwa $P1)
tflow_start hosta "$HOSTB" xk 0.02
wait_for 30 tflow_has xk 20 || true
ev_stop
kill_daemon gwa xfrmd
tflow_mark xk
check bgp-xfrmd-dead-traffic-flows wait_for 30 tflow_has xk 50
gwa_log_mark
require bgp-xfrmd-restarts start_xfrmd gwa
ev_start || true
check bgp-xfrmd-restart-reconciled wait_for 30 gwa_log_has "reconciled in"
tflow_mark xk
check bgp-xfrmd-restart-traffic-continues wait_for 30 tflow_has xk 100
flow_stop xk
check_eq bgp-xfrmd-restart-no-loss 0 "$(tflow_lost xk)"
check bgp-xfrmd-restart-session1-untouched bird_untouched gwa $P1 "$since1"
check bgp-xfrmd-restart-t1-established bird_established gwa $P1

# 5. BIRD stopped and started on gwa: fail-closed meanwhile, then back by itself.
p0=$LAB_RUN/gwa/bird-ul0.pcap p1=$LAB_RUN/gwa/bird-ul1.pcap
tflow_start hosta "$HOSTB" br 0.02
wait_for 30 tflow_has br 10 || true
capture_start gwa ul0 "$p0" >>"$LAB_RUN/gwa/captures.log"
capture_start gwa ul1 "$p1" >>"$LAB_RUN/gwa/captures.log"
stop_daemon gwa bird
check bird-stopped-learned-route-gone no_bgp_route 10.2.0.0/24
check bird-stopped-hold-remains hold_there
# An apply that changes the sessions while BIRD is away fails, naming BIRD, and changes nothing.
gen0=$(xfrmctl_on gwa status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
inc0=$(sha256sum <"$LAB_RUN/gwa/xfrmd-bird.conf")
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["connections"][0]["bgp"]["timers"]["hold"]=60; json.dump(d,open(sys.argv[2],"w"))' \
  "$LAB_RUN/gwa/xfrmd.json" "$LAB_RUN/gwa/hold60.json"
chmod 600 "$LAB_RUN/gwa/hold60.json"
rc=0
xfrmctl_on gwa apply -f "$LAB_RUN/gwa/hold60.json" >"$LAB_RUN/gwa/apply-nobird.out" 2>&1 || rc=$?
check_eq bird-away-apply-fails 1 "$rc"
check bird-away-apply-names-bird grep -q "BIRD is not reachable at $LAB_RUN/gwa/bird.ctl" "$LAB_RUN/gwa/apply-nobird.out"
check_eq bird-away-generation-unchanged "$gen0" "$(xfrmctl_on gwa status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')"
check_eq bird-away-include-unchanged "$inc0" "$(sha256sum <"$LAB_RUN/gwa/xfrmd-bird.conf")"
tflow_mark br
sleep 1 # a second of flow against the hold: nothing may leave in clear
t_res=$EPOCHREALTIME
require bird-restarts start_bird gwa "$LAB_RUN/gwa/bird.conf"
check bird-restart-session1-back wait_for 60 bird_established gwa $P1
check bird-restart-route-back wait_for 30 bgp_route_via 10.2.0.0/24 1
tflow_mark br
check bird-restart-traffic-returns wait_for 60 tflow_has br 10
flow_stop br
capture_stop "$p0"
capture_stop "$p1"
check_eq bird-restart-no-clear-text 0 "$(peer_clear_text "$p0" "$p1")"
check bird-restart-xfrmd-reconnected wait_for 30 gwa_log_has "BIRD .* ready at"
echo "BIRD stopped on gwa under a 50 pkt/s flow, started 1 s later: started -> session 1 Established and traffic back $(peer_ms_since "$t_res") ms (polled)" \
  >"$LAB_OUT/show-bird-restart.txt"

peer_finish
