#!/bin/sh
# The userspace C code must be as .clang-format formats it. Kernel code
# (guest-kmod/, the test module) follows kernel style and checkpatch
# instead, and so do proto/ckpt_*.h, which the module includes.
set -eu
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h' | grep -v -e '^guest-kmod/' -e '^tests/vm/testmod/' -e '^proto/ckpt_[a-z]*\.h$')
out=$(echo "$files" | xargs clang-format --dry-run 2>&1 | grep ': warning:' | cut -d: -f1 | sort -u)
if [ -n "$out" ]; then
	echo "not formatted (run clang-format -i on them):"
	echo "$out"
	exit 1
fi
echo "$(echo "$files" | wc -l) files formatted"
