"""Where the lab keeps things, what its VMs are, and what `up` recorded.

`down` must remove exactly what `up` made and nothing else (a libvirtd that
was already running stays), so every step of `up` that creates something
records it in the state file before moving on.
"""

import grp
import json
import os

STATE_DIR = "/var/lib/ckpt-lab"      # kernels, initramfs, logs, per VM
RUN_DIR = "/run/ckpt-lab"            # sockets, pid files, the state file
SOCK_DIR = os.path.join(RUN_DIR, "vsockd")
STATE_FILE = os.path.join(RUN_DIR, "state.json")
URI = "qemu:///system"
HOOK_PATH = "/etc/libvirt/hooks/qemu.d/50-ckpt"
AGENT_PORT = 7100
PUSH_PORT = 7101
MEMORY_MB = 512
VCPUS = 2
SCRATCH_MB = 64
# The virtio-serial port qemu-ga listens on (libvirt's name for it).
QGA_CHANNEL = "org.qemu.guest_agent.0"
# Marks the domains the lab defined, so `down` never removes someone
# else's vmA.
DESCRIPTION = "ckpt lab VM, made by tests/vm/lab (tests/vm/lab down removes it)"


class VmSpec:
    def __init__(self, name, cid):
        self.name = name
        self.cid = cid

    @property
    def dir(self):
        return os.path.join(STATE_DIR, self.name)

    @property
    def kernel(self):
        return os.path.join(self.dir, "vmlinuz")

    @property
    def initrd(self):
        return os.path.join(self.dir, "initrd.cpio")

    @property
    def scratch(self):
        """The scratch disk (vda, qcow2, ext4): what qemu-ga freezes and a
        disk-only snapshot covers; snapshot overlays go next to it."""
        return os.path.join(self.dir, "scratch.qcow2")

    @property
    def console_log(self):
        return os.path.join(self.dir, "console.log")

    @property
    def lab_log(self):
        """ttyS1: the lab init's and ckpt-agent's messages."""
        return os.path.join(self.dir, "lab.log")

    @property
    def vsockd_log(self):
        return os.path.join(self.dir, "vsockd.log")

    @property
    def uds(self):
        return os.path.join(SOCK_DIR, self.name + ".vsock")

    @property
    def vhost_socket(self):
        return os.path.join(SOCK_DIR, self.name + ".vhost")

    @property
    def vsockd_pidfile(self):
        return os.path.join(RUN_DIR, self.name + ".vsockd.pid")


VMS = [VmSpec("vmA", 3), VmSpec("vmB", 4)]


def vm(name):
    for spec in VMS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def qemu_group_gid():
    """QEMU under Debian's libvirt runs as libvirt-qemu:kvm; the vhost-user
    sockets must be reachable by group kvm (as ckpt-vsockd@.service does)."""
    try:
        return grp.getgrnam("kvm").gr_gid
    except KeyError:
        return None


class State:
    """What the lab made, in /run/ckpt-lab/state.json."""

    def __init__(self, data=None):
        self.data = data or {}

    @classmethod
    def load(cls):
        try:
            with open(STATE_FILE) as f:
                return cls(json.load(f))
        except FileNotFoundError:
            return cls()
        except ValueError:
            # A state file cut short (power loss during up): start over;
            # down still finds our domains by their description.
            return cls()

    def save(self):
        os.makedirs(RUN_DIR, exist_ok=True)
        tmp = STATE_FILE + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.data, f, indent=1, sort_keys=True)
            f.write("\n")
        os.rename(tmp, STATE_FILE)

    def get(self, key, default=None):
        return self.data.get(key, default)

    def set(self, key, value):
        self.data[key] = value
        self.save()

    def drop(self, key):
        if key in self.data:
            del self.data[key]
            self.save()
