# shellcheck shell=bash
# BIRD 2 on a gateway (issue 18): each gateway's BIRD has its own control socket and pid file in
# $LAB_RUN/GW (the guest shares one /run), runs in the foreground under _lab_spawn and logs to
# $LAB_RUN/GW/bird.log.
#   start_bird GW CONF     BIRD with CONF in GW's namespace; waits for its control socket
#   birdc_on GW CMD...     birdc against GW's BIRD
#   bird_proto_state GW NAME  BIRD's BGP state of protocol NAME (Established, Active, ... or the
#                          protocol state when it has none: down)
#   bird_established GW NAME / bird_not_established GW NAME
#   kroute GW PREFIX       GW's kernel route to PREFIX in table main (ip route show exact)
#   bird_since_ms GW NAME  when protocol NAME last changed state, ms into BIRD's day ("Since"
#                          column, HH:MM:SS.mmm); BIRD prints it from its own clock, so two
#                          reads of an untouched protocol may differ by a millisecond
#   bird_untouched GW NAME MS  NAME is Established and changed state within 50 ms of MS

start_bird() {
  local gw=$1 conf=$2 d
  d=$(gw_dir "$gw")
  if ! command -v "${BIRD_BIN:-bird}" >/dev/null; then
    echo "bird (Debian bird2) is not installed"
    return 1
  fi
  rm -f "$d/bird.ctl"
  _lab_spawn "$gw" "$d/bird.log" "${BIRD_BIN:-bird}" -f -c "$conf" -s "$d/bird.ctl" -P "$d/bird.pid.file"
  echo "$_lab_pid" >"$d/bird.pid"
  _lab_wait_socket "$gw" bird "$d/bird.ctl"
}

birdc_on() {
  local gw=$1
  shift
  ip netns exec "$gw" birdc -s "$LAB_RUN/$gw/bird.ctl" "$@"
}

bird_proto_state() {
  birdc_on "$1" show protocols all "$2" 2>/dev/null | awk '
    /^ *BGP state:/ { print $3; found = 1; exit }
    NR > 2 && !row { row = $4 }
    END { if (!found) print row }'
}
bird_established() { [[ $(bird_proto_state "$1" "$2") == Established ]]; }
bird_not_established() { [[ $(bird_proto_state "$1" "$2") != Established ]]; }
kroute() { ip -n "$1" route show exact "$2"; }
bird_since_ms() {
  birdc_on "$1" show protocols "$2" | awk 'NR == 3 { split($5, t, "[:.]"); print ((t[1] * 60 + t[2]) * 60 + t[3]) * 1000 + t[4] }'
}
bird_untouched() {
  local now
  now=$(bird_since_ms "$1" "$2")
  bird_established "$1" "$2" && [[ -n $now && -n $3 ]] && ((now - $3 <= 50 && $3 - now <= 50))
}
