// SPDX-License-Identifier: GPL-2.0-only
/*
 * Containers by name: naming rules, the state directory, state from the
 * (fake) cgroup, listing, locking, JSON, and a freeze that times out.
 */
#include <string.h>
#include <unistd.h>

#include "ckpt-guest.h"
#include "fake-cgroup.h"

typedef struct {
	char *tmp;
	CkptPaths *paths;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
	g_autofree char *run = NULL, *cg = NULL, *dev = NULL;

	f->tmp = g_dir_make_tmp("ckpt-container-XXXXXX", NULL);
	run = g_build_filename(f->tmp, "run", NULL);
	cg = g_build_filename(f->tmp, "cgroup", "ckpt", NULL);
	/* The cgroup v2 mount point; ckpt/ below it is ours to create. */
	g_assert_cmpint(g_mkdir_with_parents(cg, 0755), ==, 0);
	g_assert_cmpint(rmdir(cg), ==, 0);
	dev = g_build_filename(f->tmp, "no-device", NULL);
	f->paths = ckpt_paths_new(run, cg, dev);
	f->paths->check_cgroup2 = FALSE;
}

static void teardown(Fixture *f, gconstpointer data)
{
	g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", f->tmp);

	g_assert_cmpint(system(cmd), ==, 0);
	ckpt_paths_free(f->paths);
	g_free(f->tmp);
}

static void test_names(void)
{
	const char *good[] = {"web", "a", "db-1.prod_2", "0abc"};
	const struct {
		const char *name;
		const char *expect;
	} bad[] = {
		{"", "container name '': must be 1 to 64 characters"},
		{".hidden", "container name '.hidden': must start with a letter or a digit"},
		{"a/b", "container name 'a/b': character 2 is not one of A-Z a-z 0-9 _ . -"},
		{"sp ace", "character 3"},
		{"x2345678901234567890123456789012345678901234567890123456789012345",
		 "must be 1 to 64"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(good); i++)
		g_assert_true(ckpt_container_name_check(good[i], NULL));
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;

		g_assert_false(ckpt_container_name_check(bad[i].name, &error));
		g_assert_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_INVALID);
		if (!strstr(error->message, bad[i].expect))
			g_error("'%s' lacks '%s'", error->message, bad[i].expect);
	}
}

static CkptContainer *make(Fixture *f, const char *name)
{
	g_autoptr(GError) error = NULL;
	CkptContainer *c = ckpt_container_new(f->paths, name, &error);

	g_assert_no_error(error);
	return c;
}

static void test_absent(Fixture *f, gconstpointer data)
{
	g_autoptr(CkptContainer) c = make(f, "web");
	g_autoptr(GError) error = NULL;
	CkptContainerStatus st;

	g_assert_true(ckpt_container_get_status(c, &st, &error));
	g_assert_cmpint(st.state, ==, CKPT_CONTAINER_ABSENT);
	g_assert_false(ckpt_container_require(c, &st, &error));
	g_assert_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_NOT_FOUND);
	g_assert_true(g_str_has_prefix(error->message, "container web: no such container"));
}

static void test_create_and_states(Fixture *f, gconstpointer data)
{
	g_autoptr(CkptContainer) c = make(f, "web");
	g_autoptr(CkptContainerConfig) config = ckpt_container_config_new();
	g_autoptr(CkptContainerConfig) back = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *log = ckpt_container_get_log_path(c);
	const char *cg = ckpt_container_get_cgroup_path(c);
	pid_t self = getpid();
	CkptContainerStatus st;
	char *argv[] = {"sleep", "100", NULL};

	config->hostname = g_strdup("web");
	config->command = g_strdupv(argv);
	g_assert_true(ckpt_container_create(c, config, &error));
	g_assert_no_error(error);
	g_assert_true(g_file_test(ckpt_container_get_state_dir(c), G_FILE_TEST_IS_DIR));
	g_assert_true(g_file_test(log, G_FILE_TEST_IS_REGULAR));
	g_assert_true(g_file_test(cg, G_FILE_TEST_IS_DIR));
	back = ckpt_container_load_config(c, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(back->hostname, ==, "web");
	g_assert_cmpstrv(back->command, argv);
	g_assert_cmpint(back->created, ==, config->created);

	/* Empty cgroup: stopped. */
	fake_cgroup_make(cg, FALSE, FALSE, FALSE, NULL, 0);
	g_assert_true(ckpt_container_get_status(c, &st, &error));
	g_assert_cmpint(st.state, ==, CKPT_CONTAINER_STOPPED);
	g_assert_false(ckpt_container_require_live(c, &st, &error));
	g_assert_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_STATE);
	g_clear_error(&error);

	/* We stand in for its init. */
	fake_cgroup_make(cg, TRUE, FALSE, FALSE, &self, 1);
	g_assert_true(ckpt_container_set_init_pid(c, self, &error));
	g_assert_true(ckpt_container_get_status(c, &st, &error));
	g_assert_cmpint(st.state, ==, CKPT_CONTAINER_RUNNING);
	g_assert_cmpint(st.init_pid, ==, self);
	g_assert_cmpuint(st.nr_processes, ==, 1);
	g_assert_cmpuint(st.nr_tasks, ==, 1);

	fake_cgroup_make(cg, TRUE, FALSE, TRUE, &self, 1);
	g_assert_true(ckpt_container_get_status(c, &st, &error));
	g_assert_cmpint(st.state, ==, CKPT_CONTAINER_FREEZING);
	fake_cgroup_make(cg, TRUE, TRUE, TRUE, &self, 1);
	g_assert_true(ckpt_container_get_status(c, &st, &error));
	g_assert_cmpint(st.state, ==, CKPT_CONTAINER_FROZEN);

	/* A running container cannot be created again. */
	g_assert_false(ckpt_container_create(c, NULL, &error));
	g_assert_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_EXISTS);
	g_assert_true(g_str_has_prefix(error->message, "container web: already frozen"));
}

static void test_freeze_timeout(Fixture *f, gconstpointer data)
{
	g_autoptr(CkptContainer) c = make(f, "web");
	g_autoptr(GError) error = NULL;
	g_autofree char *freeze = NULL;
	const char *cg = ckpt_container_get_cgroup_path(c);
	pid_t self = getpid();
	g_autofree char *expect = g_strdup_printf(
		"container web: freeze timed out after 300 ms: pid %d (test-container): state R",
		(int)self);

	g_assert_true(ckpt_container_create(c, NULL, &error));
	fake_cgroup_make(cg, TRUE, FALSE, FALSE, &self, 1);
	g_assert_false(ckpt_container_freeze(c, 300, NULL, &error));
	g_assert_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_TIMEOUT);
	if (!g_str_has_prefix(error->message, expect))
		g_error("'%s' does not start with '%s'", error->message, expect);
	/* And the freeze was taken back. */
	freeze = fake_cgroup_read(cg, "cgroup.freeze");
	g_assert_cmpstr(freeze, ==, "0\n");
}

static void test_lock(Fixture *f, gconstpointer data)
{
	g_autoptr(CkptContainer) a = make(f, "web");
	g_autoptr(CkptContainer) b = make(f, "web");
	g_autoptr(CkptContainer) other = make(f, "db");
	g_autoptr(GError) error = NULL;

	g_assert_true(ckpt_container_lock(a, &error));
	g_assert_true(ckpt_container_lock(other, &error));
	g_assert_false(ckpt_container_lock(b, &error));
	g_assert_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_BUSY);
	g_clear_error(&error);
	ckpt_container_unlock(a);
	g_assert_true(ckpt_container_lock(b, &error));
}

static void test_list_and_json(Fixture *f, gconstpointer data)
{
	g_autoptr(CkptContainer) web = make(f, "web");
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) list = NULL;
	g_autoptr(JsonNode) node = NULL;
	g_autofree char *stray = g_build_filename(f->paths->cgroup_dir, "zeta", NULL);
	g_autofree char *bad = g_build_filename(f->paths->run_dir, "not valid", NULL);
	g_autofree char *json = NULL;
	pid_t self = getpid();
	JsonObject *o;

	g_assert_true(ckpt_container_create(web, NULL, &error));
	fake_cgroup_make(ckpt_container_get_cgroup_path(web), TRUE, FALSE, FALSE, &self, 1);
	ckpt_container_set_init_pid(web, self, &error);
	/* A cgroup without a state directory, and a name that is not one. */
	fake_cgroup_make(stray, FALSE, FALSE, FALSE, NULL, 0);
	g_mkdir_with_parents(bad, 0755);

	list = ckpt_container_list(f->paths, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(list->len, ==, 2);
	g_assert_cmpstr(ckpt_container_get_name(list->pdata[0]), ==, "web");
	g_assert_cmpstr(ckpt_container_get_name(list->pdata[1]), ==, "zeta");

	node = ckpt_container_to_json(list->pdata[0], &error);
	g_assert_no_error(error);
	o = json_node_get_object(node);
	g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, "web");
	g_assert_cmpstr(json_object_get_string_member(o, "state"), ==, "running");
	g_assert_cmpint(json_object_get_int_member(o, "init_pid"), ==, self);
	g_assert_cmpint(json_object_get_int_member(o, "nr_tasks"), ==, 1);
	g_assert_true(json_object_get_null_member(o, "command"));
	json = json_to_string(node, FALSE);
	g_test_message("%s", json);

	g_clear_pointer(&node, json_node_unref);
	node = ckpt_container_to_json(list->pdata[1], &error);
	o = json_node_get_object(node);
	g_assert_cmpstr(json_object_get_string_member(o, "state"), ==, "stopped");
	g_assert_true(json_object_get_null_member(o, "init_pid"));
}

static void test_destroy_stopped(Fixture *f, gconstpointer data)
{
	g_autoptr(CkptContainer) c = make(f, "web");
	g_autoptr(GError) error = NULL;
	CkptContainerStatus st;

	/* Leftovers of a container whose cgroup is already gone. */
	g_assert_true(ckpt_container_create(c, NULL, &error));
	g_assert_cmpint(rmdir(ckpt_container_get_cgroup_path(c)), ==, 0);
	g_assert_true(ckpt_container_get_status(c, &st, &error));
	g_assert_cmpint(st.state, ==, CKPT_CONTAINER_STOPPED);
	g_assert_true(ckpt_container_kill(c, 1000, NULL, &error));
	g_assert_no_error(error);
	g_assert_false(g_file_test(ckpt_container_get_state_dir(c), G_FILE_TEST_EXISTS));
	g_assert_true(ckpt_container_get_status(c, &st, &error));
	g_assert_cmpint(st.state, ==, CKPT_CONTAINER_ABSENT);
}

static void test_signal_needs_init(Fixture *f, gconstpointer data)
{
	g_autoptr(CkptContainer) c = make(f, "web");
	g_autoptr(GError) error = NULL;

	g_assert_false(ckpt_container_signal(c, 15, &error));
	g_assert_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_NOT_FOUND);
}

#define ADD(path, fn) g_test_add(path, Fixture, NULL, setup, fn, teardown)

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/container/names", test_names);
	ADD("/container/absent", test_absent);
	ADD("/container/create-and-states", test_create_and_states);
	ADD("/container/freeze-timeout", test_freeze_timeout);
	ADD("/container/lock", test_lock);
	ADD("/container/list-and-json", test_list_and_json);
	ADD("/container/destroy-stopped", test_destroy_stopped);
	ADD("/container/signal-needs-init", test_signal_needs_init);
	return g_test_run();
}
