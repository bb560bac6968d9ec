# shellcheck shell=bash
# demo: the README's first command. The policy-psk scenario (two sites,
# xfrmctl apply on both gateways, ping across, ESP only on the underlay),
# saving both gateways' `xfrmctl status` for `lab --show`.
# shellcheck source=../policy-psk/run.sh
LAB_SCENARIO_DIR=$LAB_DIR/scenarios/policy-psk source "$LAB_DIR/scenarios/policy-psk/run.sh"
