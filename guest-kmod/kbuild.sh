#!/bin/sh
# Build one out-of-tree kernel module with Kbuild, outside the source tree.
#
#   kbuild.sh KERNEL_BUILD_DIR SRC_DIR OUT_DIR PROTO_DIR LINK FILE...
#
# Kbuild writes its objects next to the sources (M=dir), so the sources
# (FILE..., relative to SRC_DIR, Kbuild included) are copied into OUT_DIR
# and built there. cp -p keeps their mtimes, so Kbuild only recompiles what
# changed. Any compiler or modpost warning fails the build. The module
# (named after OUT_DIR's Kbuild obj-m, e.g. ckpt.ko) is then hard-linked to
# LINK, the file meson declares as the target's output.
set -eu

if [ $# -lt 6 ]; then
	echo "usage: $0 KERNEL_BUILD_DIR SRC_DIR OUT_DIR PROTO_DIR LINK FILE..." >&2
	exit 2
fi
kdir=$1 src=$2 out=$3 proto=$4 link=$5
shift 5

if [ ! -f "$kdir/Makefile" ]; then
	echo "kbuild: $kdir is not a kernel build dir (no Makefile)" >&2
	exit 1
fi

mkdir -p "$out"
for f in "$@"; do
	cp -p "$src/$f" "$out/$f"
done

# obj-m := NAME.o in the Kbuild file names the module.
mod=$(sed -n 's/^obj-m[[:space:]]*:=[[:space:]]*\([A-Za-z0-9_-]*\)\.o.*/\1/p' "$out/Kbuild")
if [ -z "$mod" ]; then
	echo "kbuild: $out/Kbuild has no 'obj-m := NAME.o' line" >&2
	exit 1
fi

log="$out/build.log"
status=0
out_abs=$(cd "$out" && pwd)
src_abs=$(cd "$src" && pwd)
make -C "$kdir" M="$out_abs" CKPT_PROTO="$(cd "$proto" && pwd)" \
	modules >"$log" 2>&1 || status=$?
# Point compiler diagnostics at the real sources, not at their copies.
sed "s|$out_abs/\([^ :]*\.[ch]\):|$src_abs/\1:|g" "$log"
if [ "$status" != 0 ]; then
	echo "kbuild: building $mod.ko against $kdir failed (exit $status)" >&2
	exit 1
fi
# -Werror covers the compiler; modpost (section mismatches, undefined or
# GPL-only symbols) only warns, so refuse its warnings here.
if grep -qi 'warning' "$log"; then
	echo "kbuild: warnings while building $mod.ko against $kdir (see above)" >&2
	exit 1
fi
ln -f "$out/$mod.ko" "$link"
# The link shares the module's inode; touch it so ninja sees a fresh output
# even when Kbuild had nothing to redo (e.g. only this script changed).
touch "$link"
