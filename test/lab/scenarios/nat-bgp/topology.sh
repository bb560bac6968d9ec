# shellcheck shell=bash
# nat-overlap's topology: both sites on 10.1.0.0/24, seen through gwa's nat rules as
# 100.64.1.0/24 (site A) and 100.64.2.0/24 (site B).
# shellcheck source-path=SCRIPTDIR source=../nat-overlap/topology.sh
. "$LAB_SCENARIO_DIR/../nat-overlap/topology.sh"
