#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root), builds xfrmd and runs the
# two-site demo in the kernel lab: a connection of two tunnels, traffic
# crossing, one path cut (traffic continues on the other tunnel), the
# failback, fail-closed with both paths cut, `xfrmctl status` throughout
# (test/lab/scenarios/demo/run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash test/setup-deps.sh
bash test/build.sh build
exec test/lab/lab --build build --show demo
