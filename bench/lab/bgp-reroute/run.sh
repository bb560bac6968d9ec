# shellcheck shell=bash
# bench/lab/bgp-reroute (issue 18): how long a dead tunnel keeps the routes BGP learned over it,
# with BGP alone against BGP driven by xfrmd's health, in one run. The set-up is the lab's
# bgp-swanctl (gwb: plain strongSwan and a hand-written BIRD; gwa: xfrmd and BIRD), with BGP
# timers hold 9 s, keepalive 3 s on both ends. Two configs of gwa, alternated BENCH_RUNS times
# (default 3) each:
#   bgp-alone  no probes, DPD every 60 s: xfrmd sees nothing within the cut, so tunnel 1's
#              session lives until its hold timer runs out
#   xfrmd      probes every 100 ms, 3 lost = dead: xfrmd shuts the session
# Each run: tunnel 1 carries (gwa's route to 10.2.0.0/24 from BGP via tunnel 1), path 1 is cut,
# and gwa's kernel route is polled every 50 ms until it goes via tunnel 2: failure -> reroute.
# Then the path is restored and tunnel 1 carries again before the next run.
# shellcheck source=../lib.sh
. "$LAB_SCENARIO_DIR/../lib.sh"
SCEN=$LAB_SCENARIO_DIR/../../../test/lab/scenarios/bgp-swanctl
# shellcheck source=../../../test/lab/scenarios/bgp-swanctl/setup.sh
. "$SCEN/setup.sh"
HOLD=9
log=$LAB_OUT/show-bgp-reroute.txt

# gwa's config: bgp-swanctl's, hold 9 s, with or without probes; gwb's BIRD gets hold 9 s too.
gwa_config() { # MODE OUT
  (umask 077 && python3 - "$SCEN/gwa.json" "$2" "$1" "$LAB_RUN" "$HOLD" <<'PY'
import json, sys
src, out, mode, run, hold = sys.argv[1:6]
d = json.loads(open(src).read().replace("RUN", run))
c = d["connections"][0]
c["bgp"]["timers"] = {"hold": int(hold), "keepalive": int(hold) // 3, "connect_retry": 2}
if mode == "bgp-alone":
    del c["probe"]
json.dump(d, open(out, "w"), indent=2)
PY
  )
}

sed "s/hold time 30;/hold time $HOLD;/; s/keepalive time 10;/keepalive time $((HOLD / 3));/" \
  "$SCEN/gwb.bird.conf" >"$LAB_RUN/gwb.bird.conf"
mkdir -p "$LAB_RUN/far"
cp "$SCEN/gwa.bird.conf" "$LAB_RUN/far/"
cp "$LAB_RUN/gwb.bird.conf" "$LAB_RUN/far/gwb.bird.conf"
bgp_far_side "$LAB_RUN/far"
peer_start "$SCEN/gwb.swanctl.conf" "retransmit_base = 1"
require start-xfrmd start_xfrmd gwa
for m in bgp-alone xfrmd; do gwa_config $m "$LAB_RUN/gwa/$m.json"; done

via() { grep -q "via 169.254.2$1.1 dev xfrmd$1 proto bird" <<<"$(ip -n gwa route show exact 10.2.0.0/24)"; }
settled() { via 1 && bird_established gwa xfrmd1_peer && bird_established gwa xfrmd2_peer; }
declare -A ms
: >"$log"
for ((i = 1; i <= BENCH_RUNS; i++)); do
  for m in bgp-alone xfrmd; do
    require "apply-$m-$i" xfrmctl_on gwa apply -f "$LAB_RUN/gwa/$m.json"
    require "settled-$m-$i" wait_for 120 settled
    t0=$(bench_now_ms)
    peer_cut "$GWA_UL1" "$GWB_UL1"
    until via 2; do
      (($(bench_now_ms) - t0 < 60000)) || bench_abort "reroute-$m-$i" "no route via tunnel 2 60 s after the cut"
      sleep 0.05
    done
    t=$(($(bench_now_ms) - t0))
    ms[$m]+="$t "
    echo "run $i, $m: path 1 cut -> gwa's route via tunnel 2 in $t ms" >>"$log"
    peer_uncut "$GWA_UL1" "$GWB_UL1"
  done
done
# shellcheck disable=SC2086 # lists of numbers
a=$(bench_median ${ms[bgp-alone]}) x=$(bench_median ${ms[xfrmd]})
{
  echo "failure -> reroute (median of $BENCH_RUNS; BGP hold time ${HOLD} s):"
  echo "  BGP alone:                     $a ms"
  echo "  BGP driven by xfrmd's health:  $x ms (probes 100 ms x 3)"
  python3 -c 'import sys; a, x = map(float, sys.argv[1:]); print("  ratio: %.1fx faster" % (a / max(x, 1)))' "$a" "$x"
} | tee -a "$log"
pass bgp-reroute "BGP alone $a ms, driven by xfrmd $x ms"
