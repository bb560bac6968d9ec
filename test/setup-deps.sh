#!/usr/bin/env bash
# Installs what building, the tests and the kernel lab need on Debian 12.
# Idempotent: installs only what is missing.
set -euo pipefail

packages=(
	build-essential cmake pkg-config git
	libnl-3-dev libnl-route-3-dev libnl-xfrm-3-dev libjson-c-dev check
	strongswan-charon strongswan-swanctl libstrongswan-standard-plugins
	user-mode-linux kmod iproute2 iputils-ping nftables iptables tcpdump procps psmisc
	valgrind # lab scenario flapping: xfrmd under memcheck (ASan cannot run in user-mode Linux)
	qemu-system-x86 busybox-static cpio
	python3 python3-jsonschema clang-format cppcheck
	dpkg-dev debhelper fakeroot lintian debootstrap zstd systemd-container # the .deb test
	clang libclang-rt-14-dev llvm # libFuzzer, sanitizer runtimes, symbolizer
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# Debian's strongSwan packages try to start charon; the lab starts its own.
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# UML's module tree is bind-mounted over /lib/modules inside the lab.
mkdir -p /lib/modules
