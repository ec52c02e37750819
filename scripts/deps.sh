#!/bin/sh
# Install what building and testing ckpt needs, idempotently: when every
# package is already installed this only runs dpkg-query and exits.
set -eu

FLAVORS="amd64 cloud-amd64 rt-amd64"

PACKAGES="
build-essential meson ninja-build pkg-config git
clang lld llvm libclang-rt-14-dev clang-format
libglib2.0-dev libjson-glib-dev libvirt-dev libzstd-dev libxxhash-dev
qemu-system-x86 qemu-utils busybox-static cpio zstd xz-utils kmod linux-source-6.1
python3 dpkg-dev file
libxml2-dev libvirt-daemon-system libvirt-clients dnsmasq-base
"
for f in $FLAVORS; do
	PACKAGES="$PACKAGES linux-headers-$f"
done

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet; refresh them once.
apt-get update -q
apt-get install -y -q --no-install-recommends $missing
