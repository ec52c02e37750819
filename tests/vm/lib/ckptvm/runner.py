"""One scenario on one kernel: its boots, daemons, host script and verdict."""

import os
import shutil
import time
import traceback

from . import image, kernels, qemu, results
from .hostscript import HostScript
from .results import Result
from .vsock import VsockDaemon

HOST_SCRIPT_GRACE = 30  # seconds a host script may outlive the guest


class Settings:
    """Run-wide settings from the command line."""

    def __init__(self, build, accel, keep, overrides, host_script, extra, vsock, append,
                 run_root, boot):
        self.build = build
        self.accel = accel
        self.keep = keep
        self.overrides = overrides  # option -> value given on the command line
        self.host_script = host_script
        self.extra = extra
        self.vsock = vsock
        self.append = append
        self.run_root = run_root
        self.boot = boot


class JobReport:
    def __init__(self, label):
        self.label = label
        self.results = []   # (full name, Result)
        self.notes = []     # lines printed after the results
        self.wall = 0.0

    @property
    def failed(self):
        return any(not r.passed for _, r in self.results)

    def add(self, name, result):
        self.results.append(("%s/%s" % (self.label, name), result))

    def lines(self):
        out = []
        for name, r in self.results:
            if r.passed:
                out.append("PASS %s" % name)
            else:
                out.append("FAIL %s (%s)" % (name, r.reason or "no reason given"))
        return out + ["vm: %s" % n for n in self.notes]


class Job:
    def __init__(self, kernel, scenario, archives, settings, slot):
        self.kernel = kernel
        self.scenario = scenario
        self.archives = archives
        self.settings = settings
        self.cid = 3 + slot  # 0-2 are reserved; each guest of a run gets its own
        self.label = "%s/%s" % (kernel.flavor, scenario.name)
        self.workdir = os.path.join(settings.run_root, "%s-%s" % (kernel.flavor, scenario.name))
        opts = dict(scenario.options)
        opts.update(settings.overrides)
        if settings.vsock:
            opts["vsock"] = 1
        self.opts = opts
        self._boot_times = []
        # Kernel pointers that leak into a checkpoint image only show up when
        # a second boot has the kernel elsewhere: multi-boot scenarios boot
        # the bzImage (KASLR); single boots take the fast PVH entry.
        mode = settings.boot
        if mode == "auto":
            mode = "bzimage" if opts["boots"] > 1 else "pvh"
        self.boot_mode = mode
        self.kernel_image = kernels.vmlinux(kernel) if mode == "pvh" else kernel.vmlinuz

    def run(self):
        report = JobReport(self.label)
        start = time.monotonic()
        os.makedirs(self.workdir, exist_ok=True)
        disk = None
        if self.opts["disk"]:
            disk = os.path.join(self.workdir, "disk.img")
            with open(disk, "wb") as f:
                f.truncate(self.opts["disk"] << 20)

        daemon = None
        if self.opts["vsock"]:
            daemon = VsockDaemon(self.settings.build, self.workdir, self.cid)
            problem = daemon.start()
            if problem:
                report.add("vsock", Result("FAIL", "vsock", problem))
                daemon.stop()
                return self._finish(report, start)

        # --host-script wins; otherwise a scenario NAME.sh brings its own
        # host side as NAME.host next to it.
        host = None
        host_script = self.settings.host_script
        if not host_script and self.scenario.path.endswith(".sh"):
            sibling = self.scenario.path[:-len(".sh")] + ".host"
            if os.path.isfile(sibling):
                host_script = sibling
        if host_script:
            host = HostScript(host_script, self.workdir, {
                "CKPT_VM_UDS": daemon.uds if daemon else "",
                "CKPT_VM_CID": self.cid if daemon else "",
                "CKPT_VM_FLAVOR": self.kernel.flavor,
                "CKPT_VM_RELEASE": self.kernel.release,
                "CKPT_VM_SCENARIO": self.scenario.name,
                "CKPT_VM_BOOTS": self.opts["boots"],
                "CKPT_VM_WORKDIR": self.workdir,
                "CKPT_BUILD": self.settings.build,
            })

        boots = self.opts["boots"]
        try:
            for n in range(1, boots + 1):
                prefix = "boot%d/" % n if boots > 1 else ""
                if not self._boot(n, prefix, report, disk, daemon, host if n == 1 else None):
                    if n < boots:
                        report.notes.append("%s: boots %d-%d skipped: boot %d did not finish"
                                            % (self.label, n + 1, boots, n))
                    break
        except Exception as e:  # a harness bug or an unreadable input: fail this run only
            report.add("harness", Result("FAIL", "harness", "%s: %s" % (type(e).__name__, e)))
            report.notes.extend(traceback.format_exc().rstrip().splitlines())
        finally:
            if host and host.proc:
                self._finish_host(report, host)
            if daemon:
                problem = daemon.stop()
                if problem:
                    report.add("vsockd", Result("FAIL", "vsockd", problem))
        return self._finish(report, start)

    def _finish_host(self, report, host):
        log, status = host.finish(HOST_SCRIPT_GRACE)
        for r in log.results:
            report.add("host:" + r.name, r)
        if host.timed_out:
            why = "host script still running %d s after the guest finished" % HOST_SCRIPT_GRACE
            report.add("host:timeout", Result("FAIL", "host:timeout", why))
        elif status != 0 and not any(not r.passed for r in log.results):
            why = "host script exited %s: %s" % (status, " | ".join(log.output[-3:]))
            report.add("host:exit-status", Result("FAIL", "host:exit-status", why))
        if any(not r.passed for r in log.results) or status != 0:
            report.notes.append("%s: host script log: %s" % (self.label, host.logpath))

    def _finish(self, report, start):
        report.wall = time.monotonic() - start
        report.notes.insert(0, "%s: %.1f s" % (self.label, report.wall) +
                            ("" if not self._boot_times else " (%s)" % ", ".join(self._boot_times)))
        if report.failed or self.settings.keep:
            report.notes.append("%s: work dir %s" % (self.label, self.workdir))
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return report

    def _boot(self, n, prefix, report, disk, daemon, host):
        """Boots the n-th guest; adds its results to report. Returns False
        when later boots make no sense (the guest hung or crashed)."""
        bootdir = os.path.join(self.workdir, "boot%d" % n)
        os.makedirs(bootdir, exist_ok=True)
        env = {
            "CKPT_MODE": "run",
            "CKPT_BOOT": n,
            "CKPT_BOOTS": self.opts["boots"],
            "CKPT_FLAVOR": self.kernel.flavor,
            "CKPT_RELEASE": self.kernel.release,
            "CKPT_SCENARIO": self.scenario.name,
            "CKPT_SCENARIO_FILE": self.scenario.guest_path,
            "CKPT_DISK": "/dev/vda" if disk else "",
            "CKPT_VM_CID": self.cid if daemon else "",
        }
        run_cpio = os.path.join(bootdir, "run.cpio")
        script = self.scenario.path if self.scenario.guest_path == image.GUEST_SCRIPT else None
        image.run_archive(run_cpio, env, script=script, extra=self.settings.extra)
        initrd = os.path.join(bootdir, "initrd.cpio")
        with open(initrd, "wb") as out:
            for part in self.archives + [run_cpio]:
                os.utime(part)  # in use: other runs must not prune it
                with open(part, "rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
        os.unlink(run_cpio)

        spec = qemu.BootSpec(self.kernel_image, initrd, bootdir, self.settings.accel,
                             self.opts["memory"], self.opts["smp"], self.opts["timeout"],
                             disk=disk,
                             vhost_socket=daemon.vhost_socket if daemon else None,
                             cmdline_extra=self.settings.append,
                             reboot=bool(self.opts["reboot"]))
        spec.write_rerun_script(os.path.join(bootdir, "rerun.sh"))
        outcome = qemu.boot(spec, on_start=host.start if host else None)

        with open(spec.results, "rb") as f:
            chan = results.ChannelLog.parse(f.read().decode(errors="replace"))
        with open(spec.console, "rb") as f:
            console = f.read().decode(errors="replace")
        boot_results = chan.results
        # The init's copy of the kernel log has what a console printing
        # thread (rt flavor) may not have written before power-off.
        charged, trailing = results.kernel_problems(console, boot_results)
        if chan.dmesg is not None:
            more, more_trailing = results.kernel_problems("\n".join(chan.dmesg), boot_results)
            for idx, line in more.items():
                charged.setdefault(idx, line)
            trailing += [l for l in more_trailing if l not in trailing]
            trailing = [l for l in trailing if l not in charged.values()]
        for idx, line in charged.items():
            boot_results[idx].fail("kernel: " + line)
        extra = []
        if trailing:
            extra.append(Result("FAIL", "kernel", "kernel: " + trailing[0]))
        if outcome.timed_out:
            extra.append(Result("FAIL", "timeout", "guest did not finish within %d s" % spec.timeout))
        elif not outcome.exit_seen:
            why = "qemu exited %s" % outcome.qemu_status
            if outcome.qemu_stderr:
                why += ": " + outcome.qemu_stderr.splitlines()[-1]
            extra.append(Result("FAIL", "guest", "guest stopped without reporting an exit status (%s)" % why))
        else:
            if chan.exit_status != 0 and not any(not r.passed for r in boot_results):
                extra.append(Result("FAIL", "exit-status", "scenario exited %d" % chan.exit_status))
            if not boot_results:
                extra.append(Result("FAIL", "no-results", "scenario printed no PASS or FAIL line"))

        for r in boot_results + extra:
            report.add(prefix + r.name, r)

        init = "%.1f s" % outcome.init_wall if outcome.init_wall else "-"
        t = "boot %d (%s): init at %s wall" % (n, self.boot_mode, init)
        if chan.ready_uptime is not None:
            t += ", modules loaded at %.1f s guest" % chan.ready_uptime
        t += ", done in %.1f s" % outcome.wall
        self._boot_times.append(t)

        failed = any(not r.passed for r in boot_results + extra)
        if failed:
            report.notes.append("%s: %sconsole log: %s" % (self.label, prefix, spec.console))
            report.notes.append("%s: %srerun by hand: %s" % (self.label, prefix,
                                                              os.path.join(bootdir, "rerun.sh")))
            output = [l for l in chan.output if not results.RESULT.match(l)]
            if output:
                report.notes.append("%s: %sscenario output (last lines):" % (self.label, prefix))
                report.notes.extend("  | " + l for l in output[-15:])
            problems = list(charged.values()) + trailing
            if problems:
                text = console if problems[0] in console else "\n".join(chan.dmesg or [])
                report.notes.append("%s: %skernel log at the first problem:" % (self.label, prefix))
                report.notes.extend("  | " + l for l in results.excerpt(text, problems[0]))
            if outcome.timed_out or not outcome.exit_seen:
                report.notes.append("%s: %sconsole tail:" % (self.label, prefix))
                report.notes.extend("  | " + l for l in results.tail(console, 15))
        if not failed and not self.settings.keep:
            os.unlink(initrd)
        return outcome.exit_seen
