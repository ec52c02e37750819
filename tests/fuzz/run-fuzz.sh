#!/bin/sh
# Fuzz the image reader with libFuzzer, ASan and UBSan, from a separate
# clang build directory (configured here on first use).
#
#   tests/fuzz/run-fuzz.sh [--short|--long] [BUILD_DIR]
#
# --short (the default, what `make check` runs): 60 seconds.
# --long: 30 minutes; FUZZ_SECONDS=N overrides either. BUILD_DIR defaults
# to build-fuzz. Ends with "N passed, N failed" like the other tiers.
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
meson compile -C "$build" fuzz-image-reader fuzz-seeds ||
	fail "building the fuzz targets in $build failed (is it a clang build with -Dfuzz=enabled?)"
if meson test -C "$build" --suite fuzz --no-rebuild --print-errorlogs; then
	echo "1 passed, 0 failed"
else
	echo "run-fuzz: the fuzzer found a problem; see $build/tests/fuzz/image-reader/crash-*" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
