# Shell library for VM test scenarios (busybox ash: it uses ${var//x/y} and
# local; functions keep their variables local). Source it first:
#
#   . /lib/ckpt-test.sh
#
# Results are lines on stdout: "PASS name" or "FAIL name (reason)". A test
# name is one word; spaces are turned into dashes. A scenario that reported
# any FAIL exits non-zero even if it ends with "exit 0". Programs may print
# plain "PASS name" lines too; for exact ordering against kernel messages
# they can do what _ckpt_result does.
#
# Environment from the harness: CKPT_BOOT (1..CKPT_BOOTS), CKPT_BOOTS,
# CKPT_FLAVOR, CKPT_RELEASE, CKPT_SCENARIO, CKPT_DISK (the scratch disk,
# /dev/vda) and, with vsock, CKPT_VM_CID.

CKPT_KO=/lib/modules/ckpt/ckpt.ko
CKPT_MANIFEST=/etc/ckpt-tests/image.txt
_ckpt_failed=/run/ckpt-tests.failed

# Each result first goes to the kernel log as "ckpt-result STATUS NAME",
# synchronously, so that a kernel warning caused by what the scenario does
# next is logged after it and charged to the next result, not this one.
# The leading "=" tells the guest init the marker is already written.
# No subshells or pipes here: a fork costs milliseconds under TCG.
_ckpt_result() {
	echo "ckpt-result $1 $2" >/dev/kmsg 2>/dev/null
	echo "=$*"
}

# pass NAME
pass() {
	local n=$1
	_ckpt_result PASS "${n// /-}"
}

# fail NAME REASON...: also makes the scenario's exit status non-zero.
fail() {
	local n=$1 r
	shift
	r="$*"
	: >>"$_ckpt_failed"
	# Keep the result on one line whatever the reason holds.
	r=${r//
/ }
	_ckpt_result FAIL "${n// /-}" "($r)"
	return 1
}

_ckpt_exit() {
	local st=$?
	if [ "$st" = 0 ] && [ -e "$_ckpt_failed" ]; then
		exit 1
	fi
	exit "$st"
}
trap _ckpt_exit EXIT
rm -f "$_ckpt_failed"

# check NAME CMD [ARG...]: PASS when CMD succeeds; FAIL with its exit status
# and the last lines of its output otherwise. Returns CMD's status.
check() {
	local name=$1 out st
	shift
	if out=$("$@" 2>&1); then
		pass "$name"
		return 0
	else
		st=$?
		fail "$name" "$1 exited $st: $(echo "$out" | tail -n 3)"
		return "$st"
	fi
}

# check_fails NAME CMD [ARG...]: PASS when CMD fails (a negative test).
check_fails() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		fail "$name" "$1 succeeded but should have failed: $(echo "$out" | tail -n 3)"
		return 1
	fi
	pass "$name"
}

# assert_eq NAME EXPECTED ACTUAL
assert_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected '$2', got '$3'"
	fi
}

# assert_match NAME REGEX STRING (extended regular expression)
assert_match() {
	if echo "$3" | grep -Eq -- "$2"; then
		pass "$1"
	else
		fail "$1" "'$3' does not match /$2/"
	fi
}

# with_timeout SECS CMD [ARG...]: runs CMD, killing it after SECS seconds.
# Returns CMD's status, or 124 (and a message on stderr) on timeout.
with_timeout() {
	local secs=$1 st
	shift
	timeout -s KILL "$secs" "$@"
	st=$?
	if [ "$st" = 137 ]; then
		echo "$1: timed out after ${secs}s" >&2
		return 124
	fi
	return "$st"
}

# wait_for SECS CMD [ARG...]: retries CMD every 0.1 s until it succeeds.
wait_for() {
	local tries=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

# kmsg TEXT: a line in the kernel log (and so in the console log), to mark
# where a scenario was when the kernel said something.
kmsg() {
	echo "ckpt-test: $*" >/dev/kmsg
}

# load_ckpt: insmod ckpt.ko and report "module-load". Returns non-zero when
# the module is not in the image or does not load.
load_ckpt() {
	local src
	if [ ! -f "$CKPT_KO" ]; then
		src=$(sed -n 's/^missing ckpt.ko //p' "$CKPT_MANIFEST" 2>/dev/null)
		fail module-load "ckpt.ko is not in the guest image: ${src:-it} was not built"
		return 1
	fi
	check module-load insmod "$CKPT_KO"
}

# require_ckpt: load_ckpt, or end the scenario (with a failure) if it fails.
require_ckpt() {
	load_ckpt || exit 1
}

# unload_ckpt: rmmod ckpt and report "module-unload".
unload_ckpt() {
	check module-unload rmmod ckpt
}

# Kernel taint flags, bit:letter:meaning, from Documentation/admin-guide/tainted-kernels.rst.
_ckpt_taints="0:P:proprietary-module 1:F:forced-load 2:S:unsafe-smp 3:R:forced-unload
4:M:machine-check 5:B:bad-page 6:U:user-request 7:D:kernel-died 8:A:acpi-override
9:W:warning 10:C:staging-driver 11:I:firmware-workaround 12:O:out-of-tree-module
13:E:unsigned-module 14:L:soft-lockup 15:K:live-patched 16:X:auxiliary 17:T:randstruct"

# taint_flags [MASK]: the names of the set taint bits (all, or within MASK).
taint_flags() {
	local t mask names="" e bit
	t=$(cat /proc/sys/kernel/tainted)
	mask=${1:-$t}
	for e in $_ckpt_taints; do
		bit=${e%%:*}
		if [ $(((t & mask) >> bit & 1)) = 1 ]; then
			names="$names ${e#*:}"
		fi
	done
	echo "${names# }"
}

# check_taint NAME: PASS when the kernel carries no taint other than the
# out-of-tree (O) and unsigned-module (E) flags that loading ckpt.ko sets.
check_taint() {
	local t bad
	t=$(cat /proc/sys/kernel/tainted)
	bad=$((t & ~(4096 | 8192)))
	if [ "$bad" = 0 ]; then
		pass "$1"
	else
		fail "$1" "kernel tainted $t: $(taint_flags "$bad")"
	fi
}

# disk_save PATH...: stores PATHs (relative ones from the current
# directory) as a tar archive on the scratch disk, where a later boot of the
# same scenario (boots=N) finds them with disk_load. Sector 0 records the
# archive's length, because tar would otherwise read the whole disk looking
# for more; the archive starts at 1 MiB.
disk_save() {
	local size
	size=$(tar -cf - "$@" | wc -c) || return 1
	[ "$size" -gt 0 ] || return 1
	printf 'ckpt-disk %s\n' "$size" | dd of="$CKPT_DISK" conv=notrunc 2>/dev/null || return 1
	tar -cf - "$@" | dd of="$CKPT_DISK" bs=1M seek=1 conv=notrunc 2>/dev/null || return 1
	sync
}

# disk_load DIR: unpacks what an earlier boot stored with disk_save into DIR.
disk_load() {
	local magic size
	# Only the first sector: a read up to a newline would go through the
	# whole disk when there is none.
	read -r magic size <<EOF
$(head -c 64 "$CKPT_DISK" | tr -d '\000')
EOF
	if [ "$magic" != ckpt-disk ]; then
		echo "disk_load: $CKPT_DISK holds nothing disk_save wrote" >&2
		return 1
	fi
	mkdir -p "$1" || return 1
	dd if="$CKPT_DISK" bs=1M skip=1 2>/dev/null | head -c "$size" | tar -xf - -C "$1"
}
