#!/usr/bin/env bash
# xfrmctl's own behaviour, without a daemon:
#   cli_checks.sh help        XFRMCTL SOURCE_DIR  help and COMMAND --help, README and man agree
#   cli_checks.sh validate-json XFRMCTL SOURCE_DIR  validate --json on every schema example
#   cli_checks.sh options     XFRMCTL SOURCE_DIR  missing option values are named
#   cli_checks.sh unreachable XFRMCTL SOURCE_DIR  "cannot reach xfrmd" says what to do
#   cli_checks.sh plural      XFRMCTL SOURCE_DIR  "1 connection", "2 connections"
#   cli_checks.sh cloud-hints XFRMCTL SOURCE_DIR  validate's peer_cloud hints, text and JSON
set -euo pipefail
mode=$1 xfrmctl=$2 src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}

# run NAME ARGS...: xfrmctl ARGS with stdout, stderr and the exit status in
# $tmp/NAME.out, $tmp/NAME.err and $rc.
run() {
	local name=$1
	shift
	rc=0
	"$xfrmctl" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" || rc=$?
}

# The command names, from the overview's synopsis lines.
verbs() {
	sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p' "$tmp/help.out" | grep -v '^help$' | sort -u
}

check_help() {
	local v n=0 readme_block
	run help help
	[[ $rc == 0 && -s $tmp/help.out && ! -s $tmp/help.err ]] ||
		fail "xfrmctl help: exit $rc, stderr '$(cat "$tmp/help.err")'"
	for args in "--help" "-h"; do
		run top $args
		[[ $rc == 0 ]] && cmp -s "$tmp/help.out" "$tmp/top.out" ||
			fail "xfrmctl $args differs from xfrmctl help (exit $rc)"
	done
	run none
	[[ $rc == 2 ]] && cmp -s "$tmp/help.out" "$tmp/none.err" ||
		fail "xfrmctl without a command: exit $rc, want 2 and the overview on stderr"
	# Every command line of the overview is in README's xfrmctl section,
	# and every command has an entry in the man page.
	readme_block=$(sed -n '/^## xfrmctl$/,/^## xfrmd$/p' "$src/README.md")
	sed 's/\\-/-/g' "$src/packaging/man/xfrmctl.8" >"$tmp/man"
	while IFS= read -r line; do
		grep -qxF -- "$line" <<<"$readme_block" || fail "README's xfrmctl section lacks: '$line'"
	done < <(sed -n '/^  [a-z]/,/^$/p' "$tmp/help.out" | sed '/^$/d')
	for v in $(verbs); do
		n=$((n + 1))
		for args in "$v --help" "$v -h" "help $v"; do
			# shellcheck disable=SC2086 # words on purpose
			run verb $args
			[[ $rc == 0 ]] || fail "xfrmctl $args: exit $rc"
			[[ ! -s $tmp/verb.err ]] || fail "xfrmctl $args wrote to stderr: $(cat "$tmp/verb.err")"
			head -n 1 "$tmp/verb.out" | grep -q "^usage: xfrmctl \[-s SOCKET\] $v" ||
				fail "xfrmctl $args: first line '$(head -n 1 "$tmp/verb.out")'"
			(($(wc -l <"$tmp/verb.out") >= 3)) || fail "xfrmctl $args: no description"
		done
		# --help wins over whatever else is on the line, even without a daemon.
		run verb -s /nonexistent/xfrmd.sock "$v" bogus-arg --help
		[[ $rc == 0 ]] || fail "xfrmctl $v bogus-arg --help: exit $rc"
		grep -q "^\.B[IR]* \"$v[ \"]" "$tmp/man" || fail "xfrmctl.8 has no entry for $v"
	done
	((n >= 11)) || fail "only $n commands in the overview: $(verbs | xargs)"
	run bad help no-such-command
	[[ $rc == 2 ]] && grep -q "no command 'no-such-command'" "$tmp/bad.err" ||
		fail "help no-such-command: exit $rc: $(cat "$tmp/bad.err")"
	(($(awk '{ if (length($0) > 80) n++ } END { print n + 0 }' "$tmp/help.out") == 0)) ||
		fail "overview lines longer than 80 columns"
}

check_validate_json() {
	local f i=0
	# Each example's run in $tmp/v/N.{json,out,err,rc,expect}; one python
	# checks them all (a python per example is minutes on a busy machine).
	mkdir "$tmp/v"
	# The X.509 example's files, where its pki/ paths lead.
	cp -r "$src/schemas/examples/valid/pki" "$tmp/v/pki"
	chmod 600 "$tmp"/v/pki/*.key
	for f in "$src"/schemas/examples/valid/*.json "$src"/schemas/examples/invalid/*.json; do
		i=$((i + 1))
		cp "$f" "$tmp/v/$i.json"
		chmod 600 "$tmp/v/$i.json"
		echo "$f" >"$tmp/v/$i.name"
		[[ $f == */valid/* ]] || head -n 1 "${f%.json}.expect" >"$tmp/v/$i.expect"
		run v validate --json -f "$tmp/v/$i.json"
		mv "$tmp/v.out" "$tmp/v/$i.out"
		mv "$tmp/v.err" "$tmp/v/$i.err"
		echo "$rc" >"$tmp/v/$i.rc"
	done
	python3 - "$tmp/v" "$i" <<'EOF' || fail "validate --json"
import json, os, re, sys
d, n = sys.argv[1], int(sys.argv[2])
bad = 0
for i in range(1, n + 1):
    p = lambda ext: os.path.join(d, f"{i}.{ext}")
    name, file = open(p("name")).read().strip(), p("json")
    try:
        rc = int(open(p("rc")).read())
        assert not open(p("err")).read(), "stderr: " + open(p("err")).read()
        r = json.load(open(p("out")))
        if not os.path.exists(p("expect")):
            doc = json.load(open(file))
            assert rc == 0, f"exit {rc}"
            weak = sum(1 for c in doc["connections"] if c.get("allow_legacy_crypto"))
            assert set(r) == {"valid", "file", "connections", "warnings", "hints", "nftables"}, r
            # one line per connection with rules in xfrmd's nftables table, naming it
            nft = [c["name"] for c in doc["connections"] if "mss" in c or "nat" in c]
            assert [n.split(":")[0] for n in r["nftables"]] == ["connection " + n for n in nft], r
            assert r["valid"] is True and r["file"] == file, r
            assert r["connections"] == len(doc["connections"]), r
            # one warning per connection that uses weak algorithms it allows
            assert len(r["warnings"]) == weak and all("weak algorithms" in w for w in r["warnings"]), r
            # every example that names its peer_cloud meets that cloud's defaults
            assert r["hints"] == [], r
            continue
        expect = open(p("expect")).read().rstrip("\n")
        assert rc == 1, f"exit {rc}"
        assert r["valid"] is False and r["file"] == file, r
        assert set(r) <= {"valid", "file", "error", "path", "message", "line", "column"}, r
        # the parts put back together are the text validate prints
        if r["path"] is not None:
            whole = f'{r["path"]}: {r["message"]}'
        elif "line" in r:
            whole = f'line {r["line"]}, column {r["column"]}: {r["message"]}'
        else:
            whole = r["message"]
        assert r["error"] in (f"{file}: {whole}", whole), r
        assert expect in r["error"], (expect, r)
        # an error that names a JSON path has it in "path"
        head = expect.split(": ")[0]
        # (a key that cannot be written as a path, e.g. one holding a NUL, has none)
        if head == "(root)" or re.fullmatch(r"(connections|gateway|version)(\[\d+\])*(\.[A-Za-z_]\w*(\[\d+\])*)*", head):
            assert r["path"] == head, (expect, r)
    except Exception as e:
        bad += 1
        print(f"FAIL {name}: {e!r}")
print(f"validate --json: {n} examples, {bad} failed")
sys.exit(1 if bad else 0)
EOF
	# Not a file: no path, the message says why; usage errors stay usage errors.
	run v validate --json -f "$tmp/none.json"
	[[ $rc == 1 ]] && python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["valid"] is False and r["path"] is None and "No such file" in r["message"], r' "$tmp/v.out" ||
		fail "missing file: exit $rc: $(cat "$tmp/v.out")"
	run v validate --json
	[[ $rc == 2 ]] || fail "validate --json without -f: exit $rc"
}

# want_missing WHAT ARGS...: exit 2 (plan: 1, its 2 means changes),
# "option ... needs WHAT" on stderr.
want_missing() {
	local what=$1 want=2
	shift
	[[ $1 == plan ]] && want=1
	run m "$@"
	[[ $rc == "$want" ]] && grep -q "option .* needs $what\$" "$tmp/m.err" ||
		fail "xfrmctl $*: exit $rc: $(cat "$tmp/m.err")"
	! grep -q "cannot reach" "$tmp/m.err" || fail "xfrmctl $*: went on to the daemon"
}

check_options() {
	want_missing "a file" validate -f
	want_missing "a file" validate --file
	want_missing "a file" validate -f --json
	want_missing "a file" plan -f
	want_missing "a file" apply -f
	want_missing "a generation number" apply -f x.json --expect-generation
	want_missing "a file" metrics -o
	want_missing "xfrmd or swanctl" export-peer site-b --format
	want_missing "a socket path" -s
	want_missing "a socket path" --socket
	grep -qx "xfrmctl: validate: option -f needs a file" <("$xfrmctl" validate -f 2>&1) ||
		fail "validate -f: '$("$xfrmctl" validate -f 2>&1 | head -n 1)'"
	run m validate
	[[ $rc == 2 ]] && grep -q "usage: xfrmctl validate -f FILE" "$tmp/m.err" ||
		fail "validate without -f: exit $rc: $(cat "$tmp/m.err")"
	run m apply -f x.json --expect-generation abc
	[[ $rc == 2 ]] && grep -q "'abc' is not a generation number" "$tmp/m.err" ||
		fail "--expect-generation abc: exit $rc: $(cat "$tmp/m.err")"
}

check_unreachable() {
	local sock=$tmp/no/xfrmd.sock
	for cmd in status "routes" "metrics" "monitor" "explain 10.1.0.1 10.2.0.1"; do
		# shellcheck disable=SC2086 # words on purpose
		run u -s "$sock" $cmd
		[[ $rc == 1 ]] || fail "$cmd: exit $rc"
		grep -qx "xfrmctl: cannot reach xfrmd at $sock: No such file or directory" "$tmp/u.err" &&
			grep -q "is xfrmd running" "$tmp/u.err" && grep -q -- "-s PATH" "$tmp/u.err" &&
			grep -q "XFRMD_SOCKET" "$tmp/u.err" || fail "$cmd: $(cat "$tmp/u.err")"
		! grep -q "came from XFRMD_SOCKET" "$tmp/u.err" || fail "$cmd: blames XFRMD_SOCKET"
	done
	rc=0
	XFRMD_SOCKET=$sock "$xfrmctl" status >"$tmp/u.out" 2>"$tmp/u.err" || rc=$?
	[[ $rc == 1 ]] && grep -q "cannot reach xfrmd at $sock" "$tmp/u.err" &&
		grep -q "this path came from XFRMD_SOCKET" "$tmp/u.err" ||
		fail "XFRMD_SOCKET: exit $rc: $(cat "$tmp/u.err")"
}

check_plural() {
	local doc='{"gateway": {"name": "gw"}, "connections": [CONNS]}'
	local c='{"name": "NAME", "local_prefixes": ["10.1.0.0/24"], "remote_prefixes": ["NET"],
		"tunnels": [{"local": "192.0.2.1", "remote": "ADDR", "psk": "secret123"}]}'
	local one two
	one=${c//NAME/a}
	one=${one//NET/10.2.0.0/24}
	one=${one//ADDR/192.0.2.2}
	two=${c//NAME/b}
	two=${two//NET/10.3.0.0/24}
	two=${two//ADDR/192.0.2.3}
	for n in 0 1 2; do
		case $n in
		0) conns= ;;
		1) conns=$one ;;
		2) conns="$one, $two" ;;
		esac
		echo "${doc//CONNS/$conns}" >"$tmp/p.json"
		chmod 600 "$tmp/p.json"
		run p validate -f "$tmp/p.json"
		want=$([[ $n == 1 ]] && echo "1 connection" || echo "$n connections")
		[[ $rc == 0 ]] && grep -qx "$tmp/p.json: configuration OK ($want)" "$tmp/p.out" ||
			fail "$n: exit $rc: $(cat "$tmp/p.out" "$tmp/p.err")"
	done
	# No count in the sources runs into a fixed plural noun unchecked:
	# "%zu connections" and the like go through plural().
	if grep -rnE '%(z|ll|l)?[ud] (connections|changes|actions|tunnels|packets|policies|times|routes|requests|sections|SAs)\b' \
		"$src/cmd" "$src/lib" --include='*.c' | grep -v '^[^:]*/lib/config/'; then
		fail "counts with a fixed plural noun (use plural())"
	fi
}

# A cloud example gets no hint; the same connection with xfrmd's default
# proposals (AEAD, elliptic curves: nothing Alibaba Cloud takes) gets one
# for ike and one for esp, on stderr after "hint: " and in --json's "hints".
check_cloud_hints() {
	local accepts='aes128, aes192, aes256, 3des or des; md5, sha1, sha256, sha384 or sha512'
	local want
	cp "$src/schemas/examples/valid/cloud-alibaba.json" "$tmp/ok.json"
	python3 - "$tmp/ok.json" "$tmp/bad.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
for key in ("ike", "esp", "allow_legacy_crypto"):
    del doc["connections"][0][key]
json.dump(doc, open(sys.argv[2], "w"))
EOF
	chmod 600 "$tmp/ok.json" "$tmp/bad.json"
	run ok validate -f "$tmp/ok.json"
	[[ $rc == 0 ]] && grep -qx "$tmp/ok.json: configuration OK (1 connection)" "$tmp/ok.out" ||
		fail "cloud example: exit $rc: $(cat "$tmp/ok.out" "$tmp/ok.err")"
	! grep -q "hint" "$tmp/ok.err" || fail "cloud example earns a hint: $(cat "$tmp/ok.err")"
	run ok validate --json -f "$tmp/ok.json"
	python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["valid"] and r["hints"] == [], r' \
		"$tmp/ok.out" || fail "cloud example --json: $(cat "$tmp/ok.out")"

	want="hint: connections[0] (peer_cloud alibaba): no ike proposal is one Alibaba Cloud accepts ($accepts; modp768, modp1024, modp1536 or modp2048): propose one that is, e.g. \"aes256-sha256-modp2048\"
hint: connections[0] (peer_cloud alibaba): no esp proposal is one Alibaba Cloud accepts ($accepts; PFS none, modp768, modp1024, modp1536 or modp2048): propose one that is, e.g. \"aes256-sha256-modp2048\""
	run bad validate -f "$tmp/bad.json"
	[[ $rc == 0 ]] && grep -qx "$tmp/bad.json: configuration OK (1 connection)" "$tmp/bad.out" ||
		fail "hinted config: exit $rc: $(cat "$tmp/bad.out" "$tmp/bad.err")"
	[[ $(cat "$tmp/bad.err") == "$want" ]] || fail "hints: got '$(cat "$tmp/bad.err")', want '$want'"
	run bad validate --json -f "$tmp/bad.json"
	[[ $rc == 0 && ! -s $tmp/bad.err ]] || fail "hinted config --json: exit $rc: $(cat "$tmp/bad.err")"
	python3 - "$tmp/bad.out" "$want" <<'EOF' || fail "hinted config --json: $(cat "$tmp/bad.out")"
import json, sys
r = json.load(open(sys.argv[1]))
want = [line[len("hint: "):] for line in sys.argv[2].split("\n")]
assert r["valid"] is True and r["warnings"] == [] and r["hints"] == want, (r, want)
EOF

	# README's "Cloud profiles": its examples are the example files, and the
	# hint it shows is what validate prints for the Azure example without
	# its weak proposal.
	python3 - "$src" "$tmp/azure.json" <<'EOF' || fail "README's Cloud profiles and the examples differ"
import json, re, sys
src, out = sys.argv[1], sys.argv[2]
readme = open(f"{src}/README.md").read()
sec = readme[readme.index("\n## Cloud profiles\n"):]
sec = sec[:sec.index("\n## ", 1)]
blocks = [json.loads(b) for b in re.findall(r"```json\n(.*?)\n```", sec, re.S)]
files = [json.load(open(f"{src}/schemas/examples/valid/cloud-{c}.json"))
         for c in ("aws", "azure", "alibaba")]
assert blocks == files, "README's JSON blocks are not cloud-aws, cloud-azure, cloud-alibaba"
doc = files[1]
c = doc["connections"][0]
c["ike"]["proposals"].remove("aes256-sha256-modp1024")
del c["allow_legacy_crypto"]
json.dump(doc, open(out, "w"))
shown = re.search(r"\$ xfrmctl validate -f azure.json\n(.*?)\n```", sec, re.S).group(1)
open(out + ".want", "w").write(shown + "\n")
EOF
	chmod 600 "$tmp/azure.json"
	(cd "$tmp" && "$xfrmctl" validate -f azure.json >az.out 2>az.err) || fail "azure.json: refused"
	cat "$tmp/az.err" "$tmp/az.out" | cmp -s - "$tmp/azure.json.want" ||
		fail "README shows '$(cat "$tmp/azure.json.want")', validate prints '$(cat "$tmp/az.err" "$tmp/az.out")'"
}

case $mode in
help) check_help ;;
validate-json) check_validate_json ;;
options) check_options ;;
unreachable) check_unreachable ;;
plural) check_plural ;;
cloud-hints) check_cloud_hints ;;
*)
	echo "unknown mode $mode" >&2
	exit 2
	;;
esac
((failed == 0)) && echo "cli $mode: ok"
((failed == 0))
