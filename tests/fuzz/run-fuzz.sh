#!/bin/sh
# Fuzz the image reader and ckpt-agent's request parser with libFuzzer, ASan
# and UBSan, from a separate clang build directory (configured here on first
# use).
#
#   tests/fuzz/run-fuzz.sh [--short|--long] [BUILD_DIR]
#
# --short (the default, what `make check` runs): 60 seconds per target.
# --long: 30 minutes per target; FUZZ_SECONDS=N overrides either. BUILD_DIR
# defaults to build-fuzz. Ends with "N passed, N failed" like the other tiers.
set -u

cd "$(dirname "$0")/../.."
seconds=60
case "${1:-}" in
--short) shift ;;
--long) seconds=1800; shift ;;
esac
build=${1:-build-fuzz}
export FUZZ_SECONDS=${FUZZ_SECONDS:-$seconds}

fail() {
	echo "run-fuzz: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

if [ ! -f "$build/build.ninja" ]; then
	log=$(mktemp /tmp/ckpt-fuzz-setup.XXXXXX)
	CC=clang meson setup "$build" -Db_sanitize=address,undefined -Db_lundef=false \
		-Dfuzz=enabled >"$log" 2>&1 || fail "meson setup $build failed, see $log"
	rm -f "$log"
fi
# Only the fuzz targets: the rest of the project is not needed here.
meson compile -C "$build" fuzz-image-reader fuzz-seeds fuzz-agent-request fuzz-agent-seeds ||
	fail "building the fuzz targets in $build failed (is it a clang build with -Dfuzz=enabled?)"
# Each target for FUZZ_SECONDS, one after the other: the image reader, then
# ckpt-agent's request parser.
passed=0
failed=0
for target in image-reader agent-request; do
	if meson test -C "$build" --suite fuzz --no-rebuild --print-errorlogs "fuzz-$target"; then
		passed=$((passed + 1))
	else
		echo "run-fuzz: the fuzzer found a problem; see $build/tests/fuzz/$target/crash-*" >&2
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
