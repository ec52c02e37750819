"""Small helpers shared by the harness modules."""

import hashlib
import os
import sys
import threading

_print_lock = threading.Lock()
# Set once the summary is printed: threads still winding down after an
# interruption must not print after the line that has to come last.
_closed = False


class HarnessError(Exception):
    """A setup problem that stops the run (not a test failure)."""


def log(msg):
    """Harness chatter, prefixed so it never looks like a result line."""
    out(["vm: " + msg])


def out(lines):
    """Prints a block of lines without interleaving with other threads."""
    with _print_lock:
        if _closed:
            return
        for line in lines:
            print(line)
        sys.stdout.flush()


def out_last(line):
    """Prints the final line; nothing is printed after it."""
    global _closed
    with _print_lock:
        print(line, flush=True)
        _closed = True


def cache_dir():
    """Downloads and unpacked kernels, shared by every build dir.

    CKPT_VM_CACHE overrides; a user who cannot write the system cache gets
    one under ~/.cache.
    """
    path = os.environ.get("CKPT_VM_CACHE")
    if not path:
        path = "/var/cache/ckpt-tests"
        parent = os.path.dirname(path)
        if not os.access(path if os.path.exists(path) else parent, os.W_OK):
            path = os.path.join(os.path.expanduser("~"), ".cache", "ckpt-tests")
    os.makedirs(path, exist_ok=True)
    return path


def file_digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fmt_secs(s):
    return "%.1f s" % s


# Process groups we started (QEMU, daemons, host scripts). They run in their
# own sessions so a timeout can kill a whole tree; an interrupted run must
# still take them down.
_children = set()
_children_lock = threading.Lock()


def track(proc):
    with _children_lock:
        _children.add(proc)


def untrack(proc):
    with _children_lock:
        _children.discard(proc)


def kill_all_children():
    import signal
    with _children_lock:
        procs = list(_children)
    for proc in procs:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
