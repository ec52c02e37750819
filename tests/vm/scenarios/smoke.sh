#!/bin/sh
# vm: timeout=120
# The module's basic life cycle on this kernel: it loads, /dev/ckpt exists
# with the right owner and mode, the handshake and its refusals behave
# (ckpt-abi-test), it unloads, and nothing but O/E taints the kernel.
. /lib/ckpt-test.sh

require_ckpt

dev=/dev/ckpt
if [ -c "$dev" ]; then
	pass dev-exists
	assert_eq dev-mode-owner "crw------- 0:0" "$(stat -c '%A %u:%g' "$dev")"
else
	fail dev-exists "$dev is missing or not a character device: $(ls -l "$dev" 2>&1)"
fi

if command -v ckpt-abi-test >/dev/null; then
	# It prints its own PASS/FAIL lines.
	ckpt-abi-test || fail abi-test "ckpt-abi-test exited $?"
else
	fail abi-test "ckpt-abi-test is not in the guest image (tests/vm/guest-tools/abi not built)"
fi

unload_ckpt
if [ -e "$dev" ]; then
	fail dev-gone "$dev still exists after rmmod"
else
	pass dev-gone
fi
check_taint taint
