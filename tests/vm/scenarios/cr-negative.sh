#!/bin/sh
# vm: timeout=1800 memory=1024
# Refusals. A checkpoint of a container that is not frozen fails with an
# error naming the pid, and the container goes on. A workload holding an
# object v1 cannot checkpoint is refused with the pid, the fd and the
# kind, and keeps running. 200 truncated or bit-flipped images are each
# rejected by `ckpt restart` with a message, leaving nothing behind, and
# the kernel says nothing (the harness fails the run on any oops or WARN).
# Images as another machine would make them (xsave features this CPU lacks,
# another kernel build's vdso, another release) are refused clearly or
# work. 100 bit-flipped images with a valid checksum (hostile ones) never
# hang or leave anything behind. Finally the module unloads: no reference
# leaked.
. /lib/ckpt-test.sh

WL_DIR=/tmp/wl
IMG_DIR=/tmp/cr-neg
FUZZ_CASES=200
HOSTILE_CASES=100

# --- helpers (the same in every cr-*.sh: scenarios cannot source a sibling) ---

# cr_state C: "STATE PROCS TASKS" of container C from `ckpt list`, or "absent".
cr_state() {
	ckpt list 2>/dev/null | awk -v c="$1" '$1 == c { print $2, $4, $5; f = 1 } END { if (!f) print "absent" }'
}

# cr_init_pid C: the guest pid of container C's init.
cr_init_pid() {
	ckpt list 2>/dev/null | awk -v c="$1" '$1 == c { print $3 }'
}

# cr_start NAME CONTAINER CMD...: runs workload NAME as CONTAINER and waits
# for its ready file. Prints the reason on failure.
cr_start() {
	local name=$1 c=$2 out
	shift 2
	rm -f "$WL_DIR/$name".*
	if ! out=$(ckpt run "$c" --env WL_DIR=$WL_DIR -- "$@" 2>&1); then
		echo "ckpt run: $out"
		return 1
	fi
	if ! wait_for 30 test -e "$WL_DIR/$name.ready"; then
		echo "not ready after 30 s (state $(cr_state "$c"))"
		return 1
	fi
}

# cr_result NAME CONTAINER: SIGTERM to the init, then its result line;
# returns 0 only for PASS.
cr_result() {
	local name=$1 c=$2 out line
	if ! out=$(ckpt kill "$c" --signal TERM 2>&1); then
		echo "ckpt kill --signal TERM: $out (state $(cr_state "$c"))"
		return 1
	fi
	if ! wait_for 60 test -e "$WL_DIR/$name.result"; then
		echo "no result 60 s after SIGTERM (state $(cr_state "$c"))"
		return 1
	fi
	read -r line <"$WL_DIR/$name.result"
	echo "$line"
	case $line in
	"PASS $name"*) return 0 ;;
	esac
	return 1
}

# progress NAME: the count the workload last wrote.
progress() {
	local n=0
	read -r n <"$WL_DIR/$1.progress" 2>/dev/null
	echo "${n:-0}"
}

# still_counting NAME: the workload's progress moves within 5 s.
still_counting() {
	local before i=0
	before=$(progress "$1")
	while [ $i -lt 50 ]; do
		[ "$(progress "$1")" -gt "$before" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# --- 1. checkpoint of a running (unfrozen) container ---
unfrozen() {
	local c=neg-unfrozen why pid out st size
	if ! why=$(cr_start counter "$c" wl-counter); then
		fail unfrozen-refused "start: $why"
		ckpt kill "$c" >/dev/null 2>&1
		return
	fi
	pid=$(cr_init_pid "$c")
	if out=$(wl-rawckpt "$pid" "$IMG_DIR/unfrozen.img" 2>&1); then
		fail unfrozen-refused "CKPT_IOC_CHECKPOINT of running pid $pid succeeded: $out"
	elif echo "$out" | grep -Eq 'pid [0-9]+'; then
		pass unfrozen-refused
		echo "cr-negative: unfrozen: $out"
	else
		fail unfrozen-refused "the error does not name a pid: $out"
	fi
	size=$(stat -c %s "$IMG_DIR/unfrozen.img" 2>/dev/null)
	assert_eq unfrozen-nothing-written 0 "${size:-missing}"
	st=$(cr_state "$c")
	if [ "${st%% *}" = running ] && still_counting counter; then
		pass unfrozen-intact
	else
		fail unfrozen-intact "after the refusal: state '$st', progress $(progress counter)"
	fi
	if why=$(cr_result counter "$c"); then
		pass unfrozen-verifies
	else
		fail unfrozen-verifies "$why"
	fi
	ckpt kill "$c" >/dev/null 2>&1
}

# --- 2. unsupported objects: refused, named, container keeps running ---

# kind|regex the error must match (besides the pid)
UNSUPPORTED="
eventfd|fd 7.*eventfd|eventfd.*fd 7
inet|fd 7.*(socket|inet)|(socket|inet).*fd 7
unix|fd 7.*(socket|unix)|(socket|unix).*fd 7
epoll|fd 7.*epoll|epoll.*fd 7
timerfd|fd 7.*timerfd|timerfd.*fd 7
signalfd|fd 7.*signalfd|signalfd.*fd 7
inotify|fd 7.*inotify|inotify.*fd 7
deleted|fd 7.*(deleted|unlinked)|(deleted|unlinked).*fd 7
sysvshm|[Ss]ys ?V|IPC|ipc|shm
"

unsupported_kind() {
	local kind=$1 re=$2 c="neg-$1" why out st
	if ! why=$(cr_start unsupported "$c" wl-unsupported "$kind"); then
		fail "unsupported-$kind" "start: $why"
		ckpt kill "$c" >/dev/null 2>&1
		return
	fi
	rm -f "$IMG_DIR/$kind.img" "$IMG_DIR/$kind.img.tmp"
	if out=$(with_timeout 60 ckpt checkpoint "$c" -o "$IMG_DIR/$kind.img" 2>&1); then
		fail "unsupported-$kind" "checkpoint succeeded"
	elif ! echo "$out" | grep -Eq 'pid [0-9]+' || ! echo "$out" | grep -Eq "$re"; then
		fail "unsupported-$kind" "the refusal does not name the pid, fd and kind (/$re/): $out"
	elif [ -e "$IMG_DIR/$kind.img" ] || [ -e "$IMG_DIR/$kind.img.tmp" ]; then
		fail "unsupported-$kind" "refused, but an image file was left: $(ls -l "$IMG_DIR/$kind.img"*)"
	else
		st=$(cr_state "$c")
		if [ "${st%% *}" = running ] && still_counting unsupported; then
			pass "unsupported-$kind"
			echo "cr-negative: $kind: $out"
		else
			fail "unsupported-$kind" "refused ($out) but then: state '$st', progress stuck at $(progress unsupported)"
		fi
	fi
	if why=$(cr_result unsupported "$c"); then
		pass "unsupported-$kind-verifies"
	else
		fail "unsupported-$kind-verifies" "$why"
	fi
	ckpt kill "$c" >/dev/null 2>&1
}

# --- 3. damaged images ---

# base_image NAME CMD...: a good image of workload NAME, left in $IMG_DIR/NAME.img.
base_image() {
	local name=$1 c="neg-base-$1" why out
	shift
	if ! why=$(cr_start "$name" "$c" "$@"); then
		fail "fuzz-base-$name" "start: $why"
		ckpt kill "$c" >/dev/null 2>&1
		return 1
	fi
	if ! out=$(with_timeout 120 ckpt checkpoint "$c" -o "$IMG_DIR/$name.img" 2>&1); then
		fail "fuzz-base-$name" "checkpoint: $out"
		ckpt kill "$c" >/dev/null 2>&1
		return 1
	fi
	# The undamaged image restarts and passes: the damage is what gets it rejected.
	if ! out=$(with_timeout 120 ckpt restart "$c" -i "$IMG_DIR/$name.img" 2>&1); then
		fail "fuzz-base-$name" "the undamaged image does not restart: $out"
		ckpt kill "$c" >/dev/null 2>&1
		return 1
	fi
	if why=$(cr_result "$name" "$c"); then
		pass "fuzz-base-$name"
	else
		fail "fuzz-base-$name" "$why"
	fi
	ckpt kill "$c" >/dev/null 2>&1
}

# fuzz IMAGE FIRST COUNT: restarts COUNT damaged copies of IMAGE.
fuzz() {
	local base=$1 n=$2 end=$(($2 + $3)) what out st c=neg-fuzz
	while [ "$n" -lt "$end" ]; do
		if ! what=$(wl-mangle "$base" "$IMG_DIR/bad.img" $((n % 200)) 2>&1); then
			fuzz_bad="$fuzz_bad; case $n: wl-mangle: $what"
			n=$((n + 1))
			continue
		fi
		out=$(with_timeout 60 ckpt restart "$c" -i "$IMG_DIR/bad.img" 2>&1)
		st=$?
		if [ "$st" = 0 ]; then
			fuzz_bad="$fuzz_bad; case $n ($what): restart succeeded"
			ckpt kill "$c" >/dev/null 2>&1
		elif [ "$st" = 124 ]; then
			fuzz_bad="$fuzz_bad; case $n ($what): restart hung (killed after 60 s)"
		elif [ -z "$out" ]; then
			fuzz_bad="$fuzz_bad; case $n ($what): rejected without a message"
		else
			fuzz_rejected=$((fuzz_rejected + 1))
			# The error should say where: a record, a byte offset, or the checksum.
			if ! echo "$out" | grep -Eqi 'record|byte|offset|checksum|csum|truncat'; then
				fuzz_vague="$fuzz_vague; case $n ($what): $out"
			fi
			echo "$n $what => $out" >>"$IMG_DIR/fuzz.log"
		fi
		if [ -d /sys/fs/cgroup/ckpt/$c ] || [ -d /run/ckpt/$c ]; then
			fuzz_left="$fuzz_left; case $n ($what): $(cr_state $c)"
			ckpt kill "$c" >/dev/null 2>&1
		fi
		n=$((n + 1))
	done
}

# foreign KIND REGEX: an image changed the way another machine would have
# made it (wl-mangle IMAGE OUT KIND, re-signed) must be refused with a
# message matching REGEX; with REGEX "", it may also restart and pass.
foreign() {
	local kind=$1 re=$2 what out c=neg-foreign why
	if ! what=$(wl-mangle "$IMG_DIR/files.img" "$IMG_DIR/foreign.img" "$kind" 2>&1); then
		fail "foreign-$kind" "wl-mangle: $what"
		return
	fi
	rm -f "$WL_DIR/files.result"
	if out=$(with_timeout 60 ckpt restart "$c" -i "$IMG_DIR/foreign.img" 2>&1); then
		if [ -n "$re" ]; then
			fail "foreign-$kind" "$what: restart succeeded"
		elif why=$(cr_result files "$c"); then
			pass "foreign-$kind"
			echo "cr-negative: foreign $kind ($what): restarted, $why"
		else
			fail "foreign-$kind" "$what: restarted, but $why"
		fi
	elif [ -z "$out" ]; then
		fail "foreign-$kind" "$what: refused without a message"
	elif [ -n "$re" ] && ! echo "$out" | grep -Eq "$re"; then
		fail "foreign-$kind" "$what: the refusal does not say why (/$re/): $out"
	elif [ -z "$re" ] && ! echo "$out" | grep -Eqi 'kernel|release|vdso'; then
		fail "foreign-$kind" "$what: refused without naming the kernel: $out"
	else
		pass "foreign-$kind"
		echo "cr-negative: foreign $kind ($what): $out"
	fi
	ckpt kill "$c" >/dev/null 2>&1
	[ -d /sys/fs/cgroup/ckpt/$c ] && fail "foreign-$kind-nothing-left" "cgroup $c remains"
}

# hostile IMAGE FIRST COUNT: bit flips with a recomputed checksum. Each may
# be rejected (with a message) or, when the flip hit plain data, restart;
# a restarted one is killed at once. None may hang or stay behind.
hostile() {
	local base=$1 n=$2 end=$(($2 + $3)) what out st c=neg-hostile
	while [ "$n" -lt "$end" ]; do
		# Odd cases of wl-mangle are the bit flips.
		if ! what=$(wl-mangle "$base" "$IMG_DIR/bad.img" $((2 * n + 1)) --resign 2>&1); then
			hostile_bad="$hostile_bad; case $n: wl-mangle: $what"
			n=$((n + 1))
			continue
		fi
		out=$(with_timeout 60 ckpt restart "$c" -i "$IMG_DIR/bad.img" 2>&1)
		st=$?
		if [ "$st" = 0 ]; then
			hostile_started=$((hostile_started + 1))
			if ! with_timeout 30 ckpt kill "$c" >/dev/null 2>&1; then
				hostile_bad="$hostile_bad; case $n ($what): restarted, then could not be killed"
			fi
		elif [ "$st" = 124 ]; then
			hostile_bad="$hostile_bad; case $n ($what): restart hung (killed after 60 s)"
		elif [ -z "$out" ]; then
			hostile_bad="$hostile_bad; case $n ($what): rejected without a message"
		else
			hostile_rejected=$((hostile_rejected + 1))
			echo "$n $what => $out" >>"$IMG_DIR/hostile.log"
		fi
		if [ -d /sys/fs/cgroup/ckpt/$c ] || [ -d /run/ckpt/$c ]; then
			hostile_bad="$hostile_bad; case $n ($what): left behind: $(cr_state $c)"
			ckpt kill "$c" >/dev/null 2>&1
		fi
		n=$((n + 1))
	done
}

# leftovers: processes of a restart that should have died with it.
leftovers() {
	local f c out=""
	for f in /proc/[0-9]*/comm; do
		read -r c <"$f" 2>/dev/null || continue
		case $c in
		wl-* | ckpt*) out="$out ${f#/proc/} $c" ;;
		esac
	done
	echo "${out# }"
}

require_ckpt
command -v ckpt >/dev/null || { fail ckpt-tool "ckpt is not in the guest image"; exit 1; }
mkdir -p "$WL_DIR" "$IMG_DIR"

kmsg "cr-negative: unfrozen"
unfrozen </dev/null

while IFS='|' read -r kind re; do
	[ -n "$kind" ] || continue
	kmsg "cr-negative: unsupported $kind"
	unsupported_kind "$kind" "$re" </dev/null
done <<EOF
$UNSUPPORTED
EOF

kmsg "cr-negative: damaged images"
fuzz_rejected=0
fuzz_bad=""
fuzz_vague=""
fuzz_left=""
: >"$IMG_DIR/fuzz.log"
# Three bases: files and fds (2 processes), signals (pending siginfo,
# handlers), threads (5 tasks in one process). A base that cannot be made
# leaves its cases unrun, which fails fuzz-rejected.
third=$((FUZZ_CASES / 3))
if base_image files wl-files </dev/null; then
	fuzz "$IMG_DIR/files.img" 0 $third </dev/null
fi
if base_image signals wl-signals </dev/null; then
	fuzz "$IMG_DIR/signals.img" $third $third </dev/null
fi
if base_image threads wl-threads </dev/null; then
	fuzz "$IMG_DIR/threads.img" $((2 * third)) $((FUZZ_CASES - 2 * third)) </dev/null
fi
if [ "$fuzz_rejected" = "$FUZZ_CASES" ]; then
	pass fuzz-rejected
else
	fail fuzz-rejected "$fuzz_rejected of $FUZZ_CASES rejected cleanly${fuzz_bad}"
fi
if [ -z "$fuzz_vague" ]; then
	pass fuzz-messages-say-where
else
	fail fuzz-messages-say-where "errors naming no record, offset or checksum${fuzz_vague}"
fi
if [ -z "$fuzz_left" ]; then
	pass fuzz-nothing-left
else
	fail fuzz-nothing-left "$fuzz_left"
fi
assert_eq fuzz-no-stray-processes "" "$(leftovers)"
echo "cr-negative: distinct restart errors:"
sed 's/^[0-9]* .* => //; s/[0-9][0-9]*/N/g' "$IMG_DIR/fuzz.log" | sort | uniq -c | sort -rn | head -n 40

if [ -f "$IMG_DIR/files.img" ]; then
	kmsg "cr-negative: foreign images"
	foreign xsave 'xsave features' </dev/null
	foreign vdso 'vdso' </dev/null
	foreign release '' </dev/null

	kmsg "cr-negative: hostile images"
	hostile_rejected=0
	hostile_started=0
	hostile_bad=""
	: >"$IMG_DIR/hostile.log"
	hostile "$IMG_DIR/files.img" 0 $((HOSTILE_CASES / 2)) </dev/null
	if [ -f "$IMG_DIR/signals.img" ]; then
		hostile "$IMG_DIR/signals.img" $((HOSTILE_CASES / 2)) $((HOSTILE_CASES - HOSTILE_CASES / 2)) </dev/null
	fi
	if [ -z "$hostile_bad" ] && [ $((hostile_rejected + hostile_started)) = "$HOSTILE_CASES" ]; then
		pass hostile-handled
	else
		fail hostile-handled "$hostile_rejected rejected, $hostile_started restarted of $HOSTILE_CASES${hostile_bad}"
	fi
	echo "cr-negative: hostile images: $hostile_rejected rejected, $hostile_started restarted (and killed)"
	sed 's/^[0-9]* .* => //; s/[0-9][0-9]*/N/g' "$IMG_DIR/hostile.log" | sort | uniq -c | sort -rn | head -n 40
	assert_eq hostile-no-stray-processes "" "$(leftovers)"
fi

unload_ckpt
check_taint taint
