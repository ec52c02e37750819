"""The lab's libvirt domains: their XML, and defining/starting/removing them.

Everything in the XML that ckpt-host and ckpt-hostd read is our metadata
element (docs/host-design section 1): the agent's vsock port, the
ckpt-vsockd sockets and whether ckpt-hostd manages the daemon. libvirt 9
has no element for a vhost-user vsock device, so the device and its
socket go through qemu:commandline, with the guest RAM in a shared memfd
that ckpt-vsockd maps (docs/vsockd.md, "libvirt"). libvirt does not see
that device when it places its own: it gets a fixed PCI slot (0x10), far
from the slots libvirt hands out from 0x2 (the disk, virtio-serial).

For `virsh snapshot-create-as --disk-only --quiesce` each domain also has
a small qcow2 scratch disk (ext4, mounted in the guest) and the
virtio-serial channel of the QEMU guest agent.
"""

import os
import subprocess
import xml.etree.ElementTree as ET

from .lab_config import (AGENT_PORT, DESCRIPTION, MEMORY_MB, PUSH_PORT, QGA_CHANNEL, SCRATCH_MB,
                         VCPUS)
from .lab_libvirtd import virsh
from .util import HarnessError

QBOOT = "/usr/share/qemu/qboot.rom"
CKPT_NS = "urn:ckpt:libvirt:1"
QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0"


def _esc(text):
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("'", "&apos;").replace('"', "&quot;"))


def kernel_cmdline(spec, accel):
    args = ["console=ttyS0,115200", "printk.devkmsg=on", "panic=-1", "rdinit=/sbin/init",
            "ckpt_lab_vm=%s" % spec.name]
    if accel != "kvm":
        # As in the test harness (qemu.py): an emulated vCPU on a busy host
        # misses the default stall thresholds without any kernel bug.
        args += ["rcupdate.rcu_cpu_stall_timeout=60", "watchdog_thresh=30"]
    return " ".join(args)


def domain_xml(spec, accel, managed, containers=(), uuid=None):
    """containers: (name, attributes dict) for <ckpt:container> policy
    elements (the lab itself marks none; issue 7's tests add them). uuid:
    the existing domain's, when redefining it."""
    cpu = "<cpu mode='host-passthrough' check='none'/>" if accel == "kvm" else \
        "<cpu mode='maximum' check='none'/>"
    loader = "<loader type='rom'>%s</loader>" % QBOOT if os.path.exists(QBOOT) else ""
    policy = "".join(
        "\n      <ckpt:container name='%s'%s/>" % (_esc(name), "".join(
            " %s='%s'" % (k, _esc(v)) for k, v in sorted(attrs.items())))
        for name, attrs in containers)
    return """<domain type='{type}' xmlns:qemu='{qemu_ns}'>
  <name>{name}</name>{uuid}
  <description>{description}</description>
  <metadata>
    <ckpt:ckpt xmlns:ckpt='{ckpt_ns}'>
      <ckpt:agent port='{agent_port}'/>
      <ckpt:vsockd uds='{uds}' vhost-user='{vhost}' guest-cid='{cid}' managed='{managed}'/>
      <ckpt:push port='{push_port}'/>{policy}
    </ckpt:ckpt>
  </metadata>
  <memory unit='MiB'>{memory}</memory>
  <memoryBacking>
    <source type='memfd'/>
    <access mode='shared'/>
  </memoryBacking>
  <vcpu>{vcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    {loader}
    <kernel>{kernel}</kernel>
    <initrd>{initrd}</initrd>
    <cmdline>{cmdline}</cmdline>
  </os>
  <features>
    <acpi/>
  </features>
  {cpu}
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <serial type='file'>
      <source path='{console}'/>
      <target port='0'/>
    </serial>
    <serial type='file'>
      <source path='{lab_log}' append='on'/>
      <target port='1'/>
    </serial>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='{scratch}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <channel type='unix'>
      <source mode='bind'/>
      <target type='virtio' name='{qga_channel}'/>
    </channel>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
  <qemu:commandline>
    <qemu:arg value='-chardev'/>
    <qemu:arg value='socket,id=ckptvsock,path={vhost}'/>
    <qemu:arg value='-device'/>
    <qemu:arg value='vhost-user-vsock-pci,chardev=ckptvsock,addr=0x10'/>
  </qemu:commandline>
</domain>
""".format(type="kvm" if accel == "kvm" else "qemu", qemu_ns=QEMU_NS, ckpt_ns=CKPT_NS,
           name=spec.name, uuid="\n  <uuid>%s</uuid>" % uuid if uuid else "",
           description=_esc(DESCRIPTION), agent_port=AGENT_PORT, push_port=PUSH_PORT,
           uds=spec.uds, vhost=spec.vhost_socket, cid=spec.cid,
           managed="yes" if managed else "no", policy=policy, memory=MEMORY_MB, vcpus=VCPUS,
           loader=loader, kernel=spec.kernel, initrd=spec.initrd,
           cmdline=_esc(kernel_cmdline(spec, accel)), cpu=cpu, console=spec.console_log,
           scratch=spec.scratch, qga_channel=QGA_CHANNEL,
           lab_log=spec.lab_log)


def make_scratch(spec):
    """Creates the VM's scratch disk unless it exists: an ext4 filesystem
    made on the host (mke2fs), converted to qcow2. Returns True when made."""
    if os.path.exists(spec.scratch):
        return False
    raw = spec.scratch + ".raw"
    try:
        for argv in (["mke2fs", "-q", "-F", "-t", "ext4", "-L", "scratch", raw, "%dM" % SCRATCH_MB],
                     ["qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw,
                      spec.scratch + ".tmp"]):
            try:
                p = subprocess.run(argv, capture_output=True, text=True)
            except FileNotFoundError:
                raise HarnessError("%s: scratch disk: %s is not installed (scripts/deps.sh)"
                                   % (spec.name, argv[0]))
            if p.returncode != 0:
                raise HarnessError("%s: scratch disk: %s failed: %s"
                                   % (spec.name, " ".join(argv), (p.stderr or p.stdout).strip()))
        os.rename(spec.scratch + ".tmp", spec.scratch)
    finally:
        for leftover in (raw, spec.scratch + ".tmp"):
            if os.path.exists(leftover):
                os.unlink(leftover)
    return True


def exists(name):
    return virsh("domstate", name, check=False).returncode == 0


def state(name):
    """'running', 'shut off', ... or None when there is no such domain."""
    proc = virsh("domstate", name, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def ours(name):
    """True when name is a domain the lab defined (its description says so)."""
    proc = virsh("dumpxml", "--inactive", name, check=False)
    if proc.returncode != 0:
        return False
    try:
        root = ET.fromstring(proc.stdout)
    except ET.ParseError:
        return False
    return (root.findtext("description") or "").strip() == DESCRIPTION


def define(spec, accel, managed, path):
    if exists(spec.name) and not ours(spec.name):
        raise HarnessError("a domain %s exists and was not made by the lab: remove or rename it "
                           "(virsh undefine %s)" % (spec.name, spec.name))
    make_scratch(spec)
    uuid = None
    if exists(spec.name):
        uuid = virsh("domuuid", spec.name).stdout.strip()
    with open(path, "w") as f:
        f.write(domain_xml(spec, accel, managed, uuid=uuid))
    virsh("define", path)


def start(name):
    virsh("start", name)


def destroy(name):
    if state(name) not in (None, "shut off"):
        virsh("destroy", name, check=False)


def undefine(name):
    # A snapshot libvirt keeps metadata of would refuse the undefine; the
    # overlays themselves are files in the lab's state dir.
    if exists(name):
        virsh("undefine", "--snapshots-metadata", name, check=False)


def metadata_managed(name):
    """The managed= attribute of the defined domain's <ckpt:vsockd>."""
    proc = virsh("dumpxml", "--inactive", name, check=False)
    if proc.returncode != 0:
        return None
    node = ET.fromstring(proc.stdout).find(".//{%s}vsockd" % CKPT_NS)
    return None if node is None else node.get("managed") == "yes"
