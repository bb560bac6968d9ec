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

# Debian's UML kernel starts a uevent helper (CONFIG_UEVENT_HELPER_PATH "/sbin/hotplug",
# missing here) for every uevent, three per new link: measured, 2.5-3 ms of a VTI's 3.4 ms.
# Debian's generic kernel, what a gateway runs, has no helper (CONFIG_UEVENT_HELPER is not
# set), so the benchmark runs without it. BENCH_UEVENT_HELPER=keep measures with it.
uevent_helper=$(cat /proc/sys/kernel/hotplug 2>/dev/null || true)
if [[ ${BENCH_UEVENT_HELPER:-} != keep && -n $uevent_helper ]]; then
  echo >/proc/sys/kernel/hotplug
fi
bench_gen "$CFG" --n "$N" --mode mixed --start on-traffic --side a --interface vti
xf=() sw=() xconns=0 sconns=0 log=$LAB_OUT/show-bulk-apply.txt

# CPU time in ms (user+system) of gwa's daemon NAME (charon, xfrmd) since it started.
cpu_of() {
  local pidf=$LAB_RUN/gwa/$1.pid
  [[ -f $pidf ]] || { echo 0; return; }
  awk '{print ($14 + $15) * 10}' "/proc/$(cat "$pidf")/stat" 2>/dev/null || echo 0
}

# The guest's busy and idle time in ms (one CPU): where a run's wall time went.
cpu_total() { awk '$1 == "cpu" {print ($2 + $3 + $4 + $7 + $8) * 10, $5 * 10}' /proc/stat; }

# cpu_report T0_BUSY T0_IDLE: "cpu: charon N ms, xfrmd N ms, other N ms, idle N ms"
cpu_report() {
  local busy idle c x
  read -r busy idle < <(cpu_total)
  c=$(cpu_of charon) x=$(cpu_of xfrmd)
  echo "cpu charon $c ms, xfrmd $x ms, other $((busy - $1 - c - x)) ms, idle $((idle - $2)) ms"
}

run_xfrmd() {
  local t0 t1 v0 n0 b0 i0 cpu
  bench_fresh_charon
  bench_start_xfrmd
  v0=$(bench_metric xfrmd_vici_requests_total) n0=$(bench_metric xfrmd_netlink_requests_total)
  read -r b0 i0 < <(cpu_total)
  b0=$((b0 - $(cpu_of charon) - $(cpu_of xfrmd)))
  t0=$(bench_now_ms)
  xfrmctl_on gwa apply -f "$CFG/xfrmd.json" >"$LAB_RUN/apply.out" 2>&1 ||
    bench_abort "xfrmd-apply-run-$1" "$(tail -1 "$LAB_RUN/apply.out")"
  t1=$(bench_now_ms)
  cpu=$(cpu_report "$b0" "$i0")
  xf+=($((t1 - t0)))
  xobj=$(bench_objects)
  xreq="vici=$(($(bench_metric xfrmd_vici_requests_total) - v0)) netlink=$(($(bench_metric xfrmd_netlink_requests_total) - n0))"
  xconns=$(swanctl_on gwa --list-conns | grep -c '^xfrmd-' || true)
  echo "run $1 xfrmd: $((t1 - t0)) ms, $xreq, $xobj"
  echo "run $1 xfrmd $cpu"
  # xfrmd's own account of where the time went
  echo "run $1 xfrmd log: $(grep -o 'applied generation.*' "$LAB_RUN/gwa/xfrmd.log" | tail -1)"
}

run_swanctl() {
  local t0 t1 b0 i0 cpu
  bench_fresh_charon
  read -r b0 i0 < <(cpu_total)
  b0=$((b0 - $(cpu_of charon)))
  t0=$(bench_now_ms)
  swanctl_on gwa --load-all --noprompt --file "$CFG/swanctl.conf" >"$LAB_RUN/swanctl.out" 2>&1 ||
    bench_abort "swanctl-load-run-$1" "$(tail -1 "$LAB_RUN/swanctl.out")"
  t1=$(bench_now_ms)
  cpu=$(cpu_report "$b0" "$i0")
  sw+=($((t1 - t0)))
  sobj=$(bench_objects)
  sconns=$(swanctl_on gwa --list-conns | grep -c '^bench-' || true)
  echo "run $1 swanctl: $((t1 - t0)) ms, $sobj"
  echo "run $1 swanctl $cpu"
}

for ((r = 1; r <= BENCH_RUNS; r++)); do
  if ((r % 2)); then
    run_xfrmd "$r" >>"$LAB_RUN/runs.txt"
    run_swanctl "$r" >>"$LAB_RUN/runs.txt"
  else
    run_swanctl "$r" >>"$LAB_RUN/runs.txt"
    run_xfrmd "$r" >>"$LAB_RUN/runs.txt"
  fi
  tail -6 "$LAB_RUN/runs.txt"
done
bench_stop_all

xm=$(bench_median "${xf[@]}") sm=$(bench_median "${sw[@]}")
ratio=$(bench_ratio "$xm" "$sm")
xlast=$(grep ' xfrmd:' "$LAB_RUN/runs.txt" | tail -1)
slast=$(grep ' swanctl:' "$LAB_RUN/runs.txt" | tail -1)
{
  echo "bulk apply, $N connections x 2 tunnels (policy/route-VTI half and half, start on traffic), $BENCH_RUNS runs, medians"
  echo "uevent helper while measuring: $(grep . /proc/sys/kernel/hotplug || echo none) (kernel's: ${uevent_helper:-none})"
  printf 'xfrmd   %8.3f s  (runs ms: %s)\n' "$(bench_ratio "$xm" 1000 3)" "${xf[*]}"
  printf 'swanctl %8.3f s  (runs ms: %s)\n' "$(bench_ratio "$sm" 1000 3)" "${sw[*]}"
  echo "ratio xfrmd/swanctl: $ratio (target <= 1.0)"
  echo "xfrmd requests and kernel objects (last run): ${xlast#*ms, }"
  echo "xfrmd log (last run): $(grep ' xfrmd log:' "$LAB_RUN/runs.txt" | tail -1 | cut -d: -f2-)"
  echo "swanctl kernel objects (last run): ${slast#*ms, }"
  grep ' cpu ' "$LAB_RUN/runs.txt" || true
} >"$log"
cat "$log"
check_eq xfrmd-loaded-all "$((2 * N))" "$xconns"
check_eq swanctl-loaded-all "$((2 * N))" "$sconns"
check_eq xfrmd-vti-per-route-tunnel "links=$N" "$(grep -o 'links=[0-9]*' <<<"$xlast")"
# In thousandths, as an integer (check_lt compares integers).
check_lt ratio-at-most-1 "$(python3 -c 'import sys; print(round(1000 * float(sys.argv[1]) / float(sys.argv[2])))' "$xm" "$sm")" 1001
