#!/bin/sh
# vm: memory=2048 timeout=1200
# Guest side of bench/cr-bench (run it through that driver, which builds
# /extra). In one boot, for a big container (MIB MiB of dirtied anonymous
# memory) and a small one (the counter), RUNS rounds of:
#   - ckpt: `ckpt run`, `ckpt checkpoint -o FILE` (timed), `ckpt restart -i
#     FILE` (timed, until the container runs again), memory check;
#   - CRIU: the same workload in its own session, `criu dump` (timed),
#     `criu restore -d` (timed), memory check;
#   - dd of the same number of bytes to the same tmpfs (big container only).
# Prints "SAMPLE TOOL SIZE RUN KEY VALUE" lines, which the driver turns into
# medians and ratios, and a PASS or FAIL line per round.
#
# /extra holds:
#   config        RUNS=, MIB=; CRIU=0 leaves CRIU out; MODULE= a ckpt.ko to
#                 load instead of the image's; VARIANTS="NAME=KO..." modules
#                 that get a ckpt round of their own, each loaded in turn;
#                 PROFILE=1 a last round under perf
#   cr-bench-wl, cr-bench-time   the static workload and timer
#   criu-root/, perf-root/       Debian's criu (and perf), with every
#                 library they load, at their host paths
. /lib/ckpt-test.sh

. /extra/config
PATH=/extra:$PATH
B=/tmp/bench
IMG=/tmp/bench-img
CRIU_IMG=/tmp/bench-criu
mkdir -p "$B"

sample() {
	echo "SAMPLE $*"
}

# proc_gone PID: no such process, not even a zombie (its pid is free again).
proc_gone() {
	[ ! -e "/proc/$1" ]
}

# proc_dead PID: gone or a zombie.
proc_dead() {
	proc_gone "$1" || [ "$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null)" = Z ]
}

# install_root DIR: a program and the libraries it loads, copied from DIR
# (a tree of host paths) into the guest's root, each only where the guest
# has no file of that name yet (the overlay holds some of them already).
install_root() {
	local f dst
	for f in $(cd "$1" && find . -type f); do
		dst=${f#.}
		if [ ! -e "$dst" ]; then
			mkdir -p "${dst%/*}" && cp -p "$1$dst" "$dst" || return 1
		fi
	done
}

# verify TEST WL PID: asks workload WL (pid PID) to check its memory and its
# counter, and compares its hash with the one it had when it became ready.
verify() {
	local test=$1 wl=$2 pid=$3 ready check
	rm -f "$B/$wl.check"
	if ! kill -USR1 "$pid" 2>/dev/null; then
		fail "$test" "cannot signal $wl (pid $pid): not running"
		return 1
	fi
	if ! wait_for 600 test -f "$B/$wl.check"; then
		fail "$test" "$wl (pid $pid) wrote no check result within 600 s"
		return 1
	fi
	ready=$(cat "$B/$wl.ready")
	check=$(cat "$B/$wl.check")
	case $check in
	"ok hash ${ready##* hash } "*) pass "$test" ;;
	*) fail "$test" "$wl: $check (ready: $ready)" ;;
	esac
}

# wait_ready WL: the workload's ready file, after its memory is written.
wait_ready() {
	wait_for 600 test -f "$B/$1.ready"
}

# ckpt_round SIZE RUN MIB [TOOL]: TOOL names the samples, "ckpt" or
# "v:VARIANT" for a variant module loaded instead.
ckpt_round() {
	local size=$1 run=$2 mib=$3 tool=${4:-ckpt} name=bench-$1 wl=ckpt-$1 t pid v
	t="${tool#v:}-$size-run$run"
	rm -f "$B/$wl".* "$IMG"
	if ! ckpt run "$name" -- /extra/cr-bench-wl "$B" "$wl" "$mib" >/dev/null 2>"$B/err"; then
		fail "$t" "ckpt run: $(cat "$B/err")"
		return 1
	fi
	if ! wait_ready "$wl"; then
		fail "$t" "workload $wl not ready within 600 s"
		ckpt kill "$name"
		return 1
	fi

	# What the tool costs before it does anything: start, read the state.
	cr-bench-time "$B/time" ckpt list >/dev/null &&
		sample "$tool" "$size" "$run" list_s "$(cat "$B/time")"

	if ! cr-bench-time "$B/time" ckpt checkpoint "$name" -o "$IMG" -v 2>"$B/err"; then
		fail "$t" "ckpt checkpoint: $(cat "$B/err")"
		ckpt kill "$name"
		return 1
	fi
	sample "$tool" "$size" "$run" checkpoint_s "$(cat "$B/time")"
	sample "$tool" "$size" "$run" image_bytes "$(stat -c %s "$IMG")"
	# "NAME: T tasks, B bytes to F; freeze X s, write Y s, sync Z s; ..."
	v=$(sed -n 's/.*freeze \([0-9.]*\) s, write \([0-9.]*\) s, sync \([0-9.]*\) s.*/\1 \2 \3/p' "$B/err")
	set -- $v
	if [ $# = 3 ]; then
		sample "$tool" "$size" "$run" freeze_s "$1"
		sample "$tool" "$size" "$run" write_s "$2"
		sample "$tool" "$size" "$run" sync_s "$3"
	fi

	if ! cr-bench-time "$B/time" ckpt restart "$name" -i "$IMG" -v >/dev/null 2>"$B/err"; then
		fail "$t" "ckpt restart: $(cat "$B/err")"
		return 1
	fi
	sample "$tool" "$size" "$run" restart_s "$(cat "$B/time")"
	# "NAME: T tasks (N threads), B bytes from F; tree X s, restore Y s; ..."
	v=$(sed -n 's/.*tree \([0-9.]*\) s, restore \([0-9.]*\) s.*/\1 \2/p' "$B/err")
	set -- $v
	if [ $# = 2 ]; then
		sample "$tool" "$size" "$run" rebuild_s "$1"
		sample "$tool" "$size" "$run" restore_s "$2"
	fi
	rm -f "$IMG"

	pid=$(cat "/run/ckpt/$name/init.pid")
	verify "$t" "$wl" "$pid"
	ckpt kill "$name" >/dev/null || fail "$t-kill" "ckpt kill $name failed"
}

# criu_stat FILE LABEL: the number on CRIU's --display-stats line "LABEL: N us".
criu_stat() {
	sed -n "s/^$2: \([0-9]*\) us.*/\1/p" "$1" | tail -n 1
}

# criu_round SIZE RUN MIB
criu_round() {
	local size=$1 run=$2 mib=$3 wl=criu-$1 work=$B/criu-work t spid pid n
	t="criu-$size-run$run"
	rm -rf "$CRIU_IMG" "$work"
	rm -f "$B/$wl".*
	mkdir -p "$CRIU_IMG" "$work"
	# A plain process tree in its own session, detached from the shell's
	# terminal (stdio on /dev/null), so no --shell-job.
	setsid /extra/cr-bench-wl "$B" "$wl" "$mib" </dev/null >/dev/null 2>&1 &
	spid=$!
	if ! wait_ready "$wl"; then
		fail "$t" "workload $wl not ready within 600 s"
		kill -KILL "$spid"
		return 1
	fi
	pid=$(cat "$B/$wl.ready")
	pid=${pid#pid }
	pid=${pid%% *}

	if ! cr-bench-time "$B/time" criu dump -t "$pid" -D "$CRIU_IMG" -W "$work" \
		-o dump.log --display-stats >"$B/out" 2>&1; then
		fail "$t" "criu dump: $(tail -n 3 "$B/out") $(grep Error "$work/dump.log" | tail -n 3)"
		kill -KILL "$pid"
		return 1
	fi
	sample criu "$size" "$run" checkpoint_s "$(cat "$B/time")"
	# The dumped process was this shell's child: reap it, so that its pid
	# is free for the restore.
	[ "$spid" = "$pid" ] && wait "$spid"
	if ! wait_for 60 proc_gone "$pid"; then
		fail "$t" "pid $pid still exists after criu dump"
		return 1
	fi
	sample criu "$size" "$run" image_bytes \
		"$(stat -c %s "$CRIU_IMG"/* | awk '{ s += $1 } END { print s }')"
	n=$(criu_stat "$B/out" "Freezing time")
	[ -n "$n" ] && sample criu "$size" "$run" freeze_us "$n"
	n=$(criu_stat "$B/out" "Frozen time")
	[ -n "$n" ] && sample criu "$size" "$run" frozen_us "$n"
	n=$(criu_stat "$B/out" "Memory dump time")
	[ -n "$n" ] && sample criu "$size" "$run" memdump_us "$n"
	n=$(criu_stat "$B/out" "Memory write time")
	[ -n "$n" ] && sample criu "$size" "$run" memwrite_us "$n"

	if ! cr-bench-time "$B/time" criu restore -D "$CRIU_IMG" -W "$work" -o restore.log -d \
		--display-stats >"$B/out" 2>&1; then
		fail "$t" "criu restore: $(tail -n 3 "$B/out") $(grep Error "$work/restore.log" | tail -n 3)"
		return 1
	fi
	sample criu "$size" "$run" restart_s "$(cat "$B/time")"
	n=$(criu_stat "$B/out" "Forking time")
	[ -n "$n" ] && sample criu "$size" "$run" fork_us "$n"
	n=$(criu_stat "$B/out" "Restore time")
	[ -n "$n" ] && sample criu "$size" "$run" restore_us "$n"
	rm -rf "$CRIU_IMG"

	verify "$t" "$wl" "$pid"
	kill -KILL "$pid"
	wait_for 60 proc_dead "$pid" || fail "$t-kill" "pid $pid survives SIGKILL"
}

# load_module KO: ckpt.ko swapped for KO between rounds.
load_module() {
	rmmod ckpt 2>/dev/null
	if ! insmod "$1" 2>"$B/err"; then
		fail "insmod-${1##*/}" "$(cat "$B/err")"
		return 1
	fi
}

# variant_rounds SIZE RUN MIB: the same ckpt round with each variant module.
variant_rounds() {
	local v
	[ -n "${VARIANTS:-}" ] || return 0
	for v in $VARIANTS; do
		load_module "${v#*=}" && ckpt_round "$1" "$2" "$3" "v:${v%%=*}"
	done
	load_module "$CKPT_KO"
}

# profile WHAT CMD...: runs CMD under a system-wide perf (cpu-clock samples:
# TCG has no PMU) and prints its flat profile as "PROFILE WHAT ..." lines.
profile() {
	local what=$1 st
	shift
	perf record -a -e cpu-clock -F 2000 -o "$B/perf.data" -- "$@" >"$B/out" 2>"$B/perf.err"
	st=$?
	perf report -i "$B/perf.data" --stdio --no-children --sort dso,sym --percent-limit 0.5 \
		2>>"$B/perf.err" | grep -v '^#' | grep -v '^$' | head -n 40 |
		while read -r line; do echo "PROFILE $what $line"; done
	return "$st"
}

# profile_round MIB: one more checkpoint and restart of each tool, profiled.
profile_round() {
	local mib=$1 pid spid
	rm -f "$B"/prof.* "$IMG"
	ckpt run bench-prof -- /extra/cr-bench-wl "$B" prof "$mib" >/dev/null &&
		wait_ready prof &&
		profile ckpt-checkpoint ckpt checkpoint bench-prof -o "$IMG" &&
		profile ckpt-restart ckpt restart bench-prof -i "$IMG" ||
		fail profile-ckpt "$(tail -n 3 "$B/out" "$B/perf.err")"
	ckpt kill bench-prof >/dev/null 2>&1
	rm -f "$IMG"
	[ "$CRIU" = 1 ] || return 0

	rm -rf "$CRIU_IMG" "$B/criu-work" "$B"/prof.*
	mkdir -p "$CRIU_IMG" "$B/criu-work"
	setsid /extra/cr-bench-wl "$B" prof "$mib" </dev/null >/dev/null 2>&1 &
	spid=$!
	wait_ready prof || return 1
	pid=$(cat "$B/prof.ready")
	pid=${pid#pid }
	pid=${pid%% *}
	profile criu-dump criu dump -t "$pid" -D "$CRIU_IMG" -W "$B/criu-work" -o dump.log ||
		fail profile-criu "criu dump failed"
	[ "$spid" = "$pid" ] && wait "$spid"
	wait_for 60 proc_gone "$pid"
	profile criu-restore criu restore -D "$CRIU_IMG" -W "$B/criu-work" -o restore.log -d ||
		fail profile-criu "criu restore failed"
	kill -KILL "$pid" 2>/dev/null
	rm -rf "$CRIU_IMG"
}

# dd_round RUN MIB: the same bytes written to the same tmpfs, the raw limit.
dd_round() {
	local run=$1 mib=$2
	rm -f /tmp/bench-dd
	if ! cr-bench-time "$B/time" dd if=/dev/zero of=/tmp/bench-dd bs=1M count="$mib" \
		conv=fsync 2>"$B/err"; then
		fail "dd-run$run" "dd: $(cat "$B/err")"
		return 1
	fi
	sample dd big "$run" write_s "$(cat "$B/time")"
	sample dd big "$run" bytes "$(stat -c %s /tmp/bench-dd)"
	rm -f /tmp/bench-dd
}

[ -n "${MODULE:-}" ] && CKPT_KO=$MODULE
require_ckpt
if [ "$CRIU" = 1 ]; then
	check criu-install install_root /extra/criu-root
	check criu-check criu check
fi
echo "INFO runs=$RUNS mib=$MIB cpus=$(grep -c ^processor /proc/cpuinfo)" \
	"mem_kib=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) kernel=$(uname -r)" \
	"module=$CKPT_KO" \
	"thp=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"

# Interleaved, so drift in the emulator's speed hits every tool alike.
run=1
while [ "$run" -le "$RUNS" ]; do
	ckpt_round small "$run" 0
	variant_rounds small "$run" 0
	[ "$CRIU" = 1 ] && criu_round small "$run" 0
	ckpt_round big "$run" "$MIB"
	variant_rounds big "$run" "$MIB"
	[ "$CRIU" = 1 ] && criu_round big "$run" "$MIB"
	dd_round "$run" "$MIB"
	run=$((run + 1))
done
if [ "${PROFILE:-0}" = 1 ]; then
	check perf-install install_root /extra/perf-root && profile_round "$MIB"
fi
unload_ckpt
