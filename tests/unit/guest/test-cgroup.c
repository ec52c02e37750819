// SPDX-License-Identifier: GPL-2.0-only
/* cgroup.events parsing and the cgroup operations, on a fake cgroup. */
#include <unistd.h>

#include "ckpt-guest.h"
#include "fake-cgroup.h"

typedef struct {
	char *tmp;
	char *dir;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
	const pid_t pids[] = {100, 101, 205};

	f->tmp = g_dir_make_tmp("ckpt-cgroup-XXXXXX", NULL);
	f->dir = g_build_filename(f->tmp, "ckpt", "web", NULL);
	fake_cgroup_make(f->dir, TRUE, FALSE, FALSE, pids, G_N_ELEMENTS(pids));
}

static void teardown(Fixture *f, gconstpointer data)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->tmp);

	g_assert_cmpint(system(cmd), ==, 0);
	g_free(f->tmp);
	g_free(f->dir);
}

static void test_parse_events(void)
{
	CkptCgroupEvents ev;
	g_autoptr(GError) error = NULL;

	g_assert_true(ckpt_cgroup_parse_events("populated 1\nfrozen 0\n", &ev, &error));
	g_assert_true(ev.populated);
	g_assert_false(ev.frozen);
	/* Keys a later kernel adds are ignored. */
	g_assert_true(ckpt_cgroup_parse_events("populated 0\nnew_key 7\nfrozen 1", &ev, &error));
	g_assert_false(ev.populated);
	g_assert_true(ev.frozen);
	g_assert_no_error(error);

	g_assert_false(ckpt_cgroup_parse_events("populated 1\n", &ev, &error));
	g_assert_cmpstr(error->message, ==,
			"cgroup.events: no 'frozen' line (kernel without the cgroup v2 freezer?)");
	g_clear_error(&error);
	g_assert_false(ckpt_cgroup_parse_events("populated 2\nfrozen 0\n", &ev, &error));
	g_assert_cmpstr(error->message, ==, "cgroup.events: bad line 'populated 2'");
}

static void test_open_missing(Fixture *f, gconstpointer data)
{
	g_autofree char *path = g_build_filename(f->tmp, "nope", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptCgroup) cg = ckpt_cgroup_open(path, &error);

	g_assert_null(cg);
	g_assert_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_NOT_FOUND);
}

static void test_create_checks_cgroup2(Fixture *f, gconstpointer data)
{
	g_autofree char *path = g_build_filename(f->tmp, "ckpt", "db", NULL);
	g_autofree char *expect = g_strdup_printf("%s is not a cgroup v2 mount", f->tmp);
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptCgroup) cg = ckpt_cgroup_create(path, TRUE, &error);

	g_assert_null(cg);
	g_assert_nonnull(g_strstr_len(error->message, -1, expect));
	cg = ckpt_cgroup_create(path, FALSE, &error);
	g_assert_nonnull(cg);
	g_assert_true(g_file_test(path, G_FILE_TEST_IS_DIR));
	g_assert_cmpint(ckpt_cgroup_get_fd(cg), >=, 0);
}

static void test_files(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptCgroup) cg = ckpt_cgroup_open(f->dir, &error);
	g_autoptr(GArray) pids = NULL;
	g_autofree char *freeze = NULL, *kill = NULL;
	gboolean v = TRUE;

	g_assert_no_error(error);
	pids = ckpt_cgroup_read_pids(cg, "cgroup.procs", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(pids->len, ==, 3);
	g_assert_cmpint(g_array_index(pids, pid_t, 2), ==, 205);

	g_assert_true(ckpt_cgroup_get_freeze(cg, &v, &error));
	g_assert_false(v);
	g_assert_true(ckpt_cgroup_set_freeze(cg, TRUE, &error));
	freeze = fake_cgroup_read(f->dir, "cgroup.freeze");
	g_assert_cmpstr(freeze, ==, "1\n");
	g_assert_true(ckpt_cgroup_kill(cg, &error));
	kill = fake_cgroup_read(f->dir, "cgroup.kill");
	g_assert_cmpstr(kill, ==, "1");
	g_assert_no_error(error);
}

static void test_bad_pids(Fixture *f, gconstpointer data)
{
	g_autofree char *path = g_build_filename(f->dir, "cgroup.procs", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptCgroup) cg = ckpt_cgroup_open(f->dir, &error);
	g_autoptr(GArray) pids = NULL;
	g_autofree char *expect = g_strdup_printf("%s/cgroup.procs: bad pid 'x1'", f->dir);

	g_file_set_contents(path, "1\nx1\n", -1, NULL);
	pids = ckpt_cgroup_read_pids(cg, "cgroup.procs", &error);
	g_assert_null(pids);
	g_assert_cmpstr(error->message, ==, expect);
}

static void test_wait_timeout(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptCgroup) cg = ckpt_cgroup_open(f->dir, &error);
	g_autofree char *expect = g_strdup_printf("cgroup %s not frozen after 200 ms", f->dir);
	gint64 t0 = g_get_monotonic_time();

	g_assert_false(ckpt_cgroup_wait(cg, CKPT_CGROUP_FROZEN, 200, NULL, &error));
	g_assert_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_TIMEOUT);
	g_assert_cmpstr(error->message, ==, expect);
	g_assert_cmpint(g_get_monotonic_time() - t0, >=, 200000);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 2000000);
}

static gpointer freeze_later(gpointer data)
{
	g_usleep(150000);
	fake_cgroup_set_events(data, TRUE, TRUE);
	return NULL;
}

static void test_wait_success(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptCgroup) cg = ckpt_cgroup_open(f->dir, &error);
	GThread *th = g_thread_new("freezer", freeze_later, f->dir);

	g_assert_true(ckpt_cgroup_wait(cg, CKPT_CGROUP_FROZEN, 5000, NULL, &error));
	g_assert_no_error(error);
	g_thread_join(th);
	g_assert_true(ckpt_cgroup_wait(cg, CKPT_CGROUP_FROZEN, 0, NULL, &error));
	g_assert_false(ckpt_cgroup_wait(cg, CKPT_CGROUP_EMPTY, 0, NULL, &error));
	g_assert_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_TIMEOUT);
}

static gpointer cancel_later(gpointer data)
{
	g_usleep(100000);
	g_cancellable_cancel(data);
	return NULL;
}

static void test_wait_cancel(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptCgroup) cg = ckpt_cgroup_open(f->dir, &error);
	g_autoptr(GCancellable) cancel = g_cancellable_new();
	GThread *th = g_thread_new("cancel", cancel_later, cancel);

	g_assert_false(ckpt_cgroup_wait(cg, CKPT_CGROUP_EMPTY, -1, cancel, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	g_thread_join(th);
}

#define ADD(path, fn) g_test_add(path, Fixture, NULL, setup, fn, teardown)

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cgroup/parse-events", test_parse_events);
	ADD("/cgroup/open-missing", test_open_missing);
	ADD("/cgroup/create-checks-cgroup2", test_create_checks_cgroup2);
	ADD("/cgroup/files", test_files);
	ADD("/cgroup/bad-pids", test_bad_pids);
	ADD("/cgroup/wait-timeout", test_wait_timeout);
	ADD("/cgroup/wait-success", test_wait_success);
	ADD("/cgroup/wait-cancel", test_wait_cancel);
	return g_test_run();
}
