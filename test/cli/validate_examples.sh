#!/usr/bin/env bash
# `xfrmctl validate` on every schema example: valid ones pass, each invalid
# one fails with exit 1 and the exact message (JSON path and reason) in its
# .expect file.
#   validate_examples.sh XFRMCTL SCHEMAS_DIR
set -euo pipefail
xfrmctl=$1 examples=$2/examples
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

fail() {
	echo "FAIL $1: $2"
	failed=$((failed + 1))
}

# The X.509 example's files (pki/ next to the config), the key private.
mkdir "$tmp/c"
cp -r "$examples/valid/pki" "$tmp/c/pki"
chmod 600 "$tmp"/c/pki/*.key

# Examples may hold inline keys; xfrmctl refuses such files unless 0600.
run_validate() {
	cp "$1" "$tmp/c/config.json"
	chmod 600 "$tmp/c/config.json"
	"$xfrmctl" validate -f "$tmp/c/config.json" >"$tmp/out" 2>&1
}

for f in "$examples"/valid/*.json; do
	if run_validate "$f"; then
		passed=$((passed + 1))
	else
		fail "$(basename "$f")" "rejected: $(cat "$tmp/out")"
	fi
done
for f in "$examples"/invalid/*.json; do
	name=$(basename "$f")
	expect=$(head -n 1 "${f%.json}.expect")
	rc=0
	run_validate "$f" || rc=$?
	if [[ $rc != 1 ]]; then
		fail "$name" "exit $rc, want 1: $(cat "$tmp/out")"
	elif ! grep -qF -- "$expect" "$tmp/out"; then
		fail "$name" "got '$(cat "$tmp/out")', want '$expect'"
	else
		passed=$((passed + 1))
	fi
done
echo "$passed passed, $failed failed"
((failed == 0))
