# shellcheck shell=bash
# interop-libreswan-policy: xfrmd on gwa (policy mode, two tunnels, tunnel 1
# primary, probes every 100 ms, fail-closed) against Libreswan 4.10 on gwb,
# policy-based with one conn per tunnel for the same subnets (gwb.ipsec.conf).
# The kernel holds one set of policies for those subnets, and Libreswan
# points it at one tunnel: its in/fwd policies (what gwb accepts) name the
# tunnel whose CHILD_SA was established last, its out policy (what gwb sends
# on) the one established or rekeyed last. Packets arriving on the other
# tunnel fail the policy check and are dropped (XfrmInTmplMismatch). gwb sends
# no traffic of its own: hostb and gwb only answer.
# Shown: both tunnels come up; xfrmd and gwb settle on the primary (xfrmd
# restarts the primary when gwb drops it, README "Stale tunnels are
# restarted"), and xfrmd agrees with gwb (status: the tunnel gwb drops is not
# healthy and carries nothing, traffic crosses on the other); over a quiet
# window nothing xfrmd does moves gwb (a new CHILD_SA on the standby would)
# and traffic is never interrupted; the standby re-established (its IKE SA
# deleted on gwa; xfrmd initiates it again): gwb moves to it, xfrmd follows,
# restarts the primary, which brings gwb back, and follows again, each
# interruption measured (xfrmd's share under 1 s: the time pluto has no
# policy for the subnets between two CHILD_SAs is its own); a rekey of the standby moves only gwb's out policy:
# answers come back on it, and xfrmd stays on the primary, with no restart
# and no interruption. Over the whole run, from xfrmd's events and gwb's
# policy changes (ip xfrm monitor): xfrmd never makes a tunnel healthy or
# active while gwb drops it, and takes it down soon after gwb starts dropping
# it. The limitation is in show-limitation.txt.

ms() { python3 -c "import sys; print(round((float(sys.argv[2]) - float(sys.argv[1])) * 1000))" "$1" "$2"; }
healthy_is() { [[ $(conn gwa "c['tunnels'][$1 - 1]['healthy']") == "$2" ]]; } # healthy_is N True|False
flowing() { (($(flow_since_mark "$1") > 10)); } # flowing NAME: replies again since flow_mark NAME
replies_reach() { (($(flow_since_mark "$1") >= $2)); } # replies_reach NAME N
both_up() { [[ $(conn gwa "all(t['up'] for t in c['tunnels'])") == True ]]; }
# peer_accepts / peer_sends: the tunnel (1, 2; 0: none, e.g. a trap while SAs are replaced) that
# gwb's fwd policy site A -> site B takes packets from / its out policy site B -> site A sends on.
peer_accepts() {
  on gwb ip xfrm policy list dir fwd src "$NET_A" dst "$NET_B" |
    awk -v u1="$GWA_UL1" -v u2="$GWA_UL2" '$1 == "tmpl" { n = ($3 == u1) ? 1 : ($3 == u2) ? 2 : 0 } END { print n + 0 }'
}
peer_sends() {
  on gwb ip xfrm policy list dir out src "$NET_B" dst "$NET_A" |
    awk -v u1="$GWB_UL1" -v u2="$GWB_UL2" '$1 == "tmpl" { n = ($3 == u1) ? 1 : ($3 == u2) ? 2 : 0 } END { print n + 0 }'
}
peer_accepts_is() { [[ $(peer_accepts) == "$1" ]]; }
peer_sends_is() { [[ $(peer_sends) == "$1" ]]; }
peer_accepts_one() { (($(peer_accepts) > 0)); }
on_primary() { peer_accepts_is 1 && agree; } # gwb accepts tunnel 1 and xfrmd agrees
# ev_since T PYEXPR: some event e of gwa's xfrmd after epoch time T satisfies PYEXPR.
ev_since() {
  python3 -c 'import datetime, json, sys
t = lambda e: datetime.datetime.strptime(e["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
sys.exit(not any(t(e) >= float(sys.argv[2]) and eval(sys.argv[3], {"e": e})
  for e in (json.loads(l) for l in open(sys.argv[1]) if l[:1] == "{")))' "$LAB_RUN/gwa/events.log" "$1" "$2"
}
# gaps_ms NAME: the 5 longest gaps between replies of flow NAME, in ms, longest first.
gaps_ms() {
  python3 - "$LAB_RUN/$1.ping" <<'PY'
import re, sys
ts = [float(m.group(1)) for m in re.finditer(r"^\[(\d+\.\d+)\] \d+ bytes from ", open(sys.argv[1]).read(), re.M)]
print(" ".join(str(g) for g in sorted((round((b - a) * 1000) for a, b in zip(ts, ts[1:])), reverse=True)[:5]) or "none")
PY
}
# xfrmd_share NAME: of each gap between replies of flow NAME, what is left once the time gwb had
# no policy taking site A -> site B at all (its fwd policy deleted, pluto between two CHILD_SAs:
# nothing reaches site B whatever gwa does) is taken out. Prints "SHARE GAP PEER_GAP" in ms for
# the gap with the longest share.
xfrmd_share() {
  python3 - "$LAB_RUN/$1.ping" "$LAB_RUN/gwb/policy-monitor.txt" "$NET_A" "$NET_B" <<'PY'
import datetime, re, sys
ts = [float(m.group(1)) for m in re.finditer(r"^\[(\d+\.\d+)\] \d+ bytes from ", open(sys.argv[1]).read(), re.M)]
sel, fwd, cur = sys.argv[3:5], [], None  # fwd: (time, present)
for l in open(sys.argv[2]):
    m = re.match(r"\[([0-9T:.-]+)\] (Deleted |Updated )?src (\S+) dst (\S+)", l)
    if m:
        cur = [datetime.datetime.fromisoformat(m.group(1)).timestamp(), m.group(2) != "Deleted "]
        cur = cur if [m.group(3), m.group(4)] == sel else None
    elif cur and re.match(r"\s+dir fwd", l):
        fwd.append(tuple(cur))
        cur = None
holes, since = [], None  # holes: the intervals without a fwd policy
for t, present in fwd:
    if not present and since is None:
        since = t
    elif present and since is not None:
        holes.append((since, t))
        since = None
overlap = lambda a, b: sum(max(0, min(b, y) - max(a, x)) for x, y in holes)
best = max(((b - a) - overlap(a, b), b - a, overlap(a, b)) for a, b in zip(ts, ts[1:]))
print(" ".join(str(round(x * 1000)) for x in best))
PY
}
# agree: the tunnel gwb accepts carries xfrmd's traffic and is its only healthy one (status).
agree() {
  local p
  p=$(peer_accepts)
  ((p > 0)) && active_is gwa "[$p]" && healthy_is "$p" True && healthy_is $((3 - p)) False &&
    [[ $(conn gwa "c['tunnels'][$((2 - p))]['carries_traffic']") == False ]] && peer_accepts_is "$p"
}
# tmpl_mismatch: packets gwb decrypted and then dropped because no policy takes them from that SA.
tmpl_mismatch() { { on gwb cat /proc/net/xfrm_stat 2>/dev/null || true; } | awk '$1 == "XfrmInTmplMismatch" { n = $2 } END { print n + 0 }'; }
# peer_analysis T0 T1 LAG_MS: xfrmd's events (gwa/events.log) against the tunnel gwb accepts over
# time (its fwd policy site A -> site B in gwb/policy-monitor.txt). Prints "MOVES RESTARTS WRONG
# LATE WORST": gwb's changes of tunnel and xfrmd's tunnel restarts within [T0, T1]; over the
# whole run, xfrmd events that made a tunnel healthy or gave it traffic while gwb had been
# dropping it for more than LAG_MS (WRONG), changes away from a tunnel xfrmd called healthy that
# xfrmd took more than LAG_MS to act on (LATE) and the longest such delay in ms (WORST).
peer_analysis() {
  python3 - "$LAB_RUN/gwb/policy-monitor.txt" "$LAB_RUN/gwa/events.log" "$1" "$2" "$3" \
    "$NET_A" "$NET_B" "$GWA_UL1" "$GWA_UL2" <<'PY'
import datetime, json, re, sys
mon, evf, t0, t1, lag = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]) / 1000
sel, ul = sys.argv[6:8], {sys.argv[8]: 1, sys.argv[9]: 2}
peer, cur = [], None  # peer: (time, tunnel; 0 = none)
for l in open(mon):
    m = re.match(r"\[([0-9T:.-]+)\] (Deleted |Updated )?src (\S+) dst (\S+)", l)
    if m:
        cur = [datetime.datetime.fromisoformat(m.group(1)).timestamp(), m.group(2) or "", None]
        cur = cur if [m.group(3), m.group(4)] == sel else None
    elif cur and re.match(r"\s+dir fwd", l):
        cur[2] = "fwd"
    elif cur and cur[2] == "fwd" and re.match(r"\s+tmpl src ", l):
        peer.append((cur[0], 0 if cur[1] == "Deleted " else ul.get(l.split()[2], 0)))
        cur = None
def peer_at(t):
    p = 0
    for pt, x in peer:
        if pt > t:
            break
        p = x
    return p
moves, last = 0, 0
for pt, x in peer:
    if x and last and x != last and t0 <= pt <= t1:
        moves += 1
    last = x or last
utc = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
ev = [dict(e, t=utc(e["time"])) for e in (json.loads(l) for l in open(evf) if l[:1] == "{")]
restarts = sum(1 for e in ev if e["type"] == "tunnel-restart" and t0 <= e["t"] <= t1)
# Slack: the answers xfrmd acts on may have left gwb up to LAG_MS before (as it may take that long
# to see gwb change), and the two logs are written by two processes (0.2 s).
ok = lambda x, t: x in [peer_at(t - lag), peer_at(t + 0.2)] + [y for pt, y in peer if t - lag <= pt <= t + 0.2]
wrong = 0
for e in ev:
    if e["type"] == "tunnel-up":
        wrong += not ok(e["tunnel"], e["t"])
    elif e["type"] in ("active-changed", "failover", "failback"):
        wrong += any(not ok(x, e["t"]) for x in e.get("to", []))
late, worst = 0, 0
for i, (pt, x) in enumerate(peer):
    prev = next((y for _, y in reversed(peer[:i]) if y), 0)
    if not x or not prev or x == prev:
        continue
    healthy = set()  # xfrmd's healthy tunnels when gwb left prev
    for e in ev:
        if e["t"] > pt:
            break
        if e["type"] == "tunnel-up":
            healthy.add(e["tunnel"])
        elif e["type"] == "tunnel-down":
            healthy.discard(e["tunnel"])
    if prev not in healthy:
        continue
    down = next((e["t"] for e in ev if e["t"] >= pt and e["type"] == "tunnel-down" and e["tunnel"] == prev), None)
    d = (down - pt) if down is not None else float("inf")
    late += d > lag
    worst = max(worst, d)
print(moves, restarts, wrong, late, "none" if worst == float("inf") else round(worst * 1000))
PY
}
save_peer_policies() { # save_peer_policies TITLE: gwb's policies for the subnets, to show-peer-policies.txt
  {
    echo "$1"
    on gwb ip xfrm policy list src "$NET_A" dst "$NET_B"
    on gwb ip xfrm policy list src "$NET_B" dst "$NET_A"
  } >>"$LAB_OUT/show-peer-policies.txt" 2>&1
}

# pluto answers IKE_AUTH only once its updown script has run (5-12 s per
# CHILD_SA in the guest): charon waits for it longer than the lab's default.
mkdir -p "$LAB_RUN/gwa" "$LAB_RUN/gwb"
echo "retransmit_tries = 5" >"$LAB_RUN/gwa/strongswan.extra.conf"
# gwb's policy changes with their times, for the whole run (ip netns exec execs: $! is ip).
ip netns exec gwb ip -ts xfrm monitor policy >"$LAB_RUN/gwb/policy-monitor.txt" 2>&1 &
polmon_pid=$!
start_charon gwa
require start-pluto start_pluto gwb "$LAB_SCENARIO_DIR/gwb.ipsec.conf" "$LAB_SCENARIO_DIR/gwb.secrets"
cp "$LAB_SCENARIO_DIR/gwa.json" "$LAB_RUN/gwa/xfrmd.json"
chmod 600 "$LAB_RUN/gwa/xfrmd.json"
require start-xfrmd start_xfrmd gwa
# xfrmd's events, with their times, for the whole run.
ip netns exec gwa "$XFRMCTL_BIN" -s "$LAB_RUN/gwa/xfrmd.sock" monitor --json >"$LAB_RUN/gwa/events.log" 2>&1 &
monitor_pid=$!
require apply xfrmctl_on gwa apply -f "$LAB_RUN/gwa/xfrmd.json"
lag=$(($(lab_slow_s 1) * 1000)) # ms xfrmd may take to see gwb change (1 s, times LAB_SLOW)
# A gap between replies that counts as an interruption: 1 s, times LAB_SLOW (a busy host delays
# the flow's pings and answers by hundreds of ms without any change of path).
gap_max=$(($(lab_slow_s 1) * 1000))

# 1. Both tunnels come up (xfrmd initiates); gwb accepts one of them.
check peer-t1-up wait_for 90 pluto_up gwb t1
check peer-t2-up wait_for 90 pluto_up gwb t2
check both-up-gwa wait_for 30 both_up
check_eq peer-never-initiated 0 "$(grep -c 'initiating' "$LAB_RUN/gwb/pluto.log" || true)"
require peer-accepts-one-tunnel wait_for 30 peer_accepts_one
used=$(peer_accepts)
pass peer-uses "gwb accepts tunnel $used (its CHILD_SA was established last) and sends on tunnel $(peer_sends)"
save_peer_policies "1. both tunnels up: gwb's one set of policies for 10.1.0.0/24 <-> 10.2.0.0/24"

# 2. xfrmd and gwb settle on the primary (if gwb accepts the standby, the
# primary's probes go unanswered and xfrmd restarts it: three times
# restart_after, 15 s, for a CHILD_SA never answered; its new CHILD_SA brings
# gwb over) and agree (xfrmctl status --json); then a quiet window of 500
# replies of a 50 pkt/s flow (10 s; no operator action, no fault).
check xfrmd-agrees-with-peer wait_for 30 agree
check settled-on-primary wait_for 60 on_primary
used=$(peer_accepts)
((used > 0)) || used=1
xfrmctl_on gwa status >"$LAB_OUT/show-status-gwa.txt" 2>&1 || true
m0=$(tmpl_mismatch)
flow_timed_start hosta "$HOSTB" f0 0.02
flow_mark f0
t0=$EPOCHREALTIME
check quiet-window-500-replies wait_for 60 replies_reach f0 500
t1=$EPOCHREALTIME
flow_stop f0
m1=$(tmpl_mismatch)
check_gt peer-drops-other "$((m1 - m0))" 0
gap=$(flow_timed_gap_ms f0)
check_lt quiet-window-no-interruption "$gap" "$gap_max"
read -r moves restarts _ < <(peer_analysis "$t0" "$t1" "$lag") || true
check_eq peer-never-moved 0 "$moves"
check_eq no-restart-in-quiet-window 0 "$restarts"
check xfrmd-agrees-after-window wait_for 5 agree
{
  echo "quiet window of $(ms "$t0" "$t1") ms (500 replies of a 50 pkt/s flow hosta -> hostb), gwb accepting tunnel $used at its start:"
  echo "  longest gap between replies ${gap} ms; gwb changed tunnels $moves times; xfrmd restarted" \
    "tunnels $restarts times; gwb dropped $((m1 - m0)) packets arriving on the tunnel it does not" \
    "accept (XfrmInTmplMismatch)"
} >"$LAB_OUT/show-health.txt"

# 3. The standby re-established: its IKE SA deleted on gwa, xfrmd initiates
# it again (start immediate); its new CHILD_SA is the last one established at
# gwb, whose policies all move to it. xfrmd must follow; then, the primary
# carrying nothing, restart it (README), which brings gwb back, and follow
# again. Under a 50 pkt/s flow; each interruption measured.
check agrees-before-reestablish wait_for 30 on_primary
flow_timed_start hosta "$HOSTB" f1 0.02
wait_for 5 flowing f1 || true
t_term=$EPOCHREALTIME
check terminate-standby swanctl_on gwa --terminate --ike xfrmd-lsw-t2 --timeout 10
check peer-moves-to-standby wait_for 90 peer_accepts_is 2
t_moved=$EPOCHREALTIME
if wait_for 10 active_is gwa "[2]"; then
  follow="$(ms "$t_moved" "$EPOCHREALTIME") ms later"
  pass xfrmd-follows "$follow"
else
  follow="not within $(lab_slow_s 10) s"
  fail xfrmd-follows "active tunnels $(conn gwa "c['active_tunnels']"), not [2], $follow"
fi
check primary-restarted wait_for 30 ev_since "$t_moved" "e['type'] == 'tunnel-restart' and e['tunnel'] == 1"
check peer-back-on-primary wait_for 90 peer_accepts_is 1
t_back=$EPOCHREALTIME
check xfrmd-back-on-primary wait_for 10 on_primary
flow_mark f1
check flow-continues wait_for 5 flowing f1
flow_stop f1
gaps=$(gaps_ms f1)
# What xfrmd owes of each interruption: pluto deletes the old CHILD_SA's policies before it
# installs the new one's (its updown script between them, 0.8 s in a quiet lab), and nothing
# crosses then whatever gwa does; the rest is xfrmd noticing (probes: loss x interval) and moving.
read -r share share_gap share_peer <<<"$(xfrmd_share f1)"
check_lt interruptions-beyond-peer-gap-under-1s-x-slow "$share" "$gap_max"
save_peer_policies "3. standby re-established, primary restarted: gwb's policies back on tunnel 1"
{
  echo "standby re-established (its IKE SA deleted on gwa, xfrmd initiated it again): gwb's policies moved"
  echo "  to it after $(ms "$t_term" "$t_moved") ms (pluto's updown script runs first); xfrmd followed $follow"
  echo "  (polled every 0.2 s), restarted the primary, and gwb was back on it $(ms "$t_moved" "$t_back") ms after it"
  echo "  had left; longest gaps between replies of a 50 pkt/s flow (ms): $gaps"
  echo "  xfrmd's share: at most $share ms (of a $share_gap ms gap, $share_peer ms of which gwb had"
  echo "  no policy for the subnets at all)"
} >"$LAB_OUT/show-move.txt"

# 4. A rekey of the standby, which gwb drops (asked of gwa's charon; charon
# does it every esp.rekey_time): gwb's out policy moves to it, its in/fwd
# policies do not. gwb answers on the standby and still drops what arrives on
# it; xfrmd stays on the primary, with no restart and no interruption.
check agrees-before-rekey wait_for 30 on_primary
used=1 other=2
ul_other=GWB_UL$other
flow_timed_start hosta "$HOSTB" f2 0.02
wait_for 5 flowing f2 || true
in0=$(esp_out gwa "${!ul_other}")
t_rekey=$EPOCHREALTIME
check rekey-other wait_for 30 swanctl_on gwa --rekey --child "xfrmd-lsw-t$other"
check peer-sends-on-other wait_for 60 peer_sends_is "$other"
check_eq peer-still-accepts-previous "$used" "$(peer_accepts)"
flow_mark f2
check flow-after-rekey wait_for 30 replies_reach f2 200
flow_stop f2
in1=$(esp_out gwa "${!ul_other}")
check_gt answers-arrive-on-other "$(esp_delta "$in0" "$in1")" 100
check_eq xfrmd-stays "[$used]" "$(conn gwa "c['active_tunnels']")"
check_eq other-still-not-healthy False "$(conn gwa "c['tunnels'][$other - 1]['healthy']")"
gap=$(flow_timed_gap_ms f2)
check_lt rekey-no-interruption "$gap" "$gap_max"
if ev_since "$t_rekey" "e['type'] == 'tunnel-restart'"; then
  fail no-restart-after-rekey "$(grep -c '"tunnel-restart"' "$LAB_RUN/gwa/events.log") restarts so far"
else
  pass no-restart-after-rekey
fi
save_peer_policies "4. tunnel $other rekeyed: gwb's out policy moved to it, in/fwd did not"
echo "rekey of tunnel $other: gwb sends on tunnel $other, accepts tunnel $used;" \
  "xfrmd on $(conn gwa "c['active_tunnels']"); longest gap between replies ${gap} ms" >>"$LAB_OUT/show-move.txt"

# 5. The whole run, from the events.
read -r moves restarts wrong late worst < <(peer_analysis 0 9999999999 "$lag") || true
check_eq never-healthy-while-peer-drops 0 "$wrong"
check_eq down-when-peer-drops 0 "$late"
{
  echo "whole run: gwb changed the tunnel it accepts $moves times; xfrmd restarted tunnels $restarts times;"
  echo "  xfrmd made a tunnel healthy or active while gwb had been dropping it for over $lag ms: $wrong times;"
  echo "  took a tunnel down more than $lag ms after gwb started dropping it: $late times (longest: $worst ms)"
} >>"$LAB_OUT/show-health.txt"

cat >"$LAB_OUT/show-limitation.txt" <<EOF
Limitation: Libreswan policy-based with two conns for the same subnets.
The kernel keeps one set of policies per selector, and Libreswan points it
at one tunnel: gwb accepts (in/fwd policies) only the tunnel whose CHILD_SA
was established last, and sends (out policy) on the one established or
rekeyed last. What arrives on the other tunnel is dropped (XfrmInTmplMismatch).
So one tunnel at a time carries traffic towards site B, never both, and
every new CHILD_SA (a tunnel restarted by either side, DPD, a reboot) moves
it, with an interruption while xfrmd's probes notice (loss x interval). A
rekey moves only gwb's out policy: answers then come back on the other tunnel
(xfrmd accepts them on any of the connection's tunnels) and nothing moves.
xfrmd follows: the tunnel gwb drops never answers its probes, so it is not
healthy and carries nothing but probes. It restarts the primary when gwb
drops it (its new CHILD_SA brings gwb back, a second interruption), never
the standby while the primary carries traffic. A failover xfrmd decides
(path cut) reaches site B only if the tunnel left is the one gwb accepts, or
once that one is re-established.
Use route-based on the Libreswan side (VTI by mark, interop-libreswan-route)
for two tunnels; with policy-based Libreswan, configure one tunnel.
EOF
# For the record: what the kernels did with it (policies, SA counters; no keys).
for gw in gwa gwb; do
  { on $gw ip xfrm policy; on $gw ip -s xfrm state | grep -vE '^\s(aead|enc|auth|auth-trunc) '; } \
    >"$LAB_RUN/$gw/xfrm-end.txt" 2>&1 || true
done
kill "$monitor_pid" "$polmon_pid" 2>/dev/null || true
wait "$monitor_pid" "$polmon_pid" 2>/dev/null || true
cat "$LAB_OUT"/show-*.txt
