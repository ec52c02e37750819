"""Daemons the lab starts and outlives: started detached, tracked by pid
file, stopped by pid (never by name: other helpers' daemons may run)."""

import os
import signal
import subprocess
import time

from .util import HarnessError


def read_pid(pidfile):
    try:
        with open(pidfile) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def alive(pid, binary=None):
    """True when pid runs (and, given binary, runs that program: a pid
    file left over from before a reboot may name someone else now)."""
    if not pid:
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                return False
    except (OSError, IndexError):
        return False
    if binary:
        try:
            exe = os.readlink("/proc/%d/exe" % pid)
        except OSError:
            return False
        return os.path.basename(exe.replace(" (deleted)", "")) == os.path.basename(binary)
    return True


def start(argv, logpath, pidfile, umask=None, gid=None, env=None, ready=None, timeout=15):
    """Starts argv in its own session with output to logpath, writes its pid
    to pidfile and waits until ready() is true. Returns the pid."""
    def setup():
        if gid is not None:
            os.setgid(gid)
        if umask is not None:
            os.umask(umask)
    with open(logpath, "a") as log:
        log.write("---- %s: %s\n" % (time.strftime("%Y-%m-%d %H:%M:%S"), " ".join(argv)))
        log.flush()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                start_new_session=True, preexec_fn=setup, env=env)
    with open(pidfile, "w") as f:
        f.write("%d\n" % proc.pid)
    deadline = time.monotonic() + timeout
    while ready and not ready():
        if proc.poll() is not None:
            raise HarnessError("%s exited %d at startup: %s"
                               % (argv[0], proc.returncode, tail(logpath)))
        if time.monotonic() > deadline:
            stop(proc.pid)
            raise HarnessError("%s was not ready within %d s: %s" % (argv[0], timeout, tail(logpath)))
        time.sleep(0.05)
    return proc.pid


def stop(pid, timeout=10):
    """SIGTERM, then SIGKILL after timeout s. Returns how it ended."""
    if not pid:
        return "not running"
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return "not running"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            _reap(pid)
            return "stopped"
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return "killed after %d s" % timeout


def _reap(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def tail(path, n=3):
    try:
        with open(path, errors="replace") as f:
            return " | ".join(l.strip() for l in f.read().splitlines()[-n:])
    except OSError:
        return "(no log)"
