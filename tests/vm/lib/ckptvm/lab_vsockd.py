"""One ckpt-vsockd per lab VM, started by the lab itself (managed="no").

QEMU (user libvirt-qemu, group kvm) connects to the vhost-user socket, so
the daemon runs with group kvm and umask 007 in a directory of group kvm,
as host/vsockd/ckpt-vsockd@.service does on a systemd host.
"""

import os

from . import lab_daemon
from .lab_config import SOCK_DIR, qemu_group_gid
from .util import HarnessError


def binary(build):
    return os.path.join(build, "host", "vsockd", "ckpt-vsockd")


def prepare_dir():
    os.makedirs(SOCK_DIR, exist_ok=True)
    gid = qemu_group_gid()
    if gid is not None:
        os.chown(SOCK_DIR, 0, gid)
        os.chmod(SOCK_DIR, 0o2750)
        os.chmod(os.path.dirname(SOCK_DIR), 0o755)


def running(spec, build):
    return lab_daemon.alive(lab_daemon.read_pid(spec.vsockd_pidfile), binary(build))


def start(spec, build):
    """Starts the VM's daemon unless it runs; returns its pid and whether it
    was (re)started now."""
    pid = lab_daemon.read_pid(spec.vsockd_pidfile)
    if lab_daemon.alive(pid, binary(build)):
        return pid, False
    path = binary(build)
    if not os.access(path, os.X_OK):
        raise HarnessError("%s is missing: build first" % path)
    prepare_dir()
    pid = lab_daemon.start(
        [path, "--guest-cid", str(spec.cid), "--socket", spec.vhost_socket, "--uds", spec.uds],
        spec.vsockd_log, spec.vsockd_pidfile, umask=0o007, gid=qemu_group_gid(),
        ready=lambda: os.path.exists(spec.vhost_socket) and os.path.exists(spec.uds))
    return pid, True


def stop(spec, build):
    pid = lab_daemon.read_pid(spec.vsockd_pidfile)
    result = None
    if lab_daemon.alive(pid, binary(build)):
        result = lab_daemon.stop(pid)
    for path in (spec.vsockd_pidfile,):
        if os.path.exists(path):
            os.unlink(path)
    return result
