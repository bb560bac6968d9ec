#!/usr/bin/env bash
# build.sh DIR [cmake args...]: configure and build into DIR.
set -euo pipefail
dir=$1
shift
src=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
