# shellcheck shell=bash
# bgp-active-active (issue 18): bgp-swanctl's set-up with an active-active pair. gwa (xfrmd and
# BIRD) learns site B's prefix over both tunnels and installs it as one multipath route; gwb
# (plain strongSwan, a hand-written BIRD with merge paths) does the same for site A's.
#   1. Both sessions Established, both tunnels active, multipath routes at both ends, traffic.
#   2. Path 1 cut under a flow: xfrmd shuts tunnel 1's session, gwa's route keeps tunnel 2
#      alone, the flow goes on (interruption measured); restored: multipath again.

PEER_RESTART_AFTER=5
P1=xfrmd1_peer P2=xfrmd2_peer
# shellcheck source=../bgp-swanctl/setup.sh
. "$LAB_SCENARIO_DIR/../bgp-swanctl/setup.sh"
bgp_far_side "$LAB_SCENARIO_DIR"
(umask 077 && sed "s|RUN|$LAB_RUN|g" "$LAB_SCENARIO_DIR/gwa.json" >"$LAB_RUN/gwa/src.json")
peer_start "$LAB_SCENARIO_DIR/gwb.swanctl.conf" "retransmit_base = 1"
peer_xfrmd "$LAB_RUN/gwa/src.json" "$PEER_RESTART_AFTER"
ev_stop
capture_stop "$LAB_RUN/gwa/up-ul0.pcap"
capture_stop "$LAB_RUN/gwa/up-ul1.pcap"

# GW's kernel route to PREFIX has exactly the nexthops given ("DEV" words), from BIRD.
hops() { # hops GW PREFIX DEV...
  local gw=$1 p=$2 got
  shift 2
  got=$(ip -n "$gw" route show exact "$p" proto bird | grep -Eo 'dev [a-z0-9]+' | awk '{print $2}' | sort | xargs)
  [[ $got == "$*" ]]
}

check both-tunnels-active wait_for 90 active_is gwa "[1, 2]"
check bgp-t1-established wait_for 60 bird_established gwa $P1
check bgp-t2-established wait_for 60 bird_established gwa $P2
check gwa-multipath wait_for 30 hops gwa 10.2.0.0/24 xfrmd1 xfrmd2
check gwb-multipath wait_for 30 hops gwb "$NET_A" vti1 vti2
{
  echo "gwa: ip route show exact 10.2.0.0/24"
  ip -n gwa route show exact 10.2.0.0/24
  echo "gwb: ip route show exact $NET_A"
  ip -n gwb route show exact "$NET_A"
} >"$LAB_OUT/show-multipath.txt" 2>&1
tflow_start hosta "$HOSTB" aa 0.02
check traffic-crosses wait_for 30 tflow_has aa 10

# 2. Path 1 cut under the flow, then restored.
t_cut=$EPOCHREALTIME
peer_cut "$GWA_UL1" "$GWB_UL1"
check cut-route-keeps-tunnel2 wait_for 10 hops gwa 10.2.0.0/24 xfrmd2
t_moved=$EPOCHREALTIME
check cut-session1-shut wait_for 10 bird_not_established gwa $P1
tflow_mark aa
check cut-traffic-continues wait_for 30 tflow_has aa 20
t_res=$EPOCHREALTIME
peer_uncut "$GWA_UL1" "$GWB_UL1"
check restore-session1-back wait_for 60 bird_established gwa $P1
check restore-multipath-again wait_for 30 hops gwa 10.2.0.0/24 xfrmd1 xfrmd2
tflow_mark aa
check restore-traffic wait_for 30 tflow_has aa 10
flow_stop aa
gap=$(tflow_gap_ms aa "$t_cut" "$t_res")
check_lt cut-interruption-under-1s "$gap" "$(peer_ms 1000)"
echo "path 1 cut under a 50 pkt/s flow: interruption $gap ms; cut -> gwa's route on tunnel 2 alone (polled) $(peer_ms_since "$t_cut" "$t_moved") ms; restored -> multipath again (polled) $(peer_ms_since "$t_res") ms" \
  >"$LAB_OUT/show-cut.txt"
peer_finish
