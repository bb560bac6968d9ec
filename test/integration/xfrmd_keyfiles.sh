#!/bin/bash
# Key files that must never block or mislead, and weak crypto a connection
# opts into, against a running xfrmd with a real charon in a throwaway
# network namespace.
#
# A psk_file that is a named pipe, a symlink to one, a symlink to a file
# others may read (kept outside the config's directory), a key with a CR LF
# line end and one followed by a blank line are each refused, within a few
# seconds (every call runs under `timeout`), by `xfrmctl validate`,
# `xfrmd -n`, `xfrmctl apply` and the daemon itself (a raw control
# request), with the message naming the defect, no advice to chmod a file
# that is not the caller's key, and the generation, charon's connections and
# the kernel's policies and routes as before. The daemon still answers
# status afterwards. Then a connection with "allow_legacy_crypto": true and
# SHA-1 / MODP-1024 proposals is refused without the opt-in, applied with
# it, and named with its weak algorithms by validate, the daemon's log and
# `xfrmctl status` (text and JSON, the JSON checked against the schema).
# The same config saved without the opt-in (as an earlier xfrmd accepted
# it) still loads when xfrmd restarts and when charon does, with a warning.
# Last, a host of a two-host gateway applies, and restarts with, a document
# whose other host's key file is not on this machine (validate, checking
# the whole gateway, refuses it).
#
#   xfrmd_keyfiles.sh PATH/TO/xfrmd PATH/TO/xfrmctl
#
# Needs root, python3 and python3-jsonschema. Fails (never skips) when a
# prerequisite is missing.
set -euo pipefail

XFRMD=${1:?usage: xfrmd_keyfiles.sh PATH/TO/xfrmd PATH/TO/xfrmctl}
XFRMCTL=${2:?usage: xfrmd_keyfiles.sh PATH/TO/xfrmd PATH/TO/xfrmctl}
HERE=$(cd "$(dirname "$0")" && pwd)
LIMIT=10 # seconds any refusal may take (a busy machine); a blocked open takes forever

# shellcheck source=charon-fixture.sh
. "$HERE/charon-fixture.sh"
# fail, step, TMP, NS, cleanup, xfrmd_start, ctl, status_line, snapshot...
# shellcheck source=xfrmd-fixture.sh
. "$HERE/xfrmd-fixture.sh"

charon_prereqs
xfrmd_prereqs python3 timeout # python3 talks to the control socket
python3 -c "import jsonschema" 2>/dev/null || fail "no python3-jsonschema (checks status --json)"
fixture_setup keyfiles
CFG=$TMP/cfg     # the config's directory
OTHER=$TMP/other # outside it
KEY=Keyfile-Canary-7Qz

failed=0
bad() {
	echo "FAIL $1: $2" >&2
	failed=$((failed + 1))
}

# The fixture's ctl, under timeout: a blocked open would hang it forever.
ctl() {
	timeout "$LIMIT" "$XFRMCTL" -s "$CTL_SOCK" "$@"
}

# config NAME PSK_FILE [EXTRA]: $CFG/NAME.json, one connection whose key is
# PSK_FILE (relative to $CFG); EXTRA goes into the connection object.
config() {
	cat >"$CFG/$1.json" <<EOF
{
  "gateway": {"name": "gw-keys"},
  "connections": [
    {
      "name": "site-b",
      "start": "on-traffic",
      "local_prefixes": ["10.1.0.0/24"],
      "remote_prefixes": ["10.2.0.0/24"],
      "tunnels": [{"local": "192.0.2.1", "remote": "198.51.100.1", "psk_file": "$2"}]${3:-}
    }
  ]
}
EOF
	chmod 600 "$CFG/$1.json"
}

# elapsed START: whole seconds since START (date +%s.%N).
elapsed() {
	python3 -c 'import sys, time; print(int(time.time() - float(sys.argv[1])))' "$1"
}

# refused NAME WANT: every way of loading $CFG/NAME.json fails, promptly,
# with WANT in the message, never with the key or a chmod advice.
refused() {
	local name=$1 want=$2 f=$CFG/$1.json rc t0 how
	for how in validate check apply; do
		rc=0
		t0=$(date +%s.%N)
		case $how in
		validate) timeout "$LIMIT" "$XFRMCTL" validate -f "$f" >"$TMP/out" 2>&1 || rc=$? ;;
		check) timeout "$LIMIT" "$XFRMD" -n "$f" >"$TMP/out" 2>&1 || rc=$? ;;
		apply) ctl apply -f "$f" >"$TMP/out" 2>&1 || rc=$? ;;
		esac
		if [ "$rc" = 124 ]; then
			bad "$name" "$how blocked (killed after ${LIMIT}s)"
		elif [ "$rc" = 0 ]; then
			bad "$name" "$how accepted it: $(cat "$TMP/out")"
		elif ! grep -qF -- "$want" "$TMP/out"; then
			bad "$name" "$how said '$(cat "$TMP/out")', want '$want'"
		elif grep -qe "$KEY" -e chmod "$TMP/out"; then
			bad "$name" "$how leaked the key or advised chmod: $(cat "$TMP/out")"
		elif [ "$(elapsed "$t0")" -ge "$LIMIT" ]; then
			bad "$name" "$how took $(elapsed "$t0")s"
		fi
	done
	# Straight to the daemon: the document as an object, no client-side read.
	if ! timeout "$LIMIT" python3 - "$CTL_SOCK" "$f" "$want" >"$TMP/direct.out" 2>&1 <<'EOF'; then
import json, os, socket, sys

sock, path, want = sys.argv[1:]
s = socket.socket(socket.AF_UNIX)
s.settimeout(9)
s.connect(sock)
doc = json.load(open(path))
s.sendall(json.dumps({"cmd": "apply", "config": doc,
                      "base_dir": os.path.dirname(path)}).encode() + b"\n")
buf = b""
while not buf.endswith(b"\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
reply = json.loads(buf)
if reply.get("ok") is not False or want not in reply.get("error", ""):
    sys.exit(f"daemon replied {buf!r}, want ok=false and {want!r}")
EOF
		bad "$name" "raw request: $(cat "$TMP/direct.out")"
	fi
}

start_xfrmd() {
	xfrmd_start -d -v "$CHARON_URI"
	wait_for 20 "xfrmd to connect to charon" xfrmd_connected
}

step "setup: charon and xfrmd in $NS"
netns_add "$NS"
mkdir -p "$TMP/charon" "$CFG" "$OTHER"
charon_start "$NS" "$TMP/charon"
start_xfrmd

step "apply a config whose key file is fine"
printf '%s\n' "$KEY" >"$CFG/good.key"
chmod 600 "$CFG/good.key"
config good good.key
ctl apply -f "$CFG/good.json" >"$TMP/out" 2>&1 || fail "good config refused: $(cat "$TMP/out")"
swanctl --list-conns --uri "$CHARON_URI" | grep "^xfrmd-site-b-t1:" >/dev/null ||
	fail "charon did not get xfrmd-site-b-t1"
snapshot "$TMP/before"

step "key files that must be refused"
mkfifo -m 600 "$CFG/pipe.key"
config fifo pipe.key
refused fifo "$CFG/pipe.key is a named pipe (FIFO); a key file must be a regular file"

ln -s pipe.key "$CFG/link-to-pipe.key"
config link-to-pipe link-to-pipe.key
refused link-to-pipe \
	"$CFG/link-to-pipe.key (a symlink to pipe.key) is a named pipe (FIFO); a key file must be a regular file"

printf '%s\n' "$KEY" >"$OTHER/shared.key"
chmod 640 "$OTHER/shared.key"
ln -s "$OTHER/shared.key" "$CFG/link-out.key"
config link-out link-out.key
refused link-out \
	"$CFG/link-out.key (a symlink to $OTHER/shared.key) is readable by group or others (mode 0640); a key file must be readable and writable by its owner only"

printf '%s\r\n' "$KEY" >"$CFG/crlf.key"
chmod 600 "$CFG/crlf.key"
config crlf crlf.key
refused crlf "$CFG/crlf.key: the key's line ends with a carriage return (CR LF, a Windows line end)"

printf '%s\n\n' "$KEY" >"$CFG/blank.key"
chmod 600 "$CFG/blank.key"
config blank blank.key
refused blank "$CFG/blank.key: blank lines or white space follow the key"

# The key file of the running config turned into a FIFO: the same document
# again (the key cache's path) is refused as promptly.
mv "$CFG/good.key" "$CFG/good.key.saved"
mkfifo -m 600 "$CFG/good.key"
refused good "$CFG/good.key is a named pipe (FIFO); a key file must be a regular file"
rm "$CFG/good.key"
mv "$CFG/good.key.saved" "$CFG/good.key"

snapshot "$TMP/after"
if ! diff -u "$TMP/before" "$TMP/after" >&2; then
	bad "state" "refused configs changed xfrmd, charon or the kernel"
fi
kill -0 "$XFRMD_PID" 2>/dev/null || fail "xfrmd exited"
charon_alive || fail "charon exited"

step "weak crypto: refused by default, shown when a connection opts in"
LEGACY=',
      "ike": {"proposals": ["aes128-sha1-modp1024"]},
      "esp": {"proposals": ["aes128-sha1-modp1024"]}'
config weak good.key "$LEGACY"
rc=0
timeout "$LIMIT" "$XFRMCTL" validate -f "$CFG/weak.json" >"$TMP/out" 2>&1 || rc=$?
if [ "$rc" != 1 ] || ! grep -qF 'weak algorithms sha1, modp1024 (refused unless the connection sets "allow_legacy_crypto": true)' "$TMP/out"; then
	bad weak "validate without the opt-in: exit $rc: $(cat "$TMP/out")"
fi

config legacy good.key "$LEGACY"',
      "allow_legacy_crypto": true'
WARN='connection site-b uses weak algorithms (allow_legacy_crypto): sha1, modp1024'
timeout "$LIMIT" "$XFRMCTL" validate -f "$CFG/legacy.json" >"$TMP/out" 2>"$TMP/err" ||
	bad legacy "validate refused it: $(cat "$TMP/out" "$TMP/err")"
grep -qxF "warning: $WARN" "$TMP/err" || bad legacy "validate gave no warning: $(cat "$TMP/err")"
ctl apply -f "$CFG/legacy.json" >"$TMP/out" 2>&1 || bad legacy "apply refused it: $(cat "$TMP/out")"
grep -qF "$WARN" "$XFRMD_LOG" || bad legacy "no warning in the daemon's log"
ctl status >"$TMP/status.txt" 2>&1 || bad legacy "status failed: $(cat "$TMP/status.txt")"
grep -qF "WARNING: weak algorithms in use: sha1, modp1024" "$TMP/status.txt" ||
	bad legacy "status shows no warning: $(cat "$TMP/status.txt")"
ctl status --json >"$TMP/status.json" 2>&1 || bad legacy "status --json failed"
python3 -c '
import json, sys
st = json.load(open(sys.argv[1]))
weak = st["connections"][0].get("weak_algorithms")
sys.exit(0 if weak == ["sha1", "modp1024"] else f"weak_algorithms: {weak!r}")
' "$TMP/status.json" || bad legacy "status --json has no weak_algorithms"
python3 "$HERE/../schema/check_status.py" "$TMP/status.json" >"$TMP/schema.out" 2>&1 ||
	bad legacy "status --json does not fit the schema: $(cat "$TMP/schema.out")"

# An upgrade from an xfrmd that took weak algorithms without the opt-in:
# its saved config (here: the running one without allow_legacy_crypto)
# must still load at start, tunnels kept, with a warning.
step "weak crypto saved by an earlier xfrmd survives a restart"
gen=$(status_line | sed -n 's/^generation //p')
xfrmd_stop
python3 -c '
import json, sys
st = json.load(open(sys.argv[1]))
del st["config"]["connections"][0]["allow_legacy_crypto"]
json.dump(st, open(sys.argv[1], "w"))
' "$TMP/state/state.json" || fail "cannot edit the state file"
start_xfrmd
grep -qF "connection site-b uses weak algorithms without allow_legacy_crypto: sha1, modp1024 (kept from the saved config" "$XFRMD_LOG" ||
	bad saved "no warning at start: $(grep -i weak "$XFRMD_LOG" | tail -n 3)"
grep -qF 'the saved config is kept, but applying it again would be refused: connections[0].ike.proposals[0]: "aes128-sha1-modp1024": weak algorithms sha1, modp1024' "$XFRMD_LOG" ||
	bad saved "no warning that an apply would refuse it"
if grep -qF "saved config no longer loads" "$XFRMD_LOG"; then
	bad saved "the saved config was dropped"
fi
[ "$(status_line | sed -n 's/^generation //p')" = "$gen" ] || bad saved "generation changed"
swanctl --list-conns --uri "$CHARON_URI" | grep "^xfrmd-site-b-t1:" >/dev/null ||
	bad saved "charon lost xfrmd-site-b-t1"
ctl status >"$TMP/status.txt" 2>&1
grep -qF "WARNING: weak algorithms in use: sha1, modp1024" "$TMP/status.txt" ||
	bad saved "status shows no warning: $(cat "$TMP/status.txt")"
# charon restarts: xfrmd loads the same saved text into it again.
log_lines=$(wc -l <"$XFRMD_LOG")
charon_stop
charon_start "$NS" "$TMP/charon"
wait_for 20 "xfrmd to reconnect to charon" xfrmd_connected
charon_has_conn() {
	swanctl --list-conns --uri "$CHARON_URI" 2>/dev/null | grep "^xfrmd-site-b-t1:" >/dev/null
}
wait_for 20 "xfrmd to load xfrmd-site-b-t1 into the new charon" charon_has_conn
if tail -n +"$((log_lines + 1))" "$XFRMD_LOG" | grep -F "cannot re-apply the running config"; then
	bad saved "the running config was not re-applied after charon restarted"
fi

# Back to strong proposals: the warning goes from status.
ctl apply -f "$CFG/good.json" >"$TMP/out" 2>&1 || bad good "re-apply failed: $(cat "$TMP/out")"
ctl status --json >"$TMP/status.json" 2>&1
grep -q weak_algorithms "$TMP/status.json" && bad good "weak_algorithms still in status"

step "a host of a gateway reads only its own tunnels' key files"
# This namespace is host h1 (it has 192.0.2.1); tunnel 2 runs on h2, whose key file is only there.
ns ip addr add 192.0.2.1/32 dev lo
cat >"$CFG/hosts.json" <<EOF
{
  "gateway": {"name": "gw-keys", "hosts": [{"name": "h1", "addresses": ["192.0.2.1"]},
                                           {"name": "h2", "addresses": ["192.0.2.9"]}]},
  "connections": [
    {
      "name": "site-b",
      "start": "on-traffic",
      "local_prefixes": ["10.1.0.0/24"],
      "remote_prefixes": ["10.2.0.0/24"],
      "tunnels": [{"local": "192.0.2.1", "remote": "198.51.100.1", "psk_file": "good.key"},
                  {"local": "192.0.2.9", "remote": "198.51.100.2", "psk_file": "on-h2-only.key"}]
    }
  ]
}
EOF
chmod 600 "$CFG/hosts.json"
# The whole gateway's check wants every host's key.
if "$XFRMCTL" validate -f "$CFG/hosts.json" >"$TMP/out" 2>&1; then
	bad hosts "validate accepted a missing key file"
fi
grep -qF "connections[0].tunnels[1].psk_file: $CFG/on-h2-only.key" "$TMP/out" ||
	bad hosts "validate does not name h2's key file: $(cat "$TMP/out")"
ctl apply -f "$CFG/hosts.json" >"$TMP/out" 2>&1 || bad hosts "h1 refused: $(cat "$TMP/out")"
grep -qF "on host h1" "$TMP/out" || bad hosts "apply does not say h1: $(cat "$TMP/out")"
gen=$(status_line | sed -n 's/^generation //p')
# A restart loads the saved config the same way: h2's key is still not needed.
xfrmd_stop
start_xfrmd
if grep -qF "saved config no longer loads" "$XFRMD_LOG"; then
	bad hosts "the saved config was dropped at restart: $(grep -F "no longer loads" "$XFRMD_LOG")"
fi
[ "$(status_line | sed -n 's/^generation //p')" = "$gen" ] || bad hosts "generation changed"
swanctl --list-conns --uri "$CHARON_URI" | grep "^xfrmd-site-b-t1:" >/dev/null ||
	bad hosts "charon lost xfrmd-site-b-t1"
if swanctl --list-conns --uri "$CHARON_URI" | grep "^xfrmd-site-b-t2:" >/dev/null; then
	bad hosts "h1 loaded h2's tunnel into charon"
fi

kill -0 "$XFRMD_PID" 2>/dev/null || fail "xfrmd exited"
[ "$failed" = 0 ] || fail "$failed failures"
echo "PASS"
