"""Turning what a guest wrote into PASS/FAIL results.

Two sources per boot:
  results log  ttyS1: the scenario's output, PASS/FAIL lines, the sentinel;
  console log  ttyS0: the kernel's messages, plus a "ckpt-result STATUS NAME"
               line written to /dev/kmsg for every result.

A kernel problem in the console (oops, WARN, lockup...) fails the result
whose marker follows it, or a synthetic "kernel" test when none follows.
"""

import re

RESULT = re.compile(r"^(PASS|FAIL) (\S+)(?: (.*))?$")
MARKER = re.compile(r"ckpt-result (PASS|FAIL) (\S+)")

# What the kernel prints when something went wrong. "hung_task" appears in
# the hung-task report ("echo 0 > .../hung_task_timeout_secs ...").
KERNEL_PROBLEMS = [
    "Oops", "BUG:", "WARNING:", "general protection", "soft lockup", "hung_task",
    "Call Trace", "Kernel panic", "blocked for more than", "detected stalls",
    "UBSAN:", "KASAN:",
]
_PROBLEM = re.compile("|".join(re.escape(p) for p in KERNEL_PROBLEMS))
_TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\]\s*")


class Result:
    def __init__(self, status, name, reason=""):
        self.status = status
        self.name = name
        self.reason = reason

    @property
    def passed(self):
        return self.status == "PASS"

    def fail(self, why):
        self.reason = "%s; %s" % (self.reason, why) if self.status == "FAIL" and self.reason else why
        self.status = "FAIL"


class ChannelLog:
    """What the guest said on the results channel (ttyS1)."""

    def __init__(self):
        self.results = []     # Result, in order
        self.output = []      # every line except protocol markers
        self.init_uptime = None
        self.ready_uptime = None
        self.exit_status = None
        self.dmesg = None     # kernel log dumped by the init at the end

    @classmethod
    def parse(cls, text):
        log = cls()
        for raw in text.splitlines():
            line = raw.replace("\r", "").rstrip()
            if line == "@ckpt-dmesg":
                log.dmesg = []
                continue
            if log.dmesg is not None and not line.startswith("@ckpt-exit "):
                log.dmesg.append(line)
                continue
            if line.startswith("@ckpt-init "):
                parts = line.split()
                log.init_uptime = _float(parts[2]) if len(parts) > 2 else None
                continue
            if line.startswith("@ckpt-ready "):
                log.ready_uptime = _float(line.split()[1])
                continue
            if line.startswith("@ckpt-exit "):
                try:
                    log.exit_status = int(line.split()[1])
                except (IndexError, ValueError):
                    log.exit_status = 255
                continue
            log.output.append(line)
            m = RESULT.match(line)
            if m:
                reason = (m.group(3) or "").strip()
                if reason.startswith("(") and reason.endswith(")"):
                    reason = reason[1:-1]
                log.results.append(Result(m.group(1), m.group(2), reason))
        return log


def _float(s):
    try:
        return float(s)
    except ValueError:
        return None


def kernel_problems(log_text, results):
    """Charges kernel problems in log_text (console or dmesg) to results.

    Markers are matched to results by status and name, in order, so a result
    whose marker is missing or late does not shift the others. Returns
    ({index into results: first problem line before its marker},
    [problem lines after the last marker])."""
    charged = {}
    pending = []
    used = [False] * len(results)
    for raw in log_text.splitlines():
        line = raw.replace("\r", "").rstrip()
        m = MARKER.search(line)
        if m:
            for i, r in enumerate(results):
                if not used[i] and r.status == m.group(1) and r.name == m.group(2):
                    used[i] = True
                    if pending:
                        charged[i] = pending[0]
                        pending = []
                    break
            continue
        if _PROBLEM.search(line):
            pending.append(_TIMESTAMP.sub("", line))
    return charged, pending


def tail(text, n):
    lines = [l.replace("\r", "") for l in text.splitlines() if l.strip()]
    return lines[-n:]


def excerpt(text, needle, n=20):
    """Up to n console lines starting a little before the first line that
    holds needle (a problem line as kernel_problems() returned it)."""
    lines = [l.replace("\r", "") for l in text.splitlines()]
    for i, line in enumerate(lines):
        if needle in line:
            start = max(0, i - 2)
            return lines[start:start + n]
    return []
