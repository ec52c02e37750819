#!/bin/sh
# vm: timeout=500 memory=1024
# The ckpt tool with the module: images through pipes, --leave-frozen and
# --frozen, damaged images refused with nothing left behind, unsupported
# objects refused with the container running, and a checkpoint whose reader
# goes away or that is interrupted rolls back.
. /lib/ckpt-test.sh
show() { echo "# $*"; "$@" 2>&1 | sed 's/^/#   /'; }
require_ckpt
mkdir -p /tmp/wl
w=forktree
ckpt run $w --log -- wl-$w >/dev/null
wait_for 30 test -e /tmp/wl/$w.ready
# to a pipe, from a pipe
check ckpt-pipe sh -c "ckpt checkpoint $w -o - --leave-running | cat > /tmp/p.img"
check no-tmp test ! -e /tmp/p.img.tmp
check info-pipe-image ckpt info /tmp/p.img
check restart-refuses-running sh -c "! ckpt restart $w -i /tmp/p.img"
check kill-for-pipe ckpt kill $w
check restart-from-pipe sh -c "cat /tmp/p.img | ckpt restart $w -i - >/dev/null"
show ckpt list
# frozen restart
check ckpt-frozen sh -c "ckpt checkpoint $w -o /tmp/f.img --leave-frozen"
assert_match left-frozen "^$w +frozen" "$(ckpt list | grep "^$w ")"
check ckpt-from-frozen sh -c "ckpt checkpoint $w -o /tmp/f2.img"
check restart-frozen sh -c "ckpt restart $w -i /tmp/f2.img --frozen >/dev/null"
assert_match restarted-frozen "^$w +frozen +[0-9]+ +10 +10" "$(ckpt list | grep "^$w ")"
show ckpt list
show cat /sys/fs/cgroup/ckpt/$w/cgroup.events
check thaw ckpt thaw $w
assert_match thawed "^$w +running +[0-9]+ +10 +10" "$(ckpt list | grep "^$w ")"
# damaged images: the container must not come back half
check ckpt-for-damage sh -c "ckpt checkpoint $w -o /tmp/d.img"
size=$(stat -c %s /tmp/d.img)
head -c $((size / 2)) /tmp/d.img > /tmp/trunc.img
show ckpt restart $w -i /tmp/trunc.img
check_fails restart-truncated ckpt restart $w -i /tmp/trunc.img
check nothing-left test ! -e /run/ckpt/$w -a ! -e /sys/fs/cgroup/ckpt/$w
cp /tmp/d.img /tmp/flip.img
printf '\377' | dd of=/tmp/flip.img bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
show ckpt restart $w -i /tmp/flip.img
check_fails restart-flipped ckpt restart $w -i /tmp/flip.img
check nothing-left2 test ! -e /run/ckpt/$w -a ! -e /sys/fs/cgroup/ckpt/$w
show ckpt restart $w -i /tmp/wl/forktree.ready
check restart-good sh -c "ckpt restart -v $w -i /tmp/d.img"
ckpt kill $w --signal TERM
wait_for 30 test -e /tmp/wl/$w.result
show cat /tmp/wl/$w.result /tmp/wl/$w.detail
ckpt kill $w
# unsupported
ckpt run u --log -- wl-unsupported >/dev/null
wait_for 30 test -e /tmp/wl/unsupported.ready
show ckpt checkpoint u -o /tmp/u.img
check_fails ckpt-unsupported ckpt checkpoint u -o /tmp/u.img
assert_match unsupported-still-running "^u +running" "$(ckpt list | grep '^u ')"
check no-image test ! -e /tmp/u.img -a ! -e /tmp/u.img.tmp
ckpt kill u
show dmesg | grep -i -E "warn|bug|oops" | tail

# ---- cancellation ----
w=mem64
ckpt run $w --log -- wl-$w >/dev/null
wait_for 60 test -e /tmp/wl/$w.ready
# the reader goes away
ckpt checkpoint $w -o - 2>/tmp/err1 | head -c 1000 >/dev/null
show cat /tmp/err1
assert_match epipe-running "^$w +running" "$(ckpt list | grep "^$w ")"
# the user interrupts a checkpoint stuck on a slow reader
mkfifo /tmp/slow
(sleep 4; cat >/dev/null) </tmp/slow &
reader=$!
ckpt checkpoint $w -o - >/tmp/slow 2>/tmp/err2 &
cp=$!
sleep 1.5
assert_match frozen-while-writing "^$w +frozen" "$(ckpt list | grep "^$w ")"
kill -INT $cp
wait $cp
echo "exit $?" >>/tmp/err2
wait $reader
show cat /tmp/err2
assert_match interrupted-running "^$w +running" "$(ckpt list | grep "^$w ")"
check ckpt-ok ckpt checkpoint $w -o /tmp/m.img --leave-running
ckpt kill $w --signal TERM
wait_for 30 test -e /tmp/wl/$w.result
assert_match result '^PASS' "$(cat /tmp/wl/$w.result)"
