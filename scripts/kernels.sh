#!/bin/sh
# Print one line per guest kernel the module is built for:
#   FLAVOR RELEASE BUILD_DIR
# The ABI version (6.1.0-NN) is read from the installed linux-headers-FLAVOR
# meta-package, never hard-coded. CKPT_KDIR (colon-separated kernel build
# dirs) adds any other kernel, flavor "custom".
set -eu

FLAVORS="${CKPT_FLAVORS:-amd64 cloud-amd64 rt-amd64}"

for f in $FLAVORS; do
	dep=$(dpkg-query -W -f='${Depends}' "linux-headers-$f" 2>/dev/null) || {
		echo "kernels: linux-headers-$f is not installed (run scripts/deps.sh)" >&2
		exit 1
	}
	# "linux-headers-6.1.0-56-amd64 (= 6.1.192-2)" -> "6.1.0-56-amd64"
	rel=$(echo "$dep" | sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
	dir="/usr/src/linux-headers-$rel"
	if [ -z "$rel" ] || [ ! -f "$dir/Makefile" ]; then
		echo "kernels: cannot find headers for flavor $f (got '$dep')" >&2
		exit 1
	fi
	echo "$f $rel $dir"
done

if [ -n "${CKPT_KDIR:-}" ]; then
	echo "$CKPT_KDIR" | tr ':' '\n' | while read -r dir; do
		[ -n "$dir" ] || continue
		# UTS_RELEASE is what uname -r reports in the guest (Debian's
		# include/config/kernel.release holds the upstream version).
		rel=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' \
			"$dir/include/generated/utsrelease.h" 2>/dev/null)
		if [ -z "$rel" ]; then
			echo "kernels: $dir is not a prepared kernel build dir (no include/generated/utsrelease.h)" >&2
			exit 1
		fi
		echo "custom $rel $dir"
	done
fi
