#!/bin/sh
# vm: vsock=1 boots=2 timeout=900 memory=1024
# vm-agent: --unix /run/ckpt-agent.sock
# ckpt-agent with the real module and real vsock through ckpt-vsockd, driven
# from the host by tests/vm/scenarios/agent.host, which the harness runs
# beside it (tests/vm/run --scenario agent). The guest init starts
# the agent before the module is loaded, as systemd would. This side checks
# what only the guest can see: the non-host CID refusal (vsock_loopback,
# CID 1), the workloads' own verdicts after the host's checkpoints and
# restores (cued on vsock port 7199), and that the agent is still alive.
# Boot 2 is a fresh guest: the host restores there the images it took in
# boot 1.
. /lib/ckpt-test.sh

AGENT=unix:/run/ckpt-agent.sock
CUE=vsock:7199

agent_log() {
	echo "--- /run/ckpt-agent.log (last 30 lines)"
	tail -n 30 /run/ckpt-agent.log
}

# verify NAME FILE: the workload's result file must say PASS.
verify() {
	local name=$1 file=$2 line
	if ! wait_for 60 test -e "$file"; then
		fail "$name" "no result in $file 60 s after the host's SIGTERM"
		return
	fi
	read -r line <"$file"
	case $line in
	PASS*) pass "$name" ;;
	*) fail "$name" "$line: $(head -n 3 "${file%.result}.detail" 2>/dev/null)" ;;
	esac
}

# Serve the host's cues until it says done.
serve_cues() {
	local cue
	while :; do
		if ! cue=$(vsock-test await $CUE --count 900 2>&1); then
			fail cue "waiting for the host: $cue"
			return
		fi
		# shellcheck disable=SC2086 # the cue is a word list
		set -- $cue
		case $1 in
		verify) verify "$2" "$3" ;;
		done) return ;;
		*)
			fail cue "unexpected cue from the host: $cue"
			return
			;;
		esac
	done
}

command -v ckpt-agent >/dev/null || {
	fail agent-in-image "ckpt-agent is not in the guest image"
	exit 1
}
require_ckpt
# The workloads write their verdicts here (WL_DIR per container).
mkdir -p /tmp/wl/c1 /tmp/wl/c2 /tmp/wl/c3 /tmp/wl/c4 /tmp/wl/c5

check agent-up with_timeout 30 ckpt-agent-client $AGENT wait --seconds 20 || {
	agent_log
	exit 1
}
if [ "$CKPT_BOOT" = 1 ]; then
	# Only the host (CID 2) may connect: a peer on vsock_loopback (CID 1)
	# is closed without a word, and the agent says so in its log.
	check refused-cid-1 ckpt-agent-client vsock:1 refused
	check refused-cid-1-logged grep -q "refused a connection from vsock CID 1" \
		/run/ckpt-agent.log
fi

# A raw vsock server, for the host's baseline next to the agent's streams.
vsock-test serve vsock:7101 >/tmp/vsock-serve.log 2>&1 &

echo "agent-ready boot $CKPT_BOOT"
serve_cues
check agent-alive ckpt-agent-client $AGENT call ping
# The 64 MiB images streamed through it without it holding them: its peak
# resident memory stays far below an image's size (back-pressure).
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$(pidof ckpt-agent)/status")
if [ -n "$hwm" ] && [ "$hwm" -lt 32768 ]; then
	pass agent-memory-bounded
else
	fail agent-memory-bounded "ckpt-agent peak RSS ${hwm:-?} KiB after 64 MiB streams"
fi
echo "ckpt-agent peak RSS: $hwm KiB"
agent_log
check_taint taint
