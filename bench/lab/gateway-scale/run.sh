# shellcheck shell=bash
# bench/lab/gateway-scale (issue 19): one host's ceiling as a host of a multi-host gateway.
# gwa is host gw-1 of a two-host document (bench/gen-config.py --hosts: every connection
# route-based (VTI), active-active, tunnel 1 on gw-1, tunnel 2 on gw-2; start immediate;
# gateway.lan: one BGP session to the LAN router rtr) running charon, xfrmd --host gw-1 and
# BIRD 2; rtr runs BIRD (the README's LAN router: BFD, multipath into its kernel); the far end
# gwb is plain strongSwan (the generated swanctl.conf, tunnel 1 of each connection, policy
# mode: 172.x.y.0/24 <-> site A's 10.1.0.0/16). For each step of BENCH_STEPS connections
# (default "100 250 500 1000"; each step's document adds to the last one's):
#   apply        `xfrmctl apply` of the step's document (adds the new connections), timed;
#                then until gwa's kernel and xfrmd's status have every tunnel of gw-1 up, and
#                until rtr's kernel has a route to every connection's remote prefix
#   re-apply     the same document again (nothing changes: the parse and compare of the
#                whole document), and one connection changed (a remote prefix added, then
#                removed), BENCH_RUNS times each (default 3), medians
#   status       `xfrmctl status --json` run directly (no ip netns exec), BENCH_RUNS times
#   memory       VmRSS of xfrmd, charon and BIRD on gwa, BIRD on rtr, charon on gwb
#   LAN router   rtr's routes from BIRD, its widest multipath route, its Established sessions
#   CPU          of each daemon and the whole guest over BENCH_IDLE_S (default 10) with no
#                traffic, then over BENCH_TRAFFIC_S (default 20) of traffic: hosta sends
#                BENCH_PPS (default 200) UDP datagrams a second cycling over one address per
#                remote prefix, hostb counts per destination; every connection must carry some
# A step fails when its apply gets no answer (xfrmctl waits 300 s) or its tunnels or routes are
# not all up within BENCH_WAIT s (default 900) of its apply; the steps stop there. Figures, and their ratios to the first step, in
# $LAB_OUT/show-gateway-scale.txt.
# shellcheck source=/dev/null
if [[ -f $LAB_BUILD/bench-settings.sh ]]; then . "$LAB_BUILD/bench-settings.sh"; fi
RUNS=${BENCH_RUNS:-3} # before lib.sh, whose default is 5
# shellcheck source=../lib.sh
. "$LAB_SCENARIO_DIR/../lib.sh"

STEPS=${BENCH_STEPS:-100 250 500 1000}
WAIT=${BENCH_WAIT:-900}
PPS=${BENCH_PPS:-200}
TRAFFIC_S=${BENCH_TRAFFIC_S:-20}
IDLE_S=${BENCH_IDLE_S:-10}
D=$LAB_RUN/gwa
CFG=$LAB_RUN/cfg # CFG-N/: step N's documents (run/*/*.json: the lab's secrets check reads them)
TRAFFIC=$LAB_SCENARIO_DIR/traffic.py
log=$LAB_OUT/show-gateway-scale.txt
steps=$LAB_RUN/steps.txt
: >"$steps"

mkdir -p "$D" "$LAB_RUN/gwb" "$LAB_RUN/rtr"
for gw in gwa gwb; do
  # Thousands of IKE SAs: a hashed SA table, retransmits patient enough for a responder
  # working through a burst (as bench/lab/status).
  cat >"$LAB_RUN/$gw/strongswan.extra.conf" <<'CONF'
  ikesa_table_size = 1024
  ikesa_table_segments = 16
  retransmit_timeout = 4
  retransmit_tries = 5
CONF
done
cat >"$D/bird.conf" <<CONF
router id $GWA_BR;
log stderr all;
protocol device {
	scan time 2;
}
include "$D/xfrmd-bird.con[f]";
CONF
# rtr: the README's LAN router, one session per gateway host (only gw-1 runs here), BFD at
# xfrmd's default (300 ms x 3).
cat >"$LAB_RUN/rtr/bird.conf" <<CONF
router id $RTR_BR;
log stderr all;
protocol device {
	scan time 2;
}
protocol bfd {
	interface "br0" {
		min rx interval 300 ms;
		min tx interval 300 ms;
		multiplier 3;
	};
}
protocol kernel {
	merge paths on;
	ipv4 {
		import none;
		export where source = RTS_BGP;
	};
}
template bgp gwhost {
	debug { states }; # "gw1: State changed to down" in its log: the session's flaps
	local $RTR_BR as 65000;
	direct;
	bfd on;
	error wait time 2, 20;
	ipv4 {
		import all;
		export none;
	};
}
protocol bgp gw1 from gwhost {
	neighbor $GWA_BR as 65001;
}
CONF

require start-charon start_charon gwa gwb
require start-bird-rtr start_bird rtr "$LAB_RUN/rtr/bird.conf"
require start-bird-gwa start_bird gwa "$D/bird.conf"
bench_start_xfrmd --host gw-1 --bird-socket "$D/bird.ctl" --bird-include "$D/xfrmd-bird.conf"
# The receiver runs for the whole benchmark; each traffic window reads its counts.
recv_start() {
  mkdir -p "$LAB_RUN/hostb"
  ip netns exec hostb python3 "$TRAFFIC" recv 5555 "$LAB_RUN/recv.txt" &
  echo $! >"$LAB_RUN/hostb/recv.pid"
  sleep 0.5
}
recv_stop() { kill -TERM "$(cat "$LAB_RUN/hostb/recv.pid")" 2>/dev/null; wait "$(cat "$LAB_RUN/hostb/recv.pid")" 2>/dev/null || true; }

pid_of() { cat "$LAB_RUN/$1/$2.pid" 2>/dev/null || echo 0; }
rss_of() { awk '$1 == "VmRSS:" {print $2}' "/proc/$(pid_of "$1" "$2")/status" 2>/dev/null || echo 0; }
ticks_of() { awk '{print $14 + $15}' "/proc/$(pid_of "$1" "$2")/stat" 2>/dev/null || echo 0; }
guest_ticks() { awk '/^cpu /{t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t}' /proc/stat; }
DAEMONS=(gwa/xfrmd gwa/charon gwa/bird rtr/bird gwb/charon hostb/recv)
# cpu_over CMD...: runs CMD; prints "busy=P xfrmd=P charon=P bird=P rtr_bird=P gwb_charon=P
# hostb_recv=P" (percent of the guest's one CPU over CMD's run; recv: the traffic's receiver).
cpu_over() {
  local d b0 t0 b1 t1 before=() after=() i
  for d in "${DAEMONS[@]}"; do before+=("$(ticks_of "${d%/*}" "${d#*/}")"); done
  read -r b0 t0 < <(guest_ticks)
  "$@"
  read -r b1 t1 < <(guest_ticks)
  for d in "${DAEMONS[@]}"; do after+=("$(ticks_of "${d%/*}" "${d#*/}")"); done
  local dt=$((t1 - t0 > 0 ? t1 - t0 : 1))
  printf 'busy=%s' "$(((b1 - b0) * 100 / dt))"
  for i in "${!DAEMONS[@]}"; do
    printf ' %s=%s' "$(sed 's|gwa/||; s|/|_|' <<<"${DAEMONS[i]}")" "$(((after[i] - before[i]) * 100 / dt))"
  done
  echo
}

xfrmctl_direct() { "$XFRMCTL_BIN" -s "$D/xfrmd.sock" "$@"; }
# gw-1's tunnels up in xfrmd's status.
tunnels_up() {
  xfrmctl_direct status --json 2>/dev/null | python3 -c 'import json, sys
print(sum(1 for c in json.load(sys.stdin)["connections"] for t in c["tunnels"] if t.get("up")))' 2>/dev/null || echo -1
}
kernel_tunnels() { on gwa ip xfrm state count | awk '{print int($3 / 2)}'; }
rtr_routes() { ip -n rtr -4 route show proto bird | grep -c '^172\.' || true; }
# rtr's widest route: the most next hops of one route.
rtr_ecmp() {
  ip -n rtr -j -4 route show proto bird | python3 -c 'import json, sys
r = json.load(sys.stdin); print(max([len(x.get("nexthops", [])) or 1 for x in r] or [0]))'
}
rtr_sessions() { birdc_on rtr show protocols | awk '$2 == "BGP" && $6 == "Established"' | grep -c . || true; }
# flaps_since LINE: how often rtr's session to gw-1 went down after line LINE of rtr's log.
rtr_log_lines() { wc -l <"$LAB_RUN/rtr/bird.log"; }
flaps_since() { tail -n +"$(($1 + 1))" "$LAB_RUN/rtr/bird.log" | grep -c 'gw1: State changed to down' || true; }
lan_back() { (($(rtr_routes) >= $1 && $(rtr_sessions) >= 1)); }
# xfrmd_lines / applied_since LINE FIELD: the median of FIELD (total, load, charon, kernel) over
# xfrmd's "applied generation" log lines after LINE (its own timing of each apply).
xfrmd_lines() { wc -l <"$D/xfrmd.log"; }
applied_since() {
  tail -n +"$(($1 + 1))" "$D/xfrmd.log" | python3 -c 'import re, statistics, sys
f = sys.argv[1]
pat = {"total": r"\((\d+) ms:", "load": r"load (\d+)", "charon": r"charon (\d+)",
       "kernel": r"kernel and state (\d+)"}[f]
v = [int(m.group(1)) for l in sys.stdin if "applied generation" in l for m in [re.search(pat, l)] if m]
print("%.0f" % statistics.median(v) if v else "-")' "$2"
}
lan_statics_up() { birdc_on gwa show protocols | awk '$1 ~ /^xfrmd_lan4_/ && $4 == "up"' | grep -c . || true; }

now_ms() { bench_now_ms; }
apply_ms() { # apply_ms FILE: the wall time of one apply, or -1
  local t0 t1
  t0=$(now_ms)
  xfrmctl_direct apply -f "$1" >"$LAB_RUN/apply.out" 2>&1 || { echo -1; return; }
  t1=$(now_ms)
  echo $((t1 - t0))
}
# gwb's underlay addresses for tunnel 1 of connections FROM..TO (198.18.x.y), one ip.
gwb_addrs() {
  local i
  for ((i = $1; i <= $2; i++)); do echo "addr add 198.18.$((i / 256)).$((i % 256))/32 dev ul0"; done |
    on gwb ip -batch -
}

recv_start
first=""
prev=0
for n in $STEPS; do
  ((n > prev)) || { fail "step-$n" "steps must grow ($prev then $n)"; break; }
  k=$n
  bench_gen "$CFG-$n" --n "$n" --mode route --start immediate --side a --interface vti \
    --hosts --lan-neighbor "$RTR_BR:65000" --local-prefix "$NET_A"
  bench_gen "$CFG-$n-x" --n "$n" --mode route --start immediate --side a --interface vti \
    --hosts --lan-neighbor "$RTR_BR:65000" --local-prefix "$NET_A" --extra-prefix "$k"
  bench_gen "$CFG-$n-b" --n "$n" --mode policy --start on-traffic --side b \
    --local-prefix "$NET_A" --swanctl-tunnel 1
  gwb_addrs $((prev + 1)) "$n"
  swanctl_on gwb --load-all --file "$CFG-$n-b/swanctl.conf" >"$LAB_RUN/gwb-load.out" 2>&1 ||
    bench_abort "step-$n-gwb-load" "$(tail -1 "$LAB_RUN/gwb-load.out")"

  # 1. The step's apply, then until everything is up.
  r0=$(rtr_log_lines) x0=$(xfrmd_lines)
  t0=$(now_ms)
  a=$(apply_ms "$CFG-$n/xfrmd.json")
  if ((a < 0)); then # xfrmctl gave up waiting (300 s): a limit, recorded as the step's failure
    fail "step-$n-apply" "$(tail -1 "$LAB_RUN/apply.out") after $((($(now_ms) - t0) / 1000)) s"
    echo "n=$n failed=1 apply_ms=$(($(now_ms) - t0))+ tunnels_up=$(tunnels_up) rtr_routes=$(rtr_routes)" >>"$steps"
    break
  fi
  t_up="" t_rtr="" up=0 routes=0
  while (($(now_ms) - t0 < WAIT * 1000)); do
    if [[ -z $t_up ]] && (($(kernel_tunnels) >= n)) && (($(tunnels_up) >= n)); then t_up=$(now_ms); fi
    if [[ -z $t_rtr ]] && (($(rtr_routes) >= n)); then t_rtr=$(now_ms); fi
    [[ -n $t_up && -n $t_rtr ]] && break
    sleep 2
  done
  up=$(tunnels_up) routes=$(rtr_routes)
  echo "step $n: apply $a ms, up $up of $n after $(((${t_up:-0} - t0) / 1000)) s, rtr $routes routes after $(((${t_rtr:-0} - t0) / 1000)) s"
  if [[ -z $t_up || -z $t_rtr ]]; then
    fail "step-$n-up-within-${WAIT}s" "tunnels up $up of $n, rtr routes $routes of $n after $WAIT s"
    echo "n=$n failed=1 apply_ms=$a tunnels_up=$up rtr_routes=$routes" >>"$steps"
    break
  fi
  pass "step-$n-up" "$n tunnels up in $(((t_up - t0) / 1000)) s, $n routes on rtr in $(((t_rtr - t0) / 1000)) s"
  sleep 5 # the last events; xfrmd trims its heap 1 s after an apply
  step_log="xfrmd_apply_ms=$(applied_since "$x0" total) xfrmd_apply_charon_ms=$(applied_since "$x0" charon)"

  # 2. Re-applies (the same document: nothing to do but read and compare it all), then one
  # connection changed and back, then status.
  noop=() one=() st=()
  x1=$(xfrmd_lines)
  for ((r = 1; r <= RUNS; r++)); do noop+=("$(apply_ms "$CFG-$n/xfrmd.json")"); done
  step_log+=" xfrmd_noop_ms=$(applied_since "$x1" total) xfrmd_noop_load_ms=$(applied_since "$x1" load)"
  x1=$(xfrmd_lines)
  for ((r = 1; r <= RUNS; r++)); do
    one+=("$(apply_ms "$CFG-$n-x/xfrmd.json")")
    one+=("$(apply_ms "$CFG-$n/xfrmd.json")")
  done
  step_log+=" xfrmd_one_ms=$(applied_since "$x1" total)"
  for ((r = 1; r <= RUNS; r++)); do
    s0=$(now_ms)
    xfrmctl_direct status --json >"$LAB_RUN/status.json" || echo "status failed"
    st+=($(($(now_ms) - s0)))
  done
  sleep 3
  # The LAN session may have flapped meanwhile (BFD 300 ms x 3 on a busy CPU): wait for it.
  tb=$(now_ms)
  until lan_back "$n" || (($(now_ms) - tb > 300000)); do sleep 2; done
  check "step-$n-lan-routes-before-traffic" lan_back "$n"
  step_log+=" lan_wait_s=$(bench_ratio $(($(now_ms) - tb)) 1000 1) rtr_flaps=$(flaps_since "$r0")"
  # 3. Memory and the LAN router, with everything up.
  mem="xfrmd_kib=$(rss_of gwa xfrmd) charon_kib=$(rss_of gwa charon) bird_kib=$(rss_of gwa bird) rtr_bird_kib=$(rss_of rtr bird) gwb_charon_kib=$(rss_of gwb charon)"
  lanr="rtr_routes=$(rtr_routes) rtr_ecmp=$(rtr_ecmp) rtr_sessions=$(rtr_sessions) lan_statics_up=$(lan_statics_up)"
  # 4. CPU idle, then under traffic.
  idle=$(cpu_over sleep "$IDLE_S")
  : >"$LAB_RUN/recv-before.txt"
  recv_stop
  recv_start
  traffic=$(cpu_over ip netns exec hosta python3 "$TRAFFIC" send "$n" "$PPS" "$TRAFFIC_S" "$LAB_RUN/sent.txt")
  sleep 1
  recv_stop
  carried=$(awk -F'[ .]' '$1 == 172 && $5 + 0 > 0' "$LAB_RUN/recv.txt" | grep -c . || true)
  received=$(awk '{s += $2} END {print s + 0}' "$LAB_RUN/recv.txt")
  read -r sent sender_cpu_ms <"$LAB_RUN/sent.txt"
  recv_start
  check_eq "step-$n-every-connection-carries" "$n" "$carried"
  bytes=$(wc -c <"$LAB_RUN/status.json")
  # shellcheck disable=SC2086
  echo "n=$n failed=0 apply_ms=$a up_s=$(bench_ratio $((t_up - t0)) 1000 1) rtr_s=$(bench_ratio $((t_rtr - t0)) 1000 1)" \
    "new_per_s=$(bench_ratio $(((n - prev) * 1000)) $((t_up - t0 > 0 ? t_up - t0 : 1)) 1)" \
    "noop_apply_ms=$(bench_median "${noop[@]}") one_change_ms=$(bench_median "${one[@]}")" \
    "status_ms=$(bench_median "${st[@]}") status_bytes=$bytes $mem $lanr" \
    "sent=$sent received=$received carried=$carried sender_cpu_pct=$((sender_cpu_ms / (10 * TRAFFIC_S)))" \
    "$step_log rtr_flaps_all=$(flaps_since "$r0")" \
    "idle:${idle// / idle:} traffic:${traffic// / traffic:}" >>"$steps"
  echo "  noop ${noop[*]}; one ${one[*]}; status ${st[*]}"
  tail -1 "$steps"
  prev=$n
  first=${first:-$n}
done
recv_stop

python3 - "$steps" >"$log" <<PY
import sys
rows = []
for l in open(sys.argv[1]):
    rows.append(dict(kv.split("=", 1) for kv in l.split()))
print("gateway-scale: gwa = host gw-1 of a two-host gateway (tunnel 1 of each connection; route-based VTI,"
      " active-active, start immediate, DPD 10 s), gateway.lan to rtr (BIRD, BFD 300 ms x 3);"
      " gwb plain strongSwan; LAB_SLOW ${LAB_SLOW:-1}; traffic $PPS pkt/s over ${TRAFFIC_S} s,"
      " one address per remote prefix; medians of $RUNS")
cols = ["n", "apply_ms", "xfrmd_apply_ms", "xfrmd_apply_charon_ms", "up_s", "rtr_s", "new_per_s",
        "noop_apply_ms", "xfrmd_noop_ms", "xfrmd_noop_load_ms", "one_change_ms", "xfrmd_one_ms",
        "status_ms", "lan_wait_s", "rtr_flaps", "rtr_flaps_all",
        "status_bytes", "xfrmd_kib", "charon_kib", "bird_kib", "rtr_bird_kib", "gwb_charon_kib",
        "rtr_routes", "rtr_ecmp", "rtr_sessions", "lan_statics_up", "sent", "received", "carried",
        "sender_cpu_pct", "traffic:hostb_recv",
        "idle:busy", "idle:xfrmd", "idle:charon", "idle:bird", "idle:rtr_bird", "idle:gwb_charon",
        "traffic:busy", "traffic:xfrmd", "traffic:charon", "traffic:bird", "traffic:rtr_bird",
        "traffic:gwb_charon"]
ok = [r for r in rows if r.get("failed") == "0"]
w = max(len(c) for c in cols)
for c in cols:
    vals = [r.get(c, "-") for r in ok]
    line = "%-*s " % (w, c) + " ".join("%10s" % v for v in vals)
    try:
        base = float(ok[0][c])
        if base and c not in ("n",):
            line += "   ratio to n=%s: %s" % (ok[0]["n"], " ".join("%.2f" % (float(r[c]) / base) for r in ok))
    except (KeyError, ValueError, IndexError):
        pass
    print(line)
for r in rows:
    if r.get("failed") == "1":
        print("step n=%s FAILED: apply %s ms, tunnels up %s, rtr routes %s (xfrmctl's 300 s, or ${WAIT} s)"
              % (r["n"], r["apply_ms"], r["tunnels_up"], r["rtr_routes"]))
print("cpu: percent of the guest's one CPU (busy = the whole guest: the kernel's ESP and forwarding too)")
PY
cat "$log"
check_gt steps-measured "$(grep -c 'failed=0' "$steps")" 0
