// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ckpt-guest-error.h"
#include "ckpt-raw.h"
#include "ckpt-restorer.h"

/* Plenty for the restorer's few frames; threads need nothing else. */
#define RESTORER_STACK_SIZE (64 * 1024)
#define RESTORER_ERR_MAX 512
/* How often a waiting task looks at the failure flag. */
#define RESTORER_POLL_MS 200
/* How long a leader waits for its threads to park in the finish hook. */
#define RESTORER_PARK_MS 10000

enum task_progress {
	TASK_NONE,    /* not created yet */
	TASK_STARTED, /* running, creating its children */
	TASK_CREATED, /* children created, waiting for the whole tree */
	TASK_READY,   /* about to call the finish hook */
	TASK_PARKING, /* past its last wake-up, entering the finish hook */
};

/* The page every task of the restart shares with the coordinator. */
struct restorer_shared {
	int created;  /* futex: tasks in TASK_CREATED or later */
	int ready;    /* futex: tasks in TASK_READY */
	int failed;   /* claimed by the first task that fails */
	int reported; /* its message is complete */
	char msg[RESTORER_ERR_MAX];
	guint8 progress[]; /* enum task_progress, by task index */
};

typedef struct {
	const CkptRestorer *r;
	guint32 index;
} TaskStart;

struct _CkptRestorer {
	CkptRestorerConfig config;
	const CkptRestoreTree *tree;
	struct restorer_shared *shared;
	size_t shared_size;
	guint8 *stacks;
	size_t stacks_size;
	guint32 *stack_slot; /* by task index, for threads */
	TaskStart *starts;   /* by task index: the argument of its task_main */
	pid_t init_pid;
	gboolean init_reaped;
	char *failure;
};

/* ---- in the new tasks: raw system calls only ------------------------------- */

static void publish_failure(struct restorer_shared *sh, const char *msg)
{
	if (__atomic_exchange_n(&sh->failed, 1, __ATOMIC_SEQ_CST))
		return; /* someone else was first; theirs is the cause */
	for (size_t i = 0; i < sizeof(sh->msg) - 1 && msg[i]; i++)
		sh->msg[i] = msg[i];
	__atomic_store_n(&sh->reported, 1, __ATOMIC_RELEASE);
	ckpt_raw_futex_wake(&sh->created);
	ckpt_raw_futex_wake(&sh->ready);
}

/* "pid 7: what[: text][: strerror]"; returns the task's exit status. */
static int task_fail(const CkptRestorer *r, const CkptRestoreTask *t, const char *what,
		     const char *text, long err)
{
	char buf[RESTORER_ERR_MAX];
	CkptRawMsg m;

	ckpt_raw_msg_init(&m, buf, sizeof(buf));
	ckpt_raw_msg_str(&m, "pid ");
	ckpt_raw_msg_int(&m, t->rec.pid);
	ckpt_raw_msg_str(&m, ": ");
	ckpt_raw_msg_str(&m, what);
	if (text) {
		ckpt_raw_msg_str(&m, ": ");
		ckpt_raw_msg_str(&m, text);
	}
	if (err)
		ckpt_raw_msg_errno(&m, err);
	publish_failure(r->shared, buf);
	return 1;
}

static void set_progress(const CkptRestorer *r, guint32 index, enum task_progress p)
{
	__atomic_store_n(&r->shared->progress[index], (guint8)p, __ATOMIC_RELEASE);
}

static int task_main(void *arg);

static long clone_task(const CkptRestorer *r, guint32 index)
{
	const CkptRestoreTask *c = &r->tree->tasks[index];
	pid_t tid = c->rec.pid;
	struct clone_args args = {0};

	args.set_tid = (guint64)(uintptr_t)&tid;
	args.set_tid_size = 1;
	if (c->thread) {
		args.flags = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
			     (c->share_files ? CLONE_FILES : 0) | (c->share_fs ? CLONE_FS : 0);
		args.stack = (guint64)(uintptr_t)(r->stacks + (size_t)r->stack_slot[index] *
								      RESTORER_STACK_SIZE);
		args.stack_size = RESTORER_STACK_SIZE;
	} else {
		args.exit_signal = c->rec.exit_signal;
	}
	return ckpt_raw_clone3_run(&args, sizeof(args), task_main, (void *)&r->starts[index]);
}

static long do_session(const CkptRestoreTask *t, const char **what)
{
	long ret = 0;

	if (t->do_setsid) {
		*what = "setsid()";
		ret = ckpt_raw_syscall0(SYS_setsid);
	} else if (t->do_pgrp_lead) {
		*what = "setpgid(0, 0)";
		ret = ckpt_raw_syscall2(SYS_setpgid, 0, 0);
	}
	return ret < 0 ? ret : 0;
}

/* Checks that the task is what the image says, before the module trusts it. */
static int verify_identity(const CkptRestorer *r, const CkptRestoreTask *t)
{
	const struct ckpt_rec_task *rec = &t->rec;
	long ppid = t->creator < 0 ? 0 : r->tree->tasks[t->creator].rec.tgid;
	const struct {
		const char *what;
		long got;
		long want;
	} ids[] = {
		{"gettid()", ckpt_raw_syscall0(SYS_gettid), rec->pid},
		{"getpid()", ckpt_raw_syscall0(SYS_getpid), rec->tgid},
		{"getppid()", t->thread ? ppid : ckpt_raw_syscall0(SYS_getppid), ppid},
		{"getsid(0)", ckpt_raw_syscall1(SYS_getsid, 0), rec->sid},
		{"getpgid(0)", ckpt_raw_syscall1(SYS_getpgid, 0), rec->pgid},
	};

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		if (ids[i].got != ids[i].want) {
			char buf[64];
			CkptRawMsg m;

			ckpt_raw_msg_init(&m, buf, sizeof(buf));
			ckpt_raw_msg_int(&m, ids[i].got);
			ckpt_raw_msg_str(&m, ", the image says ");
			ckpt_raw_msg_int(&m, ids[i].want);
			return task_fail(r, t, ids[i].what, buf, 0);
		}
	}
	return 0;
}

/* Waits until counter reaches n; false if another task failed meanwhile. */
static bool barrier_wait(struct restorer_shared *sh, int *counter, int n)
{
	for (;;) {
		int v = __atomic_load_n(counter, __ATOMIC_ACQUIRE);

		if (v >= n)
			return true;
		if (__atomic_load_n(&sh->failed, __ATOMIC_ACQUIRE))
			return false;
		ckpt_raw_futex_wait(counter, v, RESTORER_POLL_MS);
	}
}

/*
 * The system call thread tid of our process sits in, from
 * /proc/self/task/TID/syscall: its number, -1 when it is blocked outside
 * one, -2 when it is running; -errno-1000 when /proc cannot tell.
 */
static long thread_syscall(pid_t tid)
{
	char path[64], buf[64];
	CkptRawMsg m;
	long fd, n, nr = 0;
	bool neg = false;
	char *p = buf;

	ckpt_raw_msg_init(&m, path, sizeof(path));
	ckpt_raw_msg_str(&m, "/proc/self/task/");
	ckpt_raw_msg_int(&m, tid);
	ckpt_raw_msg_str(&m, "/syscall");
	fd = ckpt_raw_syscall4(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return fd - 1000;
	n = ckpt_raw_syscall3(SYS_read, fd, buf, sizeof(buf) - 1);
	ckpt_raw_syscall1(SYS_close, fd);
	if (n <= 0)
		return n < 0 ? n - 1000 : -EIO - 1000;
	buf[n] = '\0';
	if (buf[0] == 'r')
		return -2;
	if (*p == '-') {
		neg = true;
		p++;
	}
	while (*p >= '0' && *p <= '9')
		nr = nr * 10 + (*p++ - '0');
	return neg ? -nr : nr;
}

/*
 * A leader's threads share its memory and fd table, which the module
 * rebuilds during the leader's turn: each thread must be inside its finish
 * hook's system call (parked: config.park_syscall) before the leader may
 * enter its own, or it would run on in a changing address space.
 */
static int wait_threads_parked(const CkptRestorer *r, const CkptRestoreTask *t)
{
	const CkptRestoreTree *tree = r->tree;
	struct timespec tick = {.tv_nsec = 1000000};

	for (guint32 i = 0; i < t->nr_children; i++) {
		guint32 c = tree->children[t->first_child + i];
		const CkptRestoreTask *th = &tree->tasks[c];
		long waited_ms = 0;
		long nr = 0;

		if (!th->thread)
			continue;
		for (;;) {
			if (__atomic_load_n(&r->shared->failed, __ATOMIC_ACQUIRE))
				return 1;
			if (__atomic_load_n(&r->shared->progress[c], __ATOMIC_ACQUIRE) ==
			    TASK_PARKING) {
				nr = thread_syscall(th->rec.pid);
				if (nr == r->config.park_syscall)
					break;
				if (nr < -1000)
					return task_fail(r, t,
							 "cannot read a thread's "
							 "/proc/self/task/TID/syscall",
							 "is /proc the container's?", nr + 1000);
			}
			if (waited_ms++ >= RESTORER_PARK_MS) {
				char buf[48];
				CkptRawMsg m;

				ckpt_raw_msg_init(&m, buf, sizeof(buf));
				ckpt_raw_msg_str(&m, "thread ");
				ckpt_raw_msg_int(&m, th->rec.pid);
				ckpt_raw_msg_str(&m, " is in system call ");
				ckpt_raw_msg_int(&m, nr);
				return task_fail(r, t, "threads not parked after 10 s", buf, 0);
			}
			ckpt_raw_syscall2(SYS_nanosleep, &tick, NULL);
		}
	}
	return 0;
}

static int task_main(void *arg)
{
	const TaskStart *s = arg;
	const CkptRestorer *r = s->r;
	const CkptRestoreTree *tree = r->tree;
	const CkptRestoreTask *t = &tree->tasks[s->index];
	struct restorer_shared *sh = r->shared;
	const char *what = NULL;
	bool session_done = false;
	char err[RESTORER_ERR_MAX];
	long ret;

	ckpt_raw_block_signals();
	set_progress(r, s->index, TASK_STARTED);
	if (s->index == 0) {
		/* Until the module owns the tree, it dies with its coordinator. */
		ckpt_raw_syscall2(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
		err[0] = '\0';
		if (r->config.setup && !r->config.setup(r->config.setup_data, err, sizeof(err)))
			return task_fail(r, t, "container setup", err, 0);
	}

	/* Children that stay in our old session come before our setsid(). */
	for (guint32 i = 0; i < t->nr_children; i++) {
		guint32 c = tree->children[t->first_child + i];

		if (!tree->tasks[c].early && !session_done) {
			ret = do_session(t, &what);
			if (ret)
				return task_fail(r, t, what, NULL, ret);
			session_done = true;
		}
		ret = clone_task(r, c);
		if (ret < 0)
			return task_fail(r, t,
					 ret == -EEXIST ? "clone3 (its pid is taken)" : "clone3",
					 NULL, ret);
	}
	if (!session_done) {
		ret = do_session(t, &what);
		if (ret)
			return task_fail(r, t, what, NULL, ret);
	}

	set_progress(r, s->index, TASK_CREATED);
	__atomic_add_fetch(&sh->created, 1, __ATOMIC_SEQ_CST);
	ckpt_raw_futex_wake(&sh->created);
	if (!barrier_wait(sh, &sh->created, (int)tree->nr_tasks))
		return 1;

	/* Every group's holder exists now. */
	if (t->do_pgrp_join) {
		ret = ckpt_raw_syscall2(SYS_setpgid, 0, t->rec.pgid);
		if (ret < 0)
			return task_fail(r, t, "setpgid(0, pgid)", NULL, ret);
	}
	if (verify_identity(r, t))
		return 1;

	set_progress(r, s->index, TASK_READY);
	__atomic_add_fetch(&sh->ready, 1, __ATOMIC_SEQ_CST);
	ckpt_raw_futex_wake(&sh->ready);
	if (wait_threads_parked(r, t))
		return 1;

	/* From here to the finish hook's system call, no other system call. */
	set_progress(r, s->index, TASK_PARKING);
	err[0] = '\0';
	r->config.finish(r->config.finish_data, t, err, sizeof(err));
	return task_fail(r, t, "restore", err[0] ? err : "the finish hook returned", 0);
}

/* ---- in the coordinator -------------------------------------------------- */

CkptRestorer *ckpt_restorer_spawn(const CkptRestorerConfig *config, GError **error)
{
	g_autoptr(CkptRestorer) r = g_new0(CkptRestorer, 1);
	const CkptRestoreTree *tree = config->tree;
	long page = sysconf(_SC_PAGESIZE);
	struct clone_args args = {0};
	sigset_t all, old;
	guint32 slot = 0;
	long pid;

	r->config = *config;
	r->tree = tree;
	r->shared_size = (sizeof(*r->shared) + tree->nr_tasks + page - 1) / page * page;
	r->shared = mmap(NULL, r->shared_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			 -1, 0);
	if (r->shared == MAP_FAILED) {
		r->shared = NULL;
		ckpt_set_error_errno(error, errno, "cannot map the restart's shared page");
		return NULL;
	}
	/*
	 * Thread stacks live in the caller's memory, so that every process
	 * the tree forks has its own copy at the same address.
	 */
	if (tree->nr_threads) {
		r->stacks_size = (size_t)tree->nr_threads * RESTORER_STACK_SIZE;
		r->stacks = mmap(NULL, r->stacks_size, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
		if (r->stacks == MAP_FAILED) {
			r->stacks = NULL;
			ckpt_set_error_errno(error, errno, "cannot map %u thread stacks",
					     tree->nr_threads);
			return NULL;
		}
	}
	r->stack_slot = g_new0(guint32, tree->nr_tasks);
	r->starts = g_new0(TaskStart, tree->nr_tasks);
	for (guint32 i = 0; i < tree->nr_tasks; i++) {
		r->starts[i] = (TaskStart){.r = r, .index = i};
		if (tree->tasks[i].thread)
			r->stack_slot[i] = slot++;
	}

	args.flags = config->ns_flags | (config->cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0);
	args.exit_signal = tree->tasks[0].rec.exit_signal;
	args.cgroup = config->cgroup_fd >= 0 ? (guint64)config->cgroup_fd : 0;
	/* No signal may run a handler of ours in the new tasks. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = ckpt_raw_clone3_run(&args, sizeof(args), task_main, &r->starts[0]);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		ckpt_set_error_errno(error, (int)-pid, "clone3 of the container's init");
		return NULL;
	}
	r->init_pid = (pid_t)pid;
	return g_steal_pointer(&r);
}

const char *ckpt_restorer_get_failure(CkptRestorer *r)
{
	struct restorer_shared *sh = r->shared;

	if (!r->failure && __atomic_load_n(&sh->failed, __ATOMIC_ACQUIRE)) {
		/* The winner is copying its message: give it a moment. */
		for (int i = 0; i < 100 && !__atomic_load_n(&sh->reported, __ATOMIC_ACQUIRE); i++)
			g_usleep(1000);
		if (!__atomic_load_n(&sh->reported, __ATOMIC_ACQUIRE))
			return "a task failed without saying why";
		r->failure = g_strndup(sh->msg, sizeof(sh->msg));
	}
	return r->failure;
}

/* "pid 7 not created yet; pid 9 still creating its children" */
static char *describe_missing(CkptRestorer *r)
{
	static const char *const what[] = {
		[TASK_NONE] = "not created yet",
		[TASK_STARTED] = "still creating its children",
		[TASK_CREATED] = "waiting for the others",
	};
	GString *s = g_string_new(NULL);
	guint listed = 0, more = 0;

	for (guint32 i = 0; i < r->tree->nr_tasks; i++) {
		guint8 p = __atomic_load_n(&r->shared->progress[i], __ATOMIC_ACQUIRE);

		if (p >= TASK_READY)
			continue;
		if (listed == 5) {
			more++;
			continue;
		}
		g_string_append_printf(s, "%spid %d %s", listed ? "; " : "",
				       r->tree->tasks[i].rec.pid, what[p]);
		listed++;
	}
	if (more)
		g_string_append_printf(s, "; and %u more", more);
	return g_string_free(s, FALSE);
}

static char *describe_status(int status)
{
	if (WIFEXITED(status))
		return g_strdup_printf("exited with status %d", WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return g_strdup_printf("was killed by signal %d (%s)", WTERMSIG(status),
				       g_strsignal(WTERMSIG(status)));
	return g_strdup_printf("ended with wait status 0x%x", status);
}

gboolean ckpt_restorer_wait_ready(CkptRestorer *r, gint64 timeout_ms, GCancellable *cancellable,
				  GError **error)
{
	struct restorer_shared *sh = r->shared;
	gint64 deadline = g_get_monotonic_time() + timeout_ms * 1000;
	int n = (int)r->tree->nr_tasks;

	for (;;) {
		int ready = __atomic_load_n(&sh->ready, __ATOMIC_ACQUIRE);
		int status;

		if (__atomic_load_n(&sh->failed, __ATOMIC_ACQUIRE)) {
			g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_RESTORE, "%s",
				    ckpt_restorer_get_failure(r));
			return FALSE;
		}
		if (ready >= n)
			return TRUE;
		if (!r->init_reaped &&
		    waitpid(r->init_pid, &status, WNOHANG | __WALL) == r->init_pid) {
			g_autofree char *how = describe_status(status);

			r->init_reaped = TRUE;
			g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_RESTORE,
				    "init (pid %d here) %s before the tree was rebuilt",
				    (int)r->init_pid, how);
			return FALSE;
		}
		if (g_cancellable_set_error_if_cancelled(cancellable, error))
			return FALSE;
		if (g_get_monotonic_time() >= deadline) {
			g_autofree char *missing = describe_missing(r);

			g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_TIMEOUT,
				    "tree not rebuilt after %" G_GINT64_FORMAT " ms: %s",
				    timeout_ms, missing);
			return FALSE;
		}
		ckpt_raw_futex_wait(&sh->ready, ready, 50);
	}
}

pid_t ckpt_restorer_get_init_pid(const CkptRestorer *r)
{
	return r->init_pid;
}

void ckpt_restorer_kill(CkptRestorer *r)
{
	if (r->init_pid <= 0 || r->init_reaped)
		return;
	kill(r->init_pid, SIGKILL);
	/* The init is reaped only once every task of its namespace is gone. */
	while (waitpid(r->init_pid, NULL, __WALL) < 0 && errno == EINTR)
		;
	r->init_reaped = TRUE;
}

void ckpt_restorer_free(CkptRestorer *r)
{
	if (!r)
		return;
	if (r->shared)
		munmap(r->shared, r->shared_size);
	if (r->stacks)
		munmap(r->stacks, r->stacks_size);
	g_free(r->stack_slot);
	g_free(r->starts);
	g_free(r->failure);
	g_free(r);
}
