// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-fifo: a named pipe, DIR/fifo.fifo, with 3000 bytes buffered at the
 * checkpoint. The parent opened it O_RDONLY|O_NONBLOCK, the child
 * O_WRONLY and wrote the data. After the restart both fds must still be
 * that FIFO (same inode as the path) with the same flags; the parent reads
 * the data back, and after the child exits it must see EOF (no stray write
 * end).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wl.h"

#define LEN 3000
#define SEED 0xf1f0ULL

static char path[320];
static int rd = -1;

static void check_is_fifo(const char *who, int fd, int want_flags)
{
	struct stat a, b;
	int fl = fcntl(fd, F_GETFL);

	if (fstat(fd, &a) < 0 || stat(path, &b) < 0) {
		wl_fail_errno("%s: stat fifo fd %d or %s", who, fd, path);
		return;
	}
	if (!S_ISFIFO(a.st_mode) || a.st_ino != b.st_ino || a.st_dev != b.st_dev)
		wl_fail("%s: fd %d is not the FIFO %s (mode %#o ino %llu vs %llu)", who, fd, path,
			a.st_mode, (unsigned long long)a.st_ino, (unsigned long long)b.st_ino);
	if ((fl & (O_ACCMODE | O_NONBLOCK)) != want_flags)
		wl_fail("%s: fifo fd %d flags %#o, expected %#o", who, fd, fl, want_flags);
}

static void child(void *arg)
{
	unsigned char data[LEN];
	int wr = open(path, O_WRONLY);

	close(rd);
	if (wr < 0) {
		wl_fail_errno("child: open %s for writing", path);
		return;
	}
	wl_fill(data, LEN, SEED);
	if (write(wr, data, LEN) != LEN)
		wl_fail_errno("child: write %d bytes to the fifo", LEN);
	wl_wait_term();
	check_is_fifo("child", wr, O_WRONLY);
}

int main(void)
{
	unsigned char buf[LEN + 100];
	int queued = 0, got = 0;
	pid_t kid;
	long bad;

	wl_start("fifo", 0);
	wl_path("fifo", path, sizeof(path));
	unlink(path);
	if (mkfifo(path, 0600) < 0) {
		wl_fail_errno("mkfifo %s", path);
		return wl_finish();
	}
	/* Non-blocking: the open returns before the child opens the write end. */
	rd = open(path, O_RDONLY | O_NONBLOCK);
	if (rd < 0) {
		wl_fail_errno("open %s for reading", path);
		return wl_finish();
	}
	kid = wl_fork(child, NULL);
	for (int i = 0; i < 500 && queued < LEN; i++) {
		wl_sleep_ms(10);
		if (ioctl(rd, FIONREAD, &queued) < 0)
			wl_fail_errno("FIONREAD");
	}
	if (queued != LEN)
		wl_fail("only %d of %d bytes in the fifo at ready", queued, LEN);
	wl_ready();
	wl_wait_term();

	check_is_fifo("parent", rd, O_RDONLY | O_NONBLOCK);
	if (ioctl(rd, FIONREAD, &queued) < 0 || queued != LEN)
		wl_fail("%d bytes queued in the fifo, expected %d", queued, LEN);
	kill(kid, SIGTERM);
	wl_reap(kid, "child");
	/* The writer is gone: read everything, then EOF. */
	for (;;) {
		struct pollfd p = {.fd = rd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 5000) == 0) {
			wl_fail("fifo: no EOF 5 s after the writer exited, %d bytes read", got);
			break;
		}
		n = read(rd, buf + got, sizeof(buf) - (size_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (int)n;
	}
	if (got != LEN)
		wl_fail("read %d bytes from the fifo, expected %d", got, LEN);
	else if ((bad = wl_check_fill(buf, LEN, SEED)) >= 0)
		wl_fail("fifo byte %ld is wrong", bad);
	return wl_finish();
}
