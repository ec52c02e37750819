#!/bin/sh
# vm: vsock=1 boots=2 timeout=240 memory=768
# vm-agent: --unix /run/ckpt-agent.sock
# Snapshot on shutdown, guest side. Boot 1: a counting container runs with
# its log, and wl-mem64 (64 MiB) beside it; the host (agent-push.host) sets the agent's shutdown policy over
# vsock, reads the container's log, listens on ckpt-vsockd's UDS_PATH_7101
# and cues us; we SIGTERM the agent (first against a host that never
# answers: the agent gives up, thaws, and we start it again), which pushes the containers to the
# host before it exits, and check it left the container frozen for the way
# down. Boot 2 (a fresh guest): the host restores the pushed images through
# the agent and checks that the count goes on from where boot 1 stopped;
# wl-mem64 checks its memory itself.
. /lib/ckpt-test.sh

AGENT=unix:/run/ckpt-agent.sock
CUE=vsock:7199
# Only shell builtins, so the container is one process: a line every 5000.
# shellcheck disable=SC2016 # expanded by the container's shell
COUNTER='i=0; while :; do i=$((i + 1)); [ $((i % 5000)) -ne 0 ] || echo count $i; done'

agent_log() {
	echo "--- /run/ckpt-agent.log (last 30 lines)"
	tail -n 30 /run/ckpt-agent.log
}

# await WORD: the host's next cue must be WORD.
await() {
	local cue
	if ! cue=$(vsock-test await $CUE --count 600 2>&1); then
		fail "cue-$1" "waiting for the host: $cue"
		return 1
	fi
	[ "$cue" = "$1" ] || {
		fail "cue-$1" "expected \"$1\" from the host, got \"$cue\""
		return 1
	}
}

frozen() {
	grep -q '^frozen 1' "/sys/fs/cgroup/ckpt/$1/cgroup.events"
}

require_ckpt
check agent-up with_timeout 30 ckpt-agent-client $AGENT wait --seconds 20 || {
	agent_log
	exit 1
}

if [ "$CKPT_BOOT" = 1 ]; then
	check run-counter ckpt-agent-client $AGENT call container-run \
		"{\"container\":\"web\",\"command\":[\"sh\",\"-c\",\"$COUNTER\"],\"log\":true}"
	mkdir -p /tmp/wl/mem
	check run-mem ckpt-agent-client $AGENT call container-run \
		'{"container":"mem","command":["wl-mem64"],"env":["WL_DIR=/tmp/wl/mem"]}'
	check counter-logs wait_for 30 grep -q "count 10000" /run/ckpt/web/log
	check mem-ready wait_for 60 test -e /tmp/wl/mem/mem64.ready
	echo "push-ready"
	# A host that never answers the trailer: the agent gives up at the
	# policy's timeout (4 s), the containers roll back and run on.
	await sigterm-give-up || exit 1
	pid=$(pidof ckpt-agent)
	t0=$(date +%s)
	kill -TERM "$pid"
	if wait_for 30 sh -c "! kill -0 $pid 2>/dev/null"; then
		pass agent-gave-up
		echo "ckpt-agent gave up and exited $(($(date +%s) - t0)) s after SIGTERM"
	else
		fail agent-gave-up "still running 30 s after SIGTERM with a 4 s policy"
	fi
	check gave-up-logged grep -q "shutdown: giving up after" /run/ckpt-agent.log
	check_fails gave-up-web-thawed frozen web
	check_fails gave-up-mem-thawed frozen mem
	check gave-up-still-counting sh -c 'a=$(tail -n 1 /run/ckpt/web/log); sleep 2; [ "$(tail -n 1 /run/ckpt/web/log)" != "$a" ]'
	# The guest is not going down after all: start the agent again.
	ckpt-agent --unix /run/ckpt-agent.sock </dev/null >>/run/ckpt-agent.log 2>&1 &
	check agent-restarted with_timeout 30 ckpt-agent-client $AGENT wait --seconds 20
	echo "agent-restarted"
	await sigterm || exit 1
	pid=$(pidof ckpt-agent)
	t0=$(date +%s)
	kill -TERM "$pid"
	# The agent exits once the host answered the push (policy timeout 60 s).
	if wait_for 90 sh -c "! kill -0 $pid 2>/dev/null"; then
		pass agent-exited
		echo "ckpt-agent exited $(($(date +%s) - t0)) s after SIGTERM"
	else
		fail agent-exited "still running 90 s after SIGTERM"
	fi
	check agent-logged-push grep -q "shutdown: pushed web to vsock CID 2 port 7101" \
		/run/ckpt-agent.log
	check agent-logged-skip grep -q "shutdown: absent skipped: not running (absent)" \
		/run/ckpt-agent.log
	check left-frozen frozen web
	check left-frozen-mem frozen mem
	check frozen-recorded grep -qx web /run/ckpt-agent/shutdown-frozen
	# What the image holds: nothing ran since the freeze.
	echo "boot1-last $(tail -n 1 /run/ckpt/web/log)"
	agent_log
else
	mkdir -p /tmp/wl/mem
	echo "restore-ready"
	await done || exit 1
	check restored-running sh -c 'ckpt list | grep -q "^web  *running"'
	# wl-mem64 got SIGTERM from the host after its restore: its own verdict.
	if wait_for 60 test -e /tmp/wl/mem/mem64.result; then
		read -r line </tmp/wl/mem/mem64.result
		case $line in
		PASS*) pass mem64-restored ;;
		*) fail mem64-restored "$line" ;;
		esac
	else
		fail mem64-restored "no verdict 60 s after the host's SIGTERM"
	fi
	agent_log
fi
check_taint taint
