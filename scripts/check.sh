#!/bin/sh
# `make check`: build, then run every test tier, and end with one line
# "N passed, N failed" that sums them. Each tier runs even when an earlier
# one failed, so one run shows every failure.
set -u

BUILD=${1:-build}
KERNELS=${2:-all}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
start=$(date +%s)
passed=0
failed=0

# tally NAME RESULT_FILE: the file's last "N passed, N failed" line counts.
tally() {
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
	if [ -z "$line" ]; then
		echo "check: $1 reported no results" >&2
		failed=$((failed + 1))
		return
	fi
	p=${line%% passed*}
	f=${line#*, }
	f=${f%% failed*}
	passed=$((passed + p))
	failed=$((failed + f))
}

step() {
	echo "==== $1 ($(($(date +%s) - start)) s)"
}

logdir=$(mktemp -d /tmp/ckpt-check.XXXXXX)

step "configure and build"
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" || exit 1
fi
meson compile -C "$BUILD" || exit 1

step "unit tests"
meson test -C "$BUILD" --suite unit --print-errorlogs
python3 - "$BUILD/meson-logs/testlog.json" >"$logdir/unit" <<'PY'
import json, sys
ok = bad = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL", "SKIP"):
        ok += 1
    else:
        bad += 1
print(f"{ok} passed, {bad} failed")
PY
tally unit "$logdir/unit"

if [ -x tests/fuzz/run-fuzz.sh ]; then
	step "fuzz (short run)"
	tests/fuzz/run-fuzz.sh --short "$FUZZ_BUILD" 2>&1 | tee "$logdir/fuzz"
	tally fuzz "$logdir/fuzz"
fi

if [ -x tests/vm/selftest/run ]; then
	step "VM harness self-test"
	tests/vm/selftest/run --build "$BUILD" 2>&1 | tee "$logdir/selftest"
	tally selftest "$logdir/selftest"
fi

step "VM matrix"
tests/vm/run --build "$BUILD" --kernel "$KERNELS" --scenario all 2>&1 | tee "$logdir/vm"
tally vm "$logdir/vm"

# The lab: libvirtd, two VMs (amd64 only), ckpt-host and ckpt-hostd against
# them (tests/vm/lab-tests/run; docs/lab.md). It starts libvirtd and defines
# system domains, so it needs root; it takes the lab down again unless it
# was up before.
if [ -x tests/vm/lab-tests/run ]; then
	step "lab (libvirt VMs: ckpt-host, ckpt-hostd)"
	if [ "$(id -u)" = 0 ]; then
		tests/vm/lab-tests/run --build "$BUILD" 2>&1 | tee "$logdir/lab"
		tally lab "$logdir/lab"
	else
		echo "check: lab tier skipped: it needs root"
	fi
fi

echo "==== total time: $(($(date +%s) - start)) s"
rm -rf "$logdir"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
