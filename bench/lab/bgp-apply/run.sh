# shellcheck shell=bash
# bench/lab/bgp-apply (issue 18): an apply of BENCH_N (default 500) route-based connections with
# BGP (2 x BENCH_N sessions, BIRD 2 the engine) against loading the same BIRD config by hand, and
# the memory of both daemons with that many sessions. gwa only, no peer: the connections start
# immediately (a bgp connection must), but nobody answers charon's initiations inside the lab, so
# no session can be established (with no tunnel up,
# xfrmd's health shuts them: how many the configured include had disabled and the states BIRD
# shows are printed). BIRD runs from a minimal bird.conf that includes xfrmd's file by a pattern
# (as test/lab/scenarios/bgp-swanctl's does).
#   xfrmd:     a fresh charon, a fresh BIRD (nothing included yet) and xfrmd with an empty state
#              dir; `xfrmctl apply` of the bgp config (bench/gen-config.py --bgp): charon loads,
#              xfrmd adds the VTIs, their inside addresses, policies and routes, writes BIRD's
#              include and has BIRD reconfigure. Wall time; xfrmd's, BIRD's and charon's CPU
#              over it; the BIRD part alone, from xfrmd's debug log (include written ->
#              configure answered; xfrmd runs with -d here for that one line).
#   baseline:  the include that xfrmd's apply wrote (saved in run 1), loaded by hand: the VTIs
#              and their addresses put back as xfrmd left them (copied from the kernel after
#              run 1, not timed), a fresh BIRD with the same bird.conf, the include copied into
#              place, `birdc configure`: its wall time and BIRD's CPU over it.
#   memory:    once BIRD lists all 2 x BENCH_N sessions in `birdc show protocols` and both
#              daemons' resident memory (VmRSS) stopped moving: BIRD's and xfrmd's; the
#              baseline's BIRD too. Sessions configured, none established, no routes learned.
# Every run starts from nothing (daemons stopped, the include and the VTIs removed); the order
# alternates. Medians of BENCH_RUNS runs and their ratios in $LAB_OUT/show-bgp-apply.txt.
# shellcheck source=../lib.sh
. "$LAB_SCENARIO_DIR/../lib.sh"

N=${BENCH_N:-500}
S=$((2 * N)) # sessions: one per tunnel
CFG=$LAB_RUN/cfg
D=$LAB_RUN/gwa
INC=$D/xfrmd-bird.conf
SAVED=$LAB_RUN/baseline-include.conf LINKS=$LAB_RUN/baseline-links.batch
log=$LAB_OUT/show-bgp-apply.txt

# As bench/lab/bulk-apply: no uevent helper (Debian's generic kernel has none); keep: measure
# with UML's.
uevent_helper=$(cat /proc/sys/kernel/hotplug 2>/dev/null || true)
if [[ ${BENCH_UEVENT_HELPER:-} != keep && -n $uevent_helper ]]; then
  echo >/proc/sys/kernel/hotplug
fi
bench_gen "$CFG" --n "$N" --mode route --start immediate --side a --interface vti \
  --bgp --bird-socket "$D/bird.ctl" --bird-include "$INC"
mkdir -p "$D"
# The administrator's part: the device protocol (BIRD's view of the VTIs and their addresses)
# and the include line, a pattern: BIRD starts before xfrmd has written the file.
cat >"$D/bird.conf" <<EOF
router id $GWA_UL1;
log stderr all;
protocol device {
}
include "$D/xfrmd-bird.con[f]";
EOF

# CPU time in ms (user + system) of gwa's daemon NAME (charon, xfrmd, bird) since it started.
cpu_of() {
  local pidf=$D/$1.pid
  [[ -f $pidf ]] || { echo 0; return; }
  awk '{print ($14 + $15) * 10}' "/proc/$(cat "$pidf")/stat" 2>/dev/null || echo 0
}
# Resident memory in KiB of gwa's daemon NAME.
rss_of() {
  local pidf=$D/$1.pid
  [[ -f $pidf ]] || { echo 0; return; }
  awk '$1 == "VmRSS:" {print $2}' "/proc/$(cat "$pidf")/status" 2>/dev/null || echo 0
}

# Once BIRD lists the sessions: waits until BIRD's and xfrmd's RSS stay the same over 1.5 s (4
# samples 0.5 s apart; xfrmd gives its heap back 1 s after an apply and asks BIRD for its
# sessions' states every 2 s), up to 30 s. Prints "BIRD_KIB XFRMD_KIB steady" (or "moving").
rss_settled() {
  local prev="" cur="" same=0 i
  for ((i = 0; i < 60; i++)); do
    cur="$(rss_of bird) $(rss_of xfrmd)"
    if [[ $cur == "$prev" ]]; then same=$((same + 1)); else same=0; fi
    if ((same >= 3)); then
      echo "$cur steady"
      return
    fi
    prev=$cur
    sleep 0.5
  done
  echo "$cur moving"
}

# xfrmd's BGP protocols (one per tunnel) that BIRD lists, and their states ("down=1000").
sessions_listed() {
  birdc_on gwa show protocols | awk '$1 ~ /^xfrmd[0-9]+_/ && $2 == "BGP"' | grep -c . || true
}
all_listed() { [[ $(sessions_listed) == "$S" ]]; }
session_states() {
  birdc_on gwa show protocols | awk '$1 ~ /^xfrmd[0-9]+_/ && $2 == "BGP" { n[$4 ($6 ? "/" $6 : "")]++ }
    END { for (s in n) { printf "%s%s=%d", sep, s, n[s]; sep = " " } }'
}
# The interfaces BIRD knows named xfrmd* (the baseline waits for all of them).
bird_ifaces() { birdc_on gwa show interfaces summary | grep -c '^xfrmd' || true; }
all_ifaces() { [[ $(bird_ifaces) == "$S" ]]; }
# The inside addresses on xfrmd's links.
inside_addrs() { on gwa ip -4 -o addr show | awk '$2 ~ /^xfrmd/ && $4 ~ /^169\.254\./' | grep -c . || true; }

bgp_stop_all() {
  stop_daemon gwa bird
  rm -f "$D/bird.ctl" "$INC"
  bench_stop_all # xfrmd, charon, and the kernel: policies, states, xfrmd* links, routes
}

# The VTIs and addresses xfrmd made, as `ip -batch` lines that make them again.
links_batch() {
  python3 - <(on gwa ip -d -j link show) <(on gwa ip -j addr show) <<'PY'
import json, sys
links = [l for l in json.load(open(sys.argv[1])) if l["ifname"].startswith("xfrmd")]
addrs = {a["ifname"]: a.get("addr_info", []) for a in json.load(open(sys.argv[2]))}
for l in links:
    info = l.get("linkinfo", {})
    if info.get("info_kind") != "vti":
        sys.exit("%s is a %s, not a vti" % (l["ifname"], info.get("info_kind")))
    d, name = info.get("info_data", {}), l["ifname"]
    cmd = ["link add", name, "type vti"]
    for k in ("local", "remote", "ikey", "okey"):  # keys: "0x186a1" (older ip: dotted quads)
        if d.get(k, "any") not in ("any", "0.0.0.0"):
            cmd += [k, str(d[k])]
    print(" ".join(cmd))
    print("link set dev %s mtu %d%s" % (name, l["mtu"], " up" if "UP" in l["flags"] else ""))
    for a in addrs.get(name, []):
        if a.get("scope") == "global":
            peer = " peer %s" % a["address"] if a.get("address", a["local"]) != a["local"] else ""
            print("addr add %s/%d%s dev %s" % (a["local"], a["prefixlen"], peer, name))
PY
}

declare -A fig # fig[NAME]: that figure's samples, one per run ("12 15 11 ")
add() { fig[$1]+="$2 "; }

run_xfrmd() {
  local r=$1 t0 t1 l0 c0 b0 h0 c1 b1 h1 b2 line conf bytes rss inc=$LAB_RUN/include-run-$1.conf
  bgp_stop_all
  start_charon gwa
  require "bird-starts-run-$r" start_bird gwa "$D/bird.conf"
  bench_start_xfrmd -d
  l0=$(wc -l <"$D/xfrmd.log")
  c0=$(cpu_of charon) b0=$(cpu_of bird) h0=$(cpu_of xfrmd)
  t0=$(bench_now_ms)
  xfrmctl_on gwa apply -f "$CFG/xfrmd.json" >"$LAB_RUN/apply.out" 2>&1 ||
    bench_abort "xfrmd-apply-run-$r" "$(tail -1 "$LAB_RUN/apply.out")"
  t1=$(bench_now_ms)
  c1=$(cpu_of charon) b1=$(cpu_of bird) h1=$(cpu_of xfrmd)
  cp "$INC" "$inc" # what this apply had BIRD load (xfrmd rewrites it as health decides)
  if [[ ! -f $SAVED ]]; then # the baseline's input
    cp "$inc" "$SAVED"
    links_batch >"$LINKS"
  fi
  line=$(tail -n +"$((l0 + 1))" "$D/xfrmd.log" | grep -o 'BIRD: include of .* configure answered in [0-9]* ms' | tail -1 || true)
  conf=$(grep -o 'answered in [0-9]*' <<<"$line" | grep -o '[0-9]*$' || true)
  bytes=$(grep -o 'include of [0-9]*' <<<"$line" | grep -o '[0-9]*$' || true)
  check "xfrmd-sessions-listed-run-$r" wait_for 300 all_listed
  read -r -a rss < <(rss_settled)
  b2=$(cpu_of bird)
  add apply $((t1 - t0))
  [[ -z $conf ]] || add bird_part "$conf"
  add xfrmd_cpu $((h1 - h0))
  add bird_cpu $((b1 - b0))
  add charon_cpu $((c1 - c0))
  add bird_rss "${rss[0]}"
  add xfrmd_rss "${rss[1]}"
  echo "run $r xfrmd: apply $((t1 - t0)) ms; BIRD part (include of ${bytes:-?} bytes written -> configure answered) ${conf:-?} ms"
  echo "run $r xfrmd cpu: xfrmd $((h1 - h0)) ms, BIRD $((b1 - b0)) ms (to settled $((b2 - b0)) ms), charon $((c1 - c0)) ms"
  echo "run $r xfrmd settled: BIRD lists $(sessions_listed) of $S sessions ($(session_states)); RSS BIRD ${rss[0]} KiB, xfrmd ${rss[1]} KiB (${rss[2]}), charon $(rss_of charon) KiB"
  echo "run $r xfrmd kernel: $(bench_objects) inside=$(inside_addrs); charon IKE SAs $(swanctl_on gwa --list-sas | grep -c 'IKEv2' || true)"
  echo "run $r xfrmd log: $(grep -o 'applied generation.*' "$D/xfrmd.log" | tail -1)"
  echo "run $r xfrmd include: as configured $(grep -c '^protocol bgp' "$inc") sessions, $(grep -c 'disabled yes' "$inc" || true) disabled; now $(grep -c 'disabled yes' "$INC" || true) disabled"
}

run_baseline() {
  local r=$1 t0 t1 b0 b1 b2 idle rss
  bgp_stop_all
  [[ -s $SAVED && -s $LINKS ]] || bench_abort "baseline-input-run-$r" "no include or links saved by an xfrmd run"
  on gwa ip -batch "$LINKS" || bench_abort "baseline-links-run-$r" "ip -batch $LINKS failed"
  require "baseline-bird-starts-run-$r" start_bird gwa "$D/bird.conf"
  # Fresh, with the VTIs already there: it has seen them all before the include comes.
  check "baseline-bird-sees-links-run-$r" wait_for 120 all_ifaces
  idle=$(rss_of bird)
  cp "$SAVED" "$INC"
  b0=$(cpu_of bird)
  t0=$(bench_now_ms)
  birdc_on gwa configure >"$LAB_RUN/configure.out" 2>&1 ||
    bench_abort "baseline-configure-run-$r" "$(tail -1 "$LAB_RUN/configure.out")"
  t1=$(bench_now_ms)
  b1=$(cpu_of bird)
  grep -q '^Reconfigured' "$LAB_RUN/configure.out" ||
    bench_abort "baseline-configure-run-$r" "$(tail -1 "$LAB_RUN/configure.out")"
  check "baseline-sessions-listed-run-$r" wait_for 300 all_listed
  read -r -a rss < <(rss_settled)
  b2=$(cpu_of bird)
  add configure $((t1 - t0))
  add base_bird_cpu $((b1 - b0))
  add base_bird_rss "${rss[0]}"
  add base_bird_idle "$idle"
  echo "run $r baseline: birdc configure $((t1 - t0)) ms; BIRD cpu $((b1 - b0)) ms (to settled $((b2 - b0)) ms)"
  echo "run $r baseline settled: BIRD lists $(sessions_listed) of $S sessions ($(session_states)); RSS BIRD ${rss[0]} KiB (${rss[2]}; before the include $idle KiB)"
  echo "run $r baseline kernel: links=$(on gwa ip -o link show | grep -c ': xfrmd' || true) inside=$(inside_addrs)"
}

for ((r = 1; r <= BENCH_RUNS; r++)); do
  if ((r % 2)); then
    run_xfrmd "$r" >>"$LAB_RUN/runs.txt"
    run_baseline "$r" >>"$LAB_RUN/runs.txt"
  else
    run_baseline "$r" >>"$LAB_RUN/runs.txt"
    run_xfrmd "$r" >>"$LAB_RUN/runs.txt"
  fi
  grep "^run $r " "$LAB_RUN/runs.txt"
done
bgp_stop_all

# med NAME: the median of a figure's samples ("" when there are none).
med() {
  local v=${fig[$1]:-}
  [[ -n ${v// /} ]] || return 0
  # shellcheck disable=SC2086 # a list of numbers
  printf '%.0f' "$(bench_median $v)"
}
# ratio A B: A / B to 2 decimals, or "n/a".
ratio() { if [[ -n $1 && -n $2 && $2 != 0 ]]; then bench_ratio "$1" "$2"; else echo n/a; fi; }

apply=$(med apply) part=$(med bird_part) conf=$(med configure)
bcpu=$(med bird_cpu) basecpu=$(med base_bird_cpu)
brss=$(med bird_rss) baserss=$(med base_bird_rss) xrss=$(med xfrmd_rss)
{
  echo "bgp apply, $N connections x 2 route-based tunnels (VTI), $S BGP sessions, start immediate, no peer (charon initiates every tunnel and nobody answers); $BENCH_RUNS runs, medians"
  echo "uevent helper while measuring: $(grep . /proc/sys/kernel/hotplug || echo none) (kernel's: ${uevent_helper:-none})"
  echo "xfrmctl apply (charon, kernel, BIRD):  ${apply:-?} ms  (runs: ${fig[apply]:-})"
  echo "  of which BIRD (include written -> configure answered, xfrmd's log): ${part:-?} ms  (runs: ${fig[bird_part]:-})"
  echo "  cpu: xfrmd $(med xfrmd_cpu) ms, BIRD $bcpu ms (its VTIs and addresses appearing, then the configure), charon $(med charon_cpu) ms"
  echo "birdc configure of the same include, by hand:  ${conf:-?} ms  (runs: ${fig[configure]:-})"
  echo "  cpu: BIRD $basecpu ms"
  echo "ratio xfrmd's BIRD part / birdc configure: $(ratio "$part" "$conf")"
  echo "ratio BIRD cpu in xfrmd's apply / in birdc configure: $(ratio "$bcpu" "$basecpu")"
  echo "ratio whole apply / birdc configure: $(ratio "$apply" "$conf")"
  echo "memory with $S sessions configured (VmRSS, KiB): BIRD $brss (runs: ${fig[bird_rss]:-}), xfrmd $xrss (runs: ${fig[xfrmd_rss]:-})"
  echo "  BIRD loaded by hand: $baserss (runs: ${fig[base_bird_rss]:-}); BIRD before the include: $(med base_bird_idle)"
  echo "ratio BIRD RSS after xfrmd's apply / after birdc configure: $(ratio "$brss" "$baserss")"
  echo
  cat "$LAB_RUN/runs.txt"
} >"$log"
cat "$log"
check_eq xfrmd-bird-part-every-run "$BENCH_RUNS" "$(wc -w <<<"${fig[bird_part]:-}")"
check_eq xfrmd-inside-addresses "inside=$S" "$(grep ' xfrmd kernel:' "$LAB_RUN/runs.txt" | tail -1 | grep -o 'inside=[0-9]*')"
check_eq xfrmd-vti-per-tunnel "links=$S" "$(grep ' xfrmd kernel:' "$LAB_RUN/runs.txt" | tail -1 | grep -o 'links=[0-9]*')"
check_eq baseline-same-links "links=$S inside=$S" "$(grep ' baseline kernel:' "$LAB_RUN/runs.txt" | tail -1 | grep -o 'links=.*')"
check_gt memory-bird-measured "${brss:-0}" 0
check_gt memory-xfrmd-measured "${xrss:-0}" 0
pass bgp-apply "apply ${apply:-?} ms (BIRD part ${part:-?} ms) against birdc configure ${conf:-?} ms; RSS BIRD ${brss:-?} KiB, xfrmd ${xrss:-?} KiB"
