// SPDX-License-Identifier: GPL-2.0-only
/*
 * The user-space half of a restart, without the module: the restorer
 * rebuilds a tree in a new pid namespace, and a finish hook in every task
 * records what the task really is (pid, tgid, parent, session, group)
 * instead of calling CKPT_IOC_RESTORE_TASK. Needs the right to create a
 * pid namespace and choose pids (root, or a user namespace of our own);
 * skipped otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ckpt-guest.h"
#include "ckpt-raw.h"
#include "tree-builder.h"

#define MAX_TASKS 16

typedef struct {
	int done; /* futex: tasks that reported */
	int setup_ran;
	char nodename[65];
	struct {
		long tid, pid, ppid, sid, pgid;
	} seen[MAX_TASKS];
} Report;

static Report *report;

static bool setup_hook(void *data, char *err, size_t err_len)
{
	const CkptRestoreTree *tree = data;
	struct utsname u;

	report->setup_ran = 1;
	/* The container's own /proc, where leaders watch their threads park. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("proc", "/proc", "proc", 0, NULL) < 0) {
		CkptRawMsg m;

		ckpt_raw_msg_init(&m, err, err_len);
		ckpt_raw_msg_str(&m, "mount /proc");
		ckpt_raw_msg_errno(&m, -errno);
		return false;
	}
	if (sethostname(ckpt_restore_tree_get_nodename(tree),
			strlen(ckpt_restore_tree_get_nodename(tree))) < 0) {
		CkptRawMsg m;

		ckpt_raw_msg_init(&m, err, err_len);
		ckpt_raw_msg_str(&m, "sethostname");
		ckpt_raw_msg_errno(&m, -errno);
		return false;
	}
	uname(&u);
	memcpy(report->nodename, u.nodename, sizeof(report->nodename));
	return true;
}

static bool failing_setup(void *data, char *err, size_t err_len)
{
	CkptRawMsg m;

	ckpt_raw_msg_init(&m, err, err_len);
	ckpt_raw_msg_str(&m, "mount /nowhere");
	ckpt_raw_msg_errno(&m, -ENOENT);
	return false;
}

/* In place of RESTORE_TASK: report, then wait to be killed with the namespace. */
static void record_hook(void *data, const CkptRestoreTask *t, char *err, size_t err_len)
{
	const CkptRestoreTree *tree = data;
	gint32 i = ckpt_restore_tree_find(tree, t->rec.pid);

	report->seen[i].tid = ckpt_raw_syscall0(SYS_gettid);
	report->seen[i].pid = ckpt_raw_syscall0(SYS_getpid);
	report->seen[i].ppid = ckpt_raw_syscall0(SYS_getppid);
	report->seen[i].sid = ckpt_raw_syscall1(SYS_getsid, 0);
	report->seen[i].pgid = ckpt_raw_syscall1(SYS_getpgid, 0);
	__atomic_add_fetch(&report->done, 1, __ATOMIC_SEQ_CST);
	ckpt_raw_futex_wake(&report->done);
	for (;;)
		ckpt_raw_syscall0(SYS_pause);
}

static void failing_hook(void *data, const CkptRestoreTask *t, char *err, size_t err_len)
{
	CkptRawMsg m;

	if (t->rec.pid != 3)
		for (;;)
			ckpt_raw_syscall0(SYS_pause);
	ckpt_raw_msg_init(&m, err, err_len);
	ckpt_raw_msg_str(&m, "record 9 (vma) at byte 4096: end < start");
}

/*
 * Whether this process may make pid namespaces with chosen pids; as non-root,
 * try a user namespace of our own first.
 */
static gboolean can_restore(void)
{
	if (geteuid() != 0) {
		char map[64];
		int fd;

		if (unshare(CLONE_NEWUSER) < 0)
			return FALSE;
		g_snprintf(map, sizeof(map), "0 %d 1", (int)getuid());
		fd = open("/proc/self/setgroups", O_WRONLY);
		if (fd >= 0) {
			if (write(fd, "deny", 4) < 0) {
			}
			close(fd);
		}
		if (!g_file_set_contents("/proc/self/uid_map", map, -1, NULL))
			return FALSE;
	}
	return TRUE;
}

static gboolean allowed;

static CkptRestorer *spawn(const CkptRestoreTree *tree, CkptRestorerSetupFunc setup,
			   CkptRestorerFinishFunc finish, GError **error)
{
	CkptRestorerConfig config = {
		.tree = tree,
		.ns_flags = CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNS,
		.cgroup_fd = -1,
		.setup = setup,
		.setup_data = (void *)tree,
		.finish = finish,
		.finish_data = (void *)tree,
		.park_syscall = SYS_pause,
	};

	memset(report, 0, sizeof(*report));
	return ckpt_restorer_spawn(&config, error);
}

static gboolean skip_unless_allowed(void)
{
	if (!allowed)
		g_test_skip("cannot create pid namespaces here");
	return !allowed;
}

static CkptRestoreTree *parse(const TreeTask *tasks, guint n)
{
	g_autoptr(GBytes) b = tree_build(tasks, n);
	g_autoptr(GError) error = NULL;
	gsize len;
	const guint8 *p = g_bytes_get_data(b, &len);
	CkptRestoreTree *tree = ckpt_restore_tree_parse(p, len, &error);

	g_assert_no_error(error);
	return tree;
}

static void test_rebuild(void)
{
	/*
	 * init with a thread; a group leader with a member child; a member
	 * that joins that group; a session leader whose first child stayed
	 * in init's session and second has a thread.
	 */
	const TreeTask tasks[] = {
		{1, 1, 0, 1, 1}, {10, 1, 0, 1, 1}, {2, 2, 1, 2, 1},
		{3, 3, 2, 2, 1}, {5, 5, 1, 2, 1},  {4, 4, 1, 4, 4},
		{6, 6, 4, 1, 1}, {7, 7, 4, 4, 4},  {11, 7, 4, 4, 4},
	};
	g_autoptr(CkptRestoreTree) tree = parse(tasks, G_N_ELEMENTS(tasks));
	g_autoptr(CkptRestorer) r = NULL;
	g_autoptr(GError) error = NULL;
	gint64 deadline;

	if (skip_unless_allowed())
		return;

	r = spawn(tree, setup_hook, record_hook, &error);
	g_assert_no_error(error);
	ckpt_restorer_wait_ready(r, 10000, NULL, &error);
	g_assert_no_error(error);
	deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	while (__atomic_load_n(&report->done, __ATOMIC_ACQUIRE) < (int)G_N_ELEMENTS(tasks)) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(1000);
	}
	g_assert_true(report->setup_ran);
	g_assert_cmpstr(report->nodename, ==, "box");
	for (guint i = 0; i < G_N_ELEMENTS(tasks); i++) {
		const TreeTask *t = &tasks[i];
		gint32 idx = ckpt_restore_tree_find(tree, t->pid);

		g_test_message("pid %d: tid %ld pid %ld ppid %ld sid %ld pgid %ld", t->pid,
			       report->seen[idx].tid, report->seen[idx].pid, report->seen[idx].ppid,
			       report->seen[idx].sid, report->seen[idx].pgid);
		g_assert_cmpint(report->seen[idx].tid, ==, t->pid);
		g_assert_cmpint(report->seen[idx].pid, ==, t->tgid);
		g_assert_cmpint(report->seen[idx].ppid, ==, t->ppid);
		g_assert_cmpint(report->seen[idx].sid, ==, t->sid);
		g_assert_cmpint(report->seen[idx].pgid, ==, t->pgid);
	}
	g_assert_null(ckpt_restorer_get_failure(r));
	ckpt_restorer_kill(r);
	g_assert_cmpint(kill(ckpt_restorer_get_init_pid(r), 0), ==, -1);
}

static void test_setup_fails(void)
{
	const TreeTask tasks[] = {{1, 1, 0, 1, 1}, {2, 2, 1, 1, 1}};
	g_autoptr(CkptRestoreTree) tree = parse(tasks, G_N_ELEMENTS(tasks));
	g_autoptr(CkptRestorer) r = NULL;
	g_autoptr(GError) error = NULL;

	if (skip_unless_allowed())
		return;

	r = spawn(tree, failing_setup, record_hook, &error);
	g_assert_no_error(error);
	g_assert_false(ckpt_restorer_wait_ready(r, 10000, NULL, &error));
	g_assert_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_RESTORE);
	g_assert_cmpstr(error->message, ==,
			"pid 1: container setup: mount /nowhere: No such file or directory");
	ckpt_restorer_kill(r);
}

static void test_task_fails(void)
{
	const TreeTask tasks[] = {{1, 1, 0, 1, 1}, {2, 2, 1, 1, 1}, {3, 3, 2, 1, 1}};
	g_autoptr(CkptRestoreTree) tree = parse(tasks, G_N_ELEMENTS(tasks));
	g_autoptr(CkptRestorer) r = NULL;
	g_autoptr(GError) error = NULL;
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

	if (skip_unless_allowed())
		return;

	r = spawn(tree, NULL, failing_hook, &error);
	g_assert_no_error(error);
	/* pid 3 fails right after it is ready: the wait may see it or not. */
	if (!ckpt_restorer_wait_ready(r, 10000, NULL, &error)) {
		g_assert_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_RESTORE);
		g_assert_cmpstr(error->message, ==, ckpt_restorer_get_failure(r));
	}
	while (!ckpt_restorer_get_failure(r)) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(1000);
	}
	g_assert_cmpstr(ckpt_restorer_get_failure(r), ==,
			"pid 3: restore: record 9 (vma) at byte 4096: end < start");
	ckpt_restorer_kill(r);
}

static bool slow_setup(void *data, char *err, size_t err_len)
{
	struct timespec ts = {.tv_sec = 1};

	ckpt_raw_syscall2(SYS_nanosleep, &ts, NULL);
	return true;
}

/* A timeout names the tasks that are not there yet. */
static void test_timeout_names_missing(void)
{
	const TreeTask tasks[] = {{1, 1, 0, 1, 1}, {2, 2, 1, 2, 1}, {3, 3, 2, 2, 1}};
	g_autoptr(CkptRestoreTree) tree = parse(tasks, G_N_ELEMENTS(tasks));
	g_autoptr(CkptRestorer) r = NULL;
	g_autoptr(GError) error = NULL;

	if (skip_unless_allowed())
		return;

	r = spawn(tree, slow_setup, record_hook, &error);
	g_assert_no_error(error);
	g_assert_false(ckpt_restorer_wait_ready(r, 300, NULL, &error));
	g_assert_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_TIMEOUT);
	g_assert_cmpstr(error->message, ==,
			"tree not rebuilt after 300 ms: pid 1 still creating its children; "
			"pid 2 not created yet; pid 3 not created yet");
	ckpt_restorer_kill(r);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	report = mmap(NULL, sizeof(*report), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
		      0);
	g_assert_true(report != MAP_FAILED);
	allowed = can_restore();
	g_test_add_func("/restorer/rebuild", test_rebuild);
	g_test_add_func("/restorer/setup-fails", test_setup_fails);
	g_test_add_func("/restorer/task-fails", test_task_fails);
	g_test_add_func("/restorer/timeout-names-missing", test_timeout_names_missing);
	return g_test_run();
}
