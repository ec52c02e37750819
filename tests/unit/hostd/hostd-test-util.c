// SPDX-License-Identifier: GPL-2.0-only
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "hostd-client.h"
#include "hostd-test-util.h"

static const char *env_path(const char *name)
{
	const char *p = g_getenv(name);

	g_assert_nonnull(p);
	return p;
}

TestDaemon *test_daemon_start(const char *const *extra_args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	TestDaemon *d = g_new0(TestDaemon, 1);
	gint64 deadline;

	d->dir = g_dir_make_tmp("hostd-XXXXXX", &error);
	g_assert_no_error(error);
	d->control = g_build_filename(d->dir, "control.sock", NULL);
	d->store = g_build_filename(d->dir, "store", NULL);
	g_ptr_array_add(argv, (char *)env_path("CKPT_HOSTD"));
	g_ptr_array_add(argv, "--no-libvirt");
	g_ptr_array_add(argv, "--no-vsock-listen");
	g_ptr_array_add(argv, "--control");
	g_ptr_array_add(argv, d->control);
	g_ptr_array_add(argv, "--store-dir");
	g_ptr_array_add(argv, d->store);
	for (guint i = 0; extra_args && extra_args[i]; i++)
		g_ptr_array_add(argv, (char *)extra_args[i]);
	g_ptr_array_add(argv, NULL);
	d->proc = g_subprocess_newv((const char *const *)argv->pdata, G_SUBPROCESS_FLAGS_NONE,
				    &error);
	g_assert_no_error(error);
	deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	while (!g_file_test(d->control, G_FILE_TEST_EXISTS)) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(10000);
	}
	return d;
}

void test_daemon_stop(TestDaemon *d)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *cmd = NULL;

	g_subprocess_send_signal(d->proc, SIGTERM);
	g_subprocess_wait(d->proc, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_get_if_exited(d->proc));
	g_assert_cmpint(g_subprocess_get_exit_status(d->proc), ==, 0);
	g_object_unref(d->proc);
	cmd = g_strdup_printf("rm -rf '%s'", d->dir);
	g_assert_cmpint(system(cmd), ==, 0);
	g_free(d->dir);
	g_free(d->control);
	g_free(d->store);
	g_free(d);
}

char *test_domain_xml(const char *name, const char *ckpt_inner)
{
	if (!ckpt_inner)
		return g_strdup_printf("<domain type='qemu'><name>%s</name>"
				       "<memory>65536</memory><os><type>hvm</type></os></domain>",
				       name);
	return g_strdup_printf("<domain type='qemu'><name>%s</name><memory>65536</memory>"
			       "<os><type>hvm</type></os><metadata>"
			       "<ckpt:ckpt xmlns:ckpt='urn:ckpt:libvirt:1'>%s</ckpt:ckpt>"
			       "</metadata></domain>",
			       name, ckpt_inner);
}

void test_run_hook(const char *socket_path, const char *const *argv4, const char *xml, HookRun *r)
{
	g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(
		G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
		G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GError) error = NULL;
	const char *argv[6] = {env_path("CKPT_LIBVIRT_HOOK")};
	gint64 t0;

	for (int i = 0; i < 4; i++)
		argv[i + 1] = argv4[i];
	g_subprocess_launcher_setenv(l, "CKPT_HOSTD_SOCKET", socket_path, TRUE);
	t0 = g_get_monotonic_time();
	p = g_subprocess_launcher_spawnv(l, argv, &error);
	g_assert_no_error(error);
	if (xml) {
		g_subprocess_communicate_utf8(p, xml, NULL, &r->out, &r->err, &error);
	} else {
		/* libvirt stuck with the pipe open: read the outputs with stdin held. */
		GOutputStream *in = g_subprocess_get_stdin_pipe(p);
		g_autoptr(GBytes) out = NULL;
		g_autoptr(GBytes) err = NULL;
		g_autoptr(GDataInputStream) so =
			g_data_input_stream_new(g_subprocess_get_stdout_pipe(p));
		g_autoptr(GDataInputStream) se =
			g_data_input_stream_new(g_subprocess_get_stderr_pipe(p));

		(void)in;
		r->out = g_data_input_stream_read_upto(so, "", 1, NULL, NULL, NULL);
		r->err = g_data_input_stream_read_upto(se, "", 1, NULL, NULL, NULL);
		g_subprocess_wait(p, NULL, &error);
	}
	g_assert_no_error(error);
	r->elapsed_ms = (g_get_monotonic_time() - t0) / 1000;
	g_assert_true(g_subprocess_get_if_exited(p));
	r->status = g_subprocess_get_exit_status(p);
	if (!r->out)
		r->out = g_strdup("");
	if (!r->err)
		r->err = g_strdup("");
	g_test_message("hook %s %s %s: status %d in %" G_GINT64_FORMAT " ms, stderr: %s", argv4[0],
		       argv4[1], argv4[2], r->status, r->elapsed_ms, r->err);
}

void hook_run_clear(HookRun *r)
{
	g_free(r->out);
	g_free(r->err);
}

JsonObject *test_call(TestDaemon *d, const char *execute, JsonObject *args)
{
	g_autoptr(GError) error = NULL;
	JsonObject *ret = hostd_client_call(d->control, execute, args, 5000, &error);

	g_assert_no_error(error);
	return ret;
}
