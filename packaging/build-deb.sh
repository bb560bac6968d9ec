#!/usr/bin/env bash
# build-deb.sh [OUTDIR]: builds the xfrmd .deb with dpkg-buildpackage and
# puts the .deb, .changes and .buildinfo into OUTDIR (default: build-deb/).
#
# dpkg-buildpackage wants debian/ at the top of the source tree; the tree
# keeps it in packaging/debian/, so the build runs on a copy of the tree with
# packaging/debian/ copied to debian/. The working tree is never written to.
# Needs dpkg-dev, debhelper and the Build-Depends of packaging/debian/control.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/build-deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)

version=$(sed -n 's/^project(xfrmd VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
deb_version=$(sed -n '1s/^xfrmd (\([^)]*\)).*/\1/p' "$src/packaging/debian/changelog")
[ -n "$version" ] || {
	echo "build-deb: no project version in CMakeLists.txt" >&2
	exit 1
}
[ "$deb_version" = "$version" ] || {
	echo "build-deb: packaging/debian/changelog is at $deb_version, CMakeLists.txt at" \
		"$version: add a changelog entry (dch -v $version)" >&2
	exit 1
}

tmp=$(mktemp -d /tmp/xfrmd-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
tree="$tmp/xfrmd-$version"
mkdir "$tree"
# The source without build trees, VCS data or a stray top-level debian/.
tar -C "$src" --exclude=./.git --exclude='./build' --exclude='./build-*' \
	--exclude='./obj-*' --exclude=./debian -cf - . | tar -C "$tree" -xf -
cp -a "$src/packaging/debian" "$tree/debian"

(cd "$tree" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 || {
	grep -E -B2 -A8 'CMake Error|error:|Error [0-9]|FAIL' "$out/build.log" | tail -n 80 >&2
	echo "build-deb: dpkg-buildpackage failed: $out/build.log" >&2
	exit 1
}
rm -f "$out"/xfrmd_"$version"_*.deb "$out"/xfrmd-dbgsym_"$version"_*.deb \
	"$out"/xfrmd_"$version"_*.changes "$out"/xfrmd_"$version"_*.buildinfo
cp "$tmp"/xfrmd*_"$version"_*.deb "$tmp"/xfrmd_"$version"_*.changes \
	"$tmp"/xfrmd_"$version"_*.buildinfo "$out"/
ls "$out"/xfrmd_"$version"_*.deb
