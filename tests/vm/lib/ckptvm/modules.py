"""The guest's set of kernel modules: the listed ones plus their deps."""

import os
import shutil
import subprocess
import tempfile

from .util import HarnessError


def read_list(path):
    """Module names from guest-modules.txt, in order; # starts a comment."""
    names = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            if len(line.split()) != 1:
                raise HarnessError("%s:%d: one module name per line, got %r" % (path, lineno, line))
            names.append(line)
    return names


def resolve(kernel, names):
    """Returns the .ko paths (relative to the kernel's module dir) that
    loading names needs, dependencies first, each once. Modules built into
    this flavor are skipped."""
    result = []
    for name in names:
        proc = subprocess.run(["modprobe", "-d", kernel.tree, "-S", kernel.release,
                               "--show-depends", name], capture_output=True, text=True)
        if proc.returncode != 0:
            raise HarnessError("kernel %s: module %s (from guest-modules.txt): %s"
                               % (kernel.release, name, proc.stderr.strip() or "not found"))
        for line in proc.stdout.splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] == "insmod":
                rel = os.path.relpath(words[1], kernel.moddir)
                if rel.startswith(".."):
                    raise HarnessError("kernel %s: modprobe resolved %s outside %s"
                                       % (kernel.release, words[1], kernel.moddir))
                if rel not in result:
                    result.append(rel)
    return result


def guest_tree(kernel, relpaths):
    """Builds the guest's /lib/modules/RELEASE in a temp dir: the chosen .ko
    files plus depmod's indexes for exactly that set, so busybox modprobe in
    the guest resolves dependencies. Returns the temp dir; caller removes it."""
    tmp = tempfile.mkdtemp(prefix="ckpt-vm-mods-")
    dst_root = os.path.join(tmp, "lib", "modules", kernel.release)
    for rel in relpaths:
        dst = os.path.join(dst_root, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(os.path.join(kernel.moddir, rel), dst)
    for extra in ("modules.builtin", "modules.builtin.modinfo", "modules.order"):
        src = os.path.join(kernel.moddir, extra)
        if os.path.exists(src):
            shutil.copy2(src, os.path.join(dst_root, extra))
    proc = subprocess.run(["depmod", "-b", tmp, kernel.release], capture_output=True, text=True)
    if proc.returncode != 0:
        shutil.rmtree(tmp)
        raise HarnessError("kernel %s: depmod for the guest module set failed: %s"
                           % (kernel.release, proc.stderr.strip()))
    return tmp
