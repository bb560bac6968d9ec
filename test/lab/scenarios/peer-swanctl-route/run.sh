# shellcheck shell=bash
# peer-swanctl-route (issue 15): gwa runs xfrmd, one connection of two tunnels, route-based over
# VTIs, active-standby, probes from 10.1.0.1 to 10.2.0.1 every 100 ms (3 lost: dead;
# probe.restart_after 5 s), fail-closed, start immediate, failback_hold_down 2 s. gwb is a plain
# strongSwan peer loaded from gwb.swanctl.conf: Azure-style, one connection per tunnel, a VTI
# each (marks 1 and 2), selectors 0.0.0.0/0; its updown.sh routes gwa's LAN through tunnel 1
# while it is installed, else tunnel 2. gwb sends nothing of its own: no probes, hostb only
# answers. gwb answers a flow through the tunnel the flow arrived on (connection marks), as a
# peer with symmetric routing does, so the failover measured is gwa's own: without that, gwb
# keeps answering into a cut tunnel 1 until its DPD clears it (see peer-swanctl-policy).
#   1. Bring-up without traffic from site B: connected, tunnel 1 carries, hosta reaches hostb.
#   2. 10 cuts of path 1 under a flow: traffic continues on tunnel 2 within a second; path 1
#      restored: back on tunnel 1 after the hold-down.
#   3. Both paths cut for 3 s: fail-closed (blackhole), no clear text; traffic returns by itself.
#   4. charon killed and restarted; xfrmd SIGKILLed and restarted (no loss).
#   6. gwb drops ESP from gwa's tunnel 1 while it sends on tunnel 1 (hostb pings hosta): tunnel
#      1 is never healthy, traffic crosses on tunnel 2.
#   7. gwb clears tunnel 1 silently: xfrmd restarts it by itself.

PEER_RESTART_AFTER=5
peer_gwb_vtis
peer_start "$LAB_SCENARIO_DIR/gwb.swanctl.conf" "retransmit_base = 1"
tflow_start hosta "$HOSTB" up 0.05
peer_xfrmd "$LAB_SCENARIO_DIR/gwa.json" "$PEER_RESTART_AFTER"

# 1. Bring-up.
peer_bringup connected
check gwb-routes-via-tunnel1 sh -c "ip netns exec gwb ip route show $NET_A | grep -q '^$NET_A dev vti1 .*metric 100'"
{
  echo "gwb (plain strongSwan, route-based): routes to gwa's LAN (updown) and SAs"
  on gwb ip route show "$NET_A"
  swanctl_on gwb --list-sas 2>&1 | grep -E '^peer-|INSTALLED|bytes' || true
} >"$LAB_OUT/show-peer.txt"

# 2. Path 1 cut and restored, 10 times.
peer_cuts 10 2 30 1
check_lt failover-interruption-median-under-1s "$(peer_median "${FO_GAPS[@]:-99999}")" "$(peer_ms 1000)"
check_lt failover-interruption-max-under-3s "$(peer_max "${FO_GAPS[@]:-99999}")" "$(peer_ms 3000)"
check_lt failback-interruption-max-under-1s "$(peer_max "${FB_GAPS[@]:-99999}")" "$(peer_ms 1000)"

# 3 and 5. Both paths cut for 3 s: fail-closed, then back by itself.
peer_both_paths connected

# 4. charon, then xfrmd, killed and restarted.
peer_daemons

# 6. The peer drops tunnel 1's inbound ESP and still sends on tunnel 1.
peer_drop_t1 route

# 7. The peer clears tunnel 1 without telling gwa.
peer_silent_clear

peer_finish
