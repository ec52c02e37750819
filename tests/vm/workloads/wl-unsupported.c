// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-unsupported KIND: holds one object a v1 checkpoint must refuse, as fd
 * 7 where it is an fd, and counts in a loop (DIR/unsupported.progress) so
 * the scenario can see the container kept running after the refusal.
 * KIND: eventfd, inet (a bound TCP socket), unix (a socketpair), epoll,
 * timerfd, signalfd, inotify, deleted (a file unlinked while open), sysvshm
 * (a SysV shared memory segment, attached).
 * On SIGTERM it checks the object still works and the counter advanced.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/shm.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "wl.h"

#define OBJ_FD 7

static const char *kind;
static int unix_peer = -1;
static void *shm_at;

static int make_object(void)
{
	if (strcmp(kind, "eventfd") == 0)
		return eventfd(5, 0);
	if (strcmp(kind, "inet") == 0) {
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
		int s = socket(AF_INET, SOCK_STREAM, 0);

		if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) < 0)
			return -1;
		return s;
	}
	if (strcmp(kind, "unix") == 0) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			return -1;
		/* The peer after OBJ_FD, so OBJ_FD is the first fd a refusal names. */
		unix_peer = OBJ_FD + 1;
		if (dup2(sv[1], unix_peer) < 0 || close(sv[1]) < 0)
			return -1;
		return sv[0];
	}
	if (strcmp(kind, "epoll") == 0)
		return epoll_create1(0);
	if (strcmp(kind, "timerfd") == 0) {
		struct itimerspec its = {.it_value = {3600, 0}};
		int t = timerfd_create(CLOCK_MONOTONIC, 0);

		if (t >= 0 && timerfd_settime(t, 0, &its, NULL) < 0)
			return -1;
		return t;
	}
	if (strcmp(kind, "signalfd") == 0) {
		sigset_t s;

		sigemptyset(&s);
		sigaddset(&s, SIGUSR1);
		return signalfd(-1, &s, 0);
	}
	if (strcmp(kind, "inotify") == 0) {
		int i = inotify_init1(0);

		if (i >= 0 && inotify_add_watch(i, wl_dir(), IN_CREATE) < 0)
			return -1;
		return i;
	}
	if (strcmp(kind, "deleted") == 0) {
		char path[320];
		int f = open(wl_path("deleted", path, sizeof(path)), O_RDWR | O_CREAT | O_TRUNC,
			     0600);

		if (f >= 0 && (write(f, "gone", 4) != 4 || unlink(path) < 0))
			return -1;
		return f;
	}
	if (strcmp(kind, "sysvshm") == 0) {
		int id = shmget(IPC_PRIVATE, 65536, IPC_CREAT | 0600);

		if (id < 0)
			return -1;
		shm_at = shmat(id, NULL, 0);
		if (shm_at == (void *)-1)
			return -1;
		strcpy(shm_at, "sysv");
		shmctl(id, IPC_RMID, NULL);
		return -2; /* no fd */
	}
	fprintf(stderr, "wl-unsupported: unknown kind '%s'\n", kind);
	return -1;
}

/* The object is still there and usable. */
static void check_object(void)
{
	struct stat st;
	uint64_t v;

	if (shm_at) {
		if (strcmp(shm_at, "sysv") != 0)
			wl_fail("SysV segment lost its contents");
		return;
	}
	if (fstat(OBJ_FD, &st) < 0) {
		wl_fail_errno("%s: fd %d", kind, OBJ_FD);
		return;
	}
	if (strcmp(kind, "eventfd") == 0 && (read(OBJ_FD, &v, 8) != 8 || v != 5))
		wl_fail("eventfd value is not 5");
	if (strcmp(kind, "unix") == 0 &&
	    (write(OBJ_FD, "x", 1) != 1 || read(unix_peer, &v, 1) != 1))
		wl_fail("socketpair no longer passes data");
	if (strcmp(kind, "deleted") == 0 && st.st_nlink != 0)
		wl_fail("deleted file has %lu links", (unsigned long)st.st_nlink);
}

int main(int argc, char **argv)
{
	uint64_t n = 0, last = 0;
	int fd;

	kind = argc > 1 ? argv[1] : "eventfd";
	wl_start("unsupported", 0);
	fd = make_object();
	if (fd == -1) {
		wl_fail_errno("create %s", kind);
		return wl_finish();
	}
	if (fd >= 0 && fd != OBJ_FD && (dup2(fd, OBJ_FD) < 0 || close(fd) < 0)) {
		wl_fail_errno("dup2 to fd %d", OBJ_FD);
		return wl_finish();
	}
	wl_progress(0);
	wl_ready();
	while (!wl_term) {
		uint64_t now = wl_mono_ns();

		n++;
		if (now - last >= 100000000ULL) {
			wl_progress(n);
			last = now;
		}
		wl_sleep_ms(1);
	}
	check_object();
	if (n < 10)
		wl_fail("counted only to %llu", (unsigned long long)n);
	wl_note("%s, n=%llu", kind, (unsigned long long)n);
	return wl_finish();
}
