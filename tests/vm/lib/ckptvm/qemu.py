"""Booting one guest under QEMU and watching it until it reports or times out."""

import hashlib
import os
import shlex
import shutil
import signal
import subprocess
import time

from .util import HarnessError, cache_dir, log, track, untrack

QEMU = "qemu-system-x86_64"
QBOOT = "/usr/share/qemu/qboot.rom"


class BootSpec:
    """Everything one boot needs; the command line is derived from it."""

    def __init__(self, kernel, initrd, workdir, accel, memory, smp, timeout,
                 disk=None, vhost_socket=None, cmdline_extra="", reboot=False):
        self.kernel = kernel
        self.initrd = initrd
        self.workdir = workdir
        self.accel = accel
        self.memory = memory
        self.smp = smp
        self.timeout = timeout
        self.disk = disk
        self.vhost_socket = vhost_socket
        self.cmdline_extra = cmdline_extra
        self.reboot = reboot
        self.console = os.path.join(workdir, "console.log")
        self.results = os.path.join(workdir, "results.log")

    def kernel_cmdline(self):
        args = [
            "console=ttyS0,115200",
            # Userspace lines in the kernel log (our result markers) must not
            # be rate limited.
            "printk.devkmsg=on",
            # A panic ends the VM at once (-no-reboot) instead of waiting
            # for the harness timeout.
            "panic=-1",
            "rdinit=/init",
        ]
        if self.accel != "kvm":
            # An emulated vCPU on a busy host can go unscheduled for many
            # seconds of guest time; do not let that pass for a kernel stall
            # (defaults: 21 s for RCU, 20 s for soft lockups).
            args += ["rcupdate.rcu_cpu_stall_timeout=60", "watchdog_thresh=30"]
        if self.cmdline_extra:
            args.append(self.cmdline_extra)
        return " ".join(args)

    def argv(self, console_to_stdio=False):
        argv = [QEMU, "-nodefaults", "-no-user-config", "-display", "none", "-machine", "pc"]
        if not self.reboot:
            # A reboot (panic=-1 makes a panic one) ends the VM.
            argv.append("-no-reboot")
        if self.accel == "kvm":
            argv += ["-accel", "kvm", "-cpu", "host"]
        else:
            # "max" gives every feature TCG emulates, AVX included.
            argv += ["-accel", "tcg", "-cpu", "max"]
        if os.path.exists(QBOOT):
            # qboot is a minimal firmware that only loads -kernel: it saves
            # SeaBIOS's device probing on every boot.
            argv += ["-bios", QBOOT]
        argv += ["-m", "%dM" % self.memory, "-smp", str(self.smp)]
        if self.vhost_socket:
            # vhost-user devices need the guest memory in a shared memfd the
            # backend can map.
            argv += ["-object", "memory-backend-memfd,id=mem,size=%dM,share=on" % self.memory,
                     "-numa", "node,memdev=mem",
                     "-chardev", "socket,id=vs,path=%s" % self.vhost_socket,
                     "-device", "vhost-user-vsock-pci,chardev=vs"]
        argv += ["-kernel", self.kernel, "-initrd", self.initrd, "-append", self.kernel_cmdline()]
        if console_to_stdio:
            argv += ["-serial", "mon:stdio"]
        else:
            argv += ["-chardev", "file,id=con,path=%s" % self.console, "-serial", "chardev:con"]
        argv += ["-chardev", "file,id=res,path=%s" % self.results, "-serial", "chardev:res"]
        if self.disk:
            argv += ["-drive", "file=%s,format=raw,if=virtio,cache=unsafe" % self.disk]
        return argv

    def write_rerun_script(self, path):
        """A script that boots the same VM by hand, console on the terminal."""
        with open(path, "w") as f:
            f.write("#!/bin/sh\n# Boots this VM again with its console on the terminal"
                    " (Ctrl-A X quits).\n# Results go to %s.\n" % self.results)
            if self.vhost_socket:
                f.write("# Needs ckpt-vsockd listening on %s.\n" % self.vhost_socket)
            f.write("exec " + " ".join(shlex.quote(a) for a in self.argv(True)) + "\n")
        os.chmod(path, 0o755)


class BootOutcome:
    def __init__(self):
        self.timed_out = False
        self.exit_seen = False
        self.qemu_status = None
        self.init_wall = None   # host seconds from start to "@ckpt-init"
        self.wall = 0.0
        self.qemu_stderr = ""


def boot(spec, stop_at_init=False, on_start=None):
    """Runs the VM of spec until the guest sends the exit sentinel (or, with
    stop_at_init, the init marker), QEMU exits, or spec.timeout passes."""
    for path in (spec.console, spec.results):
        open(path, "w").close()
    outcome = BootOutcome()
    errpath = os.path.join(spec.workdir, "qemu.log")
    start = time.monotonic()
    with open(errpath, "w") as err:
        proc = subprocess.Popen(spec.argv(), stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                start_new_session=True)
    track(proc)
    if on_start:
        on_start()
    seen = b""
    done_at = None
    try:
        with open(spec.results, "rb") as res:
            while True:
                chunk = res.read()
                if chunk:
                    seen += chunk
                    if outcome.init_wall is None and b"@ckpt-init" in seen:
                        outcome.init_wall = time.monotonic() - start
                        if stop_at_init:
                            break
                    if b"@ckpt-exit" in seen and done_at is None:
                        outcome.exit_seen = True
                        done_at = time.monotonic()
                status = proc.poll()
                if status is not None:
                    outcome.qemu_status = status
                    break
                now = time.monotonic()
                # poweroff -f ends QEMU within moments; never wait long for it.
                if done_at is not None and now - done_at > 10:
                    break
                if now - start > spec.timeout:
                    outcome.timed_out = not outcome.exit_seen
                    break
                time.sleep(0.05)
            seen += res.read()
            outcome.exit_seen = b"@ckpt-exit" in seen
    finally:
        if proc.poll() is None:
            _kill(proc)
        untrack(proc)
        outcome.wall = time.monotonic() - start
    with open(errpath) as f:
        outcome.qemu_stderr = f.read().strip()
    return outcome


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _qemu_version():
    proc = subprocess.run([QEMU, "--version"], capture_output=True, text=True)
    return proc.stdout.splitlines()[0] if proc.stdout else "unknown"


def choose_accel(requested, probe_spec_factory):
    """Returns (accel, why). "auto" uses KVM only when it boots a guest to
    its init; the verdict is cached per host kernel and QEMU version."""
    env = os.environ.get("CKPT_ACCEL")
    if env:
        if env not in ("kvm", "tcg"):
            raise HarnessError("CKPT_ACCEL must be kvm or tcg, not %r" % env)
        return env, "CKPT_ACCEL"
    if requested != "auto":
        return requested, "--accel %s" % requested
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "tcg", "no usable /dev/kvm"
    key = hashlib.sha256(("%s\n%s" % (os.uname().release, _qemu_version())).encode()).hexdigest()[:16]
    cached = os.path.join(cache_dir(), "accel-%s" % key)
    if os.path.exists(cached):
        verdict = open(cached).read().split(None, 1)
        return verdict[0], "cached probe: %s" % (verdict[1].strip() if len(verdict) > 1 else "")
    log("probing whether KVM boots a guest (once per host kernel and QEMU version)")
    spec = probe_spec_factory()
    outcome = boot(spec, stop_at_init=True)
    if outcome.init_wall is not None:
        verdict = ("kvm", "KVM guest reached init in %.1f s" % outcome.init_wall)
    else:
        why = "no init within %d s" % spec.timeout if outcome.qemu_status is None else \
            "qemu exited %s: %s" % (outcome.qemu_status, outcome.qemu_stderr.splitlines()[-1:] or "")
        verdict = ("tcg", "KVM probe failed (%s)" % why)
    shutil.rmtree(spec.workdir, ignore_errors=True)
    with open(cached, "w") as f:
        f.write("%s %s\n" % verdict)
    return verdict
