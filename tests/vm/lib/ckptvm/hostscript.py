"""--host-script: a program on the host that runs while the guest runs."""

import os
import signal
import subprocess

from .results import ChannelLog
from .util import track, untrack


class HostScript:
    def __init__(self, path, workdir, env):
        self.path = os.path.abspath(path)
        self.logpath = os.path.join(workdir, "host-script.log")
        self.env = env
        self.proc = None
        self.timed_out = False

    def start(self):
        env = dict(os.environ)
        env.update({k: str(v) for k, v in self.env.items()})
        argv = [self.path] if os.access(self.path, os.X_OK) else ["/bin/sh", self.path]
        with open(self.logpath, "w") as log:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, env=env,
                                         cwd=self.env["CKPT_VM_WORKDIR"], start_new_session=True)
        track(self.proc)

    def finish(self, grace):
        """Waits up to grace seconds after the guest is done, then kills.
        Returns (ChannelLog of its output, exit status or None if killed)."""
        status = None
        try:
            status = self.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.timed_out = True
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        untrack(self.proc)
        with open(self.logpath, errors="replace") as f:
            return ChannelLog.parse(f.read()), status
