# shellcheck shell=bash
# bench/lab/failover: issue 7 benchmark 5. One primary/standby connection between the lab
# LANs (policy mode, probes every 100 ms, 3 lost = dead, failback hold-down 0), plus
# BENCH_BG_CONNS idle connections (default 0). A ping flow every 10 ms from hosta to hostb
# runs throughout. BENCH_FAILURES times (default 100) tunnel 1 fails and comes back:
#   path  its underlay path is cut (iptables drop both ways, as failover-policy does):
#         xfrmd learns it from the probe verdict; restored once traffic moved to tunnel 2
#   ike   its IKE SA is killed on gwa (swanctl --terminate): both gateways learn it from
#         charon's ike-updown; gwa's xfrmd initiates it again a second later
# BENCH_MODES (default "path ike") picks the kinds; failures are split evenly between them.
# BENCH_RT_PRIORITY (default 10; 0: none): xfrmd's --realtime-priority, as an operator who
# wants the failover target runs it (the guest has one CPU, shared with charon and ping).
# Figures per gateway: xfrmd's reaction to each failover (health event -> kernel ack, the
# reaction_us of its monitor events) and the flow's interruption around each failure (the
# gap between the last reply before and the first after, from ping -D receive times).

# Settings from bench/lab/run-bench.sh (BENCH_*).
# shellcheck source=/dev/null
if [[ -f $LAB_BUILD/bench-settings.sh ]]; then . "$LAB_BUILD/bench-settings.sh"; fi
K=${BENCH_FAILURES:-100}
BG=${BENCH_BG_CONNS:-0}
read -r -a MODES <<<"${BENCH_MODES:-path ike}"
RT=${BENCH_RT_PRIORITY:-10}
rt=()
((RT == 0)) || rt=(--realtime-priority "$RT")
gen=$LAB_SCENARIO_DIR/../status/conns.py

for gw in gwa gwb; do
  d=$(gw_dir $gw)
  python3 "$gen" "${gw#gw}" $((BG + 1)) lan=yes probe=100,3 hold_down=0 >"$d/xfrmd.json"
  chmod 600 "$d/xfrmd.json"
  printf '  ikesa_table_size = 1024\n  ikesa_table_segments = 16\n' >"$d/strongswan.extra.conf"
done
start_charon gwa gwb
for gw in gwa gwb; do require start-xfrmd-$gw start_xfrmd $gw ${rt[@]+"${rt[@]}"}; done
require apply-gwb xfrmctl_on gwb apply -f "$LAB_RUN/gwb/xfrmd.json"
require apply-gwa xfrmctl_on gwa apply -f "$LAB_RUN/gwa/xfrmd.json"
require connected-gwa wait_for $((60 + BG / 5)) state_is gwa connected
require connected-gwb wait_for 30 state_is gwb connected

# both_on SET: both gateways send on SET and both tunnels are healthy (ready to fail again).
healthy_on() {
  xfrmctl_on "$1" status --json c0000 | python3 -c 'import json, sys
c = json.load(sys.stdin)["connections"][0]
sys.exit(not (c["active_tunnels"] == json.loads(sys.argv[1]) and
              all(t["healthy"] for t in c["tunnels"])))' "$2"
}
both_on() { healthy_on gwa "$1" && healthy_on gwb "$1"; }
# failovers GW: failover events in GW's monitor log; more_than GW N: more than N now.
failovers() { grep -cE '"type": ?"failover"' "$LAB_RUN/$1/monitor.log" || true; }
more_than() { (($(failovers "$1") > $2)); }
now_s() { echo "$EPOCHREALTIME"; }

for gw in gwa gwb; do
  xfrmctl_on $gw monitor --json >"$LAB_RUN/$gw/monitor.log" 2>&1 &
  echo $! >"$LAB_RUN/$gw/monitor.pid"
done
ip netns exec hosta ping -D -n -i 0.01 -W 1 "$HOSTB" >"$LAB_RUN/flow.ping" 2>&1 &
flow_pid=$!
: >"$LAB_RUN/failures"
ok=0
for ((k = 0; k < K; k++)); do
  mode=${MODES[k % ${#MODES[@]}]}
  wait_for 30 both_on "[1]" || { echo "failure $k: not back on tunnel 1"; continue; }
  sleep 0.5
  fa=$(failovers gwa) fb=$(failovers gwb)
  t=$(now_s)
  case $mode in
    path) path_cut gwa "$GWA_UL1" "$GWB_UL1" ;;
    ike) swanctl_on gwa --terminate --ike xfrmd-c0000-t1 --timeout 5 >/dev/null 2>&1 || true ;;
  esac
  # Counted once both gateways moved traffic (each learns on its own).
  if wait_for 10 more_than gwa "$fa" && wait_for 5 more_than gwb "$fb"; then
    ok=$((ok + 1))
    echo "$k $mode $t" >>"$LAB_RUN/failures"
  fi
  [[ $mode != path ]] || path_restore gwa "$GWA_UL1" "$GWB_UL1"
done
wait_for 30 both_on "[1]" || true
sleep 1
kill -INT $flow_pid 2>/dev/null || true
wait $flow_pid 2>/dev/null || true
for gw in gwa gwb; do
  kill "$(cat "$LAB_RUN/$gw/monitor.pid")" 2>/dev/null || true
  xfrmctl_on $gw metrics | grep '^xfrmd_failover_reaction' >"$LAB_RUN/$gw/reaction.prom" || true
done
check_eq failures-induced "$K" "$ok"

python3 "$LAB_SCENARIO_DIR/figures.py" "$LAB_RUN" >"$LAB_RUN/figures"
cat "$LAB_RUN/figures"
{
  echo "$ok failures of tunnel 1 (modes: ${MODES[*]}), $BG idle connections besides," \
    "ping every 10 ms hosta -> hostb, xfrmd's realtime priority ${RT/#0/none}"
  cat "$LAB_RUN/figures"
  echo "gwa's histogram (xfrmctl metrics), every health-driven change incl. failbacks:"
  cat "$LAB_RUN/gwa/reaction.prom"
} >"$LAB_OUT/show-failover.txt"
react_p99_us=0 gap_max_ms=0
eval "$(grep -E '^(react_p99_us|gap_p99_ms|gap_max_ms)=' "$LAB_RUN/figures")"
check_lt reaction-p99-under-10ms "$react_p99_us" 10000
check_lt interruption-max-under-1s "$gap_max_ms" 1000
