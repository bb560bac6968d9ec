# shellcheck shell=bash
# Check helpers for lab scenarios. Each check appends one line "PASS|FAIL<TAB>name<TAB>detail" to
# $LAB_RESULTS (read by the host after the guest halts) and echoes it to the guest log.
# Check names are short words with dashes; the host prefixes them with the scenario name.
#
#   check NAME CMD...              PASS if CMD exits 0 (its output goes to guest.log on failure)
#   require NAME CMD...            like check, but a failure stops the scenario
#   check_eq NAME EXPECTED ACTUAL  PASS if the strings are equal
#   check_gt NAME ACTUAL LIMIT     PASS if integer ACTUAL > LIMIT
#   pass NAME [DETAIL] / fail NAME DETAIL   record directly
#   wait_for TIMEOUT_S CMD...      poll CMD every 0.2 s until it succeeds; status 1 on timeout
#   json_get JSON|FILE EXPR        print the Python expression EXPR over the parsed JSON `j`
#   lab_broken WHAT                true if LAB_BREAK (comma list) contains WHAT (negative tests)

_lab_record() { # _lab_record PASS|FAIL NAME DETAIL
  local detail=${3//$'\t'/ }
  detail=${detail//$'\n'/ | }
  printf '%s\t%s\t%s\n' "$1" "$2" "$detail" >>"$LAB_RESULTS"
  if [[ $1 == PASS ]]; then echo "PASS $2${detail:+ ($detail)}"; else echo "FAIL $2: $detail"; fi
}

pass() { _lab_record PASS "$1" "${2:-}"; }
fail() { _lab_record FAIL "$1" "${2:-failed}"; }

# Runs CMD with output captured; on failure the detail is the exit status and the last output line.
_lab_try() { # _lab_try NAME CMD... ; returns CMD's status
  local name=$1 out rc=0
  shift
  out=$("$@" 2>&1) || rc=$?
  if ((rc == 0)); then
    pass "$name"
  else
    printf '%s\n' "--- output of failed check $name: $*" "$out" "---"
    fail "$name" "exit $rc from '$*'${out:+: $(tail -n 1 <<<"$out" | cut -c1-200)}"
  fi
  return "$rc"
}

check() { _lab_try "$@" || true; }

require() {
  _lab_try "$@" && return 0
  echo "$1" >"$LAB_RUN/.stopped"
  echo "required check $1 failed: stopping the scenario"
  exit 1
}

check_eq() {
  if [[ $2 == "$3" ]]; then pass "$1" "$3"; else fail "$1" "expected '$2', got '$3'"; fi
}

check_gt() {
  if [[ $2 =~ ^-?[0-9]+$ ]] && (($2 > $3)); then pass "$1" "$2 > $3"; else fail "$1" "expected > $3, got '$2'"; fi
}

check_lt() {
  if [[ $2 =~ ^-?[0-9]+$ ]] && (($2 < $3)); then pass "$1" "$2 < $3"; else fail "$1" "expected < $3, got '$2'"; fi
}

wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

json_get() {
  python3 - "$1" "$2" <<'EOF'
import json, sys
src, expr = sys.argv[1], sys.argv[2]
j = json.loads(src) if src.lstrip()[:1] in ("{", "[") else json.load(open(src))
v = eval(expr, {"j": j})
print(v if isinstance(v, str) else json.dumps(v))
EOF
}

lab_broken() { [[ ,${LAB_BREAK:-}, == *,"$1",* ]]; }
