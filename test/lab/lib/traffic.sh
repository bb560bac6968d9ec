# shellcheck shell=bash
# Continuous test flows and what they saw.
#   flow_start NS DST NAME [INTERVAL_S] [SRC]
#                                         ping DST from NS (from address SRC) every INTERVAL_S
#                                         (default 0.02) in the background; output in
#                                         $LAB_RUN/NAME.ping
#   flow_stop NAME                        stop it
#   flow_gap_ms NAME                      the longest run of lost replies, in milliseconds
#   flow_received NAME                    replies received
#   flow_since_mark NAME                  replies since the last flow_mark
#   flow_mark NAME                        remember how many replies there are now

flow_start() {
  local ns=$1 dst=$2 name=$3 iv=${4:-0.02} src=()
  [[ -n ${5:-} ]] && src=(-I "$5")
  echo "$iv" >"$LAB_RUN/$name.interval"
  # ip netns exec execs ping: $! is ping itself, so the signal reaches it.
  ip netns exec "$ns" ping -n -i "$iv" -W 1 "${src[@]}" "$dst" >"$LAB_RUN/$name.ping" 2>&1 &
  echo $! >"$LAB_RUN/$name.pid"
}

flow_stop() {
  local pid
  pid=$(cat "$LAB_RUN/$1.pid")
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

flow_gap_ms() {
  python3 - "$LAB_RUN/$1.ping" "$(cat "$LAB_RUN/$1.interval")" <<'PY'
import re, sys
seqs = sorted({int(m.group(1)) for m in re.finditer(r"icmp_seq=(\d+) ", open(sys.argv[1]).read())})
gap = max((b - a - 1 for a, b in zip(seqs, seqs[1:])), default=0)
print(round(gap * float(sys.argv[2]) * 1000))
PY
}

flow_received() { grep -c "icmp_seq=" "$LAB_RUN/$1.ping" || true; }
flow_mark() { flow_received "$1" >"$LAB_RUN/$1.mark"; }
flow_since_mark() { echo $(($(flow_received "$1") - $(cat "$LAB_RUN/$1.mark"))); }

# path_cut NS LOCAL REMOTE / path_restore NS LOCAL REMOTE: drop everything between two public
# addresses in NS, both ways (an underlay path failure; a link down alone may be routed around).
# esp_cut NS / esp_restore NS: drop all ESP arriving in NS (tunnels die, IKE lives on).
# Legacy iptables: UML's kernel has no nftables for the ip family (CONFIG_NF_TABLES_IPV4 off).
_path_rules() {
  local op=$1 ns=$2 local=$3 remote=$4
  ip netns exec "$ns" iptables-legacy "$op" INPUT -s "$remote" -d "$local" -j DROP
  ip netns exec "$ns" iptables-legacy "$op" OUTPUT -s "$local" -d "$remote" -j DROP
}
path_cut() { _path_rules -I "$@"; }
path_restore() { _path_rules -D "$@"; }
esp_cut() { ip netns exec "$1" iptables-legacy -I INPUT -p esp -j DROP; }
esp_restore() { ip netns exec "$1" iptables-legacy -D INPUT -p esp -j DROP; }

# flow_lost NAME: echo requests with no reply between the flow's first and last reply (a
# request in flight when the flow stopped is not counted); -1 if nothing came back.
# flow_sent NAME: echo requests sent (ping's summary line).
flow_lost() {
  python3 - "$LAB_RUN/$1.ping" <<'PY'
import re, sys
seqs = {int(m.group(1)) for m in re.finditer(r"icmp_seq=(\d+) ", open(sys.argv[1]).read())}
print(max(seqs) - min(seqs) + 1 - len(seqs) if seqs else -1)
PY
}
flow_sent() { sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$LAB_RUN/$1.ping"; }
