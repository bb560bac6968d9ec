#!/bin/bash
# Benchmark 1: bulk apply of 1,000 connections x 2 tunnels, xfrmd against swanctl --load-all,
# in the kernel lab (VTI needs the UML kernel). Prints the medians and the ratio.
#   BUILD=build-x BENCH_N=1000 BENCH_RUNS=5 bench/bulk-apply.sh
# BENCH_UEVENT_HELPER=keep: leave the UML kernel's uevent helper on (see the run.sh).
# Trap started connections (no peer needed); see bench/lab/bulk-apply/run.sh.
exec "$(dirname "$0")/lab/run-bench.sh" bulk-apply
