#!/bin/sh
# vm: timeout=1800 memory=1024
# Every self-checking workload (tests/vm/workloads/, docs/testing-cr.md)
# survives checkpoint -> kill -> restart three times in a row and then
# verifies itself (NAME-restart3x), and survives a checkpoint with
# --leave-running and keeps working (NAME-leave-running). The module must
# then unload: nothing leaked.
. /lib/ckpt-test.sh

WL_DIR=/tmp/wl
IMG_DIR=/tmp/cr-img
CYCLES=3

# name|settle seconds before each checkpoint|extra `ckpt run` options|command|
# what the PASS line of restart3x must also say
# (settle: the workload runs that long between restarts, so timers fire and
# sleeps span checkpoints; the timing workloads must show they were checked
# across a checkpoint, else their PASS proves nothing)
WORKLOADS="
counter|0.2||wl-counter
mem64|0.2||wl-mem64
maps|0.2||wl-maps
forktree|0.2||wl-forktree
threads|0.2||wl-threads
fpu|0.2||wl-fpu
files|0.2||wl-files
append|0.2||wl-append
pipe|0.2||wl-pipe
fifo|0.2||wl-fifo
signals|0.2||wl-signals
altstack|0.2||wl-altstack
nanosleep|1.5||wl-nanosleep|sleeps, [1-9][0-9]* across a checkpoint
readpipe|0.2||wl-readpipe
wait|0.2||wl-wait
itimer|1.5||wl-itimer|expiries, [1-9][0-9]* across a checkpoint
shmem|0.2||wl-shmem
mprotect|0.2||wl-mprotect
uts|0.2|--hostname cr-uts-host|wl-uts cr-uts-host
fsattr|0.2||wl-fsattr
creds|0.2||wl-creds
"

# --- helpers (the same in every cr-*.sh: scenarios cannot source a sibling) ---

# now: guest uptime in centiseconds, without a fork.
now() {
	local up rest
	read -r up rest </proc/uptime
	up=${up%.*}${up#*.}
	echo "${up#0}"
}

# cr_state C: "STATE PROCS TASKS" of container C from `ckpt list`, or "absent".
cr_state() {
	ckpt list 2>/dev/null | awk -v c="$1" '$1 == c { print $2, $4, $5; f = 1 } END { if (!f) print "absent" }'
}

# cr_start NAME OPTS CMD: runs CMD as container wl-NAME and waits for its
# ready file. Prints the reason on failure.
cr_start() {
	local name=$1 opts=$2 cmd=$3 out
	rm -f "$WL_DIR/$name".*
	# shellcheck disable=SC2086 # opts and cmd are word lists
	if ! out=$(ckpt run "wl-$name" --env WL_DIR=$WL_DIR $opts -- $cmd 2>&1); then
		echo "ckpt run: $out"
		return 1
	fi
	if ! wait_for 30 test -e "$WL_DIR/$name.ready"; then
		echo "not ready after 30 s (state $(cr_state "wl-$name"); $(cat "$WL_DIR/$name.detail" 2>/dev/null))"
		return 1
	fi
}

# cr_result NAME: asks container wl-NAME to verify itself (SIGTERM to its
# init) and prints its result line; returns 0 only for PASS.
cr_result() {
	local name=$1 out line
	if ! out=$(ckpt kill "wl-$name" --signal TERM 2>&1); then
		echo "ckpt kill --signal TERM: $out (state $(cr_state "wl-$name"))"
		return 1
	fi
	if ! wait_for 60 test -e "$WL_DIR/$name.result"; then
		echo "no result 60 s after SIGTERM (state $(cr_state "wl-$name"); $(head -n 3 "$WL_DIR/$name.detail" 2>/dev/null))"
		return 1
	fi
	read -r line <"$WL_DIR/$name.result"
	echo "$line"
	case $line in
	"PASS $name"*) return 0 ;;
	esac
	return 1
}

# cr_cleanup NAME: whatever is left of container wl-NAME goes (ckpt kill
# waits until its cgroup is empty).
cr_cleanup() {
	ckpt kill "wl-$1" >/dev/null 2>&1
}

# cr_checkpoint NAME IMG [MODE]: prints the error on failure.
cr_checkpoint() {
	local out
	if ! out=$(with_timeout 120 ckpt checkpoint "wl-$1" -o "$2" $3 2>&1); then
		echo "ckpt checkpoint${3:+ $3}: $out"
		return 1
	fi
}

# cr_restart NAME IMG: restarts and checks the container runs with the
# task counts it had (given as "PROCS TASKS").
cr_restart() {
	local name=$1 img=$2 counts=$3 out st
	if ! out=$(with_timeout 120 ckpt restart "wl-$name" -i "$img" 2>&1); then
		echo "ckpt restart: $out"
		return 1
	fi
	st=$(cr_state "wl-$name")
	if [ "$st" != "running $counts" ]; then
		echo "after restart: state/procs/tasks '$st', expected 'running $counts' ($(head -n 3 "$WL_DIR/$name.detail" 2>/dev/null))"
		return 1
	fi
}

# --- the two phases ---

# restart3x NAME SETTLE OPTS CMD [MUST]
restart3x() {
	local name=$1 settle=$2 opts=$3 cmd=$4 must=$5 img="$IMG_DIR/$1.img" t0 i why st counts size
	t0=$(now)
	if ! why=$(cr_start "$name" "$opts" "$cmd"); then
		fail "$name-restart3x" "start: $why"
		cr_cleanup "$name"
		return
	fi
	st=$(cr_state "wl-$name")
	counts=${st#* }
	i=1
	while [ $i -le $CYCLES ]; do
		sleep "$settle"
		if ! why=$(cr_checkpoint "$name" "$img"); then
			fail "$name-restart3x" "cycle $i: $why"
			cr_cleanup "$name"
			return
		fi
		st=$(cr_state "wl-$name")
		if [ "$st" != absent ]; then
			fail "$name-restart3x" "cycle $i: container still listed after the checkpoint ($st)"
			cr_cleanup "$name"
			return
		fi
		if [ "$name" = mem64 ] && [ $i = 1 ]; then
			# 64 MiB written, 64 MiB never touched: only the first half is in the image.
			size=$(stat -c %s "$img")
			if [ "$size" -ge $((64 << 20)) ] && [ "$size" -lt $((72 << 20)) ]; then
				pass mem64-image-size
			else
				fail mem64-image-size "image is $size bytes, expected 64-72 MiB (untouched pages must not be written)"
			fi
		fi
		# A timing workload only counts a checkpoint it could see: a gap of
		# 250 ms or more in its clock (wl-clock.c). On a quiet host a whole
		# cycle can take less, so the image rests a while before the restart.
		[ -n "$must" ] && sleep 0.4
		if ! why=$(cr_restart "$name" "$img" "$counts"); then
			fail "$name-restart3x" "cycle $i: $why"
			cr_cleanup "$name"
			return
		fi
		i=$((i + 1))
	done
	sleep "$settle"
	if why=$(cr_result "$name"); then
		echo "cr-workloads: $name restart3x: $why"
		if [ -z "$must" ] || echo "$why" | grep -Eq "$must"; then
			pass "$name-restart3x"
		else
			fail "$name-restart3x" "passed without checking across a checkpoint (/$must/): $why"
		fi
	else
		fail "$name-restart3x" "$why"
	fi
	cr_cleanup "$name"
	rm -f "$img"
	echo "cr-workloads: $name restart3x took $(($(now) - t0))0 ms"
}

# leave_running NAME SETTLE OPTS CMD
leave_running() {
	local name=$1 settle=$2 opts=$3 cmd=$4 img="$IMG_DIR/$1.img" why st counts
	if ! why=$(cr_start "$name" "$opts" "$cmd"); then
		fail "$name-leave-running" "start: $why"
		cr_cleanup "$name"
		return
	fi
	st=$(cr_state "wl-$name")
	counts=${st#* }
	sleep "$settle"
	if ! why=$(cr_checkpoint "$name" "$img" --leave-running); then
		fail "$name-leave-running" "$why"
		cr_cleanup "$name"
		return
	fi
	st=$(cr_state "wl-$name")
	if [ "$st" != "running $counts" ]; then
		fail "$name-leave-running" "after the checkpoint: '$st', expected 'running $counts'"
		cr_cleanup "$name"
		return
	fi
	# It keeps working for a while before it checks itself.
	sleep "$settle"
	sleep 0.3
	if why=$(cr_result "$name"); then
		echo "cr-workloads: $name leave-running: $why"
		pass "$name-leave-running"
	else
		fail "$name-leave-running" "$why"
	fi
	cr_cleanup "$name"
	rm -f "$img"
}

require_ckpt
command -v ckpt >/dev/null || { fail ckpt-tool "ckpt is not in the guest image"; exit 1; }
mkdir -p "$WL_DIR" "$IMG_DIR"

t_all=$(now)
while IFS='|' read -r name settle opts cmd must; do
	[ -n "$name" ] || continue
	if ! command -v "${cmd%% *}" >/dev/null; then
		fail "$name-restart3x" "${cmd%% *} is not in the guest image"
		continue
	fi
	kmsg "cr-workloads: $name"
	restart3x "$name" "$settle" "$opts" "$cmd" "$must" </dev/null
	leave_running "$name" "$settle" "$opts" "$cmd" </dev/null
done <<EOF
$WORKLOADS
EOF
echo "cr-workloads: all workloads: $(($(now) - t_all))0 ms"

unload_ckpt
check_taint taint
