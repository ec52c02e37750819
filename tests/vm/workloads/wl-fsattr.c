// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-fsattr: per-process attributes that are not memory or files: the
 * current directory (a deep one, DIR/cwd.d/a b/c), the umask (027),
 * resource limits set to odd values, and the personality
 * (ADDR_NO_RANDOMIZE). A child with its own cwd (DIR) and umask (077)
 * shows they are per process. Everything must read back exactly after the
 * restart, and a file created then must get the umask's mode.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wl.h"

static const struct {
	int res;
	const char *name;
	rlim_t cur, max;
} limits[] = {
	{RLIMIT_NOFILE, "NOFILE", 200, 300},
	{RLIMIT_CORE, "CORE", 0, 1 << 20},
	{RLIMIT_STACK, "STACK", 6 << 20, RLIM_INFINITY},
	{RLIMIT_MSGQUEUE, "MSGQUEUE", 12345, 23456},
	{RLIMIT_NICE, "NICE", 3, 7},
	{RLIMIT_FSIZE, "FSIZE", 1 << 30, RLIM_INFINITY},
};
#define NR_LIMITS (int)(sizeof(limits) / sizeof(limits[0]))

struct attrs {
	char cwd[512];
	ino_t cwd_ino;
	mode_t umask;
};

static void read_attrs(struct attrs *a)
{
	struct stat st;

	if (!getcwd(a->cwd, sizeof(a->cwd)))
		strcpy(a->cwd, "(getcwd failed)");
	a->cwd_ino = stat(".", &st) == 0 ? st.st_ino : 0;
	a->umask = umask(0);
	umask(a->umask);
}

static void compare_attrs(const char *who, const struct attrs *was)
{
	struct attrs now;

	read_attrs(&now);
	if (strcmp(now.cwd, was->cwd) != 0)
		wl_fail("%s: cwd '%s', was '%s'", who, now.cwd, was->cwd);
	if (now.cwd_ino != was->cwd_ino)
		wl_fail("%s: cwd inode %llu, was %llu", who, (unsigned long long)now.cwd_ino,
			(unsigned long long)was->cwd_ino);
	if (now.umask != was->umask)
		wl_fail("%s: umask %03o, was %03o", who, now.umask, was->umask);
}

static void check_create(const char *who, const char *name, mode_t want)
{
	struct stat st;
	int fd;

	unlink(name);
	fd = open(name, O_CREAT | O_WRONLY | O_EXCL, 0777);
	if (fd < 0 || fstat(fd, &st) < 0)
		wl_fail_errno("%s: create %s", who, name);
	else if ((st.st_mode & 0777) != want)
		wl_fail("%s: new file mode %03o, umask wants %03o", who, st.st_mode & 0777, want);
	if (fd >= 0)
		close(fd);
	unlink(name);
}

static void child(void *arg)
{
	struct attrs was;

	if (chdir(wl_dir()) < 0)
		wl_fail_errno("child: chdir %s", wl_dir());
	umask(077);
	read_attrs(&was);
	wl_child_ready();
	wl_wait_term();
	compare_attrs("child", &was);
	check_create("child", "fsattr.child-new", 0700);
}

int main(void)
{
	char path[320];
	struct attrs was;
	int pers;
	pid_t kid;

	wl_start("fsattr", 0);
	snprintf(path, sizeof(path), "%s/cwd.d", wl_dir());
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/cwd.d/a b", wl_dir());
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/cwd.d/a b/c", wl_dir());
	mkdir(path, 0755);
	if (chdir(path) < 0) {
		wl_fail_errno("chdir %s", path);
		return wl_finish();
	}
	umask(027);
	for (int i = 0; i < NR_LIMITS; i++) {
		struct rlimit rl = {.rlim_cur = limits[i].cur, .rlim_max = limits[i].max};

		if (setrlimit(limits[i].res, &rl) < 0)
			wl_fail_errno("setrlimit %s", limits[i].name);
	}
	if (personality(ADDR_NO_RANDOMIZE) < 0)
		wl_fail_errno("personality");
	read_attrs(&was);
	kid = wl_fork_sync(child, NULL);
	wl_ready();
	wl_wait_term();

	compare_attrs("parent", &was);
	for (int i = 0; i < NR_LIMITS; i++) {
		struct rlimit rl;

		if (getrlimit(limits[i].res, &rl) < 0)
			wl_fail_errno("getrlimit %s", limits[i].name);
		else if (rl.rlim_cur != limits[i].cur || rl.rlim_max != limits[i].max)
			wl_fail("RLIMIT_%s is %llu/%llu, was %llu/%llu", limits[i].name,
				(unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
				(unsigned long long)limits[i].cur,
				(unsigned long long)limits[i].max);
	}
	pers = personality(0xffffffff);
	if (pers != ADDR_NO_RANDOMIZE)
		wl_fail("personality %#x, was %#x", pers, ADDR_NO_RANDOMIZE);
	check_create("parent", "fsattr.new", 0750);
	kill(kid, SIGTERM);
	wl_reap(kid, "child");
	return wl_finish();
}
