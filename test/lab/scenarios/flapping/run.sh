# shellcheck shell=bash
# flapping: 100 cycles of tunnel paths going down and up, probes every 100 ms.
# gwa runs "vti" (route-based, active-active over two VTIs, paths .1 and .2)
# and "pol" (policy-based, one tunnel, path .3). Each cycle cuts paths .1 and
# .3 until gwa has moved traffic (vti: single-path route over xfrmd2; pol:
# block policy), then restores them until both tunnels carry traffic again.
# Afterwards the kernel object counts (SAs, policies, routes, links) are those
# of cycle 0, and xfrmd's file descriptors and memory have not grown. gwa's
# xfrmd runs under valgrind (memcheck; ASan cannot map its shadow memory in
# user-mode Linux): after SIGTERM it must report no errors and no leaks.
# Both ends run xfrmd and the paths stay cut for long: probe.restart_after is 0
# here (the stale-tunnel restart is shown against peers that are not xfrmd,
# peer-swanctl-*), so that what this scenario asserts does not race two
# gateways renegotiating at once.

CYCLES=${FLAP_CYCLES:-100}
RSS_GROWTH_MAX_KB=256
GWA_UL3=192.0.2.3 GWB_UL3=192.0.2.103
topo_addr gwa ul0 $GWA_UL3/24
topo_addr gwb ul0 $GWB_UL3/24
on hosta ip addr add 10.11.0.10/24 dev lan0
on gwa ip addr add 10.11.0.1/24 dev lan0
on hostb ip addr add 10.12.0.10/24 dev lan0
on gwb ip addr add 10.12.0.1/24 dev lan0
require valgrind-installed command -v valgrind
VALGRIND_LOG=$LAB_RUN/gwa/valgrind.log

for gw in gwa gwb; do
  start_charon $gw
  cp "$LAB_SCENARIO_DIR/$gw.json" "$LAB_RUN/$gw/xfrmd.json"
  chmod 600 "$LAB_RUN/$gw/xfrmd.json"
done
# shellcheck disable=SC2034,SC2054 # read by start_xfrmd; the commas are valgrind's
LAB_XFRMD_WRAP=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect
  --errors-for-leak-kinds=definite,indirect --suppressions="$LAB_SCENARIO_DIR/libnftables.supp"
  --log-file="$VALGRIND_LOG")
require start-xfrmd-gwa start_xfrmd gwa
# shellcheck disable=SC2034
LAB_XFRMD_WRAP=()
require start-xfrmd-gwb start_xfrmd gwb
require apply-gwb xfrmctl_on gwb apply -f "$LAB_RUN/gwb/xfrmd.json"
require apply-gwa xfrmctl_on gwa apply -f "$LAB_RUN/gwa/xfrmd.json"

# view: gwa's next hops for the vti route and block policies for pol, e.g. "2 0" (two
# commands per look: the cycles below look often).
view() {
  local r p
  r=$(ip -n gwa route show 10.12.0.0/24 proto 211)
  p=$(ip -n gwa xfrm policy list src 10.1.0.0/24 dst 10.2.0.0/24 dir out)
  r=${r//dev xfrmd/@}
  r=${r//[^@]/}
  if [[ $p == *"action block"* ]]; then echo "${#r} 1 "; else echo "${#r} 0 "; fi
}
is_up() { [[ $(view) == "2 0 " ]]; }
is_down() { [[ $(view) == "1 1 " ]]; }
both_up() {
  [[ $(conn_named gwa vti "c['active_tunnels']") == "[1, 2]" && $(conn_named gwa pol "c['state']") == connected &&
    $(conn_named gwb vti "c['active_tunnels']") == "[1, 2]" && $(conn_named gwb pol "c['state']") == connected ]]
}
require all-up wait_for 30 both_up
require gwa-programmed wait_for 5 is_up

# figures: SAs, larval SAs, policies, routes (every table), xfrmd links on gwa; SAs, policies
# and routes on gwb; open descriptors and VmRSS (kB) of xfrmd on gwa (under valgrind: its RSS
# holds valgrind's queue of freed blocks) and on gwb (plain: the memory figure).
figures() {
  local o p a b
  a=$(cat "$LAB_RUN/gwa/xfrmd.pid") b=$(cat "$LAB_RUN/gwb/xfrmd.pid")
  o=$(kernel_objects gwa) p=$(kernel_objects gwb)
  echo "$(grep -c '^state ' <<<"$o") $(grep -c '^larval ' <<<"$o") $(grep -c '^policy ' <<<"$o")" \
    "$(grep -cE '^route[46] ' <<<"$o") $(grep -c '^link ' <<<"$o")" \
    "$(grep -c '^state ' <<<"$p") $(grep -c '^policy ' <<<"$p") $(grep -cE '^route[46] ' <<<"$p")" \
    "$(find "/proc/$a/fd" -mindepth 1 | wc -l) $(awk '$1 == "VmRSS:" {print $2}' "/proc/$a/status")" \
    "$(find "/proc/$b/fd" -mindepth 1 | wc -l) $(awk '$1 == "VmRSS:" {print $2}' "/proc/$b/status")"
}
# quiet: the kernel figures (the first 8) the same twice, a second apart: both ends settled, no
# SA being negotiated or replaced. as_cycle0: they are those of cycle 0 again.
quiet() {
  local a b
  read -ra a <<<"$(figures)"
  sleep 1
  read -ra b <<<"$(figures)"
  [[ "${a[*]:0:8}" == "${b[*]:0:8}" ]]
}
as_cycle0() {
  local f
  read -ra f <<<"$(figures)"
  [[ "${f[*]:0:8}" == "${f0[*]:0:8}" ]]
}
wait_for 20 quiet || echo "cycle 0: the kernel figures still change after $(lab_slow_s 20) s; taken anyway"
read -ra f0 <<<"$(figures)"
# Descriptors at cycle 0: the fewest of five reads. xfrmd holds a netlink socket only for the
# length of a kernel request (a status request or the periodic resync may be in one), so a
# single read can count one that is gone a moment later.
fd_reads="${f0[8]}/${f0[10]}"
for _ in 1 2 3 4; do
  sleep 0.2
  read -ra f <<<"$(figures)"
  fd_reads+=" ${f[8]}/${f[10]}"
  if ((f[8] < f0[8])); then f0[8]=${f[8]}; fi
  if ((f[10] < f0[10])); then f0[10]=${f[10]}; fi
done
echo "cycle 0: xfrmd's descriptors (gwa/gwb) read $fd_reads"
kernel_objects gwa >"$LAB_RUN/gwa/objects-cycle0.txt"
flow_start hostb 10.11.0.10 fvti 0.05 10.12.0.10

# flap -I|-D: cut (-I) or restore (-D) paths .1 and .3 on gwa, both ways, in one exec.
# shellcheck disable=SC2153 # GWA_UL1, GWB_UL1: lib/topology.sh
flap() {
  printf '%s\n' '*filter' "$1 INPUT -s $GWB_UL1 -d $GWA_UL1 -j DROP" \
    "$1 OUTPUT -s $GWA_UL1 -d $GWB_UL1 -j DROP" "$1 INPUT -s $GWB_UL3 -d $GWA_UL3 -j DROP" \
    "$1 OUTPUT -s $GWA_UL3 -d $GWB_UL3 -j DROP" COMMIT | ip netns exec gwa iptables-legacy-restore --noflush
}
# Each cycle goes on as soon as gwa reports (xfrmctl monitor, after the kernel change) that
# both connections moved; no polling. await PATTERN...: read events until each was seen, each
# within AWAIT_S (5 s on an unloaded host, times LAB_SLOW).
AWAIT_S=$(lab_slow_s 5)
mkfifo "$LAB_RUN/gwa/monitor.fifo"
# Not through xfrmctl_on: a function in the background is a subshell, and $! must be xfrmctl.
ip netns exec gwa "$XFRMCTL_BIN" -s "$LAB_RUN/gwa/xfrmd.sock" monitor --json >"$LAB_RUN/gwa/monitor.fifo" 2>&1 &
mon=$!
exec 7<"$LAB_RUN/gwa/monitor.fifo"
await() {
  local -A seen=()
  local line p
  while ((${#seen[@]} < $#)); do
    read -r -t "$AWAIT_S" line <&7 || return 1
    for p in "$@"; do [[ $line == *"$p"* ]] && seen[$p]=1; done
  done
  return 0
}
require monitor-subscribed await '"type":"subscribed"'
VTI_DOWN='"connection":"vti","from":[1,2],"to":[2]' POL_DOWN='"connection":"pol","from":[1],"to":[]'
VTI_UP='"connection":"vti","from":[2],"to":[1,2]' POL_UP='"connection":"pol","from":[],"to":[1]'

# The checks after the loop take about a minute under valgrind on an unloaded host: keep twice
# that (times LAB_SLOW), but never more than a third of the scenario's limit (LAB_TIMEOUT,
# already stretched by LAB_SLOW up to x5).
reserve_s=$(lab_slow_s 120)
((reserve_s <= LAB_TIMEOUT / 3)) || reserve_s=$((LAB_TIMEOUT / 3))
t0=$SECONDS ok=0 slow=""
for ((i = 1; i <= CYCLES; i++)); do
  flap -I
  await "$VTI_DOWN" "$POL_DOWN" || slow+=" down$i"
  flap -D
  if await "$VTI_UP" "$POL_UP"; then ok=$((ok + 1)); else slow+=" up$i"; fi
  # The guest's limit is near: stop and let the checks below fail.
  ((SECONDS < LAB_TIMEOUT - reserve_s)) || { slow+=" stopped-at-$i"; break; }
done
t_cycles=$((SECONDS - t0))
check_eq cycles-completed "$CYCLES" "$ok"
[[ -z $slow ]] || echo "cycles that did not settle within $AWAIT_S s:$slow"
kill "$mon" 2>/dev/null || true
wait "$mon" 2>/dev/null || true
exec 7<&-
check gwa-programmed-at-end wait_for 5 is_up
check settled wait_for 20 both_up
# Both ends quiet again: the kernel figures back to those of cycle 0 (if they never get there,
# the checks below say which differ).
wait_for 20 as_cycle0 || true
flow_stop fvti
read -ra f1 <<<"$(figures)"
kernel_objects gwa >"$LAB_RUN/gwa/objects-end.txt"
names=(states larval policies routes links gwb-states gwb-policies gwb-routes fds rss_kb)
for k in 0 1 2 3 4 5 6 7; do check_eq "same-${names[k]}" "${f0[k]}" "${f1[k]}"; done
check_eq kernel-objects-as-cycle0 "" \
  "$(diff <(grep -vE '^(state|larval) ' "$LAB_RUN/gwa/objects-cycle0.txt" | sed 's/ spi 0x[0-9a-f]*//') \
    <(grep -vE '^(state|larval) ' "$LAB_RUN/gwa/objects-end.txt" | sed 's/ spi 0x[0-9a-f]*//') | grep '^[<>]' | head -n 5 || true)"
# Descriptors: xfrmd opens a netlink socket per kernel request and closes it at
# once (the periodic resync makes dozens), so one taken mid-request is no leak:
# the counts must come back to cycle 0's, not be equal at one instant.
fds_as_cycle0() { # fds_as_cycle0 INDEX: xfrmd's descriptors (figures' field) as at cycle 0
  local f
  read -ra f <<<"$(figures)"
  [[ ${f[$1]} == "${f0[$1]}" ]]
}
check same-fds-gwa wait_for 10 fds_as_cycle0 8
check same-fds-gwb wait_for 10 fds_as_cycle0 10
check_lt rss-growth-gwb-under-${RSS_GROWTH_MAX_KB}kB "$((f1[11] - f0[11]))" $RSS_GROWTH_MAX_KB
moves=$(grep -c "vti: traffic on t2 (" "$LAB_RUN/gwa/xfrmd.log" || true)
check_gt vti-moved-every-cycle "$moves" $((CYCLES - 1))
moves_b=$(grep -c "vti: traffic on t2 (" "$LAB_RUN/gwb/xfrmd.log" || true)
check_gt gwb-flapped-too "$moves_b" $((CYCLES / 2))

# valgrind: xfrmd's exit after all this reports no memory errors and no leaks.
pid=$(cat "$LAB_RUN/gwa/xfrmd.pid")
kill -TERM "$pid"
check xfrmd-exits wait_for 30 _lab_gone "$pid"
rm -f "$LAB_RUN/gwa/xfrmd.pid"
check xfrmd-clean-exit grep -q "signal 15: exiting" "$LAB_RUN/gwa/xfrmd.log"
check valgrind-summary wait_for 5 grep -q "ERROR SUMMARY:" "$VALGRIND_LOG"
vg_errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$VALGRIND_LOG" | tail -n 1)
vg_lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$VALGRIND_LOG" | tail -n 1)
check_eq valgrind-no-errors-or-leaks 0 "${vg_errors:-missing}"
{
  echo "$ok of $CYCLES cycles (paths .1 and .3 cut until gwa moved traffic, restored until both tunnels carried it) in ${t_cycles} s"
  echo "  gwa kernel, cycle 0 -> end: SAs ${f0[0]} -> ${f1[0]} (larval ${f0[1]} -> ${f1[1]}), policies ${f0[2]} -> ${f1[2]}," \
    "routes ${f0[3]} -> ${f1[3]}, xfrmd links ${f0[4]} -> ${f1[4]}"
  echo "  gwb kernel: SAs ${f0[5]} -> ${f1[5]}, policies ${f0[6]} -> ${f1[6]}, routes ${f0[7]} -> ${f1[7]}"
  echo "  xfrmd on gwa (valgrind): fds ${f0[8]} -> ${f1[8]}, VmRSS ${f0[9]} -> ${f1[9]} kB; vti moved to t2 $moves times"
  echo "  xfrmd on gwb: fds ${f0[10]} -> ${f1[10]}, VmRSS ${f0[11]} -> ${f1[11]} kB ($((f1[11] - f0[11])) kB); vti moved to t2 $moves_b times"
  echo "  valgrind memcheck: ${vg_errors:-?} errors, definitely lost ${vg_lost:-0} bytes"
  echo "  hostb->hosta flow over vti: $(flow_received fvti) of $(flow_sent fvti) replies, longest gap $(flow_gap_ms fvti) ms"
} >"$LAB_OUT/show-flapping.txt"
cat "$LAB_OUT/show-flapping.txt"
