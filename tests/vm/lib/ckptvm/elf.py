"""Just enough ELF reading to pick programs out of a build dir.

meson leaves object files, shared libraries and build scripts next to the
programs; only executables (static, dynamic or static-pie) go to the guest.
"""

import os
import re
import struct
import subprocess

from .util import HarnessError

ET_EXEC = 2
ET_DYN = 3
PT_DYNAMIC = 2
PT_INTERP = 3
DT_NULL = 0
DT_FLAGS_1 = 0x6FFFFFFB
DF_1_PIE = 0x08000000


class ElfInfo:
    def __init__(self, etype, interp, pie):
        self.etype = etype
        self.interp = interp  # program interpreter path, None when static
        self.pie = pie

    @property
    def executable(self):
        return self.etype == ET_EXEC or (self.etype == ET_DYN and (self.interp or self.pie))


def read_elf(path):
    """Returns ElfInfo for a 64-bit little-endian ELF file, else None."""
    try:
        with open(path, "rb") as f:
            ident = f.read(64)
            if len(ident) < 64 or ident[:4] != b"\x7fELF" or ident[4] != 2 or ident[5] != 1:
                return None
            etype, = struct.unpack_from("<H", ident, 16)
            phoff, = struct.unpack_from("<Q", ident, 32)
            phentsize, phnum = struct.unpack_from("<HH", ident, 54)
            interp = None
            dynamic = None
            for i in range(phnum):
                f.seek(phoff + i * phentsize)
                ph = f.read(56)
                if len(ph) < 56:
                    return None
                ptype, _flags, offset, _vaddr, _paddr, filesz = struct.unpack_from("<IIQQQQ", ph)
                if ptype == PT_INTERP:
                    f.seek(offset)
                    interp = f.read(filesz).rstrip(b"\0").decode()
                elif ptype == PT_DYNAMIC:
                    dynamic = (offset, filesz)
            pie = False
            if dynamic:
                f.seek(dynamic[0])
                data = f.read(dynamic[1])
                for off in range(0, len(data) - 15, 16):
                    tag, val = struct.unpack_from("<qQ", data, off)
                    if tag == DT_NULL:
                        break
                    if tag == DT_FLAGS_1 and val & DF_1_PIE:
                        pie = True
            return ElfInfo(etype, interp, pie)
    except OSError:
        return None


def is_program(path):
    if not os.path.isfile(path) or os.path.islink(path) or not os.access(path, os.X_OK):
        return False
    info = read_elf(path)
    return bool(info and info.executable)


_LDD_LINE = re.compile(r"^\s*(\S+)(?:\s+=>\s+(\S+|not found))?(?:\s+\(0x[0-9a-f]+\))?\s*$")


def shared_libraries(path):
    """Returns the absolute paths of every library path's loader would map,
    the loader itself included; [] for a static program."""
    info = read_elf(path)
    if info is None or not info.interp:
        return []
    proc = subprocess.run(["ldd", path], capture_output=True, text=True)
    if proc.returncode != 0:
        raise HarnessError("ldd %s failed: %s" % (path, (proc.stderr or proc.stdout).strip()))
    libs = [info.interp]
    for line in proc.stdout.splitlines():
        m = _LDD_LINE.match(line)
        if not m:
            continue
        name, target = m.group(1), m.group(2)
        if target == "not found":
            raise HarnessError("%s needs %s, which the host does not have" % (path, name))
        lib = target or name
        if lib.startswith("/") and lib not in libs:
            libs.append(lib)
    return libs
