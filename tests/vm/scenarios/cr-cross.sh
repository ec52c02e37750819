#!/bin/sh
# vm: boots=2 timeout=600 memory=1024
# Cross-boot restart: boot 1 checkpoints several workloads and stores the
# images (and the files they have open, under /tmp/wl) on the scratch disk;
# boot 2, a fresh guest of the same kernel (bzImage boots: the kernel sits
# at another KASLR address), restarts each one, which must then verify
# itself and pass. Boot 2 also checks the module unloads afterwards.
. /lib/ckpt-test.sh

WL_DIR=/tmp/wl
IMG_DIR=/tmp/cr-img

# name|command (the workloads whose state is all in the image or in WL_DIR)
WORKLOADS="
counter|wl-counter
mem64|wl-mem64
forktree|wl-forktree
threads|wl-threads
fpu|wl-fpu
files|wl-files
pipe|wl-pipe
signals|wl-signals
maps|wl-maps
nanosleep|wl-nanosleep
shmem|wl-shmem
"

# --- helpers (the same in every cr-*.sh: scenarios cannot source a sibling) ---

# cr_state C: "STATE PROCS TASKS" of container C from `ckpt list`, or "absent".
cr_state() {
	ckpt list 2>/dev/null | awk -v c="$1" '$1 == c { print $2, $4, $5; f = 1 } END { if (!f) print "absent" }'
}

# cr_start NAME CMD: runs CMD as container wl-NAME and waits for its ready file.
cr_start() {
	local name=$1 cmd=$2 out
	rm -f "$WL_DIR/$name".*
	# shellcheck disable=SC2086 # cmd is a word list
	if ! out=$(ckpt run "wl-$name" --env WL_DIR=$WL_DIR -- $cmd 2>&1); then
		echo "ckpt run: $out"
		return 1
	fi
	if ! wait_for 30 test -e "$WL_DIR/$name.ready"; then
		echo "not ready after 30 s (state $(cr_state "wl-$name"))"
		return 1
	fi
}

# cr_result NAME: SIGTERM to container wl-NAME's init, then its result line;
# returns 0 only for PASS.
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

# --- boot 1: checkpoint ---
boot1() {
	local name=$1 cmd=$2 why out
	if ! why=$(cr_start "$name" "$cmd"); then
		fail "$name-checkpoint" "start: $why"
		ckpt kill "wl-$name" >/dev/null 2>&1
		return
	fi
	sleep 0.5
	if out=$(with_timeout 120 ckpt checkpoint "wl-$name" -o "$IMG_DIR/$name.img" 2>&1); then
		pass "$name-checkpoint"
		echo "$name" >>"$IMG_DIR/list"
	else
		fail "$name-checkpoint" "$out"
	fi
	ckpt kill "wl-$name" >/dev/null 2>&1
}

# --- boot 2: restart ---
boot2() {
	local name=$1 out why
	if ! grep -qx "$name" /tmp/in/cr-img/list 2>/dev/null; then
		fail "$name-restart-other-boot" "boot 1 saved no image"
		return
	fi
	if ! out=$(with_timeout 120 ckpt restart "wl-$name" -i "/tmp/in/cr-img/$name.img" 2>&1); then
		fail "$name-restart-other-boot" "ckpt restart: $out"
		ckpt kill "wl-$name" >/dev/null 2>&1
		return
	fi
	sleep 0.5
	if why=$(cr_result "$name"); then
		pass "$name-restart-other-boot"
	else
		fail "$name-restart-other-boot" "$why"
	fi
	ckpt kill "wl-$name" >/dev/null 2>&1
}

require_ckpt
command -v ckpt >/dev/null || { fail ckpt-tool "ckpt is not in the guest image"; exit 1; }

if [ "$CKPT_BOOT" = 1 ]; then
	mkdir -p "$WL_DIR" "$IMG_DIR"
	: >"$IMG_DIR/list"
	while IFS='|' read -r name cmd; do
		[ -n "$name" ] || continue
		kmsg "cr-cross: checkpoint $name"
		boot1 "$name" "$cmd" </dev/null
	done <<EOF
$WORKLOADS
EOF
	cd /tmp && check disk-save disk_save cr-img wl
else
	check disk-load disk_load /tmp/in || exit 1
	# The workloads' files go back where they were opened.
	rm -rf "$WL_DIR" && mv /tmp/in/wl "$WL_DIR"
	while IFS='|' read -r name cmd; do
		[ -n "$name" ] || continue
		kmsg "cr-cross: restart $name"
		boot2 "$name" </dev/null
	done <<EOF
$WORKLOADS
EOF
	unload_ckpt
fi
check_taint taint
