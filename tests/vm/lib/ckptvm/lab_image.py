"""The lab guests' kernel and initramfs.

The lab boots the same Debian kernel and the same guest image as the test
matrix (base + overlay, see image.py), plus a third archive that makes it a
long-running machine instead of a one-shot test: busybox init as PID 1 with
the table in lab-guest/inittab, ckpt-agent as a service, acpid turning
the ACPI power button (virsh shutdown) into an orderly poweroff, and
Debian's qemu-ga with our fsfreeze hook (virsh snapshot-create-as
--quiesce, domfsfreeze: lab_qga.py).

Each VM gets its own copy of the kernel and the initramfs under the lab's
state dir: libvirt hands them to QEMU's user (libvirt-qemu) for the run and
gives them back afterwards, which must not touch the test harness's cache.
"""

import os
import shutil

from . import elf, image, kernels, lab_qga
from .cpio import CpioWriter
from .util import HarnessError, file_digest

GUEST_FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lab-guest")
# The power button needs the ACPI button driver and evdev (acpid reads
# /dev/input/event*); Debian builds both as modules. ext4: the scratch disk
# (/dev/vda) that qemu-ga freezes and a disk-only snapshot covers.
EXTRA_MODULES = ("button", "evdev", "ext4")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))))
FSFREEZE_HOOK = os.path.join(REPO, "guest-agent", "agent", "fsfreeze-hook", "ckpt-agent")
# The containers the fsfreeze hook checkpoints: the quiesce lab test runs
# one under this name (tests/vm/lab-tests/quiesce).
QUIESCE_LIST = b"""# Containers checkpointed (NAME-quiesce, left frozen) when qemu-ga freezes
# the filesystems; written by the lab (tests/vm/lib/ckptvm/lab_image.py).
quiesced
"""


def _lab_archive(path, qga):
    """Writes the archive with the lab's init table, scripts, acpid action
    and qemu-ga (unpacked in qga); it is applied after the overlay."""
    with open(path, "wb") as f:
        w = CpioWriter(f)
        src = lambda name: os.path.join(GUEST_FILES, name)  # noqa: E731
        w.copy("/etc/inittab", src("inittab"), 0o644)
        w.copy("/etc/ckpt-lab/lib.sh", src("lib.sh"), 0o644)
        for script in ("rc", "agent", "qemu-ga", "shutdown"):
            w.copy("/etc/ckpt-lab/" + script, src(script), 0o755)
        # busybox acpid runs CONFDIR/PWRF/00000080 for the power button.
        w.copy("/etc/acpi/PWRF/00000080", src("power-button"), 0o755)
        w.mkdir("/var/lib/ckpt-agent/images")
        # qemu-ga as Debian installs it: the binary, the dispatcher that
        # runs /etc/qemu/fsfreeze-hook.d/*, and our hook in that directory.
        binary = os.path.join(qga, lab_qga.BINARY)
        w.copy("/usr/sbin/qemu-ga", binary, 0o755)
        for lib in elf.shared_libraries(binary):
            w.copy(image._usr_path(lib), lib, 0o755)
        w.copy("/etc/qemu/fsfreeze-hook", os.path.join(qga, lab_qga.DISPATCHER), 0o755)
        w.copy("/etc/qemu/fsfreeze-hook.d/ckpt-agent", FSFREEZE_HOOK, 0o755)
        w.file("/etc/ckpt-agent/quiesce", QUIESCE_LIST, 0o644)
        w.mkdir("/var/log")
        w.mkdir("/mnt/scratch")
        w.close()


def pick_kernel(repo, flavor):
    found = [k for k in kernels.discover(repo) if k.flavor == flavor]
    if not found:
        raise HarnessError("no kernel flavor %r in scripts/kernels.sh" % flavor)
    return kernels.prepare(found[0])


def build(kernel, build_dir, work_dir):
    """Builds the lab initramfs for kernel from build_dir's programs into
    work_dir/lab-initrd.cpio. Returns (path, manifest lines)."""
    ko = os.path.join(build_dir, "guest-kmod", kernel.release, "ckpt.ko")
    agent = os.path.join(build_dir, "guest-agent", "agent", "ckpt-agent")
    for need in (ko, agent):
        if not os.path.exists(need):
            raise HarnessError("%s is missing: build first (meson compile -C %s)" % (need, build_dir))
    base, _new = image.base_archive(kernel, EXTRA_MODULES)
    overlay, _new, manifest = image.overlay_archive(kernel, build_dir, build_dir)
    os.makedirs(work_dir, exist_ok=True)
    lab = os.path.join(work_dir, "lab.cpio")
    _lab_archive(lab, lab_qga.prepare())
    out = os.path.join(work_dir, "lab-initrd.cpio")
    tmp = out + ".tmp"
    with open(tmp, "wb") as dst:
        for part in (base, overlay, lab):
            with open(part, "rb") as f:
                shutil.copyfileobj(f, dst, 1 << 20)
    os.rename(tmp, out)
    os.unlink(lab)
    return out, manifest


def install(src, dst):
    """Copies src to dst unless dst already has the same content; returns
    True when it copied (a running VM keeps its old copy open)."""
    if os.path.exists(dst) and os.path.getsize(dst) == os.path.getsize(src) \
            and file_digest(dst) == file_digest(src):
        return False
    tmp = dst + ".tmp"
    shutil.copyfile(src, tmp)
    os.rename(tmp, dst)
    return True
