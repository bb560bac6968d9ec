# shellcheck shell=bash
# What xfrmd and the kernel report, for scenario checks.
#   conn GW EXPR          EXPR (python) on c, the first connection of `xfrmctl status --json` on GW
#   state_is GW STATE     that connection's state is STATE (connected, degraded, connecting, down)
#   active_is GW SET      its tunnels carrying traffic are SET, e.g. "[1]" or "[1, 2]"
#   esp_out GW SRC        outbound packets of GW's SAs from public address SRC (kernel counters)

conn() {
  xfrmctl_on "$1" status --json |
    python3 -c "import json,sys; c=json.load(sys.stdin)['connections'][0]; print($2)"
}
state_is() { [[ $(conn "$1" "c['state']") == "$2" ]]; }
active_is() { [[ $(conn "$1" "c['active_tunnels']") == "$2" ]]; }
esp_out() {
  on "$1" ip -s xfrm state | awk -v s="$2" '
    /^src/ { hit = ($2 == s) }
    hit && /\(packets\)/ { sub(/.*\(bytes\), */, ""); sub(/\(packets\).*/, ""); n += $1 }
    END { print n + 0 }'
}
