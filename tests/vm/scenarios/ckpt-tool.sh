#!/bin/sh
# vm: timeout=200
# The ckpt tool without the module: run, list, freeze/thaw, kill, --rootfs,
# bad names and commands, and a checkpoint that fails cleanly.
. /lib/ckpt-test.sh

show() { echo "# $*"; "$@" 2>&1 | sed 's/^/#   /'; }

pid=$(ckpt run web --log --env FOO=bar -- sh -c 'echo "hello $FOO from $$ on $(hostname)"; grep NSpid /proc/self/status; ls /proc | grep -c "^[0-9]"; exec sleep 1000' 2>&1)
assert_match run-prints-pid '^[0-9]+$' "$pid"
sleep 1
show ckpt list
show cat /run/ckpt/web/log
assert_match log-hello '^hello bar from 1 on web$' "$(head -1 /run/ckpt/web/log)"
assert_match list-running "^web +running +$pid +1 +1 +sh -c" "$(ckpt list | grep '^web')"
show ckpt list --json
assert_eq cgroup-procs "$pid" "$(cat /sys/fs/cgroup/ckpt/web/cgroup.procs)"
check freeze ckpt freeze web
assert_match list-frozen "^web +frozen" "$(ckpt list | grep '^web')"
check freeze-again ckpt freeze web
check thaw ckpt thaw web
assert_match list-thawed "^web +running" "$(ckpt list | grep '^web')"
show ckpt run web -- true
check_fails run-twice ckpt run web -- true
show ckpt checkpoint web -o /tmp/img
check_fails checkpoint-no-module ckpt checkpoint web -o /tmp/img
check no-image-left test ! -e /tmp/img -a ! -e /tmp/img.tmp
assert_match still-running-after-failed-checkpoint "^web +running" "$(ckpt list | grep '^web')"
check kill-signal ckpt kill web --signal TERM
sleep 0.3
assert_match init-ignores-term "^web +running" "$(ckpt list | grep '^web')"
check kill ckpt kill web
check gone test ! -e /run/ckpt/web -a ! -e /sys/fs/cgroup/ckpt/web
show ckpt kill web
check_fails kill-absent ckpt kill web

show ckpt run bad -- /nonexistent/cmd
check_fails run-missing-cmd ckpt run bad -- /nonexistent/cmd
check bad-left-nothing test ! -e /run/ckpt/bad -a ! -e /sys/fs/cgroup/ckpt/bad
show ckpt run bad -- nosuchcommand
show ckpt run 'bad/name' -- true
check_fails run-bad-name ckpt run 'bad/name' -- true

# a tree: init sh with a background child and a grandchild
ckpt run tree -- sh -c 'sh -c "sleep 1000 & sleep 1000" & sleep 1000' >/dev/null
sleep 0.5
assert_match tree-3-procs "^tree +running +[0-9]+ +3 +3" "$(ckpt list | grep '^tree')"
show ckpt list
# stopped state: init exits
ckpt run shortlived -- sh -c 'sleep 0.2' >/dev/null
sleep 1
assert_match stopped "^shortlived +stopped +- +0 +0" "$(ckpt list | grep '^shortlived')"
check run-over-stopped sh -c 'ckpt run shortlived -- sleep 100 >/dev/null'
check kill-tree ckpt kill tree
check kill-short ckpt kill shortlived

# rootfs
mkdir -p /tmp/rfs/bin /tmp/rfs/proc /tmp/rfs/dev /tmp/rfs/run /tmp/rfs/tmp
cp /usr/bin/busybox /tmp/rfs/bin/busybox
for a in sh ls cat sleep hostname grep; do ln -s busybox /tmp/rfs/bin/$a; done
pid=$(ckpt run rfs --rootfs /tmp/rfs --log --hostname boxy -- /bin/sh -c 'echo root: $(ls /); echo dev: $(ls /dev); echo host: $(hostname); cat /dev/null; ls /proc/1/ >/dev/null && echo proc ok; exec sleep 1000')
sleep 1
show cat /run/ckpt/rfs/log
assert_match rootfs-root '^root: bin dev proc run tmp$' "$(grep '^root:' /run/ckpt/rfs/log)"
assert_match rootfs-dev 'null' "$(grep '^dev:' /run/ckpt/rfs/log)"
assert_match rootfs-host '^host: boxy$' "$(grep '^host:' /run/ckpt/rfs/log)"
check rootfs-proc grep -q 'proc ok' /run/ckpt/rfs/log
show ls -l /proc/$pid/root/ /proc/$pid/fd/
check kill-rfs ckpt kill rfs
check rfs-untouched test ! -e /tmp/rfs/dev/null
