# shellcheck shell=bash
# bgp-libreswan (issue 18): BGP over the tunnels against a far side that is not xfrmd nor
# strongSwan: Libreswan 4.10 on gwb (route-based, a VTI per tunnel by mark, as in
# interop-libreswan-route) with a hand-written BIRD speaking eBGP over each tunnel's inside
# addresses; xfrmd and BIRD on gwa (active-standby, probes every 100 ms). gwb sends nothing of
# its own but BGP: it answers through the VTI a request came in on.
#   1. Both tunnels up (xfrmd initiates), both sessions Established, site B's prefix learned
#      over the primary (local preference 200), `xfrmctl routes` lists it; traffic crosses.
#   2. Path 1 cut under a flow: xfrmd shuts tunnel 1's session within the probe time (the hold
#      time is 30 s), the learned route moves to tunnel 2, the flow goes on (interruption
#      measured), no clear text.
#   3. Path 1 back: tunnel 1 healthy, its session enabled after the failback hold-down, the
#      route back on tunnel 1.
P1=xfrmd1_peer P2=xfrmd2_peer
mkdir -p "$LAB_RUN/gwa" "$LAB_RUN/gwb"
echo "retransmit_tries = 5" >"$LAB_RUN/gwa/strongswan.extra.conf"
start_charon gwa
sed "s|UPDOWN|$LAB_SCENARIO_DIR/updown.sh|" "$LAB_SCENARIO_DIR/gwb.ipsec.conf" >"$LAB_RUN/gwb/ipsec.conf"
require start-pluto start_pluto gwb "$LAB_RUN/gwb/ipsec.conf" "$LAB_SCENARIO_DIR/gwb.secrets"
# gwb's answers through the VTI a request came in on (lib/libreswan.sh).
pluto_vti_answers gwb
require start-bird-gwb start_bird gwb "$LAB_SCENARIO_DIR/gwb.bird.conf"
sed "s|RUN|$LAB_RUN|g" "$LAB_SCENARIO_DIR/gwa.bird.conf" >"$LAB_RUN/gwa/bird.conf"
require start-bird-gwa start_bird gwa "$LAB_RUN/gwa/bird.conf"
(umask 077 && sed "s|RUN|$LAB_RUN|g" "$LAB_SCENARIO_DIR/gwa.json" >"$LAB_RUN/gwa/xfrmd.json")
require start-xfrmd start_xfrmd gwa
capture_start gwa ul0 "$LAB_RUN/gwa/ul0.pcap" >>"$LAB_RUN/gwa/captures.log"
capture_start gwa ul1 "$LAB_RUN/gwa/ul1.pcap" >>"$LAB_RUN/gwa/captures.log"
require apply xfrmctl_on gwa apply -f "$LAB_RUN/gwa/xfrmd.json"

bgp_route_via() { grep -q "^$1 via 169.254.2$2.1 dev xfrmd$2 proto bird" <<<"$(kroute gwa "$1")"; }
routes_learned_via() {
  xfrmctl_on gwa routes --json peer | python3 -c "import json,sys
ok=[r for r in json.load(sys.stdin) if r['prefix']=='$1' and r['state']=='learned' and r['via_tunnels']==[$2]]
sys.exit(0 if ok else 1)"
}

# 1. Bring-up.
check peer-t1-up wait_for 120 pluto_up gwb t1
check peer-t2-up wait_for 120 pluto_up gwb t2
check bgp-t1-established wait_for 90 bird_established gwa $P1
check bgp-t2-established wait_for 90 bird_established gwa $P2
check bgp-learned-via-tunnel1 wait_for 30 bgp_route_via 10.2.0.0/24 1
check routes-lists-learned-via-tunnel1 wait_for 10 routes_learned_via 10.2.0.0/24 1
check_eq peer-never-initiated-ike 0 "$(grep -c 'initiating' "$LAB_RUN/gwb/pluto.log" || true)"
check ping-across on hosta ping -n -q -c 10 -i 0.05 -W 1 "$HOSTB"
{
  kroute gwa 10.2.0.0/24
  xfrmctl_on gwa routes
  xfrmctl_on gwa status
  birdc_on gwb show protocols
} >"$LAB_OUT/show-bringup.txt" 2>&1

# 2. Path 1 cut under a flow.
tflow_start hosta "$HOSTB" f1 0.02
check flow-crosses wait_for 30 tflow_has f1 10
t_cut=$EPOCHREALTIME
path_cut gwa "$GWA_UL1" "$GWB_UL1"
check cut-route-moves-to-tunnel2 wait_for 10 bgp_route_via 10.2.0.0/24 2
t_moved=$EPOCHREALTIME
check cut-session1-shut wait_for 10 bird_not_established gwa $P1
tflow_mark f1
check cut-flow-goes-on wait_for 30 tflow_has f1 20
check routes-lists-learned-via-tunnel2 wait_for 10 routes_learned_via 10.2.0.0/24 2
gap=$(tflow_gap_ms f1 "$t_cut")
check_lt cut-route-moved-well-before-hold-time "$(peer_ms_since "$t_cut" "$t_moved")" "$(peer_ms 5000)"
check_lt cut-interruption-under-1s "$gap" "$(peer_ms 1000)"
echo "path 1 cut under a 50 pkt/s flow: interruption $gap ms; learned route on tunnel 2 after $(peer_ms_since "$t_cut" "$t_moved") ms (polled; BGP hold time 30 s) (LAB_SLOW ${LAB_SLOW:-1})" >"$LAB_OUT/show-cut.txt"

# 3. Path 1 back.
path_restore gwa "$GWA_UL1" "$GWB_UL1"
check restore-session1-back wait_for 90 bird_established gwa $P1
check restore-route-back-on-tunnel1 wait_for 30 bgp_route_via 10.2.0.0/24 1
tflow_mark f1
check restore-flow-goes-on wait_for 30 tflow_has f1 10
flow_stop f1
capture_stop "$LAB_RUN/gwa/ul0.pcap"
capture_stop "$LAB_RUN/gwa/ul1.pcap"
check_eq no-clear-text 0 "$(peer_clear_text "$LAB_RUN/gwa/ul0.pcap" "$LAB_RUN/gwa/ul1.pcap")"
xfrmctl_on gwa status >"$LAB_OUT/show-status-gwa.txt" 2>&1 || true
