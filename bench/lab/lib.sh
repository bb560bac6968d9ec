# shellcheck shell=bash
# Shared by the kernel-lab benchmarks (sourced by their run.sh, after the lab's helpers).
# Everything runs on gwa; no peer is needed: connections start on traffic (trap), so charon
# loads them and installs trap policies without negotiating.
#
#   bench_gen DIR ARGS...          bench/gen-config.py --out DIR ARGS...
#   bench_fresh_charon             (re)start gwa's charon with nothing loaded
#   bench_start_xfrmd [ARG...]     gwa's xfrmd with an empty state dir (ARGs: more options)
#   bench_stop_all                 stop xfrmd and charon, remove every IPsec object they left
#   bench_now_ms                   monotonic-enough wall clock in ms (EPOCHREALTIME)
#   bench_metric NAME              a counter from `xfrmctl metrics` on gwa
#   bench_objects                  "policies=N states=N links=N routes=N" of gwa's kernel
#   bench_median V...              the median of the numbers given
#   bench_abort NAME DETAIL        record a failed check and stop the scenario
# Settings: BENCH_RUNS (runs per figure, default 5) and the scenario's own (BENCH_N,
# BENCH_SIZES). The lab passes no environment into the guest, so bench/*.sh writes them to
# $LAB_BUILD/bench-settings.sh for the run.

BENCH_DIR=$(cd "$LAB_SCENARIO_DIR/../.." && pwd)
if [[ -f $LAB_BUILD/bench-settings.sh ]]; then
  # shellcheck source=/dev/null
  . "$LAB_BUILD/bench-settings.sh"
fi
BENCH_RUNS=${BENCH_RUNS:-5}

bench_gen() {
  local out=$1
  shift
  python3 "$BENCH_DIR/gen-config.py" --out "$out" "$@"
}

bench_now_ms() {
  local t=${EPOCHREALTIME/./}
  echo $((t / 1000))
}

# The lab's start_xfrmd runs with -d (debug log): a benchmark measures the daemon as deployed,
# so it is started the same way without -d (unless it passes -d for a figure only logged there).
bench_start_xfrmd() {
  local d=$LAB_RUN/gwa
  rm -rf "$d/state" "$d/xfrmd.sock"
  mkdir -p "$d/state"
  _lab_spawn gwa "$d/xfrmd.log" "$XFRMD_BIN" -c "$d/xfrmd.sock" -s "$d/state" \
    -v "unix://$d/charon.vici" "$@"
  echo "${_lab_pid:?}" >"$d/xfrmd.pid" # set by _lab_spawn
  _lab_wait_socket gwa xfrmd "$d/xfrmd.sock"
  # Connected to charon: an apply before that is refused.
  wait_for 10 bench_charon_connected
}

bench_charon_connected() {
  [[ $(bench_metric xfrmd_charon_connected) == 1 ]]
}

bench_clean_kernel() {
  on gwa ip xfrm policy flush
  on gwa ip xfrm state flush
  # xfrmd's links, by one ip (an exec per link is minutes for 1,000 in a slow guest)
  on gwa ip -o link show | awk '$2 ~ /^xfrmd/ {sub(/@.*/, "", $2); sub(/:$/, "", $2); print "link del", $2}' |
    on gwa ip -force -batch -
  on gwa ip route flush table all proto 211 2>/dev/null || true
  on gwa ip -6 route flush table all proto 211 2>/dev/null || true
}

bench_stop_all() {
  stop_daemon gwa xfrmd
  stop_daemon gwa charon
  rm -f "$LAB_RUN/gwa/charon.vici" "$LAB_RUN/gwa/xfrmd.sock"
  bench_clean_kernel
}

bench_fresh_charon() {
  bench_stop_all
  start_charon gwa
}

bench_metric() {
  xfrmctl_on gwa metrics | awk -v n="$1" '$1 == n {print $2}'
}

bench_objects() {
  printf 'policies=%s states=%s links=%s routes=%s\n' \
    "$(on gwa ip xfrm policy | grep -c '^src' || true)" \
    "$(on gwa ip xfrm state | grep -c '^src' || true)" \
    "$(on gwa ip -o link show | grep -c ': xfrmd' || true)" \
    "$( (on gwa ip -4 route show table all proto 211; on gwa ip -6 route show table all proto 211) | grep -c . || true)"
}

bench_abort() {
  fail "$1" "$2"
  echo "$1" >"$LAB_RUN/.stopped"
  exit 1
}

bench_median() {
  python3 -c 'import statistics, sys; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"
}

# bench_ratio A B [DIGITS]: A / B.
bench_ratio() {
  python3 -c 'import sys; print("%.*f" % (int(sys.argv[3]), float(sys.argv[1]) / float(sys.argv[2])))' \
    "$1" "$2" "${3:-2}"
}
