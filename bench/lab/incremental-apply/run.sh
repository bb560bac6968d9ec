# shellcheck shell=bash
# Benchmark 2, incremental apply: among N connections (BENCH_SIZES, default "100 1000"; half
# policy-based, half route-based over VTI, start on traffic) one changes: connection 7
# (policy-based) gets one more remote prefix, then loses it again. Each apply is timed
# (`xfrmctl apply` wall time) and the VICI requests and netlink messages xfrmd sent for it are
# counted (xfrmd_vici_requests_total, xfrmd_netlink_requests_total before and after).
# What changed is the same at every N, so the counts must be too. Medians of BENCH_RUNS
# changes each way. The counters are the daemon's totals: xfrmd's periodic resync (every 10 s)
# adds its own requests when it runs during an apply, so an apply's count is the smallest
# delta seen (all deltas are shown). Figures in $LAB_OUT/show-incremental-apply.txt.
# shellcheck source=../lib.sh
. "$LAB_SCENARIO_DIR/../lib.sh"

SIZES=${BENCH_SIZES:-100 1000}
log=$LAB_OUT/show-incremental-apply.txt
declare -A ms vici nl

# timed_apply FILE: appends "MS VICI NETLINK" of one apply to $LAB_RUN/incr.txt.
timed_apply() {
  local v0 n0 t0 t1
  v0=$(bench_metric xfrmd_vici_requests_total) n0=$(bench_metric xfrmd_netlink_requests_total)
  t0=$(bench_now_ms)
  xfrmctl_on gwa apply -f "$1" >"$LAB_RUN/apply.out" 2>&1 ||
    bench_abort apply "$1: $(tail -1 "$LAB_RUN/apply.out")"
  t1=$(bench_now_ms)
  echo "$((t1 - t0)) $(($(bench_metric xfrmd_vici_requests_total) - v0)) $(($(bench_metric xfrmd_netlink_requests_total) - n0))"
}

col() { awk -v c="$1" '{print $c}' "$2"; }

echo "incremental apply: one connection of N changes (a remote prefix added, then removed), $BENCH_RUNS runs each way, medians" >"$log"
for n in $SIZES; do
  bench_gen "$LAB_RUN/base$n" --n "$n" --mode mixed --start on-traffic --interface vti
  bench_gen "$LAB_RUN/edit$n" --n "$n" --mode mixed --start on-traffic --interface vti --extra-prefix 7
  # The edited document sits beside the first, as an operator's edit would: same key files.
  cp "$LAB_RUN/edit$n/xfrmd.json" "$LAB_RUN/base$n/edited.json"
  bench_fresh_charon
  bench_start_xfrmd
  require "apply-base-$n" xfrmctl_on gwa apply -f "$LAB_RUN/base$n/xfrmd.json"
  : >"$LAB_RUN/incr$n.txt"
  for ((r = 1; r <= BENCH_RUNS; r++)); do
    timed_apply "$LAB_RUN/base$n/edited.json" >>"$LAB_RUN/incr$n.txt"
    timed_apply "$LAB_RUN/base$n/xfrmd.json" >>"$LAB_RUN/incr$n.txt"
  done
  check "prefix-policy-back-$n" test "$(on gwa ip xfrm policy | grep -c 'dst 192.168.7.0/24' || true)" = 0
  read -ra runs <<<"$(col 1 "$LAB_RUN/incr$n.txt" | tr '\n' ' ')"
  ms[$n]=$(bench_median "${runs[@]}")
  vici[$n]=$(col 2 "$LAB_RUN/incr$n.txt" | sort -n | head -1)
  nl[$n]=$(col 3 "$LAB_RUN/incr$n.txt" | sort -n | head -1)
  printf 'N=%-5s %7.1f ms  VICI requests %s  netlink messages %s  (runs ms: %s; VICI: %s; netlink: %s)\n' \
    "$n" "${ms[$n]}" "${vici[$n]}" "${nl[$n]}" "${runs[*]}" "$(col 2 "$LAB_RUN/incr$n.txt" | tr '\n' ' ')" \
    "$(col 3 "$LAB_RUN/incr$n.txt" | tr '\n' ' ')" >>"$log"
  echo "  xfrmd log (last apply): $(grep -o 'applied generation.*' "$LAB_RUN/gwa/xfrmd.log" | tail -1)" >>"$log"
done
bench_stop_all
cat "$log"

first=${SIZES%% *} last=${SIZES##* }
check_eq vici-requests-independent-of-n "${vici[$first]}" "${vici[$last]}"
check_eq netlink-messages-independent-of-n "${nl[$first]}" "${nl[$last]}"
check_lt "under-50ms-at-$last" "${ms[$last]%.*}" 50
