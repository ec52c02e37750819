/* SPDX-License-Identifier: GPL-2.0-only */
/* A snapshot of a process's fd table (fds 3 and up) from /proc/self/fd, to compare later. */
#ifndef WL_FDTABLE_H
#define WL_FDTABLE_H

#include <sys/stat.h>

#define WL_MAX_FDS 64

struct wl_fd {
	int fd;
	int fd_flags; /* F_GETFD */
	int fl_flags; /* F_GETFL */
	off_t pos;    /* lseek(fd, 0, SEEK_CUR), -1 where it cannot seek */
	dev_t dev, rdev;
	ino_t ino;
	mode_t mode;
	char target[128]; /* readlink of /proc/self/fd/N */
};

struct wl_fdtable {
	int count;
	struct wl_fd fds[WL_MAX_FDS];
};

void wl_fdtable_read(struct wl_fdtable *t);
/* Drops fd from the snapshot (a helper fd closed right after it). */
void wl_fdtable_forget(struct wl_fdtable *t, int fd);
/* wl_fail()s every difference, each naming who and the fd. */
void wl_fdtable_compare(const char *who, const struct wl_fdtable *was,
			const struct wl_fdtable *now);

#endif
