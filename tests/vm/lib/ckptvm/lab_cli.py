"""tests/vm/lab up|down|status: two libvirt domains, vmA and vmB, with the
Debian kernel, our guest image, ckpt-agent and ckpt-vsockd (docs/lab.md)."""

import argparse
import contextlib
import fcntl
import json
import os
import shutil
import time

from . import cli, image, lab_agent, lab_daemon, lab_domain, lab_hostd, lab_image
from . import lab_libvirtd, lab_vsockd, qemu
from .lab_config import DESCRIPTION, RUN_DIR, STATE_DIR, URI, VMS, State
from .util import HarnessError, file_digest

REPO = cli.REPO
AGENT_WAIT = 180  # seconds for both guests to boot and their agents to answer
LOCK_FILE = "/run/ckpt-lab.lock"  # outside RUN_DIR, which down removes


def say(msg):
    print("lab: " + msg, flush=True)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="tests/vm/lab",
                                description="A local libvirt lab: vmA (CID 3) and vmB (CID 4) "
                                            "running ckpt-agent behind ckpt-vsockd.")
    sub = p.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start libvirtd if needed, define and boot vmA and vmB "
                                   "(idempotent)")
    up.add_argument("--build", default="build", metavar="DIR",
                    help="meson build dir with ckpt.ko, ckpt-agent and ckpt-vsockd (default: build)")
    up.add_argument("--kernel", default="amd64", metavar="FLAVOR",
                    help="guest kernel flavor (default: amd64)")
    up.add_argument("--managed", action="store_true",
                    help="ckpt-hostd and the libvirt hook start ckpt-vsockd (managed=\"yes\") "
                         "instead of the lab")
    up.add_argument("--hostd-arg", action="append", default=[], metavar="ARG",
                    help="with --managed: an argument for ckpt-hostd (repeatable)")
    up.add_argument("--restart", action="store_true",
                    help="reboot VMs that are already running (a new image takes effect)")
    up.add_argument("--refresh", action="store_true",
                    help="reboot only the VMs that run an older kernel or image than the build's "
                         "(their containers are lost)")
    up.add_argument("--no-wait", action="store_true", help="do not wait for the agents")
    sub.add_parser("down", help="remove everything up made")
    st = sub.add_parser("status", help="what is up, and whether each agent answers")
    st.add_argument("--json", action="store_true", help="one JSON object")
    return p.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    if os.geteuid() != 0:
        print("lab: must run as root (it starts libvirtd and defines system domains)")
        return 2
    try:
        if args.command == "status":
            return status(args.json)
        # Two ups (or an up and a down) at once would race on the same
        # daemons and domains: one waits for the other.
        with lab_lock():
            if args.command == "up":
                return up(args)
            return down()
    except HarnessError as e:
        print("lab: error: %s" % e, flush=True)
        return 1


@contextlib.contextmanager
def lab_lock():
    with open(LOCK_FILE, "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("waiting for another tests/vm/lab up or down to finish (%s)" % LOCK_FILE)
            fcntl.flock(f, fcntl.LOCK_EX)
        yield


def _accel(kernel, archives):
    run_root = os.path.join(STATE_DIR, "probe")
    os.makedirs(run_root, exist_ok=True)
    try:
        return qemu.choose_accel("auto", cli._probe_factory(kernel, archives, run_root))
    finally:
        shutil.rmtree(run_root, ignore_errors=True)


def up(args):
    t0 = time.monotonic()
    build = os.path.abspath(args.build)
    state = State.load()
    mode = "managed" if args.managed else "unmanaged"
    if state.get("mode") and state.get("mode") != mode:
        say("switching from %s to %s: the VMs restart" % (state.get("mode"), mode))
        _stop_vms(state)
        if mode == "unmanaged":
            _leave_managed(state)
    # QEMU (libvirt-qemu) must reach the kernels below, whatever our umask.
    for d in (STATE_DIR, RUN_DIR):
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o755)
    state.set("build", build)
    state.set("mode", mode)

    kernel = lab_image.pick_kernel(REPO, args.kernel)
    initrd, _manifest = lab_image.build(kernel, build, os.path.join(STATE_DIR, "image"))
    accel, why = _accel(kernel, [image.base_archive(kernel, lab_image.EXTRA_MODULES)[0],
                                 image.overlay_archive(kernel, build, build)[0]])
    state.set("accel", accel)
    say("kernel %s, accel %s (%s), image ready in %.1f s"
        % (kernel.release, accel, why, time.monotonic() - t0))

    if args.managed and lab_hostd.install_hook(state, build):
        say("hook installed at %s" % lab_hostd.HOOK_PATH)
        note = lab_libvirtd.restart_for_hook(state)
        if note:
            say("libvirtd restarted to see the hook: " + note)
    say(lab_libvirtd.start(state))
    if args.managed:
        say(lab_hostd.start_hostd(state, build, args.hostd_arg))
    else:
        lab_vsockd.prepare_dir()

    booting = []
    for spec in VMS:
        if _up_vm(spec, kernel, initrd, accel, args, build, state):
            booting.append(spec)
    state.set("domains", [s.name for s in VMS])
    if args.no_wait:
        return 0
    ok = True
    for spec in VMS:
        try:
            info, waited = lab_agent.wait(spec.name, spec.uds, AGENT_WAIT)
            module = info.get("module", {})
            say("%s: agent %s answers (%s), module %s%s"
                % (spec.name, info.get("version"), info.get("kernel"),
                   "loaded" if module.get("loaded") else "NOT loaded",
                   ", booted in %.1f s" % waited if spec in booting else ""))
        except lab_agent.AgentError as e:
            ok = False
            say("%s: %s; console: %s, agent log: %s" % (spec.name, e, spec.console_log, spec.lab_log))
    say("%s in %.1f s (tests/vm/lab status, tests/vm/lab down)"
        % ("up" if ok else "NOT up", time.monotonic() - t0))
    return 0 if ok else 1


def _up_vm(spec, kernel, initrd, accel, args, build, state):
    """Defines and starts one VM; returns True when it was (re)booted."""
    os.makedirs(spec.dir, exist_ok=True)
    os.chmod(spec.dir, 0o755)
    lab_image.install(kernel.vmlinuz, spec.kernel)
    lab_image.install(initrd, spec.initrd)
    # What this VM booted, to tell a running VM with an older image.
    image_id = "%s %s" % (file_digest(spec.kernel), file_digest(spec.initrd))
    booted = state.get("booted", {})
    changed = booted.get(spec.name) != image_id
    lab_domain.define(spec, accel, args.managed, os.path.join(spec.dir, "domain.xml"))
    now = lab_domain.state(spec.name)
    restart = args.restart or (args.refresh and changed)
    if not args.managed:
        pid, fresh = lab_vsockd.start(spec, build)
        if fresh and now == "running":
            # QEMU does not reconnect to a new vhost-user backend.
            say("%s: its ckpt-vsockd had died: restarting the VM" % spec.name)
            restart = True
    if now == "running" and changed and not restart:
        say("%s: runs an older kernel or image (tests/vm/lab up --refresh boots the new one)"
            % spec.name)
    if now == "running" and restart:
        lab_domain.destroy(spec.name)
        now = "shut off"
    if now == "running":
        say("%s: running" % spec.name)
        return False
    if now not in ("shut off", None):
        lab_domain.destroy(spec.name)
    for log in (spec.console_log,):
        if os.path.exists(log):
            os.rename(log, log + ".old")
    lab_domain.start(spec.name)
    booted[spec.name] = image_id
    state.set("booted", booted)
    if args.managed and not lab_hostd.wait_bridge(spec):
        raise HarnessError("%s: started, but ckpt-hostd did not bring up its ckpt-vsockd (%s); "
                           "see %s" % (spec.name, spec.uds, lab_hostd.LOG))
    say("%s: started (CID %d, console %s)" % (spec.name, spec.cid, spec.console_log))
    return True


def _stop_vms(state):
    build = state.get("build") or ""
    for spec in VMS:
        if lab_libvirtd.running() and lab_domain.ours(spec.name):
            lab_domain.destroy(spec.name)
        lab_vsockd.stop(spec, build)


def _leave_managed(state):
    """Back to the lab running ckpt-vsockd itself: ckpt-hostd and the hook
    go. libvirtd still knows the hook, so a libvirtd the lab started is
    restarted without it."""
    for note in (lab_hostd.stop_hostd(state), lab_hostd.remove_hook(state)):
        if note:
            say(note)
    if state.get("libvirtd") and lab_libvirtd.running():
        lab_daemon.stop(state.get("libvirtd"), timeout=20)
        state.drop("libvirtd")
        deadline = time.monotonic() + 20
        while lab_libvirtd.running() and time.monotonic() < deadline:
            time.sleep(0.1)


def _defined_while_down():
    """True when libvirt's config dir holds a lab domain (its description)."""
    for spec in VMS:
        path = os.path.join("/etc/libvirt/qemu", spec.name + ".xml")
        try:
            with open(path) as f:
                if DESCRIPTION in f.read():
                    return True
        except OSError:
            pass
    return False


def down():
    state = State.load()
    build = state.get("build") or ""
    done = []
    libvirt_up = lab_libvirtd.running()
    if not libvirt_up and _defined_while_down():
        # Persistent domains outlive libvirtd (after a reboot, say): start
        # it for the time it takes to remove them.
        done.append(lab_libvirtd.start(state))
        libvirt_up = True
    for spec in VMS:
        if libvirt_up and lab_domain.ours(spec.name):
            lab_domain.destroy(spec.name)
            lab_domain.undefine(spec.name)
            done.append("%s removed" % spec.name)
        r = lab_vsockd.stop(spec, build)
        if r:
            done.append("%s's ckpt-vsockd %s" % (spec.name, r))
    note = lab_hostd.stop_hostd(state)
    if note:
        done.append(note)
    note = lab_hostd.remove_hook(state)
    if note:
        done.append(note)
    done += lab_libvirtd.stop(state)
    shutil.rmtree(STATE_DIR, ignore_errors=True)
    shutil.rmtree(RUN_DIR, ignore_errors=True)
    say("down: " + (", ".join(done) if done else "nothing was up"))
    return 0


def status(as_json):
    state = State.load()
    build = state.get("build") or ""
    report = {"libvirtd": None, "mode": state.get("mode"), "accel": state.get("accel"),
              "uri": URI, "vms": []}
    if lab_libvirtd.running():
        pid = state.get("libvirtd")
        report["libvirtd"] = "running (started by the lab, pid %d)" % pid if pid else \
            "running (not started by the lab)"
    if state.get("mode") == "managed":
        pid = state.get("hostd")
        report["hostd"] = "running (pid %d)" % pid if lab_daemon.alive(pid, "ckpt-hostd") else \
            "not running"
        report["hook"] = lab_hostd.HOOK_PATH if os.path.exists(lab_hostd.HOOK_PATH) else None
    up_count = 0
    for spec in VMS:
        vm = {"name": spec.name, "cid": spec.cid, "uds": spec.uds, "console": spec.console_log,
              "log": spec.lab_log}
        vm["domain"] = lab_domain.state(spec.name) if report["libvirtd"] else None
        if state.get("mode") == "unmanaged":
            pid = lab_daemon.read_pid(spec.vsockd_pidfile)
            vm["vsockd"] = pid if lab_vsockd.running(spec, build) else None
        try:
            info = lab_agent.call(spec.name, spec.uds, "info", timeout=5)
            vm["agent"] = {"version": info.get("version"), "kernel": info.get("kernel"),
                           "module": bool(info.get("module", {}).get("loaded"))}
            containers = lab_agent.call(spec.name, spec.uds, "container-list", timeout=5)
            vm["containers"] = ["%s (%s)" % (c["name"], c["state"])
                                for c in containers.get("containers", [])]
            up_count += 1
        except (lab_agent.AgentError, ValueError) as e:
            vm["agent"] = None
            vm["agent_error"] = str(e)
        report["vms"].append(vm)
    if as_json:
        print(json.dumps(report, indent=1))
        return 0 if up_count == len(VMS) else 1
    print("libvirtd: %s (%s)" % (report["libvirtd"] or "not running", URI))
    if report["mode"]:
        print("mode: %s, accel %s" % (report["mode"], report["accel"]))
    if "hostd" in report:
        print("ckpt-hostd: %s; hook: %s" % (report["hostd"], report["hook"] or "not installed"))
    for vm in report["vms"]:
        line = "%s: domain %s, CID %d" % (vm["name"], vm["domain"] or "absent", vm["cid"])
        if "vsockd" in vm:
            line += ", ckpt-vsockd %s" % ("pid %d" % vm["vsockd"] if vm["vsockd"] else "NOT running")
        if vm["agent"]:
            a = vm["agent"]
            line += ", agent %s answers (%s, module %s)" % (a["version"], a["kernel"],
                                                            "loaded" if a["module"] else "NOT loaded")
            line += ", containers: %s" % (", ".join(vm["containers"]) or "none")
        else:
            line += ", agent does not answer (%s)" % vm["agent_error"]
        print(line)
        print("  socket %s, console %s, agent log %s" % (vm["uds"], vm["console"], vm["log"]))
    return 0 if up_count == len(VMS) else 1
