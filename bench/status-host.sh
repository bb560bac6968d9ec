#!/bin/bash
# shellcheck source-path=SCRIPTDIR/..
# bench/status-host.sh: benchmark 4 (issue 7) on the host's own kernel: `xfrmctl status --json`
# with 2 x N established tunnels against `swanctl --list-sas --raw` on the same charon.
#
# bench/status.sh measures in the kernel lab (user-mode Linux, one slow CPU), where an exec
# alone costs about as much as the 200 ms target. The host kernel has no ESP, so here both
# charons carry ESP in user space (strongSwan's kernel-libipsec plugin, from Debian's
# libcharon-extra-plugins, unpacked into a cache directory and preloaded into these two
# charons only: nothing is installed and no system configuration changes). The IKE and CHILD
# SAs are real; what is missing next to a real gateway is the kernel's SA table, so xfrmd's
# per-report netlink dump finds no SA and takes the counters from charon's list.
#
#   gwa (namespace xfrmd-bst-a-PID): charon + xfrmd, N policy-based connections x 2 tunnels
#       from bench/gen-config.py (side a, start immediate), applied with xfrmctl
#   gwb (xfrmd-bst-b-PID): charon with the equivalent swanctl.conf (side b), responder
#   joined by a veth pair; all traffic stays in these two namespaces.
#
# Once every tunnel is up in xfrmd's status and charon is quiet, RUNS rounds of, back to back:
# xfrmctl status --json, swanctl --list-sas --raw, and xfrmctl's floor (an exec and a round
# trip to xfrmd that builds nothing); medians, ratio, and the daemon's side alone (the request
# timed inside one process) and its own "built in" figure (debug log).
#
# Environment: BUILD (default build), BENCH_CONNS (default 1000), BENCH_RUNS (default 9),
# BENCH_WAIT (s to wait for the tunnels, default 600), BENCH_BASE_BUILD (a build tree to
# compare with in the same run), LIBIPSEC_CACHE (default
# /var/cache/xfrmd-bench), BENCH_KEEP (keep the scratch dir), BENCH_HOLD (s to keep both
# gateways running after the figures, to profile them; socket paths are printed).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${BUILD:-$repo/build}" && pwd)
n=${BENCH_CONNS:-1000} runs=${BENCH_RUNS:-9} wait_s=${BENCH_WAIT:-600}
cache=${LIBIPSEC_CACHE:-/var/cache/xfrmd-bench}
xfrmd=$build/cmd/xfrmd/xfrmd xfrmctl=$build/cmd/xfrmctl/xfrmctl
charon_bin=${CHARON:-/usr/lib/ipsec/charon}
plugins=/usr/lib/ipsec/plugins

die() {
	echo "status-host: $*" >&2
	exit 1
}
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

for f in "$xfrmd" "$xfrmctl" "$charon_bin"; do [[ -x $f ]] || die "$f missing"; done
[[ $(id -u) == 0 ]] || die "must run as root (network namespaces)"

# kernel-libipsec of exactly the installed strongSwan: Debian ships it, disabled, in
# libcharon-extra-plugins; unpacked, not installed (installing would add a plugin snippet to
# /etc/strongswan.d for every charon on the machine).
version=$(dpkg-query -W -f '${Version}' strongswan-charon) || die "strongswan-charon not installed"
lib=$cache/libipsec-$version/usr/lib/ipsec
if [[ ! -f $lib/plugins/libstrongswan-kernel-libipsec.so ]]; then
	dl=$(mktemp -d /tmp/xfrmd-bench-deb.XXXXXX)
	(cd "$dl" && apt-get download -q "libcharon-extra-plugins=$version" >/dev/null 2>&1) ||
		die "cannot download libcharon-extra-plugins=$version (apt-get download)"
	mkdir -p "$cache/libipsec-$version"
	dpkg-deb -x "$dl"/libcharon-extra-plugins_*.deb "$cache/libipsec-$version"
	rm -rf "$dl"
	[[ -f $lib/plugins/libstrongswan-kernel-libipsec.so ]] || die "no kernel-libipsec in the package"
fi

tmp=$(mktemp -d /tmp/xfrmd-bench-st.XXXXXX)
nsa=xfrmd-bst-a-$$ nsb=xfrmd-bst-b-$$
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	ip netns del "$nsa" 2>/dev/null || true
	ip netns del "$nsb" 2>/dev/null || true
	if [[ -n ${BENCH_KEEP:-} ]]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# ---- topology: gwa 192.0.2.1-2, gwb the 2 x N peer addresses gen-config.py uses -------------
for ns in "$nsa" "$nsb"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
done
ip link add ul0 netns "$nsa" type veth peer name ul0 netns "$nsb"
ip -n "$nsa" addr add 192.0.2.1/24 dev ul0
ip -n "$nsa" addr add 192.0.2.2/24 dev ul0
ip -n "$nsb" addr add 192.0.2.101/24 dev ul0
ip -n "$nsa" link set ul0 up
ip -n "$nsb" link set ul0 up
ip -n "$nsa" route add 198.16.0.0/12 via 192.0.2.101
python3 "$repo/bench/gen-config.py" --n "$n" --mode policy --start immediate --side a --out "$tmp/a"
python3 "$repo/bench/gen-config.py" --n "$n" --mode policy --start on-traffic --side b --out "$tmp/b"
# kernel-libipsec routes each CHILD_SA's remote prefix into its TUN device from an address of
# the local prefix, and refuses the CHILD_SA without one: one address per local prefix.
python3 - "$n" "$tmp" <<'PY'
import sys
n, tmp = int(sys.argv[1]), sys.argv[2]
with open(tmp + "/addrs-a", "w") as a, open(tmp + "/addrs-b", "w") as b:
    for i in range(1, n + 1):
        a.write("address add 10.%d.%d.1/32 dev lo\n" % (64 + i // 256, i % 256))
        b.write("address add 172.%d.%d.1/32 dev lo\n" % (16 + i // 256, i % 256))
        for t in (1, 2):
            b.write("address add 198.%d.%d.%d/32 dev ul0\n" % (17 + t, i // 256, i % 256))
PY
ip -n "$nsa" -batch "$tmp/addrs-a"
ip -n "$nsb" -batch "$tmp/addrs-b"

# ---- two charons, each with its own strongswan.conf, vici socket and /run ---------------------
have_plugins() {
	local p out=()
	for p in "$@"; do [[ -e $plugins/libstrongswan-$p.so ]] && out+=("$p"); done
	echo "${out[*]}"
}
# kernel-libipsec ahead of kernel-netlink: the first one loaded provides the IPsec backend
# (kernel-netlink still does addresses and routes). Thousands of IKE SAs from two addresses:
# a hashed SA table, no per-peer half-open limit, retransmits patient enough for a burst.
load="$(have_plugins random nonce openssl pem pkcs1 x509 revocation constraints pubkey \
	curve25519 aes sha1 sha2 hmac gcm kdf drbg) kernel-libipsec kernel-netlink socket-default vici"
for gw in a b; do
	d=$tmp/$gw
	cat >"$d/strongswan.conf" <<EOF
charon {
  load = $load
  install_routes = no
  install_virtual_ip = no
  ikesa_table_size = 1024
  ikesa_table_segments = 16
  block_threshold = 100000
  cookie_threshold = 100000
  init_limit_half_open = 0
  retransmit_timeout = 4
  retransmit_tries = 5
  plugins {
    vici {
      socket = unix://$d/charon.vici
    }
  }
  filelog {
    bench {
      path = $d/charon.log
      default = 1
    }
  }
  syslog {
    daemon {
      default = -1
    }
  }
}
swanctl {
  load = $(have_plugins pem pkcs1 x509 revocation constraints pubkey openssl random)
}
EOF
done
# start_charon GW NS: LD_PRELOAD only into charon (ip and unshare lack libcharon's symbols); the
# plugin loader finds kernel_libipsec_plugin_create already loaded. exec all the way down, so
# $! is charon.
start_charon() {
	local d=$tmp/$1
	# shellcheck disable=SC2016 # expanded by the inner shell
	STRONGSWAN_CONF=$d/strongswan.conf ip netns exec "$2" unshare -m sh -c \
		'mount -t tmpfs tmpfs /run && LD_LIBRARY_PATH=$1 LD_PRELOAD=$1/plugins/libstrongswan-kernel-libipsec.so exec "$0"' \
		"$charon_bin" "$lib" >>"$d/charon.out" 2>&1 &
	pids+=($!)
	for _ in $(seq 100); do
		[[ -S $d/charon.vici ]] && return 0
		sleep 0.1
	done
	die "charon $1 did not start: $(tail -3 "$d/charon.out" "$d/charon.log")"
}
swan() { # swan GW ARGS...: swanctl against GW's charon (a unix socket: no namespace needed)
	local d=$tmp/$1
	shift
	STRONGSWAN_CONF=$d/strongswan.conf swanctl "$1" --uri "unix://$d/charon.vici" "${@:2}"
}
ctl() { "$xfrmctl" -s "$tmp/a/xfrmd.sock" "$@"; }

start_charon a "$nsa"
start_charon b "$nsb"
swan a --stats | grep -q 'kernel-libipsec' || die "charon did not load kernel-libipsec"
swan b --load-all --file "$tmp/b/swanctl.conf" >"$tmp/b/load.out" 2>&1 ||
	die "swanctl --load-all on gwb failed: $(tail -3 "$tmp/b/load.out")"
mkdir -p "$tmp/a/state"
# start_xfrmd LOG; -d: the daemon logs how long each report took to build ("built in N ms").
start_xfrmd() {
	xlog=$1
	ip netns exec "$nsa" "$xfrmd" -d -c "$tmp/a/xfrmd.sock" -s "$tmp/a/state" \
		-v "unix://$tmp/a/charon.vici" 2>"$xlog" &
	xpid=$!
	pids+=("$xpid")
	for _ in $(seq 100); do
		[[ $(ctl metrics 2>/dev/null | awk '$1 == "xfrmd_charon_connected" {print $2}') == 1 ]] &&
			return 0
		sleep 0.1
	done
}
start_xfrmd "$tmp/a/xfrmd.log"

tunnels_up() {
	ctl status --json | python3 -c 'import json, sys
print(sum(t["up"] for c in json.load(sys.stdin)["connections"] for t in c["tunnels"]))'
}
t0=$(now_ms)
ctl apply -f "$tmp/a/xfrmd.json" >/dev/null || die "apply failed: $(tail -3 "$tmp/a/xfrmd.log")"
t_applied=$(now_ms)
up=0
while (($(now_ms) - t0 < wait_s * 1000)); do
	up=$(tunnels_up || echo 0)
	((up < 2 * n)) || break
	sleep 2
done
t_up=$(now_ms)
((up == 2 * n)) || echo "status-host: only $up of $((2 * n)) tunnels up after $wait_s s"

# Quiet: charon no longer negotiating. Wait until gwa's charon used under 10% of a CPU over
# 2 s (clock ticks from /proc), a minute at most; the DPD exchanges every 10 s per tunnel go on.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
quiet_pct=100
for _ in $(seq 30); do
	a0=$(ticks "${pids[0]}")
	sleep 2
	quiet_pct=$((100 * ($(ticks "${pids[0]}") - a0) / (2 * hz)))
	((quiet_pct >= 10)) || break
done
t_quiet=$(now_ms)

# measure LABEL: RUNS rounds with the xfrmd and xfrmctl running now; figures on stdout.
measure() {
	local i a b c f cpu0 cpub0 x0 cpu1 cpub1 x1 built label=$1
	: >"$tmp/samples"
	cpu0=$(ticks "${pids[0]}") cpub0=$(ticks "${pids[1]}") x0=$(ticks "$xpid")
	for ((i = 0; i < runs; i++)); do
		a=$(now_ms)
		ctl status --json >"$tmp/status.json" || echo "xfrmctl status failed"
		b=$(now_ms)
		swan a --list-sas --raw >"$tmp/list-sas.txt"
		c=$(now_ms)
		ctl status no-such-connection >/dev/null 2>&1 || true
		f=$(now_ms)
		echo "$((b - a)) $((c - b)) $((f - c))" >>"$tmp/samples"
	done
	cpu1=$(ticks "${pids[0]}") cpub1=$(ticks "${pids[1]}") x1=$(ticks "$xpid")
	# The daemon's side alone: the request timed inside one process, no exec, no printing.
	python3 "$repo/bench/status-rt.py" "$tmp/a/xfrmd.sock" "$runs" >"$tmp/daemon-rt"
	built=$(grep -o 'built in [0-9]* ms' "$xlog" | tail -n "$((2 * runs))" | awk '{print $3}' |
		sort -n | awk '{v[NR] = $1} END {print NR ? v[int((NR + 1) / 2)] : "?"}')
	echo "[$label]"
	python3 - "$tmp/samples" "$tmp/status.json" "$tmp/list-sas.txt" "$built" "$runs" <<'PY'
import json, statistics, sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1])]
x, s, f = (statistics.median(r[i] for r in rows) for i in range(3))
st = json.load(open(sys.argv[2]))
tun = [t for c in st["connections"] for t in c["tunnels"]]
sas = sum(1 for l in open(sys.argv[3]) if l.startswith("list-sa event"))
print("median of %s runs: xfrmctl status --json %d ms, swanctl --list-sas --raw %d ms, ratio %.2f;"
      " floor (xfrmctl status of no connection) %d ms; xfrmd built the report in %s ms (median)"
      % (sys.argv[5], x, s, x / max(s, 1), f, sys.argv[4]))
print("xfrmctl_ms=%d swanctl_ms=%d ratio=%.2f floor_ms=%d tunnels=%d up=%d charon_ike_sas=%d"
      " json_bytes=%d built_ms=%s" % (x, s, x / max(s, 1), f, len(tun),
                                      sum(t["up"] for t in tun), sas, len(json.dumps(st)),
                                      sys.argv[4]))
print("samples_ms(xfrmctl,swanctl,floor)=%s" % " ".join("%d,%d,%d" % r for r in rows))
PY
	cat "$tmp/daemon-rt"
	echo "CPU during the runs (ticks at $hz/s): charon gwa $((cpu1 - cpu0)), charon gwb" \
		"$((cpub1 - cpub0)), xfrmd $((x1 - x0))"
}

echo "status on the host kernel ($(uname -r), $(nproc) CPUs; ESP in user space: kernel-libipsec)"
echo "$n connections x 2 tunnels: applied in $((t_applied - t0)) ms, $up up in xfrmd's status" \
	"after $(((t_up - t0) / 1000)) s, quiet after $(((t_quiet - t_up) / 1000)) s more" \
	"(gwa charon ${quiet_pct}% of a CPU)"
measure this

# BENCH_BASE_BUILD (another build tree): the same SAs with its xfrmd (restarted: it adopts
# the state and the kernel's objects) and its xfrmctl, for before/after figures in one run.
if [[ -n ${BENCH_BASE_BUILD:-} ]]; then
	kill "$xpid"
	wait "$xpid" 2>/dev/null || true
	xfrmd=$BENCH_BASE_BUILD/cmd/xfrmd/xfrmd xfrmctl=$BENCH_BASE_BUILD/cmd/xfrmctl/xfrmctl
	start_xfrmd "$tmp/a/xfrmd-base.log"
	for _ in $(seq 150); do
		(($(tunnels_up 2>/dev/null || echo 0) >= up)) && break
		sleep 2
	done
	sleep 5
	measure "base: $BENCH_BASE_BUILD"
fi

if [[ -n ${BENCH_HOLD:-} ]]; then
	echo "holding $BENCH_HOLD s: xfrmd pid $xpid, socket $tmp/a/xfrmd.sock, charon pids" \
		"${pids[0]} ${pids[1]}, STRONGSWAN_CONF=$tmp/a/strongswan.conf"
	sleep "$BENCH_HOLD"
fi
