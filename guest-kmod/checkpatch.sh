#!/bin/sh
# Run the kernel's checkpatch.pl over the module sources; fail on anything.
#
#   checkpatch.sh CACHE_DIR DIR...
#
# checkpatch.pl and the two data files it reads next to itself
# (spelling.txt, const_structs.checkpatch) come from Debian's
# linux-source-6.1 tarball; they are extracted once into CACHE_DIR (in the
# build dir, never committed). Every *.c and *.h in each DIR is checked, so
# a new file cannot escape the check.
#
# Ignored:
#   MACRO_ARG_REUSE  our table macros take a type and a field name and use
#                    them in offsetof()/sizeof_field()/#field; checkpatch
#                    only recognises the first offsetof() argument as
#                    side-effect free. No macro here takes an expression.
set -eu

if [ $# -lt 2 ]; then
	echo "usage: $0 CACHE_DIR DIR..." >&2
	exit 2
fi
cache=$1
shift

tarball=$(ls -1 /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
if [ -z "$tarball" ]; then
	echo "checkpatch: no /usr/src/linux-source-*.tar.xz; install linux-source-6.1" >&2
	exit 1
fi

if [ ! -f "$cache/checkpatch.pl" ] || [ "$tarball" -nt "$cache/checkpatch.pl" ]; then
	top=$(basename "$tarball" .tar.xz)
	rm -rf "$cache.tmp"
	mkdir -p "$cache.tmp"
	tar -xJf "$tarball" -C "$cache.tmp" --strip-components=2 \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch"
	rm -rf "$cache"
	mv "$cache.tmp" "$cache"
fi

files=""
for d in "$@"; do
	for f in "$d"/*.c "$d"/*.h; do
		[ -e "$f" ] && files="$files $f"
	done
done
if [ -z "$files" ]; then
	echo "checkpatch: no *.c or *.h in $*" >&2
	exit 1
fi

# --no-tree: out of tree, there is no kernel tree to check paths against.
# checkpatch.pl exits non-zero when any file has an error, a warning or
# (with --strict) a check; --terse prints one line per problem.
# OOM_MESSAGE is ignored: our "no memory for ..." texts are not log lines but
# the error the caller reads from its errbuf, which the allocator's own
# warning in the kernel log does not give it.
set -- $files
if ! perl "$cache/checkpatch.pl" --no-tree --strict --terse --show-types \
	--ignore MACRO_ARG_REUSE,OOM_MESSAGE -f "$@"; then
	echo "checkpatch: problems in the $# files above (or checkpatch failed)" >&2
	exit 1
fi
echo "checkpatch: $# files clean"
