// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-pipe: two pipes between a parent and a child, both holding data
 * nobody has read yet at the checkpoint.
 *  - down: parent -> child, resized to 256 KiB (F_SETPIPE_SZ), 200000
 *    bytes buffered.
 *  - up: child -> parent, default size, 3000 bytes buffered.
 * Each process closed the ends it does not use, so after the child exits
 * the parent must read EOF on up (a write end left open by the restart
 * would make it hang: a 5 s poll fails instead). On SIGTERM the parent
 * reads and checks up, then the child reads and checks down.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "wl.h"

#define DOWN_SIZE (256 * 1024)
#define DOWN_LEN 200000
#define UP_LEN 3000
#define DOWN_SEED 0xd0ULL
#define UP_SEED 0x0bULL

static int down[2], up[2];
static unsigned char buf[DOWN_SIZE], want[DOWN_SIZE];

/* Reads exactly len bytes (then expects EOF if at_eof) and compares with the pattern. */
static void drain(const char *who, int fd, size_t len, uint64_t seed, bool at_eof)
{
	size_t got = 0;
	ssize_t n;
	long bad;

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (poll(&p, 1, 5000) == 0) {
			wl_fail("%s: pipe fd %d: %s after %zu of %zu bytes (5 s)", who, fd,
				got < len ? "data stopped" : "no EOF: a write end is still open",
				got, len);
			return;
		}
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			wl_fail_errno("%s: read pipe fd %d", who, fd);
			return;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got == len && !at_eof)
			break;
		if (got > len) {
			wl_fail("%s: pipe fd %d holds %zu+ bytes, expected %zu", who, fd, got, len);
			return;
		}
	}
	if (got != len) {
		wl_fail("%s: pipe fd %d gave %zu bytes, expected %zu", who, fd, got, len);
		return;
	}
	wl_fill(want, len, seed);
	bad = wl_check_fill(buf, len, seed);
	if (bad >= 0)
		wl_fail("%s: pipe fd %d byte %ld is wrong", who, fd, bad);
}

static void write_all(const char *who, int fd, size_t len, uint64_t seed)
{
	wl_fill(want, len, seed);
	if (write(fd, want, len) != (ssize_t)len)
		wl_fail_errno("%s: write %zu bytes to pipe fd %d", who, len, fd);
}

/* Waits (5 s at most) until fd has len bytes queued, without reading them. */
static void wait_queued(int fd, int len)
{
	int queued = 0;

	for (int i = 0; i < 500; i++) {
		if (ioctl(fd, FIONREAD, &queued) < 0) {
			wl_fail_errno("FIONREAD on pipe fd %d", fd);
			return;
		}
		if (queued >= len)
			return;
		wl_sleep_ms(10);
	}
	wl_fail("pipe fd %d: only %d of %d bytes arrived", fd, queued, len);
}

static void child(void *arg)
{
	int sz;

	close(down[1]);
	close(up[0]);
	write_all("child", up[1], UP_LEN, UP_SEED);
	wl_wait_term();
	sz = fcntl(down[0], F_GETPIPE_SZ);
	if (sz != DOWN_SIZE)
		wl_fail("child: down pipe size %d, expected %d", sz, DOWN_SIZE);
	drain("child", down[0], DOWN_LEN, DOWN_SEED, true);
}

int main(void)
{
	pid_t kid;
	int sz;

	wl_start("pipe", 0);
	if (pipe(down) < 0 || pipe(up) < 0 || fcntl(down[1], F_SETPIPE_SZ, DOWN_SIZE) < 0) {
		wl_fail_errno("pipe setup");
		return wl_finish();
	}
	write_all("parent", down[1], DOWN_LEN, DOWN_SEED);
	kid = wl_fork(child, NULL);
	close(down[0]);
	close(up[1]);
	wait_queued(up[0], UP_LEN);
	wl_ready();
	wl_wait_term();

	sz = fcntl(up[0], F_GETPIPE_SZ);
	if (sz != 65536)
		wl_fail("parent: up pipe size %d, expected 65536", sz);
	/* The child reads down to EOF, then exits, which closes up. */
	close(down[1]);
	kill(kid, SIGTERM);
	drain("parent", up[0], UP_LEN, UP_SEED, true);
	wl_reap(kid, "child");
	return wl_finish();
}
