"""The lab's libvirt domains: their XML, and defining/starting/removing them.

Everything in the XML that ckpt-host and ckpt-hostd read is our metadata
element (docs/host-design section 1): the agent's vsock port, the
ckpt-vsockd sockets and whether ckpt-hostd manages the daemon. libvirt 9
has no element for a vhost-user vsock device, so the device and its
socket go through qemu:commandline, with the guest RAM in a shared memfd
that ckpt-vsockd maps (docs/vsockd.md, "libvirt").
"""

import os
import xml.etree.ElementTree as ET

from .lab_config import AGENT_PORT, DESCRIPTION, MEMORY_MB, PUSH_PORT, VCPUS
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
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
  <qemu:commandline>
    <qemu:arg value='-chardev'/>
    <qemu:arg value='socket,id=ckptvsock,path={vhost}'/>
    <qemu:arg value='-device'/>
    <qemu:arg value='vhost-user-vsock-pci,chardev=ckptvsock'/>
  </qemu:commandline>
</domain>
""".format(type="kvm" if accel == "kvm" else "qemu", qemu_ns=QEMU_NS, ckpt_ns=CKPT_NS,
           name=spec.name, uuid="\n  <uuid>%s</uuid>" % uuid if uuid else "",
           description=_esc(DESCRIPTION), agent_port=AGENT_PORT, push_port=PUSH_PORT,
           uds=spec.uds, vhost=spec.vhost_socket, cid=spec.cid,
           managed="yes" if managed else "no", policy=policy, memory=MEMORY_MB, vcpus=VCPUS,
           loader=loader, kernel=spec.kernel, initrd=spec.initrd,
           cmdline=_esc(kernel_cmdline(spec, accel)), cpu=cpu, console=spec.console_log,
           lab_log=spec.lab_log)


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
    if exists(name):
        virsh("undefine", name, check=False)


def metadata_managed(name):
    """The managed= attribute of the defined domain's <ckpt:vsockd>."""
    proc = virsh("dumpxml", "--inactive", name, check=False)
    if proc.returncode != 0:
        return None
    node = ET.fromstring(proc.stdout).find(".//{%s}vsockd" % CKPT_NS)
    return None if node is None else node.get("managed") == "yes"
