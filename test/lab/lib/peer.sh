# shellcheck shell=bash
# A plain strongSwan far end (scenarios peer-swanctl-*, issue 15): gwb runs charon alone with a
# swanctl.conf and sends nothing of its own (no probes; hostb only answers); gwa runs xfrmd with
# one connection of two tunnels. Helpers to set it up, to measure what gwa's xfrmd makes of it,
# and the steps both scenarios run (peer_bringup ... peer_finish, below; each records its checks
# and writes $LAB_OUT/show-<step>.txt).
#
#   peer_start CONF [SETTING...]  charon on gwa and gwb (each SETTING a line for gwb's charon
#                                 section, e.g. "retransmit_base = 1"; both log milliseconds);
#                                 CONF loaded into gwb's charon (check load-peer), UPDOWN in it
#                                 replaced by the scenario's updown.sh
#   peer_gwb_vtis [ADDR1 ADDR2]   gwb's VTIs vti1 and vti2 (vtiN: GWB_ULN -> GWA_ULN, key N, up;
#                                 ADDRN its inside address, e.g. 169.254.21.1/30, when given);
#                                 replies follow the tunnel their flow's requests (from site A)
#                                 arrived on: connection mark 0xN0, table 10N routes NET_A there
#   peer_xfrmd JSON RESTART_AFTER xfrmd on gwa applying JSON (checks start-xfrmd, apply) with
#                                 probe.restart_after = RESTART_AFTER if this xfrmd knows the key
#                                 (check restart-after-known); starts the event monitor and
#                                 captures on gwa's underlay (peer_bringup stops them);
#                                 PEER_APPLIED: when the apply returned ($EPOCHREALTIME)
#   tflow_start NS DST NAME [IV] [SRC]  a flow as traffic.sh's flow_start (flow_stop stops it) whose
#                                 replies carry their arrival time (ping -D)
#   tflow_replies NAME / tflow_mark NAME / tflow_has NAME N (N replies since the mark)
#   tflow_gap_ms NAME [FROM [TO]] longest time without a reply, less one interval, over the gaps
#                                 overlapping FROM..TO (epoch seconds)
#   tflow_lost NAME               requests without a reply between the first and the last reply
#   tflow_lost_in NAME [FROM [TO]] the same, between replies straddling FROM..TO
#   tflow_first NAME [AFTER]      epoch time of the first reply (after AFTER)
#   charon_child_time GW CONN     epoch time of charon's first "CHILD_SA CONN{N} established"
#   peer_clear_after T PCAP...    clear-text packets between the LANs captured after epoch T
#   ev_start / ev_stop            `xfrmctl monitor --json` on gwa, appended to $LAB_RUN/gwa/events.log
#   ev_mark / ev_since            the event lines after the last ev_mark
#   ev_none PYEXPR                no event e since ev_mark satisfies PYEXPR (else prints them)
#   ev_time PYEXPR [first|last]   epoch time of such an event since ev_mark
#   ev_seen PYEXPR                such an event since ev_mark
#   ev_time_after A B / ev_seen_after A B  the first event B after the first event A
#   ev_hold_ms                    since ev_mark: tunnel 1's last tunnel-up -> traffic to [1]
#   peer_tun N EXPR               EXPR (python) on t, tunnel N of gwa's first connection (status)
#   peer_tun_healthy N            tunnel N is healthy
#   peer_in_packets SRC           per SA, packets gwa received from public address SRC
#                                 ("spi=packets ...", for esp_delta)
#   peer_in_since SNAP N          N packets from tunnel 1's peer address since peer_in_packets SNAP
#   peer_stats MS...              "median M ms, max X ms over N"; peer_median, peer_max MS...
#   peer_ms_since T0 [T1]         ms from $EPOCHREALTIME T0 to T1 (default now); empty if either is
#   peer_ms MS                    MS x LAB_SLOW (limits for figures, as wait_for scales its own)
#   peer_clear_text PCAP...       packets between the LANs that are not ESP
#   peer_cut / peer_uncut LOCAL REMOTE [LOCAL REMOTE]...  path_cut/path_restore on gwa, in one exec
#   gwa_log_mark / gwa_log_has REGEX  gwa's xfrmd.log lines after the mark
#   charon_log_mark GW / charon_log_count GW REGEX  the same for GW's charon.log (a count)

peer_start() {
  local conf=$1 s
  shift
  mkdir -p "$LAB_RUN/gwa" "$LAB_RUN/gwb"
  # Milliseconds in charon's log lines: the figures below are read against them.
  for s in gwa gwb; do printf 'filelog {\n  lab {\n    time_add_ms = yes\n  }\n}\n' \
    >"$LAB_RUN/$s/strongswan.extra.conf"; done
  for s; do echo "$s" >>"$LAB_RUN/gwb/strongswan.extra.conf"; done
  start_charon gwa gwb
  sed "s|UPDOWN|$LAB_SCENARIO_DIR/updown.sh|" "$conf" >"$LAB_RUN/gwb/swanctl.conf"
  require load-peer swanctl_on gwb --load-all --file "$LAB_RUN/gwb/swanctl.conf"
}

peer_gwb_vtis() {
  local addrs=("$@") n l r
  for n in 1 2; do
    l=GWB_UL$n r=GWA_UL$n
    on gwb ip link add vti$n type vti local "${!l}" remote "${!r}" key $n
    on gwb sysctl -qw net.ipv4.conf.vti$n.disable_policy=1
    [[ -z ${addrs[n - 1]:-} ]] || on gwb ip addr add "${addrs[n - 1]}" dev vti$n
    on gwb ip link set vti$n up
    # Replies follow the tunnel their flow's requests (from site A) arrived on.
    on gwb ip rule add fwmark 0x${n}0 table 10$n
    on gwb ip route add "$NET_A" dev vti$n table 10$n
    on gwb iptables-legacy -t mangle -A PREROUTING -i vti$n -m conntrack --ctdir ORIGINAL \
      -j CONNMARK --set-mark 0x${n}0
  done
  on gwb iptables-legacy -t mangle -A PREROUTING -i lan0 -j CONNMARK --restore-mark
  on gwb iptables-legacy -t mangle -A OUTPUT -p icmp -d "$NET_A" -j CONNMARK --restore-mark
}

peer_xfrmd() {
  local cfg=$LAB_RUN/gwa/xfrmd.json
  python3 - "$1" "$cfg" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for c in d["connections"]:
    c["probe"]["restart_after"] = int(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"), indent=2)
PY
  chmod 600 "$cfg"
  if "$XFRMCTL_BIN" validate -f "$cfg" >/dev/null 2>&1; then
    pass restart-after-known "probe.restart_after $2"
  else
    fail restart-after-known "this xfrmd rejects probe.restart_after: applying without it"
    cp "$1" "$cfg"
  fi
  require start-xfrmd start_xfrmd gwa
  ev_start
  # Captures, like every background process here, write nothing to the scenario's output: a
  # process left holding it would keep guest-init waiting for guest.log's writer to finish.
  capture_start gwa ul0 "$LAB_RUN/gwa/up-ul0.pcap" >>"$LAB_RUN/gwa/captures.log"
  capture_start gwa ul1 "$LAB_RUN/gwa/up-ul1.pcap" >>"$LAB_RUN/gwa/captures.log"
  require apply xfrmctl_on gwa apply -f "$cfg"
  PEER_APPLIED=$EPOCHREALTIME
}

tflow_start() {
  local ns=$1 dst=$2 name=$3 iv=${4:-0.02} src=()
  [[ -n ${5:-} ]] && src=(-I "$5")
  echo "$iv" >"$LAB_RUN/$name.interval"
  echo 0 >"$LAB_RUN/$name.mark"
  # ip netns exec execs ping: $! is ping itself, so flow_stop's signal reaches it.
  ip netns exec "$ns" ping -D -n -i "$iv" -W 1 "${src[@]}" "$dst" >"$LAB_RUN/$name.ping" 2>&1 &
  echo $! >"$LAB_RUN/$name.pid"
}

# Replies are the lines "[EPOCH] 64 bytes from ...: icmp_seq=N ..." (not ICMP errors, which
# carry an icmp_seq too).
tflow_replies() { grep -c ' bytes from ' "$LAB_RUN/$1.ping" || true; }
tflow_mark() { tflow_replies "$1" >"$LAB_RUN/$1.mark"; }
tflow_has() { (($(tflow_replies "$1") - $(cat "$LAB_RUN/$1.mark") >= $2)); }
tflow_since_mark() { echo $(($(tflow_replies "$1") - $(cat "$LAB_RUN/$1.mark"))); }

# tflow_gap_ms NAME [FROM [TO]]: the longest time without a reply, less one interval, in ms, over
# the gaps that overlap FROM..TO (epoch times; default: the whole flow).
tflow_gap_ms() { _tflow "$1" gap "${2:-0}" "${3:-1e12}"; }
tflow_lost() { _tflow "$1" lost; }
tflow_first() { _tflow "$1" first "${2:-0}"; } # tflow_first NAME [AFTER]
tflow_count() { _tflow "$1" count "$2" "$3"; }  # tflow_count NAME FROM TO: replies in between
tflow_lost_in() { _tflow "$1" lostin "${2:-0}" "${3:-1e12}"; } # tflow_lost_in NAME [FROM [TO]]
_tflow() { # _tflow NAME gap|lost|first|count|lostin [FROM [TO]]
  python3 - "$LAB_RUN/$1.ping" "$(cat "$LAB_RUN/$1.interval")" "$2" "${3:-0}" "${4:-1e12}" <<'PY'
import re, sys
rx = re.compile(r"^\[([0-9.]+)\] \d+ bytes from .*icmp_seq=(\d+) ")
r = [(float(m.group(1)), int(m.group(2))) for m in map(rx.match, open(sys.argv[1])) if m]
iv, what, a, b = float(sys.argv[2]), sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
seqs = sorted({s for _, s in r})
ts = sorted(t for t, _ in r)
if what == "gap":
    print(max([round((y - x - iv) * 1000) for x, y in zip(ts, ts[1:]) if x < b and y > a] + [0]))
elif what == "lost":  # requests without a reply between the first and the last reply
    print(seqs[-1] - seqs[0] + 1 - len(seqs) if seqs else -1)
elif what == "first":
    print(next(("%.6f" % t for t in ts if t > a), ""))
elif what == "count":
    print(sum(1 for t in ts if a < t < b))
elif what == "lostin":  # requests without a reply between replies that straddle FROM..TO
    r.sort()
    print(sum(y[1] - x[1] - 1 for x, y in zip(r, r[1:]) if x[0] < b and y[0] > a and y[1] > x[1]))
PY
}

# charon_child_time GW CONN: epoch time of charon's first "CHILD_SA CONN{N} established" line on
# GW (its log has milliseconds, see peer_start; the guest's local time, today).
charon_child_time() {
  python3 - "$LAB_RUN/$1/charon.log" "$2" <<'PY'
import datetime, re, sys
rx = re.compile(r"^(\d\d:\d\d:\d\d\.\d+) .* CHILD_SA %s\{\d+\} established" % re.escape(sys.argv[2]))
for l in open(sys.argv[1]):
    m = rx.match(l)
    if m:
        t = datetime.datetime.combine(datetime.date.today(), datetime.time.fromisoformat(m.group(1)))
        print("%.6f" % t.timestamp())
        break
PY
}

# peer_clear_after T PCAP...: packets between the LANs that are not ESP, captured after epoch T.
peer_clear_after() {
  local t=$1 p n=0
  shift
  for p; do
    n=$((n + $(tcpdump -tt -n -r "$p" "not esp and net $NET_A and net $NET_B" 2>/dev/null | awk -v t="$t" '$1 > t' | wc -l)))
  done
  echo "$n"
}

ev_start() {
  local n
  n=$(grep -c '"subscribed"' "$LAB_RUN/gwa/events.log" 2>/dev/null) || true
  # ip netns exec execs xfrmctl: $! is xfrmctl itself.
  ip netns exec gwa "$XFRMCTL_BIN" -s "$LAB_RUN/gwa/xfrmd.sock" monitor --json \
    >>"$LAB_RUN/gwa/events.log" 2>&1 &
  echo $! >"$LAB_RUN/gwa/events.pid"
  wait_for 10 _ev_subscribed "${n:-0}"
}
_ev_subscribed() { (($(grep -c '"subscribed"' "$LAB_RUN/gwa/events.log") > $1)); }

ev_stop() {
  local pid
  pid=$(cat "$LAB_RUN/gwa/events.pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$LAB_RUN/gwa/events.pid"
}

ev_mark() { wc -l <"$LAB_RUN/gwa/events.log" >"$LAB_RUN/gwa/events.mark"; }
ev_since() { tail -n +$(($(cat "$LAB_RUN/gwa/events.mark" 2>/dev/null || echo 0) + 1)) "$LAB_RUN/gwa/events.log"; }

_ev_py() { # _ev_py none|first|last PYEXPR: over the events since ev_mark
  ev_since | python3 -c '
import datetime, json, sys
mode, expr = sys.argv[1], sys.argv[2]
evs = [json.loads(l) for l in sys.stdin if l[:1] == "{"]
hits = [e for e in evs if eval(expr, {"e": e})]
if mode == "none":
    for e in hits:
        print(json.dumps(e))
    sys.exit(1 if hits else 0)
if hits:
    t = hits[0 if mode == "first" else -1]["time"].replace("Z", "+00:00")
    print("%.6f" % datetime.datetime.fromisoformat(t).timestamp())' "$1" "$2"
}
ev_none() { _ev_py none "$1"; }
ev_time() { _ev_py "${2:-last}" "$1"; }
ev_seen() { [[ -n $(ev_time "$1" first) ]]; }
# ev_time_after A B: epoch time of the first event matching B after the first matching A.
ev_time_after() {
  ev_since | python3 -c '
import datetime, json, sys
evs = [json.loads(l) for l in sys.stdin if l[:1] == "{"]
i = next((n for n, e in enumerate(evs) if eval(sys.argv[1], {"e": e})), None)
b = None if i is None else next((e for e in evs[i + 1:] if eval(sys.argv[2], {"e": e})), None)
if b:
    print("%.6f" % datetime.datetime.fromisoformat(b["time"].replace("Z", "+00:00")).timestamp())' "$1" "$2"
}
ev_seen_after() { [[ -n $(ev_time_after "$1" "$2") ]]; }
# ev_hold_ms: since ev_mark, from tunnel 1's last tunnel-up before traffic first moved to tunnel 1
# alone, to that move (ms); empty if there was none.
ev_hold_ms() {
  ev_since | python3 -c '
import datetime, json, sys
t = lambda e: datetime.datetime.fromisoformat(e["time"].replace("Z", "+00:00")).timestamp()
evs = [json.loads(l) for l in sys.stdin if l[:1] == "{"]
back = next((e for e in evs if e.get("to") == [1]), None)
ups = [e for e in evs if e["type"] == "tunnel-up" and e.get("tunnel") == 1 and back and t(e) <= t(back)]
if back and ups:
    print(round((t(back) - t(ups[-1])) * 1000))'
}

peer_tun() {
  xfrmctl_on gwa status --json | python3 -c "import json, sys
t = json.load(sys.stdin)['connections'][0]['tunnels'][int(sys.argv[1]) - 1]
print($2)" "$1"
}
peer_tun_healthy() { [[ $(peer_tun "$1" "t.get('healthy')") == True ]]; }
peer_in_packets() { esp_out gwa "$1"; }
# peer_in_since SNAP N: gwa's SAs from tunnel 1's peer address got N packets since peer_in_packets SNAP.
peer_in_since() { (($(esp_delta "$1" "$(peer_in_packets "$GWB_UL1")") >= $2)); }

peer_median() {
  printf '%s\n' "$@" | sort -n |
    awk '{v[NR] = $1} END {if (NR) print (NR % 2 ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2))}'
}
peer_max() { printf '%s\n' "$@" | sort -n | tail -n 1; }
peer_stats() { if (($#)); then echo "median $(peer_median "$@") ms, max $(peer_max "$@") ms over $#"; else echo "none"; fi; }
peer_ms_since() { # empty if T0 or a given T1 is empty
  [[ -n $1 ]] || return 0
  (($# == 1)) || [[ -n $2 ]] || return 0
  python3 -c 'import sys; print(round((float(sys.argv[2]) - float(sys.argv[1])) * 1000))' "$1" "${2:-$EPOCHREALTIME}"
}

peer_ms() { python3 -c 'import sys; print(round(int(sys.argv[1]) * max(1.0, float(sys.argv[2]))))' "$1" "${LAB_SLOW:-1}"; }

peer_clear_text() {
  local p n=0
  for p; do n=$((n + $(capture_count "$p" "not esp and net $NET_A and net $NET_B"))); done
  echo "$n"
}
# peer_cut / peer_uncut LOCAL REMOTE [LOCAL REMOTE]...: as traffic.sh's path_cut/path_restore on
# gwa (everything between the two public addresses dropped, both ways), all rules in one
# iptables-restore: the cut starts and ends at once, however slow each exec is in a busy guest.
_peer_cut_rules() {
  local op=$1
  shift
  echo "*filter"
  while (($# >= 2)); do
    echo "$op INPUT -s $2 -d $1 -j DROP"
    echo "$op OUTPUT -s $1 -d $2 -j DROP"
    shift 2
  done
  echo COMMIT
}
peer_cut() { _peer_cut_rules -I "$@" | on gwa iptables-legacy-restore --noflush; }
peer_uncut() { _peer_cut_rules -D "$@" | on gwa iptables-legacy-restore --noflush; }

# charon_log_mark GW / charon_log_count GW REGEX: lines of GW's charon.log after the mark matching REGEX.
charon_log_mark() { wc -l <"$LAB_RUN/$1/charon.log" >"$LAB_RUN/$1/charon.log.mark"; }
charon_log_count() {
  tail -n +$(($(cat "$LAB_RUN/$1/charon.log.mark") + 1)) "$LAB_RUN/$1/charon.log" | grep -c "$2" || true
}
gwa_log_mark() { wc -l <"$LAB_RUN/gwa/xfrmd.log" >"$LAB_RUN/gwa/xfrmd.log.mark"; }
gwa_log_has() { tail -n +$(($(cat "$LAB_RUN/gwa/xfrmd.log.mark") + 1)) "$LAB_RUN/gwa/xfrmd.log" | grep -c "$1" >/dev/null; }

# ---- steps shared by the scenarios; each writes $LAB_OUT/show-<step>.txt -----------------------

# peer_bringup STATE: flow "up" (hosta -> hostb) runs from before the apply (until then it
# crosses in clear: there is no tunnel yet). Tunnel 1 carries, the connection reaches STATE by
# itself, the flow gets replies through the tunnel, and nothing crossed in clear after the apply.
# Figure: from tunnel 1's CHILD_SA (charon's log) to xfrmd's verdict and to the first reply.
peer_bringup() {
  local st=$1 t_sa t_up t_first ms
  require tunnel1-carries wait_for 90 active_is gwa "[1]"
  check "reaches-$st" wait_for 30 state_is gwa "$st"
  tflow_mark up
  check traffic-crosses wait_for 30 tflow_has up 10
  flow_stop up
  capture_stop "$LAB_RUN/gwa/up-ul0.pcap"
  capture_stop "$LAB_RUN/gwa/up-ul1.pcap"
  t_sa=$(charon_child_time gwa xfrmd-peer-t1)
  t_up=$(ev_time 'e["type"] == "tunnel-up" and e.get("tunnel") == 1' first)
  t_first=$(tflow_first up "$t_sa")
  ms=$(peer_ms_since "$t_sa" "$t_first")
  # Before the apply the flow crosses in clear (no config yet); after it, fail-closed until the
  # tunnel carries: no clear text.
  check_eq no-clear-text-after-apply 0 \
    "$(peer_clear_after "$PEER_APPLIED" "$LAB_RUN/gwa/up-ul0.pcap" "$LAB_RUN/gwa/up-ul1.pcap")"
  {
    echo "bring-up, gwb silent (hosta -> hostb flow running from before the apply):"
    echo "  apply returned -> tunnel 1 CHILD_SA established (charon's log): $(peer_ms_since "$PEER_APPLIED" "$t_sa") ms"
    echo "  tunnel 1 CHILD_SA established -> xfrmd's tunnel-up event: $(peer_ms_since "$t_sa" "$t_up") ms"
    echo "  tunnel 1 CHILD_SA established -> first reply through the tunnel: ${ms:-never} ms"
    echo "  state now: $(conn gwa "c['state']"), carrying: $(conn gwa "c['active_tunnels']")"
  } >"$LAB_OUT/show-bringup.txt"
  check_lt child-to-traffic-under-5s "${ms:-99999}" "$(peer_ms 5000)"
}

# peer_cuts N CUT_S FAILBACK_S HOLD: N cuts of path 1 for CUT_S seconds each (shorter than
# probe.restart_after), under a 50 pkt/s flow. During the cut traffic moves to tunnel 2 alone
# (xfrmd's failover event) and the flow gets replies through it; path 1 restored, tunnel 1
# carries again within FAILBACK_S. HOLD=1: tunnel 2 stays healthy meanwhile, so tunnel 1 gets
# traffic back only after the hold-down (failback_hold_down 2 s; from xfrmd's events). The cut
# lasts CUT_S whatever the guest's speed: nothing is polled while it lasts. Stops at the first
# cut that fails. Sets FO_GAPS, FB_GAPS (the flow's longest interruption during the cut and
# after the restore, ms), FO_LOST and FB_LOST (echo requests lost then), REACTS (cut -> failover
# event, ms) and HOLDS.
peer_cuts() {
  local n=$1 cut_s=$2 fb_s=$3 hold=$4 i f t_cut t_fo t_res t_fb t_back snap sent2 on2 hd r0 dur ok=0 why=""
  FO_GAPS=() FB_GAPS=() FO_LOST=() FB_LOST=() REACTS=() HOLDS=() BACKS=()
  : >"$LAB_OUT/show-failover.txt"
  for ((i = 1; i <= n; i++)); do
    f=cut$i
    tflow_start hosta "$HOSTB" $f 0.02
    wait_for 30 tflow_has $f 10 || { why="cut $i: no traffic before the cut"; flow_stop $f; break; }
    r0=$(peer_tun 1 "t.get('restarts') or 0")
    ev_mark
    # Times from just before each iptables call: in a busy guest the rules may take effect long
    # before the call returns.
    snap=$(esp_out gwa "$GWA_UL2") t_cut=$EPOCHREALTIME
    peer_cut "$GWA_UL1" "$GWB_UL1"
    sleep "$cut_s"
    t_res=$EPOCHREALTIME
    peer_uncut "$GWA_UL1" "$GWB_UL1"
    dur=$(peer_ms_since "$t_cut")
    # Read after the cut (a busy guest takes seconds for it); the hold-down keeps tunnel 2 on meanwhile.
    sent2=$(esp_delta "$snap" "$(esp_out gwa "$GWA_UL2")")
    t_fo=$(ev_time 'e.get("to") == [2]' first)
    if [[ -z $t_fo ]] || python3 -c 'import sys; sys.exit(float(sys.argv[1]) < float(sys.argv[2]))' "$t_fo" "$t_res"; then
      why="cut $i: no failover to tunnel 2 during the ${cut_s} s cut"
    fi
    on2=$(tflow_count $f "${t_fo:-$t_res}" "$t_res")
    ((on2 >= 10)) || why=${why:-"cut $i: $on2 replies through tunnel 2 during the cut"}
    ((sent2 >= 10)) || why=${why:-"cut $i: tunnel 2's SA sent $sent2 packets during the cut"}
    [[ -n $why ]] || wait_for "$fb_s" active_is gwa "[1]" || why="cut $i: tunnel 1 not carrying ${fb_s} s after the restore"
    t_fb=$EPOCHREALTIME
    tflow_mark $f
    [[ -n $why ]] || wait_for 30 tflow_has $f 10 || why="cut $i: no traffic after the failback"
    flow_stop $f
    [[ -z $why ]] || break
    FO_GAPS+=("$(tflow_gap_ms $f "$t_cut" "$t_res")") FO_LOST+=("$(tflow_lost_in $f "$t_cut" "$t_res")")
    FB_GAPS+=("$(tflow_gap_ms $f "$t_res")") FB_LOST+=("$(tflow_lost_in $f "$t_res")")
    REACTS+=("$(peer_ms_since "$t_cut" "$t_fo")")
    hd=$(ev_hold_ms) t_back=$(ev_time 'e.get("to") == [1]' first)
    HOLDS+=("${hd:--1}") BACKS+=("$(peer_ms_since "$t_res" "$t_back")")
    echo "cut $i (${dur} ms): interruption ${FO_GAPS[-1]} ms, ${FO_LOST[-1]} lost" \
      "(cut -> failover event ${REACTS[-1]} ms; $on2 replies and $sent2 packets on tunnel 2 during the cut);" \
      "restored: interruption ${FB_GAPS[-1]} ms, ${FB_LOST[-1]} lost" \
      "(restore -> traffic back on tunnel 1 ${BACKS[-1]} ms by xfrmd's events, of which tunnel 1 up -> back ${hd:-?} ms;" \
      "polled: $(peer_ms_since "$t_res" "$t_fb") ms);" \
      "restarts of tunnel 1: $(($(peer_tun 1 "t.get('restarts') or 0") - r0))" >>"$LAB_OUT/show-failover.txt"
    ok=$((ok + 1))
  done
  {
    echo "$ok of $n cuts of path 1 (${cut_s} s each) under a 50 pkt/s flow failed over and back${why:+ (stopped: $why)}"
    echo "  failover interruption: $(peer_stats "${FO_GAPS[@]}"); lost: $(peer_stats "${FO_LOST[@]}" | sed 's/ ms//g') packets"
    echo "  cut -> xfrmd's failover event: $(peer_stats "${REACTS[@]}")"
    echo "  failback interruption: $(peer_stats "${FB_GAPS[@]}"); lost: $(peer_stats "${FB_LOST[@]}" | sed 's/ ms//g') packets"
    echo "  restore -> traffic back on tunnel 1: $(peer_stats "${BACKS[@]}");" \
      "tunnel 1 healthy again -> carrying: $(peer_stats "${HOLDS[@]}") (failback_hold_down 2 s)"
  } >>"$LAB_OUT/show-failover.txt"
  if ((ok == n)); then pass cuts-fail-over-and-back "$ok of $n"; else fail cuts-fail-over-and-back "$ok of $n: $why"; fi
  if ((hold)) && ((${#HOLDS[@]})); then check_gt failback-after-hold-down "$(peer_median "${HOLDS[@]}")" 1800; fi
}

# peer_cut_window_ok T_RES [no-t2]: since ev_mark (taken at the cut) and before T_RES, xfrmd
# failed closed (traffic moved to no tunnel) and, with no-t2, never called tunnel 2 healthy nor
# moved traffic to it (prints what it saw otherwise).
peer_cut_window_ok() {
  ev_since | python3 -c '
import datetime, json, sys
t = lambda e: datetime.datetime.fromisoformat(e["time"].replace("Z", "+00:00")).timestamp()
end = float(sys.argv[1])
evs = [e for e in map(json.loads, (l for l in sys.stdin if l[:1] == "{")) if t(e) < end]
closed = any(e.get("to") == [] for e in evs)
bad = [e for e in evs if (e["type"] == "tunnel-up" and e.get("tunnel") == 2) or 2 in (e.get("to") or [])]
if not closed or (sys.argv[2] == "no-t2" and bad):
    print("fail-closed: %s; tunnel 2 events: %s" % (closed, bad))
    sys.exit(1)' "$1" "${2:-}"
}

# peer_both_paths STATE: both paths cut for 3 s under a flow, then restored. While cut: traffic
# moves to no tunnel (fail-closed; xfrmd's events) and no clear text between the LANs leaves gwa
# on the underlay. Then traffic returns without operator action (and without traffic from site
# B) and the connection is STATE again. Nothing is polled during the cut: it lasts 3 s.
peer_both_paths() {
  local st=$1 t_cut t_res p0=$LAB_RUN/gwa/both-ul0.pcap p1=$LAB_RUN/gwa/both-ul1.pcap gap ret clear first
  check both-cut-starts-on-tunnel1 wait_for 60 active_is gwa "[1]"
  tflow_start hosta "$HOSTB" both 0.02
  wait_for 30 tflow_has both 10 || true
  capture_start gwa ul0 "$p0" >>"$LAB_RUN/gwa/captures.log"
  capture_start gwa ul1 "$p1" >>"$LAB_RUN/gwa/captures.log"
  ev_mark
  t_cut=$EPOCHREALTIME
  peer_cut "$GWA_UL1" "$GWB_UL1" "$GWA_UL2" "$GWB_UL2"
  sleep 3
  t_res=$EPOCHREALTIME
  peer_uncut "$GWA_UL1" "$GWB_UL1" "$GWA_UL2" "$GWB_UL2"
  check both-cut-fail-closed peer_cut_window_ok "$t_res"
  tflow_mark both
  check both-cut-traffic-returns wait_for 60 tflow_has both 10
  check "both-cut-back-$st" wait_for 30 state_is gwa "$st"
  flow_stop both
  capture_stop "$p0"
  capture_stop "$p1"
  gap=$(tflow_gap_ms both "$t_cut") clear=$(peer_clear_text "$p0" "$p1") first=$(tflow_first both "$t_res")
  ret=$(peer_ms_since "$t_res" "$first")
  check_eq fail-closed-no-clear-text 0 "$clear"
  check_lt both-cut-back-within-3s "${ret:-99999}" "$(peer_ms 3000)"
  {
    echo "both paths cut for $(peer_ms_since "$t_cut" "$t_res") ms (iptables calls' starts) under a 50 pkt/s flow, then restored (gwb silent):"
    echo "  outage ${gap} ms; restore -> first reply ${ret:-never} ms"
    echo "  fail-closed: clear-text packets between the LANs on gwa's underlay links while cut: $clear"
  } >"$LAB_OUT/show-both-paths.txt"
}

# peer_daemons: charon SIGKILLed on gwa and started again: fail-closed meanwhile, traffic comes
# back without operator action. Then xfrmd SIGKILLed and started again: not a packet lost.
peer_daemons() {
  local p0=$LAB_RUN/gwa/chr-ul0.pcap p1=$LAB_RUN/gwa/chr-ul1.pcap t0 ret gap clear lost
  check charon-kill-starts-on-tunnel1 wait_for 60 active_is gwa "[1]"
  tflow_start hosta "$HOSTB" chr 0.02
  wait_for 30 tflow_has chr 10 || true
  capture_start gwa ul0 "$p0" >>"$LAB_RUN/gwa/captures.log"
  capture_start gwa ul1 "$p1" >>"$LAB_RUN/gwa/captures.log"
  kill_daemon gwa charon
  check charon-kill-fail-closed wait_for 15 state_is gwa down
  start_charon gwa
  t0=$EPOCHREALTIME
  tflow_mark chr
  check charon-restart-traffic-returns wait_for 90 tflow_has chr 10
  ret=$(peer_ms_since "$t0")
  check charon-restart-tunnel1-carries wait_for 30 active_is gwa "[1]"
  flow_stop chr
  capture_stop "$p0"
  capture_stop "$p1"
  gap=$(tflow_gap_ms chr) clear=$(peer_clear_text "$p0" "$p1")
  check_eq charon-restart-no-clear-text 0 "$clear"

  tflow_start hosta "$HOSTB" xk 0.02
  wait_for 30 tflow_has xk 20 || true
  ev_stop
  kill_daemon gwa xfrmd
  tflow_mark xk
  check xfrmd-dead-kernel-forwards wait_for 30 tflow_has xk 50
  gwa_log_mark
  require xfrmd-restarts start_xfrmd gwa
  ev_start || true
  check xfrmd-restart-reconciled wait_for 30 gwa_log_has "reconciled in"
  # 2 s of probes on the adopted tunnels: a wrong verdict would show.
  tflow_mark xk
  check xfrmd-restart-traffic-continues wait_for 30 tflow_has xk 100
  flow_stop xk
  lost=$(tflow_lost xk)
  check_eq xfrmd-restart-no-loss 0 "$lost"
  check_eq xfrmd-restart-tunnel1-carries "[1]" "$(conn gwa "c['active_tunnels']")"
  {
    echo "charon SIGKILLed on gwa under a 50 pkt/s flow, started again at once:"
    echo "  outage ${gap} ms; charon started -> traffic again ${ret} ms (polled);" \
      "clear-text packets on the underlay: $clear"
    echo "xfrmd SIGKILLed under a 50 pkt/s flow, started again after 50 replies without it:" \
      "$lost lost of $(tflow_replies xk) replied; $(grep -o 'reconciled in [0-9]* ms' "$LAB_RUN/gwa/xfrmd.log" | tail -n 1)"
  } >"$LAB_OUT/show-daemon-restarts.txt"
}

# peer_in_track FILE: per SA from tunnel 1's peer address, the most packets seen so far (kept in
# FILE, so SAs replaced meanwhile keep counting); prints their sum.
peer_in_track() {
  python3 - "$1" "$(peer_in_packets "$GWB_UL1")" <<'PY'
import json, os, sys
f, now = sys.argv[1], dict(kv.split("=") for kv in sys.argv[2].split())
seen = json.load(open(f)) if os.path.exists(f) else {}
for spi, n in now.items():
    seen[spi] = max(int(n), seen.get(spi, 0))
json.dump(seen, open(f, "w"))
print(sum(seen.values()))
PY
}
peer_in_grew() { (($(peer_in_track "$1") - $2 >= $3)); } # peer_in_grew FILE BASE N

# peer_drop_t1 route|policy: gwb drops the ESP arriving from gwa's tunnel 1 (inbound only) while
# it still sends on tunnel 1: hostb pings hosta, routed by gwb over tunnel 1. Tunnel 1 must
# never be healthy nor carry traffic meanwhile (its outbound is dead; inbound packets, which
# xfrmd sees, prove nothing). route: tunnel 2 carries and both flows cross. policy: gwb's shared
# policies drop tunnel 2 too (the connection stays down but while xfrmd's restarts of tunnel 1
# briefly hand gwb's policies to tunnel 2).
peer_drop_t1() {
  local mode=$1 trk=$LAB_RUN/gwa/drop-t1.json base t0 got sent2 out0 ev st act
  check peer-drop-starts-on-tunnel1 wait_for 60 active_is gwa "[1]"
  tflow_start hostb "$HOSTA" hb 0.05
  tflow_start hosta "$HOSTB" ha 0.05
  wait_for 30 tflow_has hb 10 || true
  on gwb iptables-legacy -I INPUT -s "$GWA_UL1" -p esp -j DROP
  check peer-drop-leaves-tunnel1 wait_for 15 peer_not_on_t1
  ev_mark
  rm -f "$trk"
  base=$(peer_in_track "$trk") out0=$(esp_out gwa "$GWA_UL2") t0=$EPOCHREALTIME
  tflow_mark hb
  tflow_mark ha
  check peer-drop-t1-inbound-seen-not-healthy wait_for 15 peer_t1_inbound_only
  # The window: until gwa got 100 packets on tunnel 1 (5 s of hostb's flow).
  check peer-drop-gwa-receives-on-t1 wait_for 60 peer_in_grew "$trk" "$base" 100
  got=$(($(peer_in_track "$trk") - base)) sent2=$(esp_delta "$out0" "$(esp_out gwa "$GWA_UL2")")
  ev=$(ev_none '(e["type"] == "tunnel-up" and e.get("tunnel") == 1) or 1 in (e.get("to") or [])') && ev=""
  check_eq peer-drop-t1-never-healthy "" "$ev"
  st=$(conn gwa "c['state']") act=$(conn gwa "c['active_tunnels']")
  if [[ $mode == route ]]; then
    check_eq peer-drop-t2-carries "[2]" "$act"
    check_gt peer-drop-t2-sent "$sent2" 50
    check_gt peer-drop-hosta-flow-crosses "$(tflow_since_mark ha)" 50
    check_gt peer-drop-hostb-flow-crosses "$(tflow_since_mark hb)" 50
  fi
  {
    echo "gwb drops ESP from $GWA_UL1 (tunnel 1 inbound) and sends on tunnel 1 (hostb pings hosta):"
    echo "  window $(peer_ms_since "$t0") ms: gwa received $got packets on tunnel 1, sent $sent2 on tunnel 2"
    echo "  tunnel 1 healthy or carrying at any time: ${ev:-no}; connection $st, carrying $act;" \
      "restarts of tunnel 1 so far: $(peer_tun 1 "t.get('restarts')")"
    echo "  replies in the window: hosta -> hostb $(tflow_since_mark ha), hostb -> hosta $(tflow_since_mark hb)"
  } >"$LAB_OUT/show-peer-drops-t1.txt"
  on gwb iptables-legacy -D INPUT -s "$GWA_UL1" -p esp -j DROP
  check peer-drop-ends-tunnel1-back wait_for 60 active_is gwa "[1]"
  flow_stop hb
  flow_stop ha
}
peer_not_on_t1() { [[ $(conn gwa "1 in c['active_tunnels']") == False ]]; }
peer_t1_inbound_only() {
  [[ $(peer_tun 1 "'%s %s %s' % (t.get('healthy'), t.get('carries_traffic'), (t.get('probe') or {}).get('inbound_seen'))") == "False False True" ]]
}
peer_tun_unhealthy() { [[ $(peer_tun "$1" "t.get('healthy')") == False ]]; }

# peer_silent_clear: gwb drops tunnel 1's IKE SA without telling gwa: terminated while gwb's IKE
# packets to gwa are dropped, so its DELETE is lost (data packets pass until gwb's SAs are gone).
# gwa's tunnel 1 keeps IKE and CHILD SAs that look up while its probes go unanswered: xfrmd
# restarts it (probe.restart_after) and it carries traffic again. Judged from xfrmd's events, so
# a busy guest's slow polling cannot miss a step.
peer_silent_clear() {
  local r0 r1 t_gone t_down t_rs t_up t_car gap
  local ike_out=(OUTPUT -s "$GWB_UL1" -d "$GWA_UL1" -p udp -j DROP)
  local down='e["type"] == "tunnel-down" and e.get("tunnel") == 1'
  local rst='e["type"] == "tunnel-restart" and e.get("tunnel") == 1'
  local up='e["type"] == "tunnel-up" and e.get("tunnel") == 1'
  check silent-clear-starts-on-tunnel1 wait_for 60 active_is gwa "[1]"
  tflow_start hosta "$HOSTB" sc 0.02
  wait_for 30 tflow_has sc 10 || true
  r0=$(peer_tun 1 "t.get('restarts')")
  ev_mark
  charon_log_mark gwa
  on gwb iptables-legacy -I "${ike_out[@]}"
  check silent-clear-peer-terminates swanctl_on gwb --terminate --ike peer-t1 --force
  t_gone=$EPOCHREALTIME
  on gwb iptables-legacy -D "${ike_out[@]}"
  # The premise, from gwa's charon log (not its status: in a slow guest xfrmd may already have
  # restarted tunnel 1 by now): gwa was never told.
  check_eq silent-clear-gwa-not-told 0 "$(charon_log_count gwa 'peer-t1|.*received DELETE')"
  check silent-clear-t1-found-dead wait_for 30 ev_seen "$down"
  check silent-clear-t1-restarted wait_for 45 ev_seen_after "$down" "$rst"
  check silent-clear-t1-healthy-again wait_for 45 ev_seen_after "$rst" "$up"
  check silent-clear-t1-carries-again wait_for 30 active_is gwa "[1]"
  t_down=$(ev_time "$down" first) t_rs=$(ev_time_after "$down" "$rst") t_up=$(ev_time_after "$rst" "$up")
  t_car=$(ev_time_after "$rst" 'e.get("to") == [1]')
  r1=$(peer_tun 1 "t.get('restarts')")
  check silent-clear-restart-counted python3 -c 'import sys; sys.exit(not int(sys.argv[2]) > int(sys.argv[1]))' "$r0" "$r1"
  flow_stop sc
  gap=$(tflow_gap_ms sc)
  {
    echo "gwb terminated tunnel 1's IKE SA, its DELETE lost (gwb's IKE packets to gwa dropped meanwhile)"
    echo "  (probe.restart_after ${PEER_RESTART_AFTER:-?} s, failback_hold_down 2 s); from the terminate's return, by xfrmd's events:"
    echo "  tunnel 1 found dead $(peer_ms_since "$t_gone" "$t_down") ms, restarted by xfrmd $(peer_ms_since "$t_gone" "$t_rs") ms," \
      "healthy $(peer_ms_since "$t_gone" "$t_up") ms, carrying $(peer_ms_since "$t_gone" "$t_car") ms; restarts of tunnel 1: $r0 -> $r1"
    echo "  longest interruption of hosta's flow ${gap} ms"
  } >"$LAB_OUT/show-silent-clear.txt"
}

# peer_finish: stop the monitors; the final status and gwb's view for the record.
peer_finish() {
  ev_stop
  xfrmctl_on gwa status >"$LAB_OUT/show-status-gwa.txt" 2>&1 || true
  xfrmctl_on gwa status --json >"$LAB_RUN/gwa/status-final.json" 2>&1 || true
  { swanctl_on gwb --list-sas; on gwb ip xfrm policy; } >"$LAB_RUN/gwb/final.txt" 2>&1 || true
}
