# shellcheck shell=bash
# peer-swanctl-policy (issue 15): gwa runs xfrmd, one connection of two tunnels, policy-based,
# probes from 10.1.0.1 to 10.2.0.1 every 100 ms (3 lost: dead; probe.restart_after 5 s),
# fail-closed, start immediate, failback_hold_down 2 s. gwb is a plain strongSwan peer loaded
# from gwb.swanctl.conf (two connections, one per tunnel, the same selectors) and sends nothing
# of its own: no probes, hostb only answers.
#
# What such a peer allows (show-peer.txt): gwb's charon gives the two CHILD_SAs one reqid and
# one set of kernel policies, whose template names one tunnel: tunnel 1 (the lower fixed
# priority) while its CHILD_SA is installed, else tunnel 2 (without priorities: the CHILD_SA
# installed last). gwb sends on that tunnel only and drops what arrives on the other after
# decrypting it (XfrmInTmplMismatch). So one tunnel works at a time: the connection is at best
# "degraded" (tunnel 2's probes are dropped, it must not count as healthy), and traffic could
# move to tunnel 2 only once gwb cleared tunnel 1. gwb's DPD does not: charon takes a CHILD_SA's
# last inbound use from its kernel policies, and tunnel 2's probes keep the shared in-policy in
# use, so tunnel 1 never looks idle. Only an IKE-visible loss moves gwb (step 7).
#   1. Bring-up without traffic from site B: tunnel 1 carries, hosta reaches hostb.
#   2. 10 cuts of path 1 (2 s) under a flow: fail-closed (gwb never gives tunnel 2 its policies:
#      no DPD on tunnel 1, see below), no clear text, back on tunnel 1 by itself after each.
#   3. Both paths cut for 3 s: fail-closed, no clear text; traffic returns by itself.
#   4. charon killed and restarted; xfrmd SIGKILLed and restarted (no loss).
#   6. gwb drops ESP from gwa's tunnel 1 while it sends on tunnel 1: tunnel 1 is never healthy
#      (gwb drops tunnel 2 as well: the connection stays down but for xfrmd's restarts of tunnel 1).
#   7. gwb clears tunnel 1 silently: xfrmd restarts it by itself.

PEER_RESTART_AFTER=5
peer_start "$LAB_SCENARIO_DIR/gwb.swanctl.conf" "retransmit_base = 1"
tflow_start hosta "$HOSTB" up 0.05
peer_xfrmd "$LAB_SCENARIO_DIR/gwa.json" "$PEER_RESTART_AFTER"

# 1. Bring-up.
peer_bringup degraded
check_eq tunnel2-dropped-by-peer-not-healthy "False" "$(peer_tun 2 "t.get('healthy')")"
# Once gwb's policies name tunnel 1 (tunnel 1 carries), tunnel 2 is never healthy again. Before
# that it may be: in a slow guest tunnel 2's CHILD_SA may be installed first, and gwb then sends
# on it, so its probes are rightly answered.
ev_mark_all() { echo 0 >"$LAB_RUN/gwa/events.mark"; }
ev_mark_all
t2_up=$(ev_since | python3 -c '
import json, sys
evs = [json.loads(l) for l in sys.stdin if l[:1] == "{"]
i = next((n for n, e in enumerate(evs) if e.get("to") == [1]), len(evs))
for e in evs[i + 1:]:
    if (e["type"] == "tunnel-up" and e.get("tunnel") == 2) or 2 in (e.get("to") or []):
        print(json.dumps(e))')
check_eq tunnel2-never-healthy-once-tunnel1-carries "" "$t2_up"
# gwb's side: one set of policies naming tunnel 1's SA; tunnel 2's packets dropped after decryption.
tmpl_mismatch() { on gwb cat /proc/net/xfrm_stat | awk '$1 == "XfrmInTmplMismatch" {print $2}'; }
mm_grew() { (($(tmpl_mismatch) > $1)); }
mm0=$(tmpl_mismatch)
# gwb accepts tunnel 1 alone: its one in-policy for the subnets names tunnel 1. Its one out-policy
# names tunnel 1 too, or tunnel 2 when charon's bookkeeping of the shared policy moved it (seen
# once in a slow guest, as a rekey does: see the README's interop section); gwa takes answers
# from either tunnel, so only the in side decides which tunnel carries.
peer_policy() { # DIR SRC_PREFIX DST_PREFIX: "count tmpl_src tmpl_dst" of gwb's policies
  on gwb ip xfrm policy show dir "$1" |
    awk -v sel="src $2 dst $3" '/^src / {m = index($0, sel) == 1; n += m} m && /tmpl src/ {s = $3; d = $5}
      END {print n + 0, s, d}'
}
check_eq peer-in-policy-names-tunnel1 "1 $GWA_UL1 $GWB_UL1" "$(peer_policy in 10.1.0.0/24 10.2.0.0/24)"
check_eq peer-one-out-policy "1" "$(peer_policy out 10.2.0.0/24 10.1.0.0/24 | cut -d' ' -f1)"
check peer-drops-tunnel2-after-decrypting wait_for 10 mm_grew "$mm0"
{
  echo "gwb (plain strongSwan, two connections with the same selectors): kernel policies"
  on gwb ip xfrm policy | grep -A3 -E '^src 10\.' || true
  echo "gwb's XfrmInTmplMismatch (ESP decrypted, then dropped by the other tunnel's template): $(tmpl_mismatch)"
  swanctl_on gwb --list-sas 2>&1 | grep -E '^peer-|INSTALLED|bytes' || true
} >"$LAB_OUT/show-peer.txt"

# 2. Path 1 cut for 2 s, 10 times, under a flow. gwb keeps its policies on tunnel 1 and never
# runs DPD on it: charon takes a CHILD_SA's last inbound use from its policies, and tunnel 2's
# probes keep the shared in-policy in use. So tunnel 2 stays unusable, and the right outcome is
# fail-closed for the cut (tunnel 2 never called healthy, no clear text), then traffic back on
# tunnel 1 by itself. The cut is shorter than probe.restart_after: tunnel 1's SAs survive it.
cuts=10 ok=0 why="" OUTS=() RECS=()
pc0=$LAB_RUN/gwa/cuts-ul0.pcap pc1=$LAB_RUN/gwa/cuts-ul1.pcap
: >"$LAB_OUT/show-failover.txt"
capture_start gwa ul0 "$pc0" >>"$LAB_RUN/gwa/captures.log"
capture_start gwa ul1 "$pc1" >>"$LAB_RUN/gwa/captures.log"
gwb_informational() { grep -c '<peer-t1|[0-9]*> generating INFORMATIONAL request' "$LAB_RUN/gwb/charon.log" || true; }
dpd0=$(gwb_informational)
for ((i = 1; i <= cuts; i++)); do
  f=cut$i
  tflow_start hosta "$HOSTB" $f 0.02
  wait_for 30 tflow_has $f 10 || { why="cut $i: no traffic before the cut"; flow_stop $f; break; }
  ev_mark
  t_cut=$EPOCHREALTIME
  peer_cut "$GWA_UL1" "$GWB_UL1"
  sleep 2
  t_res=$EPOCHREALTIME
  peer_uncut "$GWA_UL1" "$GWB_UL1"
  w=$(peer_cut_window_ok "$t_res" no-t2) || why="cut $i: $w"
  [[ -n $why ]] || wait_for 30 active_is gwa "[1]" || why="cut $i: tunnel 1 not carrying 30 s after the restore"
  tflow_mark $f
  [[ -n $why ]] || wait_for 30 tflow_has $f 10 || why="cut $i: no traffic after the restore"
  flow_stop $f
  [[ -z $why ]] || break
  OUTS+=("$(tflow_gap_ms $f)")
  RECS+=("$(peer_ms_since "$t_res" "$(tflow_first $f "$t_res")")")
  echo "cut $i ($(peer_ms_since "$t_cut" "$t_res") ms): fail-closed, outage ${OUTS[-1]} ms, restore -> first reply ${RECS[-1]} ms" \
    >>"$LAB_OUT/show-failover.txt"
  ok=$((ok + 1))
done
capture_stop "$pc0"
capture_stop "$pc1"
if ((ok == cuts)); then pass cuts-fail-closed-and-back "$ok of $cuts"; else fail cuts-fail-closed-and-back "$ok of $cuts: $why"; fi
check_eq cuts-no-clear-text 0 "$(peer_clear_text "$pc0" "$pc1")"
check_lt cuts-recovery-median-under-1s "$(peer_median "${RECS[@]:-99999}")" "$(peer_ms 1000)"
check_lt cuts-recovery-max-under-3s "$(peer_max "${RECS[@]:-99999}")" "$(peer_ms 3000)"
{
  echo "$ok of $cuts cuts of path 1 (2 s each) under a 50 pkt/s flow: fail-closed, then back on tunnel 1${why:+ (stopped: $why)}"
  echo "  outage: $(peer_stats "${OUTS[@]}"); restore -> first reply: $(peer_stats "${RECS[@]}")"
  echo "  tunnel 2 could not take over: gwb's INFORMATIONAL requests (DPD) on tunnel 1 during the cuts:" \
    "$(($(gwb_informational) - dpd0)) (dpd_delay 2 s; tunnel 2's probes keep the shared in-policy in use)"
} >>"$LAB_OUT/show-failover.txt"

# 3 and 5. Both paths cut for 3 s: fail-closed, then back by itself.
peer_both_paths degraded

# 4. charon, then xfrmd, killed and restarted.
peer_daemons

# 6. The peer drops tunnel 1's inbound ESP and still sends on tunnel 1.
peer_drop_t1 policy

# 7. The peer clears tunnel 1 without telling gwa.
peer_silent_clear

peer_finish
