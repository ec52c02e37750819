"""The guest's initramfs, as three concatenated cpio archives.

The kernel unpacks archives one after another into the same rootfs, so we
split by how often the inputs change:

  base     busybox, the kernel's own modules, /etc skeleton. Per kernel
           release, shared by every build dir, in the cache.
  overlay  our module, test modules, programs and the libraries they need,
           the init, the scenarios. Per build dir (or --work) and release.
  run      what one boot needs: its settings, --extra and --script. Per VM.

base and overlay are rebuilt only when the hash of their inputs changes.
Archives are uncompressed: unpacking is a copy, the fastest under TCG, and
the files stay in RAM in the guest anyway.
"""

import hashlib
import os
import shlex
import shutil
import stat
import subprocess
import time

from . import elf, modules
from .cpio import CpioWriter
from .util import HarnessError, cache_dir, file_digest, log

HERE = os.path.dirname(os.path.abspath(__file__))
VM_DIR = os.path.dirname(os.path.dirname(HERE))  # tests/vm
GUEST_DIR = os.path.join(VM_DIR, "guest")
SCENARIO_DIR = os.path.join(VM_DIR, "scenarios")
MODULE_LIST = os.path.join(VM_DIR, "guest-modules.txt")
BUSYBOX = "/bin/busybox"

# Guest paths the harness and the guest library agree on.
GUEST_CKPT_KO = "/lib/modules/ckpt/ckpt.ko"
GUEST_SCENARIOS = "/usr/share/ckpt-tests/scenarios"
GUEST_RUN_ENV = "/etc/ckpt-tests/run.env"
GUEST_SCRIPT = "/etc/ckpt-tests/script.sh"
GUEST_MANIFEST = "/etc/ckpt-tests/image.txt"


def _code_digest(names):
    """Hash of the harness code that shapes an archive: editing it rebuilds."""
    h = hashlib.sha256()
    for name in names:
        h.update(file_digest(os.path.join(HERE, name)).encode())
    return h.hexdigest()


def _usr_path(path):
    """Maps a host path to its place in the guest's merged-/usr layout."""
    for top in ("/lib/", "/lib64/", "/bin/", "/sbin/"):
        if path.startswith(top):
            return "/usr" + path
    return path


def _base_skeleton(w):
    for d in ("usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "proc", "sys", "run",
              "root", "etc", "var", "mnt", "extra"):
        w.mkdir(d)
    w.mkdir("tmp", 0o1777)
    w.mkdir("dev")
    for link in ("bin", "sbin", "lib", "lib64"):
        w.symlink(link, "usr/" + link)
    w.symlink("var/tmp", "/tmp")
    # The kernel opens /dev/console for init before devtmpfs is mounted.
    w.chardev("dev/console", 5, 1)
    w.chardev("dev/null", 1, 3, 0o666)
    w.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
    w.file("etc/group", b"root:x:0:\nnogroup:x:65534:\n")
    w.file("etc/hosts", b"127.0.0.1 localhost\n::1 localhost\n")
    w.file("etc/hostname", b"ckpt-guest\n")


def _busybox_applets():
    proc = subprocess.run([BUSYBOX, "--list-full"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise HarnessError("%s --list-full failed: is busybox-static installed?" % BUSYBOX)
    return [_usr_path("/" + p) for p in proc.stdout.split()]


def base_archive(kernel, extra_modules=()):
    """Returns the path of kernel's base archive, building it if needed.
    extra_modules are loaded after the listed ones (the lab adds the ACPI
    power button and evdev); they make a base archive of their own."""
    info = elf.read_elf(BUSYBOX)
    if info is None or info.interp:
        raise HarnessError("%s is not a static binary: install busybox-static" % BUSYBOX)
    names = modules.read_list(MODULE_LIST) + [m for m in extra_modules]
    key = hashlib.sha256("\n".join([
        os.path.basename(kernel.deb), str(os.path.getsize(kernel.deb)),
        file_digest(BUSYBOX), " ".join(names),
        _code_digest(["image.py", "cpio.py", "modules.py"]),
    ]).encode()).hexdigest()[:16]
    outdir = os.path.join(cache_dir(), "images", kernel.release)
    path = os.path.join(outdir, "base-%s.cpio" % key)
    if os.path.exists(path):
        os.utime(path)  # in use: keep it from being pruned
        return path, False
    os.makedirs(outdir, exist_ok=True)
    rels = modules.resolve(kernel, names)
    modtree = modules.guest_tree(kernel, rels)
    tmp = path + ".%d.tmp" % os.getpid()
    try:
        with open(tmp, "wb") as f:
            w = CpioWriter(f)
            _base_skeleton(w)
            w.copy("/usr/bin/busybox", BUSYBOX, 0o755)
            for applet in _busybox_applets():
                if applet != "/usr/bin/busybox":
                    w.symlink(applet, "/usr/bin/busybox")
            for root, _dirs, files in os.walk(modtree):
                for name in sorted(files):
                    src = os.path.join(root, name)
                    w.copy(_usr_path("/" + os.path.relpath(src, modtree)), src, 0o644)
            # Loaded by the init, in this order (dependencies come with them).
            w.file("/etc/ckpt-tests/modules", ("\n".join(names) + "\n").encode())
            w.close()
        os.rename(tmp, path)
        _prune(outdir, "base-", path)
    finally:
        shutil.rmtree(modtree, ignore_errors=True)
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path, True


def _prune(outdir, prefix, keep):
    """Removes archives of other inputs that nobody used for an hour. Not at
    once: another run (another checkout, a build in between) may be booting
    from one right now."""
    for name in os.listdir(outdir):
        path = os.path.join(outdir, name)
        if name.startswith(prefix) and name.endswith(".cpio") and path != keep:
            try:
                if time.time() - os.path.getmtime(path) > 3600:
                    os.unlink(path)
            except OSError:
                pass


class _Plan:
    """The files of an archive, decided before anything is written, so the
    plan's hash tells whether the archive on disk is still current."""

    def __init__(self):
        self.entries = {}  # guest path -> (kind, source or target, mode)
        self.origin = {}   # guest path -> host path, for collision messages

    def add_file(self, guest, src, mode=None):
        # /lib is a symlink in the base; an overlay directory entry "lib"
        # would replace it, so every path is spelled the merged-/usr way.
        guest = _usr_path(guest)
        if mode is None:
            mode = stat.S_IMODE(os.stat(src).st_mode)
        prev = self.origin.get(guest)
        if prev and os.path.realpath(prev) != os.path.realpath(src):
            raise HarnessError("guest image: %s and %s both want %s" % (prev, src, guest))
        self.entries[guest] = ("file", src, mode)
        self.origin[guest] = src

    def add_data(self, guest, data, mode=0o644):
        guest = _usr_path(guest)
        self.entries[guest] = ("data", data, mode)

    def key(self):
        h = hashlib.sha256()
        for guest in sorted(self.entries):
            kind, what, mode = self.entries[guest]
            if kind == "file":
                what = file_digest(what)
            elif isinstance(what, bytes):
                what = hashlib.sha256(what).hexdigest()
            h.update(("%s\0%s\0%s\0%o\n" % (guest, kind, what, mode)).encode())
        return h.hexdigest()

    def write(self, path):
        tmp = path + ".%d.tmp" % os.getpid()
        with open(tmp, "wb") as f:
            w = CpioWriter(f)
            for guest in sorted(self.entries):
                kind, what, mode = self.entries[guest]
                if kind == "file":
                    w.copy(guest, what, mode)
                else:
                    w.file(guest, what, mode)
            w.close()
        os.rename(tmp, path)


def _programs(build):
    """Executables our build made for the guest: guest-agent/ (top level)
    and everything under guest-agent/agent/ (ckpt-agent),
    tests/vm/guest-tools/ and tests/vm/workloads/."""
    found = []
    top = os.path.join(build, "guest-agent")
    if os.path.isdir(top):
        for name in sorted(os.listdir(top)):
            path = os.path.join(top, name)
            if elf.is_program(path):
                found.append(path)
    for sub in ("guest-agent/agent", "tests/vm/guest-tools", "tests/vm/workloads"):
        root = os.path.join(build, sub)
        for dirpath, dirs, files in os.walk(root):
            # meson keeps objects in NAME.p/; nothing there is a program.
            dirs[:] = sorted(d for d in dirs if not d.endswith(".p"))
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                if elf.is_program(path):
                    found.append(path)
    return found


def overlay_archive(kernel, build, work):
    """Returns (path, rebuilt, manifest) for build's overlay for kernel,
    kept under work/vm-images/."""
    plan = _Plan()
    manifest = []
    plan.add_file("/init", os.path.join(GUEST_DIR, "init"), 0o755)
    plan.add_file("/lib/ckpt-test.sh", os.path.join(GUEST_DIR, "ckpt-test.sh"), 0o644)
    for name in sorted(os.listdir(SCENARIO_DIR)):
        if name.endswith(".sh"):
            plan.add_file(GUEST_SCENARIOS + "/" + name, os.path.join(SCENARIO_DIR, name), 0o755)

    ko = os.path.join(build, "guest-kmod", kernel.release, "ckpt.ko")
    if os.path.exists(ko):
        plan.add_file(GUEST_CKPT_KO, ko, 0o644)
        manifest.append("ckpt.ko %s" % ko)
    else:
        manifest.append("missing ckpt.ko %s" % ko)
    testmods = os.path.join(build, "tests", "vm", "testmod", kernel.release)
    if os.path.isdir(testmods):
        for name in sorted(os.listdir(testmods)):
            if name.endswith(".ko"):
                plan.add_file("/lib/modules/ckpt/" + name, os.path.join(testmods, name), 0o644)
                manifest.append("testmod %s" % os.path.join(testmods, name))

    libs = []
    for prog in _programs(build):
        plan.add_file("/usr/bin/" + os.path.basename(prog), prog, 0o755)
        manifest.append("program %s" % prog)
        for lib in elf.shared_libraries(prog):
            if lib not in libs:
                libs.append(lib)
    for lib in libs:
        plan.add_file(_usr_path(lib), lib, 0o755)
    plan.add_data(GUEST_MANIFEST, ("\n".join(manifest) + "\n").encode())

    outdir = os.path.join(work, "vm-images", kernel.release)
    os.makedirs(outdir, exist_ok=True)
    # Named by the hash of its inputs: parallel runs never see a half-made
    # or mismatched archive.
    key = hashlib.sha256((plan.key() + _code_digest(["image.py", "cpio.py"])).encode()).hexdigest()
    path = os.path.join(outdir, "overlay-%s.cpio" % key[:16])
    if os.path.exists(path):
        os.utime(path)
        return path, False, manifest
    plan.write(path)
    _prune(outdir, "overlay-", path)
    return path, True, manifest


def run_archive(path, env, script=None, extra=None):
    """Writes the per-boot archive: env (dict) as a shell file the init
    sources, the --script file and the --extra tree under /extra."""
    with open(path, "wb") as f:
        w = CpioWriter(f)
        text = "".join("%s=%s\n" % (k, shlex.quote(str(v))) for k, v in sorted(env.items()))
        w.file(GUEST_RUN_ENV, text.encode())
        if script:
            w.copy(GUEST_SCRIPT, script, 0o755)
        if extra:
            _add_tree(w, extra, "/extra")
        w.close()


def _add_tree(w, src_root, guest_root):
    w.mkdir(guest_root)
    for dirpath, dirs, files in os.walk(src_root):
        dirs.sort()
        rel = os.path.relpath(dirpath, src_root)
        gdir = guest_root if rel == "." else guest_root + "/" + rel
        for d in dirs:
            full = os.path.join(dirpath, d)
            if os.path.islink(full):
                w.symlink(gdir + "/" + d, os.readlink(full))
            else:
                w.mkdir(gdir + "/" + d, stat.S_IMODE(os.stat(full).st_mode))
        for name in sorted(files):
            full = os.path.join(dirpath, name)
            if os.path.islink(full):
                w.symlink(gdir + "/" + name, os.readlink(full))
            elif os.path.isfile(full):
                w.copy(gdir + "/" + name, full)


def build_images(kernel, build, work):
    """Returns the list of archive paths (base, overlay) for kernel and a
    manifest of what the overlay holds."""
    base, base_new = base_archive(kernel)
    overlay, overlay_new, manifest = overlay_archive(kernel, build, work)
    log("image %s: base %s, overlay %s" % (kernel.flavor,
                                            "rebuilt" if base_new else "cached",
                                            "rebuilt" if overlay_new else "cached"))
    return [base, overlay], manifest
