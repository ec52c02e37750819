#!/bin/sh
# `make demo`: on a fresh Debian 12 machine, as root. Installs what is
# missing, builds, brings up the lab (two libvirt VMs, vmA and vmB), runs a
# counting container in vmA, migrates it to vmB with ckpt-host, and checks
# that the count carries on in vmB instead of starting again. The lab is
# left up; `tests/vm/lab down` removes it. See docs/lab.md.
set -eu

BUILD=${1:-build}
cd "$(dirname "$0")/.."
HOST="$BUILD/host/ckpt-host/ckpt-host"
NAME=counter
start=$(date +%s)

step() {
	echo
	echo "==== $* ($(($(date +%s) - start)) s)"
}

die() {
	echo
	echo "demo: FAILED: $*" >&2
	exit 1
}

# count VM: the last count the container printed in VM (empty if none).
last_count() {
	"$HOST" logs "$1" "$NAME" --tail-bytes 400 2>/dev/null |
		sed -n 's/^count \([0-9][0-9]*\)$/\1/p' | tail -n 1
}

first_count() {
	"$HOST" logs "$1" "$NAME" --tail-bytes 65536 2>/dev/null |
		sed -n 's/^count \([0-9][0-9]*\)$/\1/p' | head -n 1
}

if [ "$(id -u)" != 0 ]; then
	die "run as root: the demo installs packages, starts libvirtd and defines VMs"
fi

step "install what is missing (scripts/deps.sh)"
scripts/deps.sh

step "build ($BUILD)"
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD"
meson compile -C "$BUILD"
[ -x "$HOST" ] || die "$HOST was not built"

step "bring up the lab: vmA and vmB under libvirt (tests/vm/lab up)"
# --refresh: VMs still running an image of an older build are rebooted.
tests/vm/lab up --build "$BUILD" --refresh
"$HOST" vms

step "run a counting container in vmA"
# A leftover of an earlier demo would make the names clash.
for vm in vmA vmB; do
	"$HOST" -q kill "$vm" "$NAME" 2>/dev/null || true
done
# The count lives only in the shell's memory: a restart from scratch would
# begin again at 1.
echo "\$ ckpt-host run vmA $NAME -- sh -c 'i=0; while :; do i=\$((i+1)); echo \"count \$i\"; sleep 1; done'"
"$HOST" run vmA "$NAME" -- sh -c 'i=0; while :; do i=$((i+1)); echo "count $i"; sleep 1; done'
for _ in 1 2 3; do
	sleep 2
	echo "vmA: count $(last_count vmA)"
done
before=$(last_count vmA)
[ -n "$before" ] || die "the container in vmA printed no count ($HOST logs vmA $NAME)"

step "migrate it to vmB"
echo "\$ ckpt-host migrate --from vmA --to vmB $NAME"
out=$("$HOST" migrate --from vmA --to vmB "$NAME" 2>&1) || {
	echo "$out"
	die "ckpt-host migrate failed (the container is still in vmA: $HOST ps vmA)"
}
echo "$out"
downtime=$(echo "$out" | sed -n 's/^ *downtime *\([0-9][0-9]*\) ms.*/\1/p')

step "the count continues in vmB"
sleep 1
first=$(first_count vmB)
[ -n "$first" ] || die "no count from the container in vmB ($HOST logs vmB $NAME)"
for _ in 1 2 3; do
	sleep 2
	echo "vmB: count $(last_count vmB)"
done
after=$(last_count vmB)
"$HOST" ps vmA | grep -q "^$NAME " && die "$NAME still runs in vmA after the move"
"$HOST" ps vmB | grep -q "^$NAME .*running" || die "$NAME is not running in vmB"
# Not from zero: vmB's first line follows vmA's last (a second may pass
# between the two reads and the freeze), and it keeps counting.
[ "$first" -ge "$before" ] ||
	die "vmB's count began at $first, but vmA had reached $before: the container restarted"
[ "$after" -gt "$first" ] || die "vmB's count does not advance ($first, then $after)"

echo
echo "demo: vmA counted to $before; in vmB the count went on from $first to $after."
echo "demo: downtime ${downtime:-?} ms (frozen in vmA until running in vmB); total $(($(date +%s) - start)) s."
echo "demo: the lab is still up:"
echo "  $HOST ps vmB; $HOST logs vmB $NAME        # look at it"
echo "  $HOST migrate --from vmB --to vmA $NAME   # and back"
echo "  tests/vm/lab status                        # what runs"
echo "  tests/vm/lab down                          # remove the VMs, daemons and files"
