#!/bin/bash
# Every invalid example in schemas/examples/invalid, against a running xfrmd
# with a real charon in a throwaway network namespace: `xfrmctl validate`
# and `xfrmctl apply` fail with the expected message, the same document sent
# straight to the control socket (no client-side check) is refused by the
# daemon with it too, and afterwards the generation, charon's connections
# and the namespace's XFRM policies and routes are exactly as before.
#
#   xfrmd_corpus.sh PATH/TO/xfrmd PATH/TO/xfrmctl
#
# Needs root and python3. Fails (never skips) when a prerequisite is missing.
set -euo pipefail

XFRMD=${1:?usage: xfrmd_corpus.sh PATH/TO/xfrmd PATH/TO/xfrmctl}
XFRMCTL=${2:?usage: xfrmd_corpus.sh PATH/TO/xfrmd PATH/TO/xfrmctl}
HERE=$(cd "$(dirname "$0")" && pwd)
EXAMPLES=$HERE/../../schemas/examples

# shellcheck source=charon-fixture.sh
. "$HERE/charon-fixture.sh"
# fail, step, TMP, NS, cleanup, xfrmd_start, ctl, status_line, snapshot...
# shellcheck source=xfrmd-fixture.sh
. "$HERE/xfrmd-fixture.sh"

charon_prereqs
xfrmd_prereqs python3 # python3 talks to the control socket
fixture_setup corpus

# The fixture's snapshot, and charon's policies and the IPv6 routes: all
# an invalid apply must leave alone.
snapshot_all() {
	snapshot "$1"
	{
		echo "### swanctl --list-pols"
		swanctl --list-pols --uri "$CHARON_URI" 2>&1
		echo "### ip -6 route show table all"
		ns ip -6 route show table all 2>&1
	} >>"$1"
}

step "setup: charon and xfrmd in $NS"
netns_add "$NS"
mkdir -p "$TMP/charon" "$TMP/corpus"
charon_start "$NS" "$TMP/charon"
xfrmd_start -d -v "$CHARON_URI"
wait_for 10 "xfrmd to connect to charon" xfrmd_connected

step "apply a valid config"
cat >"$TMP/good.json" <<'EOF'
{
  "gateway": {"name": "gw-corpus"},
  "connections": [
    {
      "name": "site-b",
      "start": "on-traffic",
      "local_prefixes": ["10.1.0.0/24"],
      "remote_prefixes": ["10.2.0.0/24"],
      "tunnels": [{"local": "192.0.2.1", "remote": "198.51.100.1", "psk": "Corpus-Key-1"}]
    }
  ]
}
EOF
chmod 600 "$TMP/good.json"
ctl apply -f "$TMP/good.json" >"$TMP/good.out" 2>&1 ||
	fail "valid config refused: $(cat "$TMP/good.out")"
swanctl --list-conns --uri "$CHARON_URI" | grep "^xfrmd-site-b-t1:" >/dev/null ||
	fail "charon did not get xfrmd-site-b-t1"
snapshot_all "$TMP/before"

# The examples hold inline keys, and xfrmctl refuses such files unless they
# are private; nothing in the corpus depends on any other mode.
cp "$EXAMPLES"/invalid/*.json "$TMP/corpus/"
chmod 600 "$TMP/corpus"/*.json

n=0 failed=0
bad() {
	echo "FAIL $1: $2" >&2
	failed=$((failed + 1))
}
for f in "$TMP"/corpus/*.json; do
	name=$(basename "$f" .json)
	expect=$(head -n 1 "$EXAMPLES/invalid/$name.expect")
	n=$((n + 1))

	rc=0
	"$XFRMCTL" validate -f "$f" >"$TMP/out" 2>&1 || rc=$?
	if [ "$rc" != 1 ]; then
		bad "$name" "validate exited $rc: $(cat "$TMP/out")"
	elif ! grep -qF -- "$expect" "$TMP/out"; then
		bad "$name" "validate said '$(cat "$TMP/out")', want '$expect'"
	fi

	rc=0
	ctl apply -f "$f" >"$TMP/out" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		bad "$name" "apply succeeded: $(cat "$TMP/out")"
	elif ! grep -qF -- "$expect" "$TMP/out"; then
		bad "$name" "apply said '$(cat "$TMP/out")', want '$expect'"
	elif [[ $name == syntax-* ]] && ! grep -qF -- "$f: $expect" "$TMP/out"; then
		# xfrmctl sends the text unparsed: the daemon's parse error names the file.
		bad "$name" "apply said '$(cat "$TMP/out")', want it to name $f"
	fi
done

# Straight to the daemon, bypassing xfrmctl's own check, in both forms of
# the protocol. As "config_text", the file's text: the daemon's parse must
# give the expected message. As "config", a JSON object: a document that
# is not strict JSON (a key twice, \u0000 in a key, a byte-order mark,
# 030, NaN, or no JSON at all) makes the request line not strict JSON
# either, and the daemon must refuse the line as a whole; a key
# twice must be named, under "config.". A document that is JSON but not an
# object is refused with the protocol's own message. The object goes into
# the line as written (json.dumps would turn 3.6e9 into 3600000000.0).
if ! python3 - "$CTL_SOCK" "$EXAMPLES/invalid" "$TMP"/corpus/*.json >"$TMP/direct.out" 2>&1 <<'EOF'; then
import json, os, socket, sys

sock, expects, files = sys.argv[1], sys.argv[2], sys.argv[3:]
failed = 0


def request(line):
    """One request line to the daemon; its raw reply line."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(60)
    s.connect(sock)
    s.sendall(line + b"\n")
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    s.close()
    return buf


def refused(what, line, wants):
    """The daemon answers line with ok=false and an error holding wants."""
    global failed
    buf = request(line)
    try:
        reply = json.loads(buf)
        ok = reply.get("ok") is False and all(w in reply.get("error", "") for w in wants)
    except ValueError:
        ok = False
    if not ok:
        print(f"FAIL {what}: daemon replied {buf!r}, want ok=false and {wants!r}")
        failed += 1


def strict_object(pairs):
    keys = [k for k, _ in pairs]
    if any("\0" in k or keys.count(k) > 1 for k in keys):
        raise ValueError("not strict JSON")
    return dict(pairs)


def not_a_number(word):
    raise ValueError(f"{word} is not JSON")


for path in files:
    name = os.path.basename(path)[:-5]
    raw = open(path, "rb").read()
    want = open(os.path.join(expects, name + ".expect")).read().splitlines()[0]
    base_dir = os.path.dirname(path)
    refused(f"{name} (config_text)",
            json.dumps({"cmd": "apply", "config_text": raw.decode("utf-8"),
                        "base_dir": base_dir}).encode(), [want])
    line = (b'{"cmd": "apply", "base_dir": ' + json.dumps(base_dir).encode() +
            b', "config": ' + raw.replace(b"\n", b" ") + b"}")
    try:
        doc = json.loads(raw.decode("utf-8"), object_pairs_hook=strict_object,
                         parse_constant=not_a_number)
    except ValueError:
        wants = ["malformed request"]
        if "duplicate key" in want:
            wants.append("config." + want.split(" (line")[0])
    else:
        wants = [want if isinstance(doc, dict) else '"config" must be a JSON object']
    refused(f"{name} (config)", line, wants)
# The text form xfrmctl sends must be a string; the error names the field.
buf = request(json.dumps({"cmd": "apply", "config_text": 5}).encode())
reply = json.loads(buf)
if reply.get("ok") is not False or '"config_text" must be a string' not in reply.get("error", ""):
    print(f"FAIL config_text 5: daemon replied {buf!r}")
    failed += 1
print(f"{len(files)} sent to the daemon in both forms, {failed} failures")
sys.exit(1 if failed else 0)
EOF
	bad "direct" "$(cat "$TMP/direct.out")"
fi
cat "$TMP/direct.out"

snapshot_all "$TMP/after"
if ! diff -u "$TMP/before" "$TMP/after" >&2; then
	bad "state" "refused configs changed xfrmd, charon or the kernel"
fi
kill -0 "$XFRMD_PID" 2>/dev/null || bad "xfrmd" "exited during the corpus"
charon_alive || bad "charon" "exited during the corpus"

[ "$n" -ge 60 ] || bad "corpus" "only $n invalid examples, want at least 60"
echo "$n invalid examples, $failed failures"
[ "$failed" = 0 ] || fail "$failed failures"
echo "PASS"
