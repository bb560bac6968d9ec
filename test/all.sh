#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root), builds xfrmd three times
# (plain, with ASan+UBSan for the unit tests, and Release as the benchmarks
# do) and runs every test: unit, lint, schema, fuzz, integration with a real
# charon, host netns, the kernel lab and the Debian package.
set -euo pipefail
cd "$(dirname "$0")/.."

bash test/setup-deps.sh
bash test/build.sh build
bash test/build.sh build-asan -DXFRMD_SANITIZE=ON
# The benchmarks' build (bench/run-all.sh): -O3 finds warnings -O2 does not.
bash test/build.sh build-release -DCMAKE_BUILD_TYPE=Release

echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir build-asan -L unit --output-on-failure
echo "== fuzzing: regression inputs, then each target for 45 s"
CC=clang cmake -S . -B build-fuzz -DXFRMD_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_config fuzz_vici fuzz_control fuzz_bird
ctest --test-dir build-fuzz -L fuzz --output-on-failure
bash test/fuzz/run.sh build-fuzz 45
echo "== all tests but the kernel lab"
ctest --test-dir build -LE lab --output-on-failure
echo "== the kernel lab, two guests at a time"
ctest --test-dir build -L lab -j2 --output-on-failure
