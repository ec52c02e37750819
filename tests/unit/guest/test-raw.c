// SPDX-License-Identifier: GPL-2.0-only
/*
 * The raw layer restorer tasks run on: message formatting without libc,
 * and clone3 of a thread on its own stack and of a process.
 */
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "ckpt-raw.h"

#include <glib.h>

static void test_msg(void)
{
	char buf[64];
	char tiny[8];
	CkptRawMsg m;

	ckpt_raw_msg_init(&m, buf, sizeof(buf));
	ckpt_raw_msg_str(&m, "pid ");
	ckpt_raw_msg_int(&m, 42);
	ckpt_raw_msg_str(&m, " ");
	ckpt_raw_msg_int(&m, -7);
	ckpt_raw_msg_str(&m, " ");
	ckpt_raw_msg_int(&m, 0);
	ckpt_raw_msg_errno(&m, -ENOENT);
	g_assert_cmpstr(buf, ==, "pid 42 -7 0: No such file or directory");

	ckpt_raw_msg_init(&m, buf, sizeof(buf));
	ckpt_raw_msg_str(&m, "x");
	ckpt_raw_msg_errno(&m, -4000);
	g_assert_cmpstr(buf, ==, "x: error 4000");

	/* Truncated, never overrun, always terminated. */
	ckpt_raw_msg_init(&m, tiny, sizeof(tiny));
	ckpt_raw_msg_str(&m, "abcdef");
	ckpt_raw_msg_int(&m, 123456);
	g_assert_cmpstr(tiny, ==, "abcdef1");
}

typedef struct {
	int value;
	pid_t tid; /* cleared by the kernel when the thread exits */
} Shared;

static int thread_fn(void *arg)
{
	Shared *s = arg;
	long local = 0x1234;

	/* Runs on the new stack: its locals are there. */
	s->value = (int)(local + ckpt_raw_syscall0(SYS_gettid) * 0);
	for (;;)
		ckpt_raw_syscall1(SYS_exit, 0); /* this thread only */
	return 0;
}

static void test_clone_thread(void)
{
	const size_t stack_size = 64 * 1024;
	guint8 *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	Shared s = {0};
	struct clone_args args = {
		.flags = CLONE_VM | CLONE_SIGHAND | CLONE_THREAD | CLONE_FS | CLONE_FILES |
			 CLONE_CHILD_CLEARTID | CLONE_PARENT_SETTID,
		.child_tid = (guint64)(uintptr_t)&s.tid,
		.parent_tid = (guint64)(uintptr_t)&s.tid,
		.stack = (guint64)(uintptr_t)stack,
		.stack_size = stack_size,
	};
	long tid;

	g_assert_true(stack != MAP_FAILED);
	tid = ckpt_raw_clone3_run(&args, sizeof(args), thread_fn, &s);
	g_assert_cmpint(tid, >, 0);
	/* CLONE_PARENT_SETTID set it before clone3 returned; the exit clears it. */
	for (;;) {
		pid_t v = __atomic_load_n(&s.tid, __ATOMIC_ACQUIRE);

		if (v == 0)
			break;
		ckpt_raw_syscall4(SYS_futex, &s.tid, FUTEX_WAIT, v, NULL);
	}
	g_assert_cmpint(s.value, ==, 0x1234);
	munmap(stack, stack_size);
}

static int process_fn(void *arg)
{
	return *(int *)arg;
}

static void test_clone_process(void)
{
	struct clone_args args = {.exit_signal = SIGCHLD};
	int code = 42;
	int status;
	long pid = ckpt_raw_clone3_run(&args, sizeof(args), process_fn, &code);

	g_assert_cmpint(pid, >, 0);
	g_assert_cmpint(waitpid((pid_t)pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status));
	g_assert_cmpint(WEXITSTATUS(status), ==, 42);
}

static void test_clone_error(void)
{
	/* CLONE_THREAD without CLONE_SIGHAND is invalid. */
	struct clone_args args = {.flags = CLONE_THREAD};

	g_assert_cmpint(ckpt_raw_clone3_run(&args, sizeof(args), process_fn, NULL), ==, -EINVAL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/raw/msg", test_msg);
	g_test_add_func("/raw/clone-thread", test_clone_thread);
	g_test_add_func("/raw/clone-process", test_clone_process);
	g_test_add_func("/raw/clone-error", test_clone_error);
	return g_test_run();
}
