#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# Runs one scenario inside the guest (started by guest-init under a timeout): loads the helpers,
# builds the topology (the scenario's topology.sh if it has one, else topo_default), then sources
# the scenario's run.sh. An error aborts the scenario; guest-init reports it with the failing
# command saved in $LAB_RUN/.lasterr.
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

_lab_err() { # ERR trap: save the failing command and where it was called from
  local rc=$? i at=""
  for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do at+=" ${BASH_SOURCE[i]##*/}:${BASH_LINENO[i - 1]}"; done
  echo "\"$BASH_COMMAND\" exited $rc at$at" | tee "$LAB_RUN/.lasterr" >&2
}
trap _lab_err ERR
cd "$LAB_RUN"
if [[ $LAB_VERBOSE == 1 ]]; then PS4='+ ${EPOCHREALTIME} ${BASH_SOURCE[0]##*/}:$LINENO: '; set -x; fi

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
