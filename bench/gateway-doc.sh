#!/bin/bash
# shellcheck source-path=SCRIPTDIR/..
# Issue 19, per apply: what reading a whole gateway's document costs one host. At each N of
# BENCH_SIZES, bench/gen-config.py writes a gateway of N policy-based connections over
# BENCH_HOSTS hosts (--hosts K: host gw-1 runs tunnel 1 of every (K/2)-th connection, N*2/K
# tunnels of its N*2). Host gw-1's xfrmd (--host gw-1, its own charon, a throwaway network
# namespace on the host kernel) is measured applying
#   whole  the whole document (every host's connections; gw-1 keeps its own), and
#   own    a document of only gw-1's part (its connections, each with its gw-1 tunnel: what a
#          gateway of one host running the same tunnels would apply),
# each from nothing (a fresh charon and xfrmd): the first apply, the same document again,
# one connection changed (a remote prefix added, then removed), xfrmd's resident memory 2 s
# after the last apply (once it gave the apply's peak back), `xfrmctl status --json` (wall time
# and bytes); and `xfrmctl validate` of the whole
# document (wall time, peak memory). Medians of BENCH_RUNS; the ratios whole/own say what the
# document costs, the ratios to the first N how it grows. Nothing is negotiated (start on
# traffic, no traffic) and nothing leaves the namespace.
#
#   bench/gateway-doc.sh [--build DIR]
# Environment: BUILD (default build), BENCH_SIZES (default "1000 2500 5000 10000"),
# BENCH_HOSTS (default 10), BENCH_RUNS (default 3).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$repo/build}
if [[ ${1:-} == --build ]]; then build=$2; fi
build=$(cd "$build" && pwd)
sizes=${BENCH_SIZES:-1000 2500 5000 10000} hosts=${BENCH_HOSTS:-10} runs=${BENCH_RUNS:-3}
xfrmd=$build/cmd/xfrmd/xfrmd xfrmctl=$build/cmd/xfrmctl/xfrmctl
# shellcheck source=test/integration/charon-fixture.sh
. "$repo/test/integration/charon-fixture.sh"

bench=gateway-doc ns=xfrmd-bench-doc-$$ tmp=$(mktemp -d /tmp/xfrmd-bench-doc.XXXXXX)
# shellcheck source=bench/host-xfrmd.sh
. "$repo/bench/host-xfrmd.sh"

# ms CMD...: runs CMD (its output discarded) and prints its wall time in ms.
ms() {
	local t0=$EPOCHREALTIME
	"$@" >/dev/null || die "failed: $*"
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f\n", (b - a) * 1000 }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# runs_of CMD...: the median wall time (ms) of BENCH_RUNS runs of CMD.
runs_of() {
	for ((r = 1; r <= runs; r++)); do ms "$@"; done | median
}
# peak_kib CMD...: the peak resident memory (KiB) of CMD, from its rusage.
peak_kib() {
	python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
}

# own DOC OUT: gw-1's part of DOC (its connections, each with only its 192.0.2.1 tunnel) as a
# one-host document.
own() {
	python3 - "$1" "$2" <<'EOF'
import json, os, sys
doc = json.load(open(sys.argv[1]))
conns = []
for c in doc["connections"]:
    t = [x for x in c["tunnels"] if x["local"] == "192.0.2.1"]
    if t:
        c["tunnels"] = t
        conns.append(c)
gw = {"name": doc["gateway"]["name"], "local_addresses": ["192.0.2.1"]}
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, "w") as f:
    json.dump({"gateway": gw, "connections": conns}, f, indent=1)
EOF
}

# measure KIND DOC EDITED ARGS...: prints "first again changed status status_bytes rss" of
# gw-1's xfrmd applying DOC from nothing (EDITED: DOC with one connection changed).
measure() {
	local first again changed status bytes rss
	shift
	ip -n "$ns" xfrm policy flush
	charon_start "$ns" "$tmp"
	start_xfrmd "${@:3}"
	first=$(ms ctl apply -f "$1")
	again=$(runs_of ctl apply -f "$1")
	changed=$(for ((r = 1; r <= runs; r++)); do
		ms ctl apply -f "$2"
		ms ctl apply -f "$1"
	done | median)
	# xfrmd gives an apply's peak back 1 s after the last apply (TRIM_IDLE_MS): what it keeps.
	sleep 2
	rss=$(rss_kib)
	status=$(runs_of ctl status --json)
	bytes=$(ctl status --json | wc -c)
	stop_xfrmd
	charon_stop
	echo "$first $again $changed $status $bytes $rss"
}

for f in "$xfrmd" "$xfrmctl"; do [[ -x $f ]] || die "$f missing: build first (BUILD=dir)"; done
((hosts >= 2 && hosts % 2 == 0)) || die "BENCH_HOSTS must be even and at least 2"
charon_prereqs
charon_netns_add "$ns"
ip -n "$ns" addr add 192.0.2.1/32 dev lo

echo "gateway document on one host ($(date -u +%F), $(nproc) CPUs, $(uname -r)): $hosts hosts," \
	"host gw-1 runs 2N/$hosts tunnels; medians of $runs; times in ms, memory in KiB"
printf '%-6s %-5s %8s %8s %8s %8s %8s %9s %9s %9s %9s\n' N own-N validate val-KiB \
	first again changed status st-bytes RSS-KiB part
for n in $sizes; do
	d=$tmp/d$n
	python3 "$repo/bench/gen-config.py" --n "$n" --mode policy --hosts "$hosts" --out "$d" >/dev/null
	python3 "$repo/bench/gen-config.py" --n "$n" --mode policy --hosts "$hosts" --extra-prefix 1 \
		--out "$tmp/e$n" >/dev/null
	cp "$tmp/e$n/xfrmd.json" "$d/edited.json"
	own "$d/xfrmd.json" "$d/own.json"
	own "$d/edited.json" "$d/own-edited.json"
	own_n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["connections"]))' \
		"$d/own.json")
	val=$(runs_of "$xfrmctl" validate -f "$d/xfrmd.json")
	val_kib=$(peak_kib "$xfrmctl" validate -f "$d/xfrmd.json")
	measure whole "$d/xfrmd.json" "$d/edited.json" --host gw-1 >"$tmp/m"
	read -r -a w <"$tmp/m"
	measure own "$d/own.json" "$d/own-edited.json" >"$tmp/m"
	read -r -a o <"$tmp/m"
	((${#w[@]} == 6 && ${#o[@]} == 6)) || die "N=$n: a measurement is missing"
	for part in whole own; do
		if [[ $part == whole ]]; then v=("${w[@]}"); else v=("${o[@]}"); fi
		printf '%-6s %-5s %8s %8s %8s %8s %8s %9s %9s %9s %9s\n' "$n" "$own_n" "$val" \
			"$val_kib" "${v[0]}" "${v[1]}" "${v[2]}" "${v[3]}" "${v[4]}" "${v[5]}" "$part"
	done
	printf '%-6s %-5s %8s %8s %8s %8s %8s %9s %9s %9s %9s\n' "$n" "" "" "" \
		"$(awk -v a="${w[0]}" -v b="${o[0]}" 'BEGIN { printf "%.2f", a / b }')" \
		"$(awk -v a="${w[1]}" -v b="${o[1]}" 'BEGIN { printf "%.2f", a / b }')" \
		"$(awk -v a="${w[2]}" -v b="${o[2]}" 'BEGIN { printf "%.2f", a / b }')" \
		"$(awk -v a="${w[3]}" -v b="${o[3]}" 'BEGIN { printf "%.2f", a / b }')" \
		"$(awk -v a="${w[4]}" -v b="${o[4]}" 'BEGIN { printf "%.2f", a / b }')" \
		"$(awk -v a="${w[5]}" -v b="${o[5]}" 'BEGIN { printf "%.2f", a / b }')" whole/own
	rm -rf "$d" "$tmp/e$n"
done
