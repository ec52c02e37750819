"""Guest kernels: which ones to test, and their Debian packages.

scripts/kernels.sh names each flavor's release (the ABI is discovered, never
hard-coded). The guest boots Debian's own linux-image-RELEASE: fetched with
`apt-get download` into the cache, unpacked with dpkg-deb -x, never installed
on the host.
"""

import fcntl
import lzma
import glob
import os
import shutil
import struct
import subprocess
import zlib

from .util import HarnessError, cache_dir, log


class Kernel:
    def __init__(self, flavor, release, headers):
        self.flavor = flavor
        self.release = release
        self.headers = headers
        self.tree = None  # unpacked package root, set by prepare()
        self.deb = None

    @property
    def vmlinuz(self):
        return os.path.join(self.tree, "boot", "vmlinuz-" + self.release)

    @property
    def moddir(self):
        return os.path.join(self.tree, "lib", "modules", self.release)

    def __repr__(self):
        return "%s (%s)" % (self.flavor, self.release)


def discover(repo):
    """Returns the Kernel list scripts/kernels.sh prints."""
    script = os.path.join(repo, "scripts", "kernels.sh")
    proc = subprocess.run([script], capture_output=True, text=True)
    if proc.returncode != 0:
        raise HarnessError("%s failed: %s" % (script, proc.stderr.strip()))
    kernels = []
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) != 3:
            raise HarnessError("%s: cannot parse line %r" % (script, line))
        kernels.append(Kernel(*parts))
    if not kernels:
        raise HarnessError("%s printed no kernels" % script)
    return kernels


def _headers_version(release):
    """The Debian version of the installed headers ckpt.ko is built with;
    the guest must boot exactly that kernel build."""
    proc = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "linux-headers-" + release],
                          capture_output=True, text=True)
    return proc.stdout.strip() if proc.returncode == 0 and proc.stdout.strip() else None


def _apt_versions(pkg):
    proc = subprocess.run(["apt-cache", "madison", pkg], capture_output=True, text=True)
    return [line.split("|")[1].strip() for line in proc.stdout.splitlines() if line.count("|") >= 2]


def _fetch_deb(release, debdir):
    """Returns the cached .deb of linux-image-RELEASE, downloading it first if
    needed. The signed image is what Debian users boot; the -unsigned one
    carries the same kernel and is the only one for some flavors."""
    pkgs = ["linux-image-" + release, "linux-image-%s-unsigned" % release]
    version = _headers_version(release)
    if version:
        for pkg in pkgs:
            cached = glob.glob(os.path.join(debdir, "%s_%s_*.deb" % (pkg, version.split(":")[-1])))
            if cached:
                return cached[0]
    for pkg in pkgs:
        known = _apt_versions(pkg)
        if not known:
            continue
        want = version if version in known else known[0]
        if version and want != version:
            log("kernel %s: apt has no %s %s (the headers' version), using %s"
                % (release, pkg, version, want))
        return _download(release, pkg, want, debdir)
    cached = sorted(glob.glob(os.path.join(debdir, "linux-image-%s_*.deb" % release)) +
                    glob.glob(os.path.join(debdir, "linux-image-%s-unsigned_*.deb" % release)))
    if cached:
        return cached[-1]
    raise HarnessError("kernel %s: apt knows neither %s nor %s (run apt-get update?)"
                       % (release, pkgs[0], pkgs[1]))


def _download(release, pkg, version, debdir):
    cached = glob.glob(os.path.join(debdir, "%s_%s_*.deb" % (pkg, version.split(":")[-1])))
    if cached:
        return cached[0]
    log("fetching %s %s (apt-get download)" % (pkg, version))
    tmp = os.path.join(debdir, ".download-%d" % os.getpid())
    os.makedirs(tmp, exist_ok=True)
    try:
        # apt drops privileges to _apt for downloads, which cannot write into a
        # root-owned cache; downloading as the caller is what we want here.
        proc = subprocess.run(["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root",
                               "%s=%s" % (pkg, version)], cwd=tmp, capture_output=True, text=True)
        if proc.returncode != 0:
            raise HarnessError("kernel %s: apt-get download %s=%s failed: %s"
                               % (release, pkg, version, proc.stderr.strip()))
        got = glob.glob(os.path.join(tmp, "*.deb"))
        if len(got) != 1:
            raise HarnessError("kernel %s: apt-get download %s produced %r" % (release, pkg, got))
        path = os.path.join(debdir, os.path.basename(got[0]))
        os.rename(got[0], path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def prepare(kernel):
    """Makes sure kernel's package is downloaded, unpacked and depmod'ed.

    The unpacked tree lives in the cache next to a stamp naming the .deb it
    came from, so a new package revision replaces it. A lock keeps parallel
    harness runs (other build dirs) from unpacking the same tree twice.
    """
    root = os.path.join(cache_dir(), "kernels", kernel.release)
    debdir = os.path.join(cache_dir(), "debs")
    os.makedirs(root, exist_ok=True)
    os.makedirs(debdir, exist_ok=True)
    with open(os.path.join(root, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        deb = _fetch_deb(kernel.release, debdir)
        tree = os.path.join(root, "tree")
        stamp = os.path.join(root, "tree.stamp")
        want = os.path.basename(deb)
        have = open(stamp).read().strip() if os.path.exists(stamp) else None
        if have != want or not os.path.isdir(tree):
            log("unpacking %s" % want)
            tmp = tree + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            subprocess.run(["dpkg-deb", "-x", deb, tmp], check=True)
            # The package's postinst would run depmod; we need modules.dep
            # to resolve dependencies with modprobe -d.
            proc = subprocess.run(["depmod", "-b", tmp, kernel.release],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                raise HarnessError("kernel %s: depmod -b %s failed: %s"
                                   % (kernel.release, tmp, proc.stderr.strip()))
            if os.path.exists(stamp):
                os.unlink(stamp)
            shutil.rmtree(tree, ignore_errors=True)
            os.rename(tmp, tree)
            with open(stamp, "w") as f:
                f.write(want + "\n")
    kernel.tree = tree
    kernel.deb = deb
    if not os.path.exists(kernel.vmlinuz):
        raise HarnessError("kernel %s: %s has no boot/vmlinuz-%s"
                           % (kernel.release, want, kernel.release))
    return kernel


# Compressed payload formats a bzImage may carry, by magic. xz and gzip are
# unpacked in-process; the others need their tool.
_PAYLOADS = [
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x1f\x8b\x08", "gzip"),
    (b"\x02\x21\x4c\x18", "lz4"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
]


def _decompress(kind, data):
    if kind == "xz":
        return lzma.LZMADecompressor().decompress(data)
    if kind == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
    tool = {"lz4": ["lz4", "-dc"], "zstd": ["zstd", "-dcq"]}[kind]
    if not shutil.which(tool[0]):
        raise HarnessError("unpacking a %s kernel needs the %s command" % (kind, tool[0]))
    # The kernel appends its size after the stream; the tool complains about
    # those trailing bytes after writing everything, so its status is not
    # the verdict: _complete_elf() is.
    proc = subprocess.run(tool, input=data, capture_output=True)
    return proc.stdout


def _complete_elf(data):
    """True when data is a 64-bit ELF whose every segment is present."""
    if len(data) < 64 or data[:4] != b"\x7fELF":
        return False
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    for i in range(phnum):
        _t, _f, offset, _v, _p, filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if offset + filesz > len(data):
            return False
    return True


def vmlinux(kernel):
    """The uncompressed kernel of kernel's vmlinuz, for QEMU's PVH boot
    (which skips the decompressor: much faster under TCG, but no KASLR)."""
    path = os.path.join(cache_dir(), "kernels", kernel.release, "vmlinux")
    if os.path.exists(path):
        return path
    with open(kernel.vmlinuz, "rb") as f:
        image = f.read()
    for magic, kind in _PAYLOADS:
        pos = image.find(magic)
        while pos >= 0:
            try:
                data = _decompress(kind, image[pos:])
            except (lzma.LZMAError, zlib.error):
                data = b""
            if _complete_elf(data):
                tmp = path + ".%d.tmp" % os.getpid()
                with open(tmp, "wb") as f:
                    f.write(data)
                os.rename(tmp, path)
                return path
            pos = image.find(magic, pos + 1)
    raise HarnessError("kernel %s: found no compressed ELF kernel in %s" % (kernel.release, kernel.vmlinuz))
