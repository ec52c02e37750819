"""Scenarios: shell scripts run inside the guest, and their options.

A scenario may carry a header line among its first 20 lines:

    # vm: boots=2 memory=1024 timeout=600 vsock=1

boots    fresh guests booted in sequence, same scratch disk (default 1)
memory   guest RAM in MiB (default 512)
timeout  seconds each boot may take (default 300)
vsock    1: attach a vhost-user vsock device served by ckpt-vsockd
smp      virtual CPUs (default 2: checkpointing must cope with other CPUs)
disk     scratch disk size in MiB, sparse (default 1024; 0: no disk)
reboot   1: a guest reboot restarts the guest in the same QEMU (the init and
         the scenario run again; the scratch disk tells the runs apart)
         instead of ending the VM
"""

import os
import re

from .image import GUEST_SCENARIOS, GUEST_SCRIPT, SCENARIO_DIR
from .util import HarnessError

DEFAULTS = {"boots": 1, "memory": 512, "timeout": 300, "vsock": 0, "smp": 2, "disk": 1024,
            "reboot": 0}
_HEADER = re.compile(r"^#\s*vm:\s*(.*)$")


class Scenario:
    def __init__(self, name, path, guest_path, options):
        self.name = name
        self.path = path
        self.guest_path = guest_path
        self.options = options

    def __repr__(self):
        return self.name


def parse_options(path):
    options = dict(DEFAULTS)
    with open(path, errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            if lineno > 20:
                break
            m = _HEADER.match(line.strip())
            if not m:
                continue
            for item in m.group(1).split():
                key, sep, value = item.partition("=")
                if not sep or key not in DEFAULTS:
                    raise HarnessError("%s:%d: unknown vm option %r (known: %s)"
                                       % (path, lineno, item, ", ".join(sorted(DEFAULTS))))
                try:
                    options[key] = int(value)
                except ValueError:
                    raise HarnessError("%s:%d: vm option %s wants a number, got %r"
                                       % (path, lineno, key, value)) from None
                if options[key] < 0 or (key in ("boots", "memory", "timeout", "smp") and options[key] == 0):
                    raise HarnessError("%s:%d: vm option %s=%d is out of range"
                                       % (path, lineno, key, options[key]))
    return options


def available():
    return sorted(n[:-3] for n in os.listdir(SCENARIO_DIR) if n.endswith(".sh"))


def select(names):
    """Scenarios for --scenario NAME... ("all" or nothing: every scenario)."""
    known = available()
    if not names or "all" in names:
        names = known
    chosen = []
    for name in names:
        name = name[:-3] if name.endswith(".sh") else name
        if name not in known:
            raise HarnessError("no scenario %r in %s (have: %s)"
                               % (name, SCENARIO_DIR, ", ".join(known) or "none"))
        path = os.path.join(SCENARIO_DIR, name + ".sh")
        chosen.append(Scenario(name, path, "%s/%s.sh" % (GUEST_SCENARIOS, name), parse_options(path)))
    return chosen


def from_script(path):
    """The scenario for --script FILE: it is named after the file."""
    if not os.path.isfile(path):
        raise HarnessError("--script %s: no such file" % path)
    name = os.path.basename(path)
    name = name[:-3] if name.endswith(".sh") else name
    return Scenario(name, os.path.abspath(path), GUEST_SCRIPT, parse_options(path))
