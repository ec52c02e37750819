// SPDX-License-Identifier: GPL-2.0-only
/* What /proc says about a task, and how errors name it. */
#include <string.h>
#include <unistd.h>

#include "ckpt-guest.h"

static const char status_text[] = "Name:\tsleep\n"
				  "Umask:\t0022\n"
				  "State:\tD (disk sleep)\n"
				  "Tgid:\t1234\n"
				  "NSpid:\t1234\t12\n"
				  "PPid:\t1\n";

static void test_parse_status(void)
{
	CkptProcTask t = {.pid = 1234};
	g_autoptr(GError) error = NULL;
	g_autofree char *d = NULL;

	g_assert_true(ckpt_proc_parse_status(status_text, &t, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(t.comm, ==, "sleep");
	g_assert_cmpint(t.state, ==, 'D');
	g_assert_cmpint(t.ns_pid, ==, 12);
	g_assert_false(ckpt_proc_task_in_freezer(&t));
	g_strlcpy(t.wchan, "msleep", sizeof(t.wchan));
	d = ckpt_proc_describe(&t);
	g_assert_cmpstr(d, ==, "pid 12 (sleep, host pid 1234): state D in msleep");
}

static void test_freezer(void)
{
	CkptProcTask t = {.pid = 5, .ns_pid = 5, .state = 'S', .comm = "x"};
	g_autofree char *d = NULL;

	g_strlcpy(t.wchan, "do_freezer_trap", sizeof(t.wchan));
	g_assert_true(ckpt_proc_task_in_freezer(&t));
	g_strlcpy(t.wchan, "get_signal", sizeof(t.wchan));
	g_assert_true(ckpt_proc_task_in_freezer(&t));
	g_strlcpy(t.wchan, "pipe_read", sizeof(t.wchan));
	g_assert_false(ckpt_proc_task_in_freezer(&t));
	t.wchan[0] = '\0';
	d = ckpt_proc_describe(&t);
	g_assert_cmpstr(d, ==, "pid 5 (x): state S");
}

static void test_no_name(void)
{
	CkptProcTask t = {.pid = 9};
	g_autoptr(GError) error = NULL;

	g_assert_false(ckpt_proc_parse_status("State:\tR\n", &t, &error));
	g_assert_cmpstr(error->message, ==, "/proc/9/status has no Name line");
}

static void test_read_self(void)
{
	CkptProcTask t;
	g_autoptr(GError) error = NULL;

	g_assert_true(ckpt_proc_read_task(getpid(), &t, &error));
	g_assert_cmpint(t.pid, ==, getpid());
	g_assert_cmpint(t.state, ==, 'R');
	g_assert_cmpstr(t.comm, ==, "test-proc");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/proc/parse-status", test_parse_status);
	g_test_add_func("/proc/freezer", test_freezer);
	g_test_add_func("/proc/no-name", test_no_name);
	g_test_add_func("/proc/read-self", test_read_self);
	return g_test_run();
}
