"""Talking to a lab guest's ckpt-agent through ckpt-vsockd's hybrid socket.

Only the control protocol's request/reply (docs/agent-protocol.md): the lab
uses it to see that an agent answers, and the lab tests use it to look at a
container independently of the ckpt-host under test. Images are never
moved here.
"""

import json
import socket
import time


class AgentError(Exception):
    pass


class Agent:
    def __init__(self, vm, uds, port=7100, timeout=10.0):
        self.vm = vm
        self.uds = uds
        self.port = port
        self.timeout = timeout
        self._sock = None
        self._buf = b""
        self._id = 0

    def __enter__(self):
        self.connect()
        return self

    def __exit__(self, *exc):
        self.close()

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        try:
            s.connect(self.uds)
        except OSError as e:
            s.close()
            raise AgentError("%s: cannot reach ckpt-vsockd at %s: %s" % (self.vm, self.uds, e.strerror))
        self._sock = s
        s.sendall(b"CONNECT %d\n" % self.port)
        line = self._line()
        if not line.startswith("OK "):
            self.close()
            raise AgentError("%s: vsock port %d: %s" % (self.vm, self.port, line or "connection closed"))

    def close(self):
        if self._sock:
            self._sock.close()
            self._sock = None

    def _line(self):
        while b"\n" not in self._buf:
            try:
                chunk = self._sock.recv(65536)
            except socket.timeout:
                raise AgentError("%s: the agent did not answer within %.0f s" % (self.vm, self.timeout))
            if not chunk:
                raise AgentError("%s: the agent closed the connection" % self.vm)
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return line.decode(errors="replace").strip()

    def call(self, execute, arguments=None):
        """Returns the reply's "return" object; raises AgentError with the
        agent's error class and description."""
        self._id += 1
        req = {"execute": execute, "id": self._id}
        if arguments is not None:
            req["arguments"] = arguments
        self._sock.sendall(json.dumps(req).encode() + b"\n")
        while True:
            reply = json.loads(self._line())
            if reply.get("id") == self._id:
                break
        if "error" in reply:
            err = reply["error"]
            raise AgentError("%s: %s: %s: %s" % (self.vm, execute, err.get("class"), err.get("desc")))
        return reply.get("return", {})


def call(vm, uds, execute, arguments=None, timeout=10.0):
    with Agent(vm, uds, timeout=timeout) as a:
        return a.call(execute, arguments)


def wait(vm, uds, seconds):
    """Waits until the agent answers info; returns (info, seconds waited)
    or raises AgentError with the last reason."""
    start = time.monotonic()
    last = None
    while time.monotonic() - start < seconds:
        try:
            return call(vm, uds, "info", timeout=5), time.monotonic() - start
        except (AgentError, ValueError) as e:
            last = e
        time.sleep(0.5)
    raise AgentError("%s: no answer from the agent within %d s (last: %s)" % (vm, seconds, last))
