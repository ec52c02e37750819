"""libvirtd (and its log daemon virtlogd) started by hand.

Our machines have no systemd, so nothing socket-activates libvirtd. The lab
starts both in the foreground of their own sessions (pid known, output in
the lab's state dir) when qemu:///system does not answer, and `down` stops
them only if the lab started them. libvirt-daemon-system's defaults are
kept: QEMU runs as libvirt-qemu:kvm, which is why the vhost-user sockets
are group kvm (see lab_vsockd).
"""

import os
import socket
import subprocess
import time

from . import lab_daemon
from .lab_config import STATE_DIR, RUN_DIR, URI, qemu_group_gid
from .util import HarnessError

LIBVIRT_SOCK = "/run/libvirt/libvirt-sock"
VIRTLOGD_SOCK = "/run/libvirt/virtlogd-sock"
KVM_DEVICE = "/dev/kvm"


def _answers(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def running():
    return _answers(LIBVIRT_SOCK)


def virsh(*args, check=True, timeout=120):
    proc = subprocess.run(["virsh", "-q", "-c", URI] + list(args), capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise HarnessError("virsh %s: %s" % (" ".join(args), (proc.stderr or proc.stdout).strip()))
    return proc


def _binary(name):
    for d in ("/usr/sbin", "/usr/bin"):
        path = os.path.join(d, name)
        if os.access(path, os.X_OK):
            return path
    raise HarnessError("%s not found: install libvirt-daemon-system (scripts/deps.sh does)" % name)


def _kvm_device(state):
    """Gives /dev/kvm to group kvm, mode 0660, as udev's rule does on a
    standard Debian host (ours has no udev). Otherwise libvirt finds KVM in
    QEMU's capabilities but not usable by QEMU's user, throws its cached
    capabilities away on every lookup and probes QEMU again: 40 s per
    `virsh define` under TCG. down restores what was there."""
    gid = qemu_group_gid()
    try:
        st = os.stat(KVM_DEVICE)
    except FileNotFoundError:
        return None
    if gid is None or (st.st_gid == gid and st.st_mode & 0o060 == 0o060):
        return None
    if not state.get("kvm_device"):
        state.set("kvm_device", {"uid": st.st_uid, "gid": st.st_gid, "mode": st.st_mode & 0o7777})
    os.chown(KVM_DEVICE, st.st_uid, gid)
    os.chmod(KVM_DEVICE, (st.st_mode & 0o7777) | 0o060)
    return "%s: group kvm, mode 0660 (as udev would set it)" % KVM_DEVICE


def _restore_kvm_device(state):
    saved = state.get("kvm_device")
    if not saved:
        return None
    try:
        os.chown(KVM_DEVICE, saved["uid"], saved["gid"])
        os.chmod(KVM_DEVICE, saved["mode"])
    except OSError:
        pass
    state.drop("kvm_device")
    return "%s ownership restored" % KVM_DEVICE


def start(state):
    """Starts virtlogd and libvirtd unless libvirtd already answers."""
    _kvm_device(state)
    if running():
        if not state.get("libvirtd"):
            return "libvirtd already running (not started by the lab; left alone)"
        return "libvirtd running (started by the lab, pid %d)" % state.get("libvirtd")
    # libvirtd logs each domain's QEMU output to /var/log/libvirt/qemu/.
    os.makedirs("/var/log/libvirt/qemu", exist_ok=True)
    os.makedirs(RUN_DIR, exist_ok=True)
    os.makedirs(STATE_DIR, exist_ok=True)
    notes = []
    if not _answers(VIRTLOGD_SOCK):
        binary = _binary("virtlogd")
        pid = lab_daemon.start([binary], os.path.join(STATE_DIR, "virtlogd.log"),
                               os.path.join(RUN_DIR, "virtlogd.pid"),
                               ready=lambda: _answers(VIRTLOGD_SOCK))
        state.set("virtlogd", pid)
        notes.append("virtlogd started (pid %d)" % pid)
    binary = _binary("libvirtd")
    pid = lab_daemon.start([binary], os.path.join(STATE_DIR, "libvirtd.log"),
                           os.path.join(RUN_DIR, "libvirtd.pid"), ready=running, timeout=60)
    state.set("libvirtd", pid)
    notes.append("libvirtd started (pid %d)" % pid)
    return ", ".join(notes)


def stop(state):
    """Stops what start() started. Returns what it did."""
    notes = []
    for key, binary in (("libvirtd", "libvirtd"), ("virtlogd", "virtlogd")):
        pid = state.get(key)
        if pid is None:
            continue
        if lab_daemon.alive(pid, binary):
            notes.append("%s %s" % (key, lab_daemon.stop(pid, timeout=20)))
        state.drop(key)
    note = _restore_kvm_device(state)
    if note:
        notes.append(note)
    return notes


def restart_for_hook(state):
    """libvirt looks for hook scripts only when it starts: after installing
    one, a libvirtd the lab started is restarted (running domains keep
    running). One the lab did not start is the operator's to restart."""
    if not running():
        return None
    pid = state.get("libvirtd")
    if not pid:
        raise HarnessError("the hook %s is new, but libvirtd was not started by the lab: restart "
                           "libvirtd yourself (it reads hooks only at startup), then run up again"
                           % "/etc/libvirt/hooks/qemu.d/50-ckpt")
    lab_daemon.stop(pid, timeout=20)
    state.drop("libvirtd")
    deadline = time.monotonic() + 20
    while running() and time.monotonic() < deadline:
        time.sleep(0.1)
    return start(state)
