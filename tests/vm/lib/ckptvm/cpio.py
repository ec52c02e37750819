"""Writer for the "newc" cpio format the kernel unpacks as an initramfs.

We write archives ourselves instead of calling cpio(1) so that ownership,
modes and device nodes (/dev/console) are exact without root privileges and
the bytes are reproducible: mtimes are zero and entries are written in the
order they were added.
"""

import os
import stat

_MAGIC = b"070701"
_TRAILER = "TRAILER!!!"


def _pad4(n):
    return (4 - n % 4) % 4


class CpioWriter:
    """Appends entries to an open binary file in newc format."""

    def __init__(self, fileobj):
        self._f = fileobj
        self._ino = 1
        self._dirs = set()
        self._closed = False

    def _header(self, name, mode, size, rdev=(0, 0), nlink=1):
        name = name.lstrip("/")
        if not name:
            raise ValueError("cpio: empty entry name")
        encoded = name.encode() + b"\0"
        fields = [
            self._ino,  # ino
            mode,
            0,  # uid
            0,  # gid
            nlink,
            0,  # mtime
            size,
            0,  # devmajor
            0,  # devminor
            rdev[0],
            rdev[1],
            len(encoded),
            0,  # check
        ]
        self._ino += 1
        header = _MAGIC + b"".join(b"%08X" % v for v in fields)
        self._f.write(header)
        self._f.write(encoded)
        self._f.write(b"\0" * _pad4(len(header) + len(encoded)))

    def _entry(self, name, mode, data=b"", rdev=(0, 0), nlink=1):
        self._header(name, mode, len(data), rdev, nlink)
        self._f.write(data)
        self._f.write(b"\0" * _pad4(len(data)))

    def mkdir(self, path, mode=0o755):
        """Adds a directory and any missing parents (each only once)."""
        path = path.strip("/")
        if not path or path in self._dirs:
            return
        parent = os.path.dirname(path)
        if parent:
            self.mkdir(parent)
        self._dirs.add(path)
        self._entry(path, stat.S_IFDIR | mode, nlink=2)

    def file(self, path, data, mode=0o644):
        self.mkdir(os.path.dirname(path.strip("/")))
        self._entry(path, stat.S_IFREG | mode, data)

    def copy(self, path, src, mode=None):
        """Adds host file src at path, streamed (it may be large); keeps its
        permission bits by default."""
        with open(src, "rb") as f:
            st = os.fstat(f.fileno())
            if mode is None:
                mode = stat.S_IMODE(st.st_mode)
            self.mkdir(os.path.dirname(path.strip("/")))
            self._header(path, stat.S_IFREG | mode, st.st_size)
            left = st.st_size
            while left > 0:
                chunk = f.read(min(left, 1 << 20))
                if not chunk:
                    raise OSError("cpio: %s shrank while being archived" % src)
                self._f.write(chunk)
                left -= len(chunk)
        self._f.write(b"\0" * _pad4(st.st_size))

    def symlink(self, path, target):
        self.mkdir(os.path.dirname(path.strip("/")))
        self._entry(path, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, path, major, minor, mode=0o600):
        self.mkdir(os.path.dirname(path.strip("/")))
        self._entry(path, stat.S_IFCHR | mode, rdev=(major, minor))

    def close(self):
        """Writes the trailer; the archive may be followed by another one."""
        if self._closed:
            return
        self._closed = True
        self._entry(_TRAILER, 0, nlink=1)
        # The kernel wants every archive in a concatenation to start on a
        # 4-byte boundary; pad the whole archive to 512 like cpio(1) does.
        pos = self._f.tell()
        self._f.write(b"\0" * ((512 - pos % 512) % 512))
