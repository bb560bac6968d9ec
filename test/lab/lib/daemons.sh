# shellcheck shell=bash
# Per-gateway daemons. Everything of gateway GW lives in $LAB_RUN/GW/:
#   strongswan.conf, charon.vici (VICI socket), charon.log,
#   xfrmd.sock (control socket), state/ (xfrmd state dir), xfrmd.log
#
#   start_charon GW...              charon in namespace(s) GW; waits for the VICI sockets
#                                   (10 s times LAB_SLOW, as every wait here: lib/check.sh)
#   swanctl_on GW COMMAND [ARGS...] swanctl against GW's charon (COMMAND first, e.g. --list-sas);
#                                   a "--timeout N" in ARGS is stretched to N x LAB_SLOW
#   start_xfrmd GW [ARGS...]        xfrmd (foreground, -d debug log) in namespace GW; waits for
#                                   its control socket and, if charon runs on GW, until xfrmd
#                                   says it is connected to it (an apply before fails)
#   xfrmctl_on GW ARGS...           xfrmctl against GW's xfrmd
#   stop_daemon GW charon|xfrmd     SIGTERM and wait (up to 10 s)
#   lab_log_tail GW NAME [N]        last N lines of $LAB_RUN/GW/NAME.log
# Environment: LAB_RUN, XFRMD_BIN, XFRMCTL_BIN (from ../lab), CHARON_BIN, STRONGSWAN_PLUGINS,
# LAB_CHARON_PLUGINS (array: charon's load list, reduced to the plugins installed).
# Before start_charon, a scenario may write extra settings to $LAB_RUN/GW/strongswan.extra.conf:
# it is included inside the charon { } section.

CHARON_BIN=${CHARON_BIN:-/usr/lib/ipsec/charon}
STRONGSWAN_PLUGINS=${STRONGSWAN_PLUGINS:-/usr/lib/ipsec/plugins}
LAB_CHARON_PLUGINS=(random nonce openssl pem pkcs1 x509 revocation constraints pubkey curve25519
  aes sha1 sha2 hmac gcm kdf drbg kernel-netlink socket-default vici updown)

gw_dir() { mkdir -p "$LAB_RUN/$1" && echo "$LAB_RUN/$1"; }

_lab_plugins() { # the plugins of the list that this strongSwan build has
  local p out=()
  for p in "$@"; do
    [[ -e $STRONGSWAN_PLUGINS/libstrongswan-$p.so ]] && out+=("$p")
  done
  echo "${out[*]}"
}

# install_routes/install_virtual_ip = no: in the xfrmd scenarios xfrmd owns routes, and the
# baseline keeps the same kernel view. Policy-based tunnels need no routes here because the
# gateways route everything to the peer gateway anyway (see topo_default).
_charon_conf() {
  local d=$1
  cat <<EOF
charon {
  load = $(_lab_plugins "${LAB_CHARON_PLUGINS[@]}")
  install_routes = no
  install_virtual_ip = no
  retransmit_tries = 3
  retransmit_timeout = 1
  plugins {
    vici {
      socket = unix://$d/charon.vici
    }
  }
  filelog {
    lab {
      path = $d/charon.log
      time_format = %H:%M:%S
      ike_name = yes
      flush_line = yes
      default = 1
      ike = 2
      cfg = 2
      knl = 2
    }
  }
  syslog {
    daemon {
      default = -1
    }
  }
EOF
  if [[ -f $d/strongswan.extra.conf ]]; then echo "  include $d/strongswan.extra.conf"; fi
  cat <<EOF
}
swanctl {
  load = $(_lab_plugins pem pkcs1 x509 revocation constraints pubkey openssl random)
}
EOF
}

# Runs CMD in namespace GW inside a private mount namespace with its own /run (charon's pid file
# /run/charon.pid is compiled in), in the background, output to LOG. Sets _lab_pid.
_lab_spawn() { # _lab_spawn GW LOG CMD...
  local gw=$1 log=$2
  shift 2
  ip netns exec "$gw" unshare -m sh -c 'mount -t tmpfs tmpfs /run && exec "$@"' sh "$@" \
    >>"$log" 2>&1 </dev/null &
  _lab_pid=$!
}

# _lab_wait_socket GW NAME SOCKET: wait for the daemon's socket to appear, up to 10 s times
# LAB_SLOW (xfrmd under valgrind takes seconds on a busy host); stop waiting if the daemon exits.
_lab_wait_socket() {
  local gw=$1 name=$2 sock=$3 pid
  pid=$(cat "$LAB_RUN/$gw/$name.pid")
  if ! wait_for 10 _lab_socket_or_gone "$sock" "$pid"; then
    echo "$name in $gw: no socket $sock after $(lab_slow_s 10) s (LAB_SLOW ${LAB_SLOW:-1}); last log lines:"
    lab_log_tail "$gw" "$name" 20
    return 1
  fi
  if _lab_gone "$pid"; then echo "$name in $gw exited"; lab_log_tail "$gw" "$name" 20; return 1; fi
}
_lab_socket_or_gone() { [[ -S $1 ]] || _lab_gone "$2"; }

start_charon() { # start_charon GW...: starts them all, then waits for each
  local gw d
  for gw; do
    d=$(gw_dir "$gw")
    _charon_conf "$d" >"$d/strongswan.conf"
    touch "$d/charon.log"
    _lab_spawn "$gw" "$d/charon.out" env STRONGSWAN_CONF="$d/strongswan.conf" "$CHARON_BIN"
    echo "$_lab_pid" >"$d/charon.pid"
  done
  for gw; do _lab_wait_socket "$gw" charon "$LAB_RUN/$gw/charon.vici"; done
}

swanctl_on() {
  local gw=$1 cmd=$2 a args=() stretch=0
  shift 2
  for a; do
    if ((stretch)) && [[ $a =~ ^[0-9]+$ ]]; then a=$(lab_slow_s "$a"); fi
    [[ $a == --timeout ]] && stretch=1 || stretch=0
    args+=("$a")
  done
  STRONGSWAN_CONF=$LAB_RUN/$gw/strongswan.conf \
    ip netns exec "$gw" swanctl "$cmd" --uri "unix://$LAB_RUN/$gw/charon.vici" ${args[@]+"${args[@]}"}
}

start_xfrmd() {
  local gw=$1 d
  shift
  d=$(gw_dir "$gw")
  if [[ ! -x $XFRMD_BIN ]]; then
    echo "XFRMD_BIN=$XFRMD_BIN is missing: build cmd/xfrmd (lab --build DIR)"
    return 1
  fi
  mkdir -p "$d/state"
  # LAB_XFRMD_WRAP (array, set by a scenario): a command xfrmd runs under, e.g. valgrind.
  _lab_spawn "$gw" "$d/xfrmd.log" ${LAB_XFRMD_WRAP[@]+"${LAB_XFRMD_WRAP[@]}"} "$XFRMD_BIN" -d -c "$d/xfrmd.sock" -s "$d/state" \
    -v "unix://$d/charon.vici" "$@"
  echo "$_lab_pid" >"$d/xfrmd.pid"
  _lab_wait_socket "$gw" xfrmd "$d/xfrmd.sock" || return
  # xfrmd connects to charon after it listens; on a busy host an apply right away would find it
  # not connected yet. Not fatal: what comes next says what is wrong.
  if [[ -S $d/charon.vici && -f $d/charon.pid ]] && ! _lab_gone "$(cat "$d/charon.pid")"; then
    wait_for 10 _lab_xfrmd_charon "$gw" ||
      echo "xfrmd in $gw: not connected to charon after $(lab_slow_s 10) s (LAB_SLOW ${LAB_SLOW:-1})"
  fi
}

_lab_xfrmd_charon() { # xfrmd on GW reports charon connected
  xfrmctl_on "$1" status --json 2>/dev/null | grep -cE '"connected": *true' >/dev/null
}

xfrmctl_on() {
  local gw=$1
  shift
  ip netns exec "$gw" "$XFRMCTL_BIN" -s "$LAB_RUN/$gw/xfrmd.sock" "$@"
}

stop_daemon() {
  local pidf=$LAB_RUN/$1/$2.pid pid
  [[ -f $pidf ]] || return 0
  pid=$(cat "$pidf")
  kill -TERM "$pid" 2>/dev/null || true
  wait_for 10 _lab_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$pidf"
}

_lab_gone() { # our child PID has exited (a zombie counts as gone)
  [[ ! -e /proc/$1/stat ]] || [[ $(cut -d' ' -f3 "/proc/$1/stat") == Z ]]
}

lab_log_tail() { tail -n "${3:-30}" "$LAB_RUN/$1/$2.log" 2>/dev/null || true; }

# kill_daemon GW charon|xfrmd: SIGKILL, as a crash: the daemon cleans nothing up. Its stale
# socket is removed so that a later start_* waits for the new one.
kill_daemon() {
  local pidf=$LAB_RUN/$1/$2.pid pid
  pid=$(cat "$pidf")
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true
  rm -f "$pidf"
  case $2 in
    charon) rm -f "$LAB_RUN/$1/charon.vici" ;;
    xfrmd) rm -f "$LAB_RUN/$1/xfrmd.sock" ;;
  esac
}
