# shellcheck shell=bash
# demo: the README's first command (test/demo.sh), what xfrmd exists for, told step by step in
# the show-*.txt files that `lab --show` prints in order.
#
# Two sites, A and B, each behind a gateway with two public addresses (two underlay paths).
# Each gateway runs strongSwan's charon and xfrmd; the operator applies one JSON document per
# gateway with `xfrmctl apply`: a connection of two tunnels, route-based over VTIs,
# primary/standby, probed every 100 ms, fail-closed. Then, under a running ping (50 a second)
# from host A to host B:
#   1. both tunnels come up, traffic crosses on tunnel 1 (status before);
#   2. path 1 is cut for 3 s: traffic continues on tunnel 2 (interruption measured);
#   3. path 1 returns: traffic goes back to tunnel 1 after the 2 s hold-down;
#   4. both paths cut for 3 s: nothing leaves in clear (fail-closed), traffic returns by itself;
#   5. status after.

step() { printf '%s\n' "$@" >"$LAB_OUT/show-$STEP.txt"; }
more() { printf '%s\n' "$@" >>"$LAB_OUT/show-$STEP.txt"; }
status_a() { xfrmctl_on gwa status; }
routes_a() { on gwa ip route show 10.2.0.0/24 proto 211; }

# 1. Bring-up.
STEP=1-bring-up
start_xfrmd_pair
check connected wait_for 30 state_is gwa connected
check tunnel1-carries wait_for 15 active_is gwa "[1]"
ev_start
tflow_start hosta "$HOSTB" demo 0.02
check traffic-crosses wait_for 30 tflow_has demo 20
step "Both gateways applied their config (xfrmctl apply -f gwa.json / gwb.json); charon brought" \
  "up both tunnels, xfrmd's probes proved them, and traffic from host A (10.1.0.10) to host B" \
  "(10.2.0.10) crosses on tunnel 1, the primary. On gateway A:" "" "\$ xfrmctl status"
status_a >>"$LAB_OUT/show-$STEP.txt" 2>&1
more "" "\$ ip route show 10.2.0.0/24 proto 211    # xfrmd's route to site B" "$(routes_a)"

# 2. Path 1 cut for 3 s. The cut lasts 3 s however slow the guest: status is read meanwhile in
# the background, everything else after the restore (from xfrmd's events and the ping's log).
STEP=2-path-1-cut
ev_mark
snap2=$(esp_out gwa "$GWA_UL2")
t_cut=$EPOCHREALTIME
peer_cut "$GWA_UL1" "$GWB_UL1"
{ sleep 1.5; status_a >"$LAB_RUN/gwa/status-cut1.txt" 2>&1; } &
bg=$!
sleep 3
t_res=$EPOCHREALTIME
peer_uncut "$GWA_UL1" "$GWB_UL1"
wait "$bg" || true
during=$(cat "$LAB_RUN/gwa/status-cut1.txt")
check failover wait_for 10 ev_seen 'e.get("to") == [2]'
fo_gap=$(tflow_gap_ms demo "$t_cut" "$t_res") fo_lost=$(tflow_lost_in demo "$t_cut" "$t_res")
on2=$(tflow_count demo "$(ev_time 'e.get("to") == [2]' first)" "$t_res")
sent2=$(esp_delta "$snap2" "$(esp_out gwa "$GWA_UL2")")
check_gt replies-through-tunnel2 "$on2" 10
check_gt tunnel2-sent "$sent2" 10
check_lt failover-interruption-under-1s "$fo_gap" "$(peer_ms 1000)"
step "Everything between gateway A's first address and gateway B's first address is dropped" \
  "for $(peer_ms_since "$t_cut" "$t_res") ms (iptables on gateway A)." \
  "xfrmd's probes on tunnel 1 go unanswered: after 3 lost (300 ms) it moves the route to tunnel 2." \
  "  the ping's longest interruption: $fo_gap ms ($fo_lost echo requests lost)" \
  "  replies through tunnel 2 while path 1 was cut: $on2; ESP packets sent on tunnel 2: $sent2" \
  "" "\$ xfrmctl status    # during the cut" "$during"

# 3. Path 1 back: failback after the hold-down.
STEP=3-path-1-back
check failback wait_for 20 active_is gwa "[1]"
tflow_mark demo
check traffic-after-failback wait_for 15 tflow_has demo 20
hd=$(ev_hold_ms) fb_gap=$(tflow_gap_ms demo "$t_res")
check_gt failback-after-hold-down "${hd:-0}" 1980
step "Path 1 restored. Tunnel 1 answers its probes again; xfrmd waits for 2 s of health" \
  "(failback_hold_down) so that a flapping path does not bounce traffic, then moves it back." \
  "  tunnel 1 healthy -> traffic back on tunnel 1: ${hd:-?} ms" \
  "  the ping's longest interruption since the restore: $fb_gap ms" \
  "" "\$ ip route show 10.2.0.0/24 proto 211" "$(routes_a)"

# 4. Both paths cut for 3 s: fail-closed.
STEP=4-both-paths-cut
p0=$LAB_RUN/gwa/demo-ul0.pcap p1=$LAB_RUN/gwa/demo-ul1.pcap
capture_start gwa ul0 "$p0" >>"$LAB_RUN/gwa/captures.log"
capture_start gwa ul1 "$p1" >>"$LAB_RUN/gwa/captures.log"
ev_mark
t_cut=$EPOCHREALTIME
peer_cut "$GWA_UL1" "$GWB_UL1" "$GWA_UL2" "$GWB_UL2"
{
  sleep 1.5
  routes_a >"$LAB_RUN/gwa/routes-cut2.txt" 2>&1
  status_a >"$LAB_RUN/gwa/status-cut2.txt" 2>&1
} &
bg=$!
sleep 3
t_res=$EPOCHREALTIME
peer_uncut "$GWA_UL1" "$GWB_UL1" "$GWA_UL2" "$GWB_UL2"
wait "$bg" || true
blackhole=$(cat "$LAB_RUN/gwa/routes-cut2.txt") during=$(cat "$LAB_RUN/gwa/status-cut2.txt")
check fail-closed wait_for 10 ev_seen 'e.get("to") == []'
tflow_mark demo
check traffic-returns wait_for 60 tflow_has demo 20
check back-on-tunnel1 wait_for 30 active_is gwa "[1]"
capture_stop "$p0"
capture_stop "$p1"
clear=$(peer_clear_text "$p0" "$p1") back=$(peer_ms_since "$t_res" "$(tflow_first demo "$t_res")")
check_eq blackhole-route 1 "$(grep -c '^blackhole 10.2.0.0/24' <<<"$blackhole")"
check_eq no-clear-text 0 "$clear"
step "Both paths cut for $(peer_ms_since "$t_cut" "$t_res") ms. No tunnel is healthy: xfrmd replaces the route with a" \
  "blackhole (fail-closed), so site A's traffic is dropped rather than sent unencrypted." \
  "  packets between the two LANs seen in clear on gateway A's public links meanwhile: $clear" \
  "  restore -> first reply through a tunnel again: ${back:-never} ms (no operator action)" \
  "" "\$ ip route show 10.2.0.0/24 proto 211    # during the cut" "$blackhole" \
  "" "\$ xfrmctl status    # during the cut" "$during"

# 5. After.
STEP=5-after
flow_stop demo
ev_stop
step "The ping ran through all of it: $(tflow_replies demo) replies, the longest gap $(tflow_gap_ms demo) ms" \
  "(the 3 s with both paths cut)." "" "\$ xfrmctl status    # after" "$(status_a 2>&1)"
