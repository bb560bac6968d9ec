# shellcheck shell=bash
# Libreswan's pluto as a far end (scenarios interop-libreswan-*). Debian's libreswan conflicts
# with strongSwan in dpkg, so it is never installed: test/setup-deps.sh unpacks the package into
# $LAB_CACHE/libreswan/<version>/ and installs its libraries. LIBRESWAN_DIR is that tree (default:
# the newest one there). pluto runs in GW's namespace, in a mount namespace of its own where the
# tree's usr/libexec is bind-mounted over /usr/libexec (pluto runs addconn and the updown script
# from /usr/libexec/ipsec) and /run is a private tmpfs. Everything of GW's pluto is in
# $LAB_RUN/GW/: pluto.log, pluto.pid, and pluto/ with ipsec.conf, secrets.key (the secrets file:
# a .key name, so check_no_secrets knows keys belong there), nss/ (made with certutil), ipsec.d/
# and run/ (its --rundir, with the control socket pluto.ctl).
#
#   start_pluto GW CONF SECRETS   pluto with the ipsec.conf CONF (pluto loads its conns as it
#                                 starts) and the ipsec.secrets SECRETS; waits, as long as the
#                                 guest needs (60 s times LAB_SLOW at most), until pluto answers
#                                 on its control socket, listens on GW's addresses and has every
#                                 conn of CONF; fails at once if pluto exits
#   pluto_on GW TOOL [ARGS...]    TOOL (whack, addconn, ipsec, ...) of the tree in pluto's
#                                 namespaces; whack and addconn get --ctlsocket, e.g.
#                                 pluto_on gwb whack --trafficstatus
#   pluto_up GW CONN              CONN has an IPsec SA (whack --trafficstatus lists it)
#   pluto_bytes GW CONN in|out    bytes through CONN's IPsec SAs (whack --trafficstatus)
#   pluto_states GW               whack --showstates
#   stop_pluto GW                 whack --shutdown (pluto deletes its SAs, telling the peer), then
#                                 wait for it to exit (SIGKILL after 10 s)
#   kill_pluto GW                 SIGKILL, a crash: its SAs and policies stay in the kernel
#   lab_log_tail GW pluto [N]     (lib/daemons.sh) the last lines of its log
#   pluto_vti_answers GW          GW's routing for a route-based pluto with vti1 and vti2: nothing
#                                 for site A (NET_A) in clear (a blackhole in the main table); a
#                                 packet arriving on vtiN marks its connection 0x1N and answers
#                                 carry the mark (restored for forwarded ones, reflected by the
#                                 kernel for GW's own ICMP answers), which selects table 1N, where
#                                 the updown script routes site A through vtiN once pluto made it
# Timed flows, for outages measured in real time (a busy guest sends a ping flow's requests late,
# so sequence numbers times the interval, as flow_gap_ms counts, come out short):
#   flow_timed_start NS DST NAME [INTERVAL_S] [SRC]   flow_start (traffic.sh) with each reply's
#                                 time (ping -D); flow_stop, flow_received, flow_mark and
#                                 flow_since_mark work on it
#   flow_timed_gap_ms NAME        the longest time between two replies in a row, in ms ("none"
#                                 with fewer than two replies: no integer, so checks on it fail)

LAB_CACHE=${LAB_CACHE:-/var/cache/xfrmd-lab}

pluto_vti_answers() {
  local n
  on "$1" ip route add blackhole "$NET_A"
  on "$1" sysctl -qw net.ipv4.fwmark_reflect=1 net.ipv4.conf.all.rp_filter=0
  for n in 1 2; do
    on "$1" iptables-legacy -t mangle -A PREROUTING -i "vti$n" -j CONNMARK --set-mark "0x1$n"
    on "$1" ip rule add fwmark "0x1$n" table "1$n"
  done
  on "$1" iptables-legacy -t mangle -A PREROUTING -j CONNMARK --restore-mark
}

_pluto_tree() { # the unpacked package: LIBRESWAN_DIR, else the newest complete tree in the cache
  local d
  if [[ -n ${LIBRESWAN_DIR:-} ]]; then echo "$LIBRESWAN_DIR"; return; fi
  for d in "$LAB_CACHE"/libreswan/*/.complete; do [[ -e $d ]] && dirname "$d"; done | sort -V | tail -n 1
}

_pluto_dir() { echo "$LAB_RUN/$1/pluto"; }

# _pluto_exec GW CMD...: CMD in GW's namespace with the tree's usr/libexec over /usr/libexec.
_pluto_exec() {
  local gw=$1
  shift
  # shellcheck disable=SC2016 # expanded by sh -c
  ip netns exec "$gw" unshare -m sh -c 'mount --bind "$0/usr/libexec" /usr/libexec && exec "$@"' \
    "$(_pluto_tree)" "$@"
}

pluto_on() {
  local gw=$1 tool=$2 ctl
  shift 2
  ctl=$(_pluto_dir "$gw")/run/pluto.ctl
  case $tool in
    whack | addconn) _pluto_exec "$gw" "/usr/libexec/ipsec/$tool" --ctlsocket "$ctl" "$@" ;;
    ipsec) _pluto_exec "$gw" env IPSEC_RUNDIR="${ctl%/*}" IPSEC_CONF="$(_pluto_dir "$gw")/ipsec.conf" \
      IPSEC_NSSDIR="$(_pluto_dir "$gw")/nss" "$(_pluto_tree)/usr/sbin/ipsec" "$@" ;;
    *) _pluto_exec "$gw" "/usr/libexec/ipsec/$tool" "$@" ;;
  esac
}

# _pluto_ready GW CONF: status answers, pluto listens on a non-loopback interface and knows every
# conn of CONF (but %default).
_pluto_ready() {
  local st c
  st=$(pluto_on "$1" whack --status 2>/dev/null) || return 1
  grep -qE '^000 interface [^l ][^ ]* UDP ' <<<"$st" || return 1
  while read -r c; do
    grep -qF "\"$c\":" <<<"$st" || return 1
  done < <(awk '$1 == "conn" && $2 != "%default" {print $2}' "$2")
}

_pluto_gone() { [[ ! -e /proc/$1/stat ]] || [[ $(cut -d' ' -f3 "/proc/$1/stat") == Z ]]; }
_pluto_gone_or_ready() { _pluto_gone "$2" || _pluto_ready "$1" "$3"; }

start_pluto() {
  local gw=$1 conf=$2 secrets=$3 d tree pid
  d=$(_pluto_dir "$gw")
  tree=$(_pluto_tree)
  if [[ -z $tree || ! -x $tree/usr/libexec/ipsec/pluto ]]; then
    echo "no unpacked Libreswan in $LAB_CACHE/libreswan (bash test/setup-deps.sh) nor LIBRESWAN_DIR"
    return 1
  fi
  mkdir -p "$d/run" "$d/ipsec.d"
  [[ $conf -ef $d/ipsec.conf ]] || cp "$conf" "$d/ipsec.conf"
  [[ $secrets -ef $d/secrets.key ]] || cp "$secrets" "$d/secrets.key"
  chmod 600 "$d/secrets.key"
  if [[ ! -f $d/nss/cert9.db ]]; then
    mkdir -p "$d/nss"
    certutil -N -d "sql:$d/nss" --empty-password
  fi
  rm -f "$d/run/pluto.ctl" "$d/run/pluto.pid"
  touch "$LAB_RUN/$gw/pluto.log"
  # The private /run: pluto's dump dir (/run/pluto) and anything its helpers keep there.
  # shellcheck disable=SC2016 # expanded by sh -c
  ip netns exec "$gw" unshare -m sh -c 'mount --bind "$0/usr/libexec" /usr/libexec &&
    mount -t tmpfs tmpfs /run && mkdir /run/pluto && exec "$@"' "$tree" \
    /usr/libexec/ipsec/pluto --nofork --config "$d/ipsec.conf" --rundir "$d/run" \
    --nssdir "$d/nss" --ipsecdir "$d/ipsec.d" --secretsfile "$d/secrets.key" \
    --logfile "$LAB_RUN/$gw/pluto.log" --no-dnssec >>"$LAB_RUN/$gw/pluto.out" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$LAB_RUN/$gw/pluto.pid"
  # Up to 60 s: pluto tests its algorithms and initialises NSS first, slowly in an emulated guest.
  if ! wait_for 60 _pluto_gone_or_ready "$gw" "$pid" "$d/ipsec.conf" || ! _pluto_ready "$gw" "$d/ipsec.conf"; then
    echo "pluto in $gw: not ready (exited or no answer on $d/run/pluto.ctl); last lines:"
    cat "$LAB_RUN/$gw/pluto.out" 2>/dev/null || true
    lab_log_tail "$gw" pluto 20
    return 1
  fi
}

pluto_states() { pluto_on "$1" whack --showstates; }

# whack --trafficstatus prints, per IPsec SA:
#   006 #4: "t1", type=ESP, add_time=..., inBytes=84, outBytes=84, maxBytes=2^63B, id='192.0.2.1'
# (an instance of a template conn is "t1"[1]).
pluto_up() { pluto_on "$1" whack --trafficstatus | grep -qE "^[0-9]+ #[0-9]+: \"$2\"(\[[0-9]+\])?,"; }

pluto_bytes() {
  pluto_on "$1" whack --trafficstatus |
    awk -v c="\"$2\"" -v k="$3Bytes=" '
      { name = $3; sub(/\[[0-9]+\]/, "", name); sub(/,$/, "", name) }
      name == c { for (i = 4; i <= NF; i++) if (index($i, k) == 1) { v = substr($i, length(k) + 1); sub(/,$/, "", v); n += v } }
      END { print n + 0 }'
}

stop_pluto() {
  local pidf=$LAB_RUN/$1/pluto.pid pid
  [[ -f $pidf ]] || return 0
  pid=$(cat "$pidf")
  pluto_on "$1" whack --shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  wait_for 10 _pluto_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$pidf" "$(_pluto_dir "$1")/run/pluto.ctl"
}

kill_pluto() {
  local pidf=$LAB_RUN/$1/pluto.pid pid
  pid=$(cat "$pidf")
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true
  rm -f "$pidf" "$(_pluto_dir "$1")/run/pluto.ctl" "$(_pluto_dir "$1")/run/pluto.pid"
}

flow_timed_start() {
  local ns=$1 dst=$2 name=$3 iv=${4:-0.02} src=()
  [[ -n ${5:-} ]] && src=(-I "$5")
  echo "$iv" >"$LAB_RUN/$name.interval"
  # ip netns exec execs ping: $! is ping itself, so flow_stop's signal reaches it.
  ip netns exec "$ns" ping -D -n -i "$iv" -W 1 "${src[@]}" "$dst" >"$LAB_RUN/$name.ping" 2>&1 &
  echo $! >"$LAB_RUN/$name.pid"
}

flow_timed_gap_ms() {
  python3 - "$LAB_RUN/$1.ping" <<'PY'
import re, sys
ts = [float(m.group(1)) for m in re.finditer(r"^\[(\d+\.\d+)\] \d+ bytes from .*icmp_seq=", open(sys.argv[1]).read(), re.M)]
print(round(max(b - a for a, b in zip(ts, ts[1:])) * 1000) if len(ts) > 1 else "none")
PY
}
