"""Debian's QEMU guest agent (qemu-ga) for the lab guests.

libvirt's `virsh snapshot-create-as --quiesce`, `domfsfreeze` and
`domfsthaw` talk to qemu-ga in the guest, and qemu-ga runs the fsfreeze
hook that hands the freeze to ckpt-agent (docs/libvirt-integration.md).
The lab guests get the same qemu-ga a Debian 12 guest would install: the
package is fetched with `apt-get download` into the harness's cache and
unpacked there, never installed on the host (its init script and udev
rule are for guests). Its binary and the shared libraries it needs (which
the host has: they come with QEMU) go into the lab archive, with the
package's fsfreeze-hook dispatcher.
"""

import glob
import os
import shutil
import subprocess

from .util import HarnessError, cache_dir, log

PACKAGE = "qemu-guest-agent"
BINARY = "usr/sbin/qemu-ga"
DISPATCHER = "etc/qemu/fsfreeze-hook"


def _apt_version():
    """The version apt would install (the first `apt-cache madison` line)."""
    proc = subprocess.run(["apt-cache", "madison", PACKAGE], capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.count("|") >= 2:
            return line.split("|")[1].strip()
    return None


def _download(version, debdir):
    tmp = os.path.join(debdir, ".download-%d" % os.getpid())
    os.makedirs(tmp, exist_ok=True)
    try:
        log("fetching %s %s (apt-get download)" % (PACKAGE, version))
        # As for the kernels: apt's _apt user cannot write a root-owned cache.
        proc = subprocess.run(["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root",
                               "%s=%s" % (PACKAGE, version)], cwd=tmp, capture_output=True,
                              text=True)
        if proc.returncode != 0:
            raise HarnessError("apt-get download %s=%s failed: %s"
                               % (PACKAGE, version, proc.stderr.strip()))
        got = glob.glob(os.path.join(tmp, "*.deb"))
        if len(got) != 1:
            raise HarnessError("apt-get download %s produced %r" % (PACKAGE, got))
        path = os.path.join(debdir, os.path.basename(got[0]))
        os.rename(got[0], path)
        return path
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _deb(debdir):
    """The cached .deb of the version apt knows, downloaded if needed; with
    no package lists, the newest cached one."""
    os.makedirs(debdir, exist_ok=True)
    version = _apt_version()
    if version:
        # apt-get download names the file with the epoch escaped (1%3a7.2...).
        cached = glob.glob(os.path.join(debdir, "%s_*%s_*.deb" % (PACKAGE, version.split(":")[-1])))
        return cached[0] if cached else _download(version, debdir)
    cached = sorted(glob.glob(os.path.join(debdir, "%s_*.deb" % PACKAGE)))
    if not cached:
        raise HarnessError("apt knows no %s and none is cached in %s (run apt-get update?)"
                           % (PACKAGE, debdir))
    return cached[-1]


def prepare():
    """Returns the directory holding the unpacked package (BINARY and
    DISPATCHER under it)."""
    debdir = os.path.join(cache_dir(), "debs")
    deb = _deb(debdir)
    root = os.path.join(cache_dir(), "qemu-guest-agent", os.path.basename(deb)[:-len(".deb")])
    if os.path.exists(os.path.join(root, BINARY)):
        return root
    tmp = root + ".%d.tmp" % os.getpid()
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.dirname(root), exist_ok=True)
    proc = subprocess.run(["dpkg-deb", "-x", deb, tmp], capture_output=True, text=True)
    if proc.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise HarnessError("dpkg-deb -x %s failed: %s" % (deb, proc.stderr.strip()))
    for need in (BINARY, DISPATCHER):
        if not os.path.exists(os.path.join(tmp, need)):
            shutil.rmtree(tmp, ignore_errors=True)
            raise HarnessError("%s has no /%s" % (deb, need))
    shutil.rmtree(root, ignore_errors=True)
    os.rename(tmp, root)
    return root
