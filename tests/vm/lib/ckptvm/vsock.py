"""ckpt-vsockd for guests that get a vsock device.

One daemon serves one scenario across all its boots (QEMU reconnects to it
on every boot), so a host script sees a single hybrid-vsock socket.
"""

import os
import signal
import subprocess
import tempfile
import time

from .util import track, untrack

# sun_path holds 108 bytes; the daemon appends "_PORT" for guest-initiated
# connections, so leave room for that.
_MAX_UDS = 90


def daemon_path(build):
    return os.path.join(build, "host", "vsockd", "ckpt-vsockd")


class VsockDaemon:
    def __init__(self, build, workdir, cid):
        self.binary = daemon_path(build)
        self.cid = cid
        sockdir = workdir
        if len(os.path.join(workdir, "vsock.uds")) > _MAX_UDS:
            sockdir = tempfile.mkdtemp(prefix="ckpt-vm-")
        self.sockdir = sockdir
        self.vhost_socket = os.path.join(sockdir, "vhost.sock")
        self.uds = os.path.join(sockdir, "vsock.uds")
        self.logpath = os.path.join(workdir, "vsockd.log")
        self.proc = None

    def start(self):
        """Starts the daemon; returns None or the reason it did not come up."""
        if not os.access(self.binary, os.X_OK):
            return "ckpt-vsockd not built (%s is missing)" % self.binary
        with open(self.logpath, "w") as log:
            self.proc = subprocess.Popen(
                [self.binary, "--guest-cid", str(self.cid), "--socket", self.vhost_socket,
                 "--uds", self.uds],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        track(self.proc)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if os.path.exists(self.vhost_socket):
                return None
            if self.proc.poll() is not None:
                return "ckpt-vsockd exited %d before listening: %s" % (self.proc.returncode, self.log_tail())
            time.sleep(0.05)
        return "ckpt-vsockd did not create %s within 10 s" % self.vhost_socket

    def log_tail(self, n=3):
        try:
            with open(self.logpath) as f:
                return " | ".join(l.strip() for l in f.read().splitlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        """SIGTERM, as a service manager would; returns None or a problem."""
        if self.proc is None:
            return None
        problem = None
        if self.proc.poll() is not None:
            problem = "ckpt-vsockd died during the run (status %d): %s" % (self.proc.returncode,
                                                                           self.log_tail())
        else:
            self.proc.send_signal(signal.SIGTERM)
            try:
                status = self.proc.wait(timeout=10)
                if status != 0:
                    problem = "ckpt-vsockd exited %d on SIGTERM: %s" % (status, self.log_tail())
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                problem = "ckpt-vsockd ignored SIGTERM for 10 s"
        untrack(self.proc)
        if self.sockdir != os.path.dirname(self.logpath):
            for name in os.listdir(self.sockdir):
                try:
                    os.unlink(os.path.join(self.sockdir, name))
                except OSError:
                    pass
            os.rmdir(self.sockdir)
        return problem
