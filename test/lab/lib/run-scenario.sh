#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Runs one scenario inside the guest (started by guest-init under a timeout): loads the helpers,
# builds the topology (the scenario's topology.sh if it has one, else topo_default), then sources
# the scenario's run.sh. An error aborts the scenario; guest-init reports it with the failing
# command saved in $LAB_RUN/.lasterr.
# Proof of completion: the last thing this does, after run.sh returned and the secrets check ran,
# is to append "FINISHED" to $LAB_RESULTS. guest-init and lab report NAME/script-did-not-finish
# for a scenario without it, whatever stopped it (an error, "exit", the time limit).
set -Eeuo pipefail

# shellcheck source=check.sh
. "$LAB_DIR/lib/check.sh"
# shellcheck source=topology.sh
. "$LAB_DIR/lib/topology.sh"
# shellcheck source=daemons.sh
. "$LAB_DIR/lib/daemons.sh"
# shellcheck source=traffic.sh
. "$LAB_DIR/lib/traffic.sh"
# shellcheck source=xfrmd.sh
. "$LAB_DIR/lib/xfrmd.sh"
# shellcheck source=libreswan.sh
. "$LAB_DIR/lib/libreswan.sh"
# shellcheck source=peer.sh
. "$LAB_DIR/lib/peer.sh"
# shellcheck source=bird.sh
. "$LAB_DIR/lib/bird.sh"
# shellcheck source=gwhosts.sh
. "$LAB_DIR/lib/gwhosts.sh"

_lab_err() { # ERR trap: save the failing command and where it was called from
  local rc=$? i at=""
  # Only in the scenario's own shell: an error inside a command substitution or a pipeline stops
  # the scenario only through the command there that then fails (reported by this trap too).
  ((BASH_SUBSHELL == _LAB_ERR_LEVEL)) || return "$rc"
  for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do at+=" ${BASH_SOURCE[i]##*/}:${BASH_LINENO[i - 1]}"; done
  echo "\"$BASH_COMMAND\" exited $rc at$at" | tee "$LAB_RUN/.lasterr" >&2
}
cd "$LAB_RUN"
if [[ $LAB_VERBOSE == 1 ]]; then PS4='+ ${EPOCHREALTIME} ${BASH_SOURCE[0]##*/}:$LINENO: '; set -x; fi

# The scenario runs in a subshell, as the last command here (never tested with || or if, which
# would switch set -e off inside). In the main shell bash merely abandons the current top-level
# command on an arithmetic error ($((1/0)), "value too great for base", a bad expression) and goes
# on with the next one, unseen by set -e and the ERR trap: a loop or the rest of a line silently
# skipped. In a subshell every such error ends the subshell, with status 1.
(
  _LAB_ERR_LEVEL=$BASH_SUBSHELL
  trap _lab_err ERR
  if [[ -f $LAB_SCENARIO_DIR/topology.sh ]]; then
    # shellcheck source=/dev/null
    . "$LAB_SCENARIO_DIR/topology.sh"
  else
    topo_default single
  fi
  # shellcheck source=/dev/null
  . "$LAB_SCENARIO_DIR/run.sh"
  # Every scenario that ran xfrmd ends with the secrets check (lib/xfrmd.sh).
  if compgen -G "$LAB_RUN/*/xfrmd.log" >/dev/null; then check_no_secrets; fi
  printf 'FINISHED\t%s\t%s s\n' "$LAB_SCENARIO" "$SECONDS" >>"$LAB_RESULTS"
)
