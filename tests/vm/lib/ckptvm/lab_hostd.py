"""`up --managed`: ckpt-hostd and the libvirt hook start the VMs' ckpt-vsockd
(issue 7), as on a production host, instead of the lab.

The hook must be in place before libvirtd starts: libvirt looks for hook
scripts only at startup. ckpt-hostd is started after libvirtd (it
subscribes to libvirt's events) and before the domains (the hook hands it
the prepare event that starts their daemons).
"""

import os
import shutil
import socket
import time

from . import elf, lab_daemon
from .lab_config import HOOK_PATH, RUN_DIR, STATE_DIR
from .util import HarnessError, file_digest

CONTROL_SOCK = "/run/ckpt-hostd/control.sock"
PIDFILE = os.path.join(RUN_DIR, "hostd.pid")
LOG = os.path.join(STATE_DIR, "hostd.log")


def hostd_binary(build):
    return os.path.join(build, "host", "hostd", "ckpt-hostd")


def hook_binary(build):
    """The program host/libvirt-hook/ builds (whatever its name)."""
    d = os.path.join(build, "host", "libvirt-hook")
    found = []
    if os.path.isdir(d):
        found = [os.path.join(d, n) for n in sorted(os.listdir(d))
                 if elf.is_program(os.path.join(d, n))]
    if not found:
        raise HarnessError("--managed needs the libvirt hook, but %s holds no program: build "
                           "host/libvirt-hook first" % d)
    if len(found) > 1:
        named = [p for p in found if "hook" in os.path.basename(p)]
        if len(named) != 1:
            raise HarnessError("%s holds several programs (%s): which is the hook?"
                               % (d, ", ".join(os.path.basename(p) for p in found)))
        found = named
    return found[0]


def install_hook(state, build):
    """Copies the hook to HOOK_PATH; returns True when the file changed (so
    libvirtd must be restarted to see it)."""
    src = hook_binary(build)
    if os.path.exists(HOOK_PATH) and not state.get("hook"):
        if file_digest(HOOK_PATH) != file_digest(src):
            raise HarnessError("%s exists and was not installed by the lab: remove it first"
                               % HOOK_PATH)
    if os.path.exists(HOOK_PATH) and file_digest(HOOK_PATH) == file_digest(src):
        if not state.get("hook"):
            state.set("hook", HOOK_PATH)
        return False
    fresh = not os.path.exists(HOOK_PATH)
    os.makedirs(os.path.dirname(HOOK_PATH), exist_ok=True)
    tmp = HOOK_PATH + ".tmp"
    shutil.copyfile(src, tmp)
    os.chmod(tmp, 0o755)
    os.rename(tmp, HOOK_PATH)
    state.set("hook", HOOK_PATH)
    return fresh


def remove_hook(state):
    if state.get("hook") and os.path.exists(HOOK_PATH):
        os.unlink(HOOK_PATH)
        state.drop("hook")
        return "hook %s removed" % HOOK_PATH
    state.drop("hook")
    return None


def _control_answers():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(CONTROL_SOCK)
        return True
    except OSError:
        return False
    finally:
        s.close()


def start_hostd(state, build, extra_args):
    pid = state.get("hostd")
    if lab_daemon.alive(pid, "ckpt-hostd"):
        return "ckpt-hostd running (pid %d)" % pid
    if _control_answers():
        return "ckpt-hostd already running (not started by the lab; left alone)"
    path = hostd_binary(build)
    if not os.access(path, os.X_OK):
        raise HarnessError("--managed needs %s: build host/hostd first" % path)
    pid = lab_daemon.start([path] + list(extra_args), LOG, PIDFILE, ready=_control_answers,
                           timeout=30)
    state.set("hostd", pid)
    return "ckpt-hostd started (pid %d, log %s)" % (pid, LOG)


def stop_hostd(state):
    pid = state.get("hostd")
    state.drop("hostd")
    if lab_daemon.alive(pid, "ckpt-hostd"):
        return "ckpt-hostd " + lab_daemon.stop(pid, timeout=30)
    return None


def wait_bridge(spec, seconds=20):
    """In managed mode ckpt-hostd starts the daemon at the prepare hook;
    True once its hybrid socket exists."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.path.exists(spec.uds):
            return True
        time.sleep(0.1)
    return False
