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
#   wait_for TIMEOUT_S CMD...      poll CMD every 0.2 s until it succeeds; status 1 after
#                                  TIMEOUT_S x LAB_SLOW seconds
#   lab_slow_s SECONDS             print SECONDS x LAB_SLOW, rounded up (for other waits)
#   json_get JSON|FILE EXPR        print the Python expression EXPR over the parsed JSON `j`
#   lab_broken WHAT                true if LAB_BREAK (comma list) contains WHAT (negative tests)
# LAB_SLOW (set by guest-init, >= 1, e.g. 2.5) is how much slower this guest ran a fixed amount
# of work than an unloaded host does: every timeout scales with it, so a busy host makes waits
# longer, never checks fail. A wait is for something awaited (a socket, a state), never a sleep.
#
# LAB_BREAK=stop-arith|stop-unset|stop-exit (selftests): right after the 3rd check is recorded,
# an arithmetic error, an unset variable or an "exit 0" stops the scenario's script mid-way; the
# lab must then report NAME/script-did-not-finish (see run-scenario.sh).

# LAB_SLOW in tenths, parsed once ("2.5" -> 25; anything else -> 10).
_LAB_SLOW10=10
if [[ ${LAB_SLOW:-} =~ ^([0-9]+)(\.([0-9]))?[0-9]*$ ]]; then
  _LAB_SLOW10=$((10#${BASH_REMATCH[1]} * 10 + 10#${BASH_REMATCH[3]:-0}))
  ((_LAB_SLOW10 >= 10)) || _LAB_SLOW10=10
fi
_LAB_NCHECKS=0

_lab_record() { # _lab_record PASS|FAIL NAME DETAIL
  local detail=${3//$'\t'/ }
  detail=${detail//$'\n'/ | }
  printf '%s\t%s\t%s\n' "$1" "$2" "$detail" >>"$LAB_RESULTS"
  if [[ $1 == PASS ]]; then echo "PASS $2${detail:+ ($detail)}"; else echo "FAIL $2: $detail"; fi
  _LAB_NCHECKS=$((_LAB_NCHECKS + 1))
  if [[ -n ${LAB_BREAK:-} ]] && ((_LAB_NCHECKS == 3)); then _lab_break_stop; fi
}

# The selftests' early stops (LAB_BREAK, see above): the kind of script bug that used to end a
# scenario silently.
_lab_break_stop() {
  local n
  if lab_broken stop-arith; then
    echo "LAB_BREAK=stop-arith: an arithmetic error after check $_LAB_NCHECKS"
    n=$((_LAB_NCHECKS / (_LAB_NCHECKS - 3)))
  elif lab_broken stop-unset; then
    echo "LAB_BREAK=stop-unset: an unset variable after check $_LAB_NCHECKS"
    # shellcheck disable=SC2154 # unset on purpose
    n=$_lab_no_such_variable
  elif lab_broken stop-exit; then
    echo "LAB_BREAK=stop-exit: exit 0 after check $_LAB_NCHECKS"
    exit 0
  fi
  : "${n:-}"
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
  local deadline=$((SECONDS + ($1 * _LAB_SLOW10 + 9) / 10))
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

lab_slow_s() { echo $((($1 * _LAB_SLOW10 + 9) / 10)); }

lab_broken() { [[ ,${LAB_BREAK:-}, == *,"$1",* ]]; }
