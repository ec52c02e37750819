// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ckpt-container-setup.h"
#include "ckpt-raw.h"

static bool fail(CkptRawMsg *m, const char *what, const char *path, int err)
{
	ckpt_raw_msg_str(m, what);
	if (path) {
		ckpt_raw_msg_str(m, " ");
		ckpt_raw_msg_str(m, path);
	}
	ckpt_raw_msg_errno(m, -err);
	return false;
}

/* dst = root + rel, refused if too long. */
static bool join(char *dst, const char *root, const char *rel, CkptRawMsg *m)
{
	size_t a = strlen(root), b = strlen(rel);

	if (a + b + 1 > PATH_MAX)
		return fail(m, "path too long:", rel, ENAMETOOLONG);
	memcpy(dst, root, a);
	memcpy(dst + a, rel, b + 1);
	return true;
}

static bool do_mount(const char *src, const char *dst, const char *type, unsigned long flags,
		     const char *data, CkptRawMsg *m)
{
	if (mount(src, dst, type, flags, data) < 0)
		return fail(m, "mount", dst, errno);
	return true;
}

/* mkdir -p of path's directories, path's last component excluded. */
static bool make_parents(char *path, CkptRawMsg *m)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			int e = errno;

			*p = '/';
			return fail(m, "mkdir", path, e);
		}
		*p = '/';
	}
	return true;
}

static const struct {
	const char *name;
	unsigned int minor;
} dev_nodes[] = {
	{"/dev/null", 3},   {"/dev/zero", 5},	 {"/dev/full", 7},
	{"/dev/random", 8}, {"/dev/urandom", 9},
};

static const struct {
	const char *name;
	const char *target;
} dev_links[] = {
	{"/dev/fd", "/proc/self/fd"},
	{"/dev/stdin", "/proc/self/fd/0"},
	{"/dev/stdout", "/proc/self/fd/1"},
	{"/dev/stderr", "/proc/self/fd/2"},
};

static bool setup_dev(const char *root, CkptRawMsg *m)
{
	char path[PATH_MAX];

	if (!join(path, root, "/dev", m))
		return false;
	if (!do_mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=64k", m))
		return false;
	for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		if (!join(path, root, dev_nodes[i].name, m))
			return false;
		if (mknod(path, S_IFCHR | 0666, makedev(1, dev_nodes[i].minor)) < 0)
			return fail(m, "mknod", path, errno);
		/* mknod obeys the umask; the nodes are for everyone. */
		if (chmod(path, 0666) < 0)
			return fail(m, "chmod", path, errno);
	}
	for (size_t i = 0; i < sizeof(dev_links) / sizeof(dev_links[0]); i++) {
		if (!join(path, root, dev_links[i].name, m))
			return false;
		if (symlink(dev_links[i].target, path) < 0)
			return fail(m, "symlink", path, errno);
	}
	if (!join(path, root, "/dev/shm", m))
		return false;
	if (mkdir(path, 01777) < 0)
		return fail(m, "mkdir", path, errno);
	return do_mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", m);
}

/* The guest's log file, at the same path inside the rootfs. */
static bool setup_log(const char *root, const char *log_path, CkptRawMsg *m)
{
	char path[PATH_MAX];
	int fd;

	/* A tmpfs over the rootfs's /run, so the rootfs itself is not written. */
	if (!join(path, root, "/run", m))
		return false;
	if (!do_mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755", m))
		return false;
	if (strncmp(log_path, "/run/", 5) != 0)
		return fail(m, "log file outside /run:", log_path, EINVAL);
	if (!join(path, root, log_path, m) || !make_parents(path, m))
		return false;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(m, "create", path, errno);
	close(fd);
	return do_mount(log_path, path, NULL, MS_BIND, NULL, m);
}

/*
 * pivot_root(".", ".") stacks the old root under the new one, and the
 * lazy unmount drops it. The initramfs cannot be pivoted away from
 * (EINVAL): then move the rootfs over / and chroot, as switch_root does.
 */
static bool enter_root(const char *root, CkptRawMsg *m)
{
	if (chdir(root) < 0)
		return fail(m, "chdir", root, errno);
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
		if (umount2(".", MNT_DETACH) < 0)
			return fail(m, "unmount the old root under", root, errno);
	} else if (errno == EINVAL) {
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
			return fail(m, "move the rootfs onto / from", root, errno);
		if (chroot(".") < 0)
			return fail(m, "chroot", root, errno);
	} else {
		return fail(m, "pivot_root to", root, errno);
	}
	if (chdir("/") < 0)
		return fail(m, "chdir", "/", errno);
	return true;
}

static bool setup_rootfs(const CkptContainerSetup *s, CkptRawMsg *m)
{
	char path[PATH_MAX];

	if (!do_mount(s->rootfs, s->rootfs, NULL, MS_BIND | MS_REC, NULL, m))
		return false;
	if (!join(path, s->rootfs, "/proc", m) ||
	    !do_mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, m))
		return false;
	if (!setup_dev(s->rootfs, m))
		return false;
	if (s->log_path && !setup_log(s->rootfs, s->log_path, m))
		return false;
	return enter_root(s->rootfs, m);
}

bool ckpt_container_setup_apply(const CkptContainerSetup *s, char *err, size_t err_len)
{
	CkptRawMsg m;

	ckpt_raw_msg_init(&m, err, err_len);
	if (!do_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL, &m))
		return false;
	if (s->rootfs) {
		if (!setup_rootfs(s, &m))
			return false;
	} else if (!do_mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, &m)) {
		return false;
	}
	if (s->hostname && sethostname(s->hostname, strlen(s->hostname)) < 0)
		return fail(&m, "sethostname", s->hostname, errno);
	if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0)
		return fail(&m, "setdomainname", s->domainname, errno);
	return true;
}
