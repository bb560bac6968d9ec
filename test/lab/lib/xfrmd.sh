# shellcheck shell=bash
# What xfrmd, charon and the kernel report, for scenario checks.
#   conn GW EXPR          EXPR (python) on c, the first connection of `xfrmctl status --json` on GW
#   state_is GW STATE     that connection's state is STATE (connected, degraded, connecting, down)
#   active_is GW SET      its tunnels carrying traffic are SET, e.g. "[1]" or "[1, 2]"
#   esp_out GW SRC        outbound packets per SA of GW's SAs from public address SRC, as
#                         "spi=packets ..." (kernel counters)
#   sa_has GW REGEX       charon's `swanctl --list-sas` on GW has a line matching REGEX
#   sa_bytes GW SRC DST   bytes through GW's SAs SRC -> DST (kernel counters, summed)
#   esp_delta BEFORE AFTER  packets sent between two esp_out snapshots; an SA replaced in
#                         between (rekey, re-established tunnel) counts from zero, never negative

conn() {
  xfrmctl_on "$1" status --json |
    python3 -c "import json,sys; c=json.load(sys.stdin)['connections'][0]; print($2)"
}
state_is() { [[ $(conn "$1" "c['state']") == "$2" ]]; }
active_is() { [[ $(conn "$1" "c['active_tunnels']") == "$2" ]]; }
esp_out() {
  on "$1" ip -s xfrm state | awk -v s="$2" '
    /^src/ { hit = ($2 == s); spi = "" }
    hit && /proto esp spi/ { spi = $4 }
    hit && spi != "" && /\(packets\)/ {
      sub(/.*\(bytes\), */, ""); sub(/\(packets\).*/, ""); printf "%s=%s ", spi, $1 }'
}
esp_delta() {
  python3 -c '
import sys
snap = lambda t: dict(kv.split("=") for kv in t.split())
before, after = snap(sys.argv[1]), snap(sys.argv[2])
print(sum(max(0, int(n) - int(before.get(spi, 0))) for spi, n in after.items()))' "$1" "$2"
}

sa_has() { swanctl_on "$1" --list-sas | grep -qE "$2"; }

# `ip -s xfrm state` prints "84(bytes), 1(packets)" per SA.
sa_bytes() {
  on "$1" ip -s xfrm state | awk -v s="$2" -v d="$3" '
    /^src/ { hit = ($2 == s && $4 == d) }
    hit && /\(bytes\)/ { sub(/\(bytes\).*/, ""); n += $1 }
    END { print n + 0 }'
}
