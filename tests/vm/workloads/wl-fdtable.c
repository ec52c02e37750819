// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wl-fdtable.h"
#include "wl.h"

static int by_fd(const void *a, const void *b)
{
	return ((const struct wl_fd *)a)->fd - ((const struct wl_fd *)b)->fd;
}

void wl_fdtable_read(struct wl_fdtable *t)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int self;

	t->count = 0;
	if (!d) {
		wl_fail_errno("opendir /proc/self/fd");
		return;
	}
	self = dirfd(d);
	while ((e = readdir(d)) && t->count < WL_MAX_FDS) {
		struct wl_fd *f = &t->fds[t->count];
		char link[64];
		struct stat st;
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		f->fd = atoi(e->d_name);
		/* 0-2 are the container's log, which the workload itself writes to. */
		if (f->fd == self || f->fd < 3)
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%d", f->fd);
		n = readlink(link, f->target, sizeof(f->target) - 1);
		f->target[n > 0 ? n : 0] = '\0';
		/* A restarted pipe is a new inode: compare its kind only. */
		if (strncmp(f->target, "pipe:[", 6) == 0)
			strcpy(f->target, "pipe:[]");
		f->fd_flags = fcntl(f->fd, F_GETFD);
		f->fl_flags = fcntl(f->fd, F_GETFL);
		f->pos = lseek(f->fd, 0, SEEK_CUR);
		if (fstat(f->fd, &st) == 0) {
			f->dev = st.st_dev;
			f->rdev = st.st_rdev;
			f->ino = st.st_ino;
			f->mode = st.st_mode;
		}
		t->count++;
	}
	closedir(d);
	qsort(t->fds, (size_t)t->count, sizeof(t->fds[0]), by_fd);
}

void wl_fdtable_compare(const char *who, const struct wl_fdtable *was, const struct wl_fdtable *now)
{
	int i = 0, j = 0;

	while (i < was->count || j < now->count) {
		const struct wl_fd *a = i < was->count ? &was->fds[i] : NULL;
		const struct wl_fd *b = j < now->count ? &now->fds[j] : NULL;

		if (!b || (a && a->fd < b->fd)) {
			wl_fail("%s: fd %d (%s) is gone", who, a->fd, a->target);
			i++;
			continue;
		}
		if (!a || b->fd < a->fd) {
			wl_fail("%s: fd %d (%s) appeared", who, b->fd, b->target);
			j++;
			continue;
		}
		if (strcmp(a->target, b->target) != 0)
			wl_fail("%s: fd %d is %s, was %s", who, a->fd, b->target, a->target);
		if (a->fd_flags != b->fd_flags)
			wl_fail("%s: fd %d fd flags %#x, were %#x", who, a->fd, b->fd_flags,
				a->fd_flags);
		if (a->fl_flags != b->fl_flags)
			wl_fail("%s: fd %d (%s) file flags %#o, were %#o", who, a->fd, a->target,
				b->fl_flags, a->fl_flags);
		if (a->pos != b->pos)
			wl_fail("%s: fd %d (%s) offset %lld, was %lld", who, a->fd, a->target,
				(long long)b->pos, (long long)a->pos);
		if (a->mode != b->mode || a->rdev != b->rdev)
			wl_fail("%s: fd %d (%s) mode %#o rdev %#llx, were %#o %#llx", who, a->fd,
				a->target, b->mode, (unsigned long long)b->rdev, a->mode,
				(unsigned long long)a->rdev);
		i++;
		j++;
	}
}

void wl_fdtable_forget(struct wl_fdtable *t, int fd)
{
	for (int i = 0; i < t->count; i++) {
		if (t->fds[i].fd == fd) {
			memmove(&t->fds[i], &t->fds[i + 1],
				(size_t)(t->count - i - 1) * sizeof(t->fds[0]));
			t->count--;
			return;
		}
	}
}
