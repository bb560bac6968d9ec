# shellcheck shell=bash
# Helpers for the netlink-* scenarios: they drive nl_kernel.h's link calls through
# test/netns/nl_link_probe (built in $LAB_BUILD) in gwa and check every result with iproute2 and
# /proc, not with the library's own reading.
#
#   probe ARGS...                  nl_link_probe ARGS in gwa
#   linkq NAME EXPR                Python EXPR over gwa's `ip -d -j link show NAME` (l: the link;
#                                  d: its linkinfo info_data)
#   dotted N                       N as iproute2 prints VTI keys (42 -> 0.0.0.42)
#   disable_policy FAMILY NAME     gwa's net.FAMILY.conf.NAME.disable_policy
#   refused NAME PATTERN ARGS...   check NAME: `probe ARGS` fails with PATTERN in its message
#   link_absent NAME               true if gwa has no link NAME

PROBE=$LAB_BUILD/test/netns/nl_link_probe

probe() { on gwa "$PROBE" "$@"; }

linkq() {
  json_get "$(on gwa ip -d -j link show "$1")" \
    "(lambda l, d: $2)(j[0], j[0].get('linkinfo', {}).get('info_data', {}))"
}

dotted() { printf '%d.%d.%d.%d' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }

disable_policy() { on gwa cat "/proc/sys/net/$1/conf/$2/disable_policy"; }

refused() {
  local name=$1 pattern=$2 out rc=0
  shift 2
  out=$(probe "$@" 2>&1) || rc=$?
  if ((rc == 1)) && grep -qF -- "$pattern" <<<"$out"; then
    pass "$name" "$out"
  else
    fail "$name" "expected exit 1 with '$pattern', got exit $rc: $out"
  fi
}

link_absent() { ! on gwa ip link show "$1" >/dev/null 2>&1; }
