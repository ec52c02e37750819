"""tests/vm/run: the command line and the run of the whole matrix."""

import argparse
import concurrent.futures
import os
import signal
import time

from . import image, kernels, qemu, scenario
from .results import Result
from .runner import Job, JobReport, Settings
from .util import HarnessError, kill_all_children, log, out, out_last

REPO = os.path.dirname(os.path.dirname(image.VM_DIR))


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="tests/vm/run",
        description="Boot test guests under QEMU and run scenarios in them. Prints PASS/FAIL "
                    "per test and ends with 'N passed, N failed'; exits 0 only if all passed.")
    p.add_argument("--build", default="build", metavar="DIR",
                   help="meson build dir holding ckpt.ko and the guest programs (default: build)")
    p.add_argument("--kernel", default="amd64", metavar="FLAVOR|all",
                   help="guest kernel flavor(s), comma-separated, or all (default: amd64)")
    p.add_argument("--scenario", nargs="+", metavar="NAME",
                   help="scenarios under tests/vm/scenarios/ to run, or all (the default)")
    p.add_argument("--work", metavar="DIR",
                   help="where guest images and per-VM work dirs go (default: the build dir)")
    p.add_argument("--script", metavar="FILE",
                   help="run FILE in the guest as the only scenario")
    p.add_argument("--extra", metavar="DIR",
                   help="copy DIR into the guest at /extra (with --script)")
    p.add_argument("--host-script", metavar="FILE",
                   help="run FILE on the host while each guest runs")
    p.add_argument("--vsock", action="store_true",
                   help="give every guest a vsock device (as the vsock=1 header does)")
    p.add_argument("--keep", action="store_true",
                   help="keep every work dir (failed runs are always kept)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="guests to run in parallel (default: number of CPUs)")
    p.add_argument("--timeout", type=int, metavar="S", help="seconds per boot (overrides headers)")
    p.add_argument("--memory", type=int, metavar="MB", help="guest RAM (overrides headers)")
    p.add_argument("--smp", type=int, metavar="N", help="guest CPUs (overrides headers)")
    p.add_argument("--accel", choices=["auto", "kvm", "tcg"], default="auto",
                   help="auto uses KVM only when it boots a guest (env CKPT_ACCEL overrides)")
    p.add_argument("--boot", choices=["auto", "bzimage", "pvh"],
                   default=os.environ.get("CKPT_VM_BOOT", "auto"),
                   help="bzimage boots Debian's vmlinuz as a boot loader would (KASLR on); pvh boots "
                        "the unpacked kernel directly, about twice as fast under TCG but without "
                        "KASLR; auto (the default, env CKPT_VM_BOOT) uses pvh for one-boot scenarios "
                        "and bzimage when a scenario boots several guests")
    p.add_argument("--append", default="", metavar="ARGS", help="extra kernel command line")
    p.add_argument("--list", action="store_true", help="list scenarios and kernels, then exit")
    args = p.parse_args(argv)
    if args.extra and not args.script:
        p.error("--extra needs --script FILE")
    if args.script and args.scenario:
        p.error("--script and --scenario exclude each other")
    if args.jobs < 1:
        p.error("--jobs must be at least 1")
    return args


def _select_kernels(spec):
    found = kernels.discover(REPO)
    if spec == "all":
        return found
    chosen = []
    for flavor in spec.split(","):
        match = [k for k in found if k.flavor == flavor]
        if not match:
            raise HarnessError("no kernel flavor %r (scripts/kernels.sh has: %s)"
                               % (flavor, ", ".join(k.flavor for k in found)))
        chosen.extend(match)
    return chosen


def _prepare(kernel, build, work, boot):
    kernels.prepare(kernel)
    if boot != "bzimage":
        kernels.vmlinux(kernel)
    archives, _manifest = image.build_images(kernel, build, work)
    return archives


def _probe_factory(kernel, archives, run_root):
    def factory():
        workdir = os.path.join(run_root, "kvm-probe")
        os.makedirs(workdir, exist_ok=True)
        run_cpio = os.path.join(workdir, "run.cpio")
        image.run_archive(run_cpio, {"CKPT_MODE": "probe", "CKPT_BOOT": 0})
        initrd = os.path.join(workdir, "initrd.cpio")
        with open(initrd, "wb") as f:
            for part in archives + [run_cpio]:
                with open(part, "rb") as src:
                    f.write(src.read())
        return qemu.BootSpec(kernel.vmlinuz, initrd, workdir, "kvm", 512, 1, 30)
    return factory


class _Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def add(self, report):
        self.passed += sum(1 for _, r in report.results if r.passed)
        self.failed += sum(1 for _, r in report.results if not r.passed)


def _terminate(signum, _frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main(argv):
    args = parse_args(argv)
    # A CI job being cancelled must take the guests down with the harness.
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    if args.list:
        try:
            print("scenarios: " + " ".join(scenario.available()))
            for k in kernels.discover(REPO):
                print("kernel: %s %s" % (k.flavor, k.release))
        except HarnessError as e:
            log("error: %s" % e)
            return 2
        return 0
    started = time.monotonic()
    tally = _Tally()
    status = None
    try:
        _run(args, tally)
        log("total %.1f s" % (time.monotonic() - started))
    except HarnessError as e:
        log("error: %s" % e)
        status = 2
    except KeyboardInterrupt:
        kill_all_children()
        log("interrupted")
        status = 130
    out_last("%d passed, %d failed" % (tally.passed, tally.failed))
    if status is None:
        status = 0 if tally.failed == 0 and tally.passed > 0 else 1
    return status


def _run(args, tally):
    build = os.path.abspath(args.build)
    if not os.path.isdir(build):
        raise HarnessError("build dir %s does not exist (meson setup %s && meson compile -C %s)"
                           % (build, args.build, args.build))
    if args.script:
        scenarios = [scenario.from_script(args.script)]
    else:
        scenarios = scenario.select(args.scenario)
    if args.extra and not os.path.isdir(args.extra):
        raise HarnessError("--extra %s: not a directory" % args.extra)
    if args.host_script and not os.path.isfile(args.host_script):
        raise HarnessError("--host-script %s: no such file" % args.host_script)
    if os.environ.get("CKPT_ACCEL", "kvm") not in ("kvm", "tcg"):
        raise HarnessError("CKPT_ACCEL must be kvm or tcg, not %r" % os.environ["CKPT_ACCEL"])
    chosen = _select_kernels(args.kernel)

    work = os.path.abspath(args.work) if args.work else build
    run_root = os.path.join(work, "vm-runs", time.strftime("%Y%m%d-%H%M%S") + "-%d" % os.getpid())
    os.makedirs(run_root)
    try:
        _run_matrix(args, tally, build, work, run_root, chosen, scenarios)
    finally:
        # Failed runs keep their dirs; drop the run's dir if nothing is left.
        for d in (run_root, os.path.dirname(run_root)):
            try:
                os.rmdir(d)
            except OSError:
                break


def _run_matrix(args, tally, build, work, run_root, chosen, scenarios):
    t0 = time.monotonic()

    def prepare(kernel):
        try:
            return _prepare(kernel, build, work, args.boot)
        except HarnessError as e:
            return e

    with concurrent.futures.ThreadPoolExecutor(max_workers=len(chosen)) as pool:
        prepared = dict(zip([k.flavor for k in chosen], pool.map(prepare, chosen)))
    log("images ready in %.1f s" % (time.monotonic() - t0))
    # A kernel without a guest image fails its own scenarios, not the run.
    archives = {}
    for k in chosen:
        if isinstance(prepared[k.flavor], HarnessError):
            report = JobReport("%s/*" % k.flavor)
            report.add("image", Result("FAIL", "image", str(prepared[k.flavor])))
            out(report.lines())
            tally.add(report)
        else:
            archives[k.flavor] = prepared[k.flavor]
    chosen = [k for k in chosen if k.flavor in archives]
    if not chosen:
        return

    first = chosen[0]
    accel, why = qemu.choose_accel(args.accel, _probe_factory(first, archives[first.flavor], run_root))
    log("accel %s (%s), boot %s" % (accel, why, args.boot))

    overrides = {k: v for k, v in (("timeout", args.timeout), ("memory", args.memory),
                                   ("smp", args.smp)) if v is not None}
    settings = Settings(build, accel, args.keep, overrides, args.host_script,
                        os.path.abspath(args.extra) if args.extra else None,
                        args.vsock, args.append, run_root, args.boot)
    pairs = [(k, s) for s in scenarios for k in chosen]
    jobs = [Job(k, s, archives[k.flavor], settings, i) for i, (k, s) in enumerate(pairs)]
    log("running %d scenario run(s), %d at a time" % (len(jobs), args.jobs))
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs)
    try:
        for report in pool.map(_run_job, jobs):
            tally.add(report)
    except BaseException:
        # Stop queued jobs and kill running guests, so that the pool's
        # threads return now instead of at their timeouts.
        pool.shutdown(wait=False, cancel_futures=True)
        kill_all_children()
        raise
    pool.shutdown()


def _run_job(job):
    try:
        report = job.run()
    except Exception:
        kill_all_children()
        raise
    out(report.lines())
    return report
