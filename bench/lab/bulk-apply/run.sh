# shellcheck shell=bash
# Benchmark 1, bulk apply: BENCH_N connections x 2 tunnels (half policy-based, half route-based
# over VTI), start on traffic, applied from an empty gateway into a fresh charon:
#   xfrmd:   `xfrmctl apply` wall time (charon loads, xfrmd adds policies, VTIs, routes)
#   swanctl: `swanctl --load-all` of the equivalent swanctl.conf into a fresh charon
# (charon installs the trap policies itself; it creates no VTI and no route).
# Each run starts both from nothing; the order alternates. Medians of BENCH_RUNS runs, and the
# ratio of the medians. Figures in $LAB_OUT/show-bulk-apply.txt.
# shellcheck source=../lib.sh
. "$LAB_SCENARIO_DIR/../lib.sh"

N=${BENCH_N:-1000}
CFG=$LAB_RUN/cfg
bench_gen "$CFG" --n "$N" --mode mixed --start on-traffic --side a --interface vti
xf=() sw=() xconns=0 sconns=0 log=$LAB_OUT/show-bulk-apply.txt

run_xfrmd() {
  local t0 t1 v0 n0
  bench_fresh_charon
  bench_start_xfrmd
  v0=$(bench_metric xfrmd_vici_requests_total) n0=$(bench_metric xfrmd_netlink_requests_total)
  t0=$(bench_now_ms)
  xfrmctl_on gwa apply -f "$CFG/xfrmd.json" >"$LAB_RUN/apply.out" 2>&1 ||
    bench_abort "xfrmd-apply-run-$1" "$(tail -1 "$LAB_RUN/apply.out")"
  t1=$(bench_now_ms)
  xf+=($((t1 - t0)))
  xobj=$(bench_objects)
  xreq="vici=$(($(bench_metric xfrmd_vici_requests_total) - v0)) netlink=$(($(bench_metric xfrmd_netlink_requests_total) - n0))"
  xconns=$(swanctl_on gwa --list-conns | grep -c '^xfrmd-' || true)
  echo "run $1 xfrmd: $((t1 - t0)) ms, $xreq, $xobj"
  # xfrmd's own account of where the time went
  echo "run $1 xfrmd log: $(grep -o 'applied generation.*' "$LAB_RUN/gwa/xfrmd.log" | tail -1)"
}

run_swanctl() {
  local t0 t1
  bench_fresh_charon
  t0=$(bench_now_ms)
  swanctl_on gwa --load-all --noprompt --file "$CFG/swanctl.conf" >"$LAB_RUN/swanctl.out" 2>&1 ||
    bench_abort "swanctl-load-run-$1" "$(tail -1 "$LAB_RUN/swanctl.out")"
  t1=$(bench_now_ms)
  sw+=($((t1 - t0)))
  sobj=$(bench_objects)
  sconns=$(swanctl_on gwa --list-conns | grep -c '^bench-' || true)
  echo "run $1 swanctl: $((t1 - t0)) ms, $sobj"
}

for ((r = 1; r <= BENCH_RUNS; r++)); do
  if ((r % 2)); then
    run_xfrmd "$r" >>"$LAB_RUN/runs.txt"
    run_swanctl "$r" >>"$LAB_RUN/runs.txt"
  else
    run_swanctl "$r" >>"$LAB_RUN/runs.txt"
    run_xfrmd "$r" >>"$LAB_RUN/runs.txt"
  fi
  tail -3 "$LAB_RUN/runs.txt"
done
bench_stop_all

xm=$(bench_median "${xf[@]}") sm=$(bench_median "${sw[@]}")
ratio=$(bench_ratio "$xm" "$sm")
xlast=$(grep ' xfrmd:' "$LAB_RUN/runs.txt" | tail -1)
slast=$(grep ' swanctl:' "$LAB_RUN/runs.txt" | tail -1)
{
  echo "bulk apply, $N connections x 2 tunnels (policy/route-VTI half and half, start on traffic), $BENCH_RUNS runs, medians"
  printf 'xfrmd   %8.3f s  (runs ms: %s)\n' "$(bench_ratio "$xm" 1000 3)" "${xf[*]}"
  printf 'swanctl %8.3f s  (runs ms: %s)\n' "$(bench_ratio "$sm" 1000 3)" "${sw[*]}"
  echo "ratio xfrmd/swanctl: $ratio (target <= 1.0)"
  echo "xfrmd requests and kernel objects (last run): ${xlast#*ms, }"
  echo "xfrmd log (last run): $(grep ' xfrmd log:' "$LAB_RUN/runs.txt" | tail -1 | cut -d: -f2-)"
  echo "swanctl kernel objects (last run): ${slast#*ms, }"
} >"$log"
cat "$log"
check_eq xfrmd-loaded-all "$((2 * N))" "$xconns"
check_eq swanctl-loaded-all "$((2 * N))" "$sconns"
check_eq xfrmd-vti-per-route-tunnel "links=$N" "$(grep -o 'links=[0-9]*' <<<"$xlast")"
# In thousandths, as an integer (check_lt compares integers).
check_lt ratio-at-most-1 "$(python3 -c 'import sys; print(round(1000 * float(sys.argv[1]) / float(sys.argv[2])))' "$xm" "$sm")" 1001
