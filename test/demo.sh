#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root), builds xfrmd and runs the
# two-site demo in the kernel lab: both gateways apply their config with
# xfrmctl, the tunnel comes up, LAN hosts ping across, status is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

bash test/setup-deps.sh
bash test/build.sh build
exec test/lab/lab --build build --show demo
