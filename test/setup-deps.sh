#!/usr/bin/env bash
# Installs what building, the tests and the kernel lab need on Debian 12.
# Idempotent: installs only what is missing.
set -euo pipefail

packages=(
	build-essential cmake pkg-config git
	libnl-3-dev libnl-route-3-dev libnl-xfrm-3-dev libjson-c-dev check
	libnftables-dev # xfrmd's nftables table (MSS clamp, NAT): libnftables1 comes with it
	strongswan-charon strongswan-swanctl libstrongswan-standard-plugins
	user-mode-linux kmod iproute2 iputils-ping nftables iptables tcpdump procps psmisc
	valgrind # lab scenario flapping: xfrmd under memcheck (ASan cannot run in user-mode Linux)
	qemu-system-x86 busybox-static cpio
	python3 python3-jsonschema clang-format cppcheck
	groff-base man-db # lint.man: the man pages render without warnings
	dpkg-dev debhelper fakeroot lintian debootstrap zstd systemd-container # the .deb test
	clang libclang-rt-14-dev llvm # libFuzzer, sanitizer runtimes, symbolizer
	bird2 # integration.bird_client: a private BIRD in a netns (its own service stays off)
	# Libreswan's runtime libraries and certutil (lab scenarios interop-libreswan-*; the package
	# itself conflicts with strongSwan and is only unpacked, below)
	libnss3-tools libcurl3-nss libevent-core-2.1-7 libevent-pthreads-2.1-7 libldns3 libunbound8
	libcap-ng0 libaudit1
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
# Debian's bird2 enables and starts its own BIRD; the tests start private ones.
if [[ " ${missing[*]-} " == *" bird2 "* ]] && command -v systemctl >/dev/null; then
	systemctl disable --now bird >/dev/null 2>&1 || true
fi
# UML's module tree is bind-mounted over /lib/modules inside the lab.
mkdir -p /lib/modules

# Libreswan (lab scenarios interop-libreswan-*): Debian's package conflicts with strongSwan in
# dpkg, so it is never installed: downloaded and unpacked into $LAB_CACHE/libreswan/<version>/
# (.complete marks a whole tree; built beside it and renamed). A tree already there is used as it
# is (rm -rf the directory to fetch the current version).
lab_cache=${LAB_CACHE:-/var/cache/xfrmd-lab}
if ! compgen -G "$lab_cache/libreswan/*/.complete" >/dev/null; then
	lsw_version() { apt-cache policy libreswan 2>/dev/null | sed -n 's/^ *Candidate: *//p' | grep -v '(none)'; }
	lsw_ver=$(lsw_version) || { apt-get update -qq && lsw_ver=$(lsw_version); } ||
		{ echo "setup: apt knows no libreswan package" >&2; exit 1; }
	echo "setup: unpacking libreswan $lsw_ver into $lab_cache/libreswan/$lsw_ver"
	mkdir -p "$lab_cache/libreswan"
	tmp=$(mktemp -d "$lab_cache/libreswan/.fetch.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && { apt-get download -q -o APT::Sandbox::User=root "libreswan=$lsw_ver" >/dev/null ||
		{ apt-get update -qq && apt-get download -q -o APT::Sandbox::User=root "libreswan=$lsw_ver" >/dev/null; }; })
	dpkg -x "$tmp"/libreswan_*.deb "$tmp/tree"
	# Every library pluto and its tools need must be installed (the list above).
	if ldd "$tmp/tree/usr/libexec/ipsec/"{pluto,whack,addconn} | grep 'not found'; then
		echo "setup: libreswan $lsw_ver needs libraries that are missing (above)" >&2
		exit 1
	fi
	touch "$tmp/tree/.complete"
	mv -T "$tmp/tree" "$lab_cache/libreswan/$lsw_ver" 2>/dev/null || [[ -e $lab_cache/libreswan/$lsw_ver/.complete ]]
fi
