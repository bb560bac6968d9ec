#!/usr/bin/env bash
# run.sh BUILD_DIR SECONDS: fuzzes every target of a fuzz build (CC=clang,
# -DXFRMD_FUZZ=ON) for SECONDS, all at once, each on a scratch copy of its
# seed corpus so the checked-in corpora never grow. Exits 1 if any target
# found a crash, sanitizer report, leak, timeout or out-of-memory; what
# reproduces it is kept in BUILD_DIR/fuzz-artifacts/TARGET/, with the log.
# A reproducer worth keeping goes to test/fuzz/regressions/TARGET/, which
# `ctest -L fuzz` replays.
set -euo pipefail
if (($# != 2)); then
	echo "usage: run.sh BUILD_DIR SECONDS" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
secs=$2
src=$(cd "$(dirname "$0")" && pwd)
targets=(config vici control bird)
# Config documents need room for a few connections; VICI messages and
# request lines are interesting well below that; BIRD streams need room
# for a few replies and for lines and replies over their bounds.
declare -A max_len=([config]=16384 [vici]=4096 [control]=4096 [bird]=16384)

work=$(mktemp -d "${TMPDIR:-/tmp}/xfrmd-fuzz-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
artifacts=$build/fuzz-artifacts
rm -rf "$artifacts"

run_one() {
	local t=$1 out=$artifacts/$1
	local args=(-max_total_time="$secs" -max_len="${max_len[$t]}" -timeout=10
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/")

	mkdir -p "$work/$t/corpus" "$work/$t/tmp" "$out"
	cp "$src/corpus/$t/"* "$work/$t/corpus/"
	[[ -f $src/dict/$t.dict ]] && args+=(-dict="$src/dict/$t.dict")
	# fuzz_control's socket lives under TMPDIR; a crash must not leave it behind.
	# The outer timeout only catches a fuzzer that stops honouring its own.
	TMPDIR=$work/$t/tmp UBSAN_OPTIONS=print_stacktrace=1 \
		timeout --signal=KILL $((2 * secs + 120)) \
		"$build/test/fuzz/fuzz_$t" "${args[@]}" "$work/$t/corpus" \
		</dev/null >"$out/log" 2>&1
}

report() {
	local t=$1 rc=$2 out=$artifacts/$1
	local rate runs

	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/log")
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/log")
	if ((rc == 0)); then
		echo "fuzz_$t: ok, ${runs:-?} runs in ${secs}s, ${rate:-?} execs/s"
		return 0
	fi
	echo "fuzz_$t: FAILED (exit $rc); log $out/log"
	grep -E '^(==[0-9]+==ERROR|SUMMARY)|runtime error' "$out/log" | head -n 5 || true
	for f in "$out"/crash-* "$out"/leak-* "$out"/timeout-* "$out"/oom-* "$out"/slow-unit-*; do
		[[ -e $f ]] || continue
		echo "  reproducer: $f"
		echo "  replay:     $build/test/fuzz/fuzz_$t $f"
	done
	return 1
}

declare -A pids
for t in "${targets[@]}"; do
	run_one "$t" &
	pids[$t]=$!
done
failed=0
for t in "${targets[@]}"; do
	rc=0
	wait "${pids[$t]}" || rc=$?
	report "$t" "$rc" || failed=1
done
exit $failed
