// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-files: regular files, a directory and devices, with offsets, open
 * flags and fd flags, and one struct file shared by two fds and two
 * processes.
 *  - fd 20: DIR/files.dat O_RDWR at offset 1000, also fd 21 (dup, with
 *    FD_CLOEXEC) and inherited by the child: one struct file, one offset.
 *  - fd 22: the same file opened again O_RDONLY at offset 5000: its own
 *    offset. The child closes it: fd tables are per process.
 *  - fd 23: DIR as O_DIRECTORY; fds 24-27: /dev/null, /dev/zero,
 *    /dev/urandom, /dev/random (O_NONBLOCK).
 * Both processes compare their whole fd table (/proc/self/fd: targets,
 * flags, offsets, modes) with what it was at ready. Then the child reads
 * 100 bytes through the shared fd and exits, and the parent must see the
 * offset at 1100 on fds 20 and 21 but still 5000 on fd 22.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wl-fdtable.h"
#include "wl.h"

#define FILE_LEN 65536
#define SEED 0xf11e5ULL

static unsigned char data[FILE_LEN];
static struct wl_fdtable was;
static int sync_pipe[2]; /* the child says it has set up its fd table */

static void open_at(int want, const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd < 0) {
		wl_fail_errno("open %s", path);
		return;
	}
	if (fd != want && (dup2(fd, want) < 0 || close(fd) < 0))
		wl_fail_errno("dup2 %s to %d", path, want);
}

static void check_devices(void)
{
	unsigned char buf[64];

	if (write(24, "x", 1) != 1)
		wl_fail_errno("write /dev/null");
	memset(buf, 0xff, sizeof(buf));
	if (read(25, buf, sizeof(buf)) != sizeof(buf))
		wl_fail_errno("read /dev/zero");
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i]) {
			wl_fail("/dev/zero gave %#x at %zu", buf[i], i);
			break;
		}
	if (read(26, buf, 16) != 16)
		wl_fail_errno("read /dev/urandom");
}

static void child(void *arg)
{
	struct wl_fdtable was_child, now;
	unsigned char buf[100];

	close(22);
	close(sync_pipe[0]);
	wl_fdtable_read(&was_child);
	wl_fdtable_forget(&was_child, sync_pipe[1]);
	if (write(sync_pipe[1], "r", 1) != 1)
		wl_fail_errno("child: write sync pipe");
	close(sync_pipe[1]);
	wl_wait_term();
	wl_fdtable_read(&now);
	wl_fdtable_compare("child", &was_child, &now);
	if (read(20, buf, sizeof(buf)) != sizeof(buf))
		wl_fail_errno("child: read 100 bytes from the shared fd");
	else if (memcmp(buf, data + 1000, sizeof(buf)) != 0)
		wl_fail("child: bytes 1000-1099 of files.dat are wrong");
}

static void check_offset(int fd, off_t want)
{
	off_t pos = lseek(fd, 0, SEEK_CUR);

	if (pos != want)
		wl_fail("fd %d offset %lld, expected %lld", fd, (long long)pos, (long long)want);
}

int main(void)
{
	struct wl_fdtable now;
	char path[320];
	pid_t kid;
	int fd;

	wl_start("files", 0);
	wl_fill(data, sizeof(data), SEED);
	wl_path("dat", path, sizeof(path));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0640);
	if (fd < 0 || write(fd, data, sizeof(data)) != sizeof(data) || close(fd) < 0) {
		wl_fail_errno("create %s", path);
		return wl_finish();
	}
	open_at(20, path, O_RDWR);
	if (lseek(20, 1000, SEEK_SET) != 1000 || dup2(20, 21) != 21 ||
	    fcntl(21, F_SETFD, FD_CLOEXEC) < 0)
		wl_fail_errno("set up fds 20/21");
	open_at(22, path, O_RDONLY);
	if (lseek(22, 5000, SEEK_SET) != 5000)
		wl_fail_errno("lseek fd 22");
	open_at(23, wl_dir(), O_RDONLY | O_DIRECTORY);
	open_at(24, "/dev/null", O_WRONLY);
	open_at(25, "/dev/zero", O_RDONLY);
	open_at(26, "/dev/urandom", O_RDONLY);
	open_at(27, "/dev/random", O_RDONLY | O_NONBLOCK);
	if (pipe(sync_pipe) < 0) {
		wl_fail_errno("pipe");
		return wl_finish();
	}
	kid = wl_fork(child, NULL);
	close(sync_pipe[1]);
	if (read(sync_pipe[0], path, 1) != 1)
		wl_fail_errno("read sync pipe");
	close(sync_pipe[0]);
	wl_fdtable_read(&was);
	wl_ready();
	wl_wait_term();

	wl_fdtable_read(&now);
	wl_fdtable_compare("parent", &was, &now);
	check_devices();
	kill(kid, SIGTERM);
	wl_reap(kid, "child");
	check_offset(20, 1100);
	check_offset(21, 1100);
	check_offset(22, 5000);
	wl_note("%d fds", was.count);
	return wl_finish();
}
