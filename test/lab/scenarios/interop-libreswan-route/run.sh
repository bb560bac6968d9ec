# shellcheck shell=bash
# interop-libreswan-route: xfrmd on gwa (route mode over VTIs, two tunnels,
# tunnel 1 primary, probes every 100 ms, fail-closed) against Libreswan 4.10 on
# gwb, route-based with a VTI per tunnel by mark (gwb.ipsec.conf). gwb sends no
# traffic of its own: hostb and gwb only answer, and gwb sends each answer back
# through the VTI its request came in on (connection marks, below), so the far
# end follows whichever tunnel gwa chose.
# Shown: both tunnels come up by themselves and traffic crosses; path 1 cut
# under a flow: failover, interruption measured; path 1 back: failback after
# the 3 s hold-down; both paths cut for 3 s: traffic dropped (no clear text on
# the underlay) and back by itself, outage measured; pluto restarted
# (`whack --shutdown`, as `ipsec restart` does, then started again): traffic
# back by itself, outage measured. Outages are measured in real time between
# replies of 50 pkt/s flows (flow_timed_*, lib/libreswan.sh).

ms() { python3 -c "import sys; print(round((float(sys.argv[2]) - float(sys.argv[1])) * 1000))" "$1" "$2"; }
healthy_is() { [[ $(conn gwa "c['tunnels'][$1 - 1]['healthy']") == "$2" ]]; } # healthy_is N True|False
flowing() { (($(flow_since_mark "$1") > 10)); } # flowing NAME: replies again since flow_mark NAME
clear_text() { # clear_text PCAP...: packets between the LANs that are not ESP
  local f n=0
  for f; do n=$((n + $(capture_count "$f" "not esp and net $NET_A and net $NET_B"))); done
  echo "$n"
}
# no_event NAME T0 T1 PYEXPR: check NAME passes if no event e between the epoch times T0 and T1
# satisfies PYEXPR (else the detail lists them).
no_event() {
  local hits
  hits=$(python3 -c 'import datetime, json, sys
t = lambda e: datetime.datetime.strptime(e["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
ev = [json.loads(l) for l in open(sys.argv[1]) if l[:1] == "{"]
print("; ".join(e["time"][11:23] + " " + e["type"] + " " + str(e.get("tunnel", e.get("to", ""))) for e in ev
  if float(sys.argv[2]) <= t(e) <= float(sys.argv[3]) and eval(sys.argv[4], {"e": e})))' \
    "$LAB_RUN/gwa/events.log" "$2" "$3" "$4")
  if [[ -z $hits ]]; then pass "$1"; else fail "$1" "xfrmd reported: $hits"; fi
}
# first_reply_after NAME T: ms from epoch time T to the flow's first reply after it.
first_reply_after() {
  python3 - "$LAB_RUN/$1.ping" "$2" <<'PY'
import re, sys
t0 = float(sys.argv[2])
ts = [float(m.group(1)) for m in re.finditer(r"^\[(\d+\.\d+)\] \d+ bytes from ", open(sys.argv[1]).read(), re.M)]
after = [t for t in ts if t > t0]
print(round((after[0] - t0) * 1000) if after else "none")
PY
}
# hold_down_ms: from tunnel 1's last tunnel-up event to the failback after it (xfrmd's monitor).
hold_down_ms() {
  python3 - "$LAB_RUN/gwa/events.log" <<'PY'
import json, sys
from datetime import datetime, timezone
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
t = lambda e: datetime.strptime(e["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()
fb = [e for e in ev if e["type"] == "failback"]
up = [e for e in ev if fb and e["type"] == "tunnel-up" and e.get("tunnel") == 1 and t(e) <= t(fb[-1])]
print(round((t(fb[-1]) - t(up[-1])) * 1000) if up else -1)
PY
}

# pluto answers IKE_AUTH only once its updown script has run (5-12 s per
# CHILD_SA in the guest): charon waits for it longer than the lab's default
# (3 retransmits, about 12 s in all; 5 are about 40 s).
mkdir -p "$LAB_RUN/gwa"
echo "retransmit_tries = 5" >"$LAB_RUN/gwa/strongswan.extra.conf"
start_charon gwa
t0=$EPOCHREALTIME
mkdir -p "$LAB_RUN/gwb"
sed "s|UPDOWN|$LAB_SCENARIO_DIR/updown.sh|" "$LAB_SCENARIO_DIR/gwb.ipsec.conf" >"$LAB_RUN/gwb/ipsec.conf"
require start-pluto start_pluto gwb "$LAB_RUN/gwb/ipsec.conf" "$LAB_SCENARIO_DIR/gwb.secrets"
t_pluto=$EPOCHREALTIME

# gwb's routing: nothing for site A in clear, answers through the VTI their
# request came in on (pluto_vti_answers, lib/libreswan.sh; updown.sh routes
# site A through vtiN in table 1N).
pluto_vti_answers gwb

cp "$LAB_SCENARIO_DIR/gwa.json" "$LAB_RUN/gwa/xfrmd.json"
chmod 600 "$LAB_RUN/gwa/xfrmd.json"
require start-xfrmd start_xfrmd gwa
# xfrmd's events, with their times, for the whole run (ip netns exec execs: $! is xfrmctl).
ip netns exec gwa "$XFRMCTL_BIN" -s "$LAB_RUN/gwa/xfrmd.sock" monitor --json >"$LAB_RUN/gwa/events.log" 2>&1 &
monitor_pid=$!
require apply xfrmctl_on gwa apply -f "$LAB_RUN/gwa/xfrmd.json"
t_apply=$EPOCHREALTIME

# 1. Both tunnels come up with no traffic from site B: xfrmd initiates.
check peer-t1-up wait_for 90 pluto_up gwb t1
check peer-t2-up wait_for 90 pluto_up gwb t2
t_peer=$EPOCHREALTIME
check connected wait_for 30 state_is gwa connected
t_conn=$EPOCHREALTIME
check primary-carries wait_for 10 active_is gwa "[1]"
# gwb only answered: every IKE and CHILD SA there was set up as responder.
check_eq peer-never-initiated 0 "$(grep -c 'initiating' "$LAB_RUN/gwb/pluto.log" || true)"
t1_0=$(esp_out gwa "$GWA_UL1")
check ping-across on hosta ping -n -q -c 10 -i 0.05 -W 1 "$HOSTB"
check_gt ping-on-t1 "$(esp_delta "$t1_0" "$(esp_out gwa "$GWA_UL1")")" 9
check_gt peer-answers-on-t1 "$(pluto_bytes gwb t1 out)" 0
{
  echo "$(pluto_on gwb whack --version 2>/dev/null | head -n 1 || true) on gwb (route-based, VTI by mark), xfrmd on gwa (route mode, VTI):"
  echo "  pluto ready $(ms "$t0" "$t_pluto") ms after its start (NSS, algorithm self-tests; LAB_SLOW ${LAB_SLOW:-1})"
  echo "  apply -> both CHILD_SAs installed at pluto: $(ms "$t_apply" "$t_peer") ms;" \
    "-> both tunnels healthy (probes answered): $(ms "$t_apply" "$t_conn") ms"
} >"$LAB_OUT/show-bringup.txt"
pluto_on gwb whack --trafficstatus >"$LAB_OUT/show-pluto-gwb.txt" 2>&1 || true
xfrmctl_on gwa status >"$LAB_OUT/show-status-gwa.txt" 2>&1 || true

# 2. Path 1 cut under a 50 pkt/s flow: tunnel 2 takes the traffic.
flow_timed_start hosta "$HOSTB" f1 0.02
wait_for 5 flowing f1 || true
path_cut gwa "$GWA_UL1" "$GWB_UL1"
t_cut1=$EPOCHREALTIME
check failover wait_for 5 active_is gwa "[2]"
check t1-not-healthy wait_for 5 healthy_is 1 False
flow_mark f1
check flow-continues wait_for 5 flowing f1
flow_stop f1
gap=$(flow_timed_gap_ms f1)
check_lt interruption-under-1s "$gap" 1000
t2_0=$(esp_out gwa "$GWA_UL2")
check ping-on-t2 on hosta ping -n -q -c 10 -i 0.05 -W 1 "$HOSTB"
check_gt t2-carries "$(esp_delta "$t2_0" "$(esp_out gwa "$GWA_UL2")")" 9
no_event t1-never-healthy-while-cut "$t_cut1" "$EPOCHREALTIME" "e['type'] == 'tunnel-up' and e.get('tunnel') == 1"
echo "path 1 cut: interruption ${gap} ms (flow of 50 pkt/s)," \
  "reaction (health event -> route change) $(conn gwa "c['last_reaction_us']") us" >"$LAB_OUT/show-failover.txt"

# 3. Path 1 back: tunnel 1 healthy again, traffic returns after the hold-down
# (3 s, measured between xfrmd's tunnel-up and failback events).
flow_timed_start hosta "$HOSTB" f2 0.02
path_restore gwa "$GWA_UL1" "$GWB_UL1"
check t1-healthy-again wait_for 15 healthy_is 1 True
check failback wait_for 10 active_is gwa "[1]"
hold=$(hold_down_ms)
check_gt failback-after-hold-down "$hold" 2899
flow_mark f2
check flow-continues-after-failback wait_for 5 flowing f2
flow_stop f2
gap_fb=$(flow_timed_gap_ms f2)
check_lt failback-interruption-under-1s "$gap_fb" 1000
t1_1=$(esp_out gwa "$GWA_UL1")
check ping-on-t1-again on hosta ping -n -q -c 10 -i 0.05 -W 1 "$HOSTB"
check_gt t1-carries-again "$(esp_delta "$t1_1" "$(esp_out gwa "$GWA_UL1")")" 9
echo "path 1 back: failback ${hold} ms after tunnel 1 was healthy again (hold-down 3 s)," \
  "longest gap between replies ${gap_fb} ms" >>"$LAB_OUT/show-failover.txt"

# 4. Both paths cut for 3 s: fail-closed (a blackhole route, nothing in clear
# on the underlay), then everything back with no operator action.
for n in 0 1; do capture_start gwa "ul$n" "$LAB_RUN/gwa/ul$n.pcap"; done
flow_timed_start hosta "$HOSTB" f3 0.02
wait_for 5 flowing f3 || true
path_cut gwa "$GWA_UL1" "$GWB_UL1"
path_cut gwa "$GWA_UL2" "$GWB_UL2"
t_cut=$EPOCHREALTIME # both cut from here
check both-down wait_for 3 active_is gwa "[]"
check blackholed wait_for 2 sh -c "ip netns exec gwa ip route show $NET_B proto 211 | grep -q blackhole"
sleep "$(python3 -c "import sys, time; print(max(0, 3 - (time.time() - float(sys.argv[1]))))" "$t_cut")"
t_restore=$EPOCHREALTIME # both cut until here
path_restore gwa "$GWA_UL1" "$GWB_UL1"
path_restore gwa "$GWA_UL2" "$GWB_UL2"
t_restored=$EPOCHREALTIME
flow_mark f3
no_event none-healthy-while-cut "$t_cut" "$t_restore" "e['type'] == 'tunnel-up'"
check traffic-back wait_for 20 flowing f3
check reconnected wait_for 20 state_is gwa connected
flow_stop f3
for n in 0 1; do capture_stop "$LAB_RUN/gwa/ul$n.pcap"; done
clear=$(clear_text "$LAB_RUN"/gwa/ul[01].pcap)
check_eq fail-closed-no-clear-text 0 "$clear"
outage=$(flow_timed_gap_ms f3)
cut_ms=$(ms "$t_cut" "$t_restore")
back_ms=$(first_reply_after f3 "$t_restored")
check_gt outage-covers-cut "$outage" "$((cut_ms - 100))"
check_lt back-within-2s-of-restore "$back_ms" "$(($(lab_slow_s 2) * 1000))"
echo "both paths cut for ${cut_ms} ms: outage ${outage} ms (flow of 50 pkt/s), first reply" \
  "${back_ms} ms after both paths were restored, with no operator action;" \
  "clear-text packets between the LANs on gwa's underlay: $clear" >"$LAB_OUT/show-outage.txt"

# 5. pluto restarted under a flow: it deletes its SAs (telling charon), is
# started again, and xfrmd brings both tunnels back by itself.
check connected-before-restart wait_for 15 state_is gwa connected
for n in 0 1; do capture_start gwa "ul$n" "$LAB_RUN/gwa/ul$n-restart.pcap"; done
flow_timed_start hosta "$HOSTB" f4 0.02
wait_for 5 flowing f4 || true
t_stop=$EPOCHREALTIME
check stop-pluto stop_pluto gwb
check tunnels-go-down wait_for 10 active_is gwa "[]"
t_start=$EPOCHREALTIME
require restart-pluto start_pluto gwb "$LAB_RUN/gwb/ipsec.conf" "$LAB_SCENARIO_DIR/gwb.secrets"
t_ready=$EPOCHREALTIME
flow_mark f4
check traffic-back-after-restart wait_for 90 flowing f4
t_back=$EPOCHREALTIME
check peer-t1-up-again wait_for 60 pluto_up gwb t1
check peer-t2-up-again wait_for 60 pluto_up gwb t2
check connected-after-restart wait_for 60 state_is gwa connected
t_conn=$EPOCHREALTIME
check ping-after-restart on hosta ping -n -q -c 5 -i 0.1 -W 1 "$HOSTB"
flow_stop f4
for n in 0 1; do capture_stop "$LAB_RUN/gwa/ul$n-restart.pcap"; done
clear=$(clear_text "$LAB_RUN"/gwa/ul[01]-restart.pcap)
check_eq no-clear-text-during-restart 0 "$clear"
outage=$(flow_timed_gap_ms f4)
{
  echo "pluto restarted on gwb under a flow of 50 pkt/s: outage ${outage} ms"
  echo "  whack --shutdown -> no tunnel carrying traffic at xfrmd: $(ms "$t_stop" "$t_start") ms;" \
    "pluto started again, ready after $(ms "$t_start" "$t_ready") ms"
  echo "  pluto ready -> traffic back: $(ms "$t_ready" "$t_back") ms; -> both tunnels healthy:" \
    "$(ms "$t_ready" "$t_conn") ms (pluto's updown script takes seconds per CHILD_SA here)"
  echo "  clear-text packets between the LANs on gwa's underlay meanwhile: $clear"
} >"$LAB_OUT/show-pluto-restart.txt"
# For the record: what the kernels did with it (policies, SA counters; no keys).
for gw in gwa gwb; do
  { on $gw ip xfrm policy; on $gw ip -s xfrm state | grep -vE '^\s(aead|enc|auth|auth-trunc) '; } \
    >"$LAB_RUN/$gw/xfrm-end.txt" 2>&1 || true
done
kill "$monitor_pid" 2>/dev/null || true
wait "$monitor_pid" 2>/dev/null || true
cat "$LAB_OUT"/show-*.txt
