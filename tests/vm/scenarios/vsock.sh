#!/bin/sh
# vm: vsock=1 boots=2 timeout=600 memory=768
# virtio-vsock through ckpt-vsockd, with tests/vm/scenarios/vsock.host on the
# host side (tests/vm/run --scenario vsock --host-script .../vsock.host).
# The guest serves vsock-test on port 7101 and takes its cues from the host
# on port 7199 (one line each); the host reports its own results as host:*.
#
# Boot 1: config (CID), AF_VSOCK loopback through the transport library,
# host->guest tests (host side), guest->host tests against host listeners,
# a killed host reader, a device reset while the host holds a connection.
# Boot 2 (a new QEMU on the same daemon, as after a reboot): connections
# work again both ways.
. /lib/ckpt-test.sh

SERVE_PORT=7101
CUE=vsock:7199
HOST=vsock:2

# run_check NAME CMD...: like check, but keeps the program's output (throughput lines).
run_check() {
	_name=$1
	shift
	if _out=$("$@" 2>&1); then
		echo "$_out"
		pass "$_name"
	else
		_st=$?
		echo "$_out"
		fail "$_name" "$1 exited $_st: $(echo "$_out" | tail -n 2)"
	fi
}

# await WORD [SECONDS]: block until the host script says WORD on the cue port.
await() {
	_said=$(vsock-test await $CUE --count "${2:-900}" 2>&1)
	if [ "$_said" != "$1" ]; then
		fail "cue-$1" "expected \"$1\" from the host script, got: $_said"
		exit 1
	fi
}

# Half of these tests run on the host. Without vsock.host there (the
# harness runs it only when given --host-script), say so quickly rather
# than wait for cues that never come.
host_script_here() {
	_said=$(vsock-test await $CUE --count 60 2>&1)
	if [ "$_said" != hello ]; then
		fail host-script "no host script said hello within 60 s ($_said): run tests/vm/run --scenario vsock --host-script tests/vm/scenarios/vsock.host"
		exit 1
	fi
}

assert_eq guest-cid "$CKPT_VM_CID" "$(vsock-test local-cid 2>&1)"

vsock-test serve vsock:$SERVE_PORT >/tmp/serve.log 2>&1 &
# The host connects as soon as we say we are ready: be listening by then.
wait_for 60 grep -q serving /tmp/serve.log || fail serve "vsock-test serve: $(cat /tmp/serve.log)"

if [ "$CKPT_BOOT" = 2 ]; then
	# A new QEMU and guest kernel against the daemon that served boot 1.
	echo "vsock-ready boot 2"
	host_script_here
	run_check reboot-guest-to-host-refused vsock-test refused $HOST:7399
	await reconnected
	run_check reboot-guest-to-host-echo vsock-test echo $HOST:7300 --bytes 1M
	await done
	exit 0
fi

# AF_VSOCK inside the guest (vsock_loopback, CID 1), through the transport library.
run_check loopback-echo vsock-test echo vsock:1:$SERVE_PORT --bytes 4M
run_check transport-loopback ckpt-transport-test --cid 1 --port $SERVE_PORT --closed-port 7198

echo "vsock-ready"
host_script_here
# The host runs its host->guest tests now, then opens its listeners.
await guest-to-host
run_check guest-to-host-echo vsock-test echo $HOST:7300 --bytes 8M
run_check guest-to-host-push-256M vsock-test push $HOST:7300 --bytes 256M
run_check guest-to-host-pull-256M vsock-test pull $HOST:7300 --bytes 256M
run_check guest-to-host-32-connections vsock-test echo $HOST:7300 --bytes 2M --parallel 32
run_check guest-to-host-refused vsock-test refused $HOST:7399
# The host reader of this stream is stopped, then killed: our writes must
# fail with a reset, and the daemon must not have buffered the stream.
echo "vsock-killed-reader-start"
check_fails killed-host-reader vsock-test push $HOST:7301 --bytes 64G

# Reset the vsock device while the host holds a connection: what a reboot
# does to it, without QEMU going away.
await reset
dev=$(ls /sys/bus/virtio/drivers/vmw_vsock_virtio_transport/ | grep '^virtio')
echo "$dev" >/sys/bus/virtio/drivers/vmw_vsock_virtio_transport/unbind
echo "$dev" >/sys/bus/virtio/drivers/vmw_vsock_virtio_transport/bind
run_check reset-guest-to-host-echo vsock-test echo $HOST:7300 --bytes 1M
echo "vsock-reset-done"
await reboot
