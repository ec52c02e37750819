// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckpt-hostd: the host daemon behind the libvirt hook
 * (docs/libvirt-integration.md). It takes the hook's events on its control
 * socket and libvirt's lifecycle events, runs the managed ckpt-vsockd
 * bridges, receives the snapshots guests push on their way down, restores
 * marked containers when a domain starts, takes periodic snapshots, and
 * records everything as jobs.
 */
#include <signal.h>
#include <stdio.h>

#include <glib-unix.h>
#include <libvirt/libvirt.h>

#include "hostd-client.h"
#include "hostd.h"

static gboolean on_signal(gpointer data)
{
	Hostd *h = data;

	g_message("signal: exiting");
	g_main_loop_quit(h->loop);
	return G_SOURCE_CONTINUE;
}

/*
 * ckpt-vsockd next to us (installed: sbin/ and bin/ of one prefix; a build
 * tree: host/hostd/ and host/vsockd/), else from PATH.
 */
static char *default_vsockd(void)
{
	g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
	g_autofree char *dir = self ? g_path_get_dirname(self) : NULL;
	const char *const rel[] = {"ckpt-vsockd", "../bin/ckpt-vsockd", "../vsockd/ckpt-vsockd"};

	for (guint i = 0; dir && i < G_N_ELEMENTS(rel); i++) {
		g_autofree char *p = g_build_filename(dir, rel[i], NULL);

		if (g_file_test(p, G_FILE_TEST_IS_EXECUTABLE) &&
		    !g_file_test(p, G_FILE_TEST_IS_DIR))
			return g_steal_pointer(&p);
	}
	return g_strdup("ckpt-vsockd");
}

int main(int argc, char **argv)
{
	g_autofree char *control = NULL, *store_dir = NULL, *uri = NULL, *vsockd = NULL;
	g_autofree char *compress = NULL;
	gboolean no_libvirt = FALSE, no_vsock = FALSE;
	gint agent_wait = 180, push_timeout = 30000, bridge_timeout = 600;
	GOptionEntry entries[] = {
		{"control", 0, 0, G_OPTION_ARG_FILENAME, &control,
		 "Control socket (default $CKPT_HOSTD_SOCKET or " HOSTD_DEFAULT_CONTROL ")",
		 "PATH"},
		{"store-dir", 0, 0, G_OPTION_ARG_FILENAME, &store_dir,
		 "Image store (default $CKPT_STORE_DIR or " CKPT_STORE_DEFAULT_DIR ")", "DIR"},
		{"connect", 'c', 0, G_OPTION_ARG_STRING, &uri, "libvirt URI (qemu:///system)",
		 "URI"},
		{"no-libvirt", 0, 0, G_OPTION_ARG_NONE, &no_libvirt,
		 "No libvirt connection: hook events only", NULL},
		{"vsockd", 0, 0, G_OPTION_ARG_FILENAME, &vsockd,
		 "The ckpt-vsockd program for managed bridges (default: next to ckpt-hostd, else "
		 "PATH)",
		 "PATH"},
		{"compress", 0, 0, G_OPTION_ARG_STRING, &compress,
		 "Compression of stored snapshots: none (default) or zstd", "KIND"},
		{"agent-wait", 0, 0, G_OPTION_ARG_INT, &agent_wait,
		 "Seconds a started domain's agent may take to answer (180)", "S"},
		{"push-timeout", 0, 0, G_OPTION_ARG_INT, &push_timeout,
		 "Milliseconds a push may stall (30000)", "MS"},
		{"bridge-timeout", 0, 0, G_OPTION_ARG_INT, &bridge_timeout,
		 "Milliseconds prepare waits for a managed ckpt-vsockd's sockets (600; the hook "
		 "gives up at 800)",
		 "MS"},
		{"no-vsock-listen", 0, 0, G_OPTION_ARG_NONE, &no_vsock,
		 "No AF_VSOCK push listener (vhost-vsock domains)", NULL},
		{NULL}};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- ckpt's libvirt lifecycle daemon");
	g_autoptr(GError) error = NULL;
	HostdOptions opt = {0};
	Hostd *h;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "ckpt-hostd: %s\n", error->message);
		return 2;
	}
	if (!control)
		control = g_strdup(hostd_client_default_path());
	if (compress && !g_str_equal(compress, "none") && !g_str_equal(compress, "zstd")) {
		fprintf(stderr, "ckpt-hostd: --compress %s: none or zstd\n", compress);
		return 2;
	}
	if (agent_wait < 1 || push_timeout < 100 || bridge_timeout < 50) {
		fprintf(stderr, "ckpt-hostd: --agent-wait >= 1, --push-timeout >= 100, "
				"--bridge-timeout >= 50\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	opt.control_path = control;
	opt.store_dir = store_dir;
	opt.uri = no_libvirt ? NULL : (uri ? uri : (char *)"qemu:///system");
	if (!vsockd)
		vsockd = default_vsockd();
	opt.vsockd_path = vsockd;
	opt.compression = compress ? compress : (char *)"none";
	opt.agent_wait_s = (guint)agent_wait;
	opt.push_timeout_ms = (guint)push_timeout;
	opt.bridge_timeout_ms = (guint)bridge_timeout;
	opt.vsock_listen = !no_vsock;
	h = hostd_new(&opt, &error);
	if (!h) {
		fprintf(stderr, "ckpt-hostd: %s\n", error->message);
		return 1;
	}
	g_unix_signal_add(SIGTERM, on_signal, h);
	g_unix_signal_add(SIGINT, on_signal, h);
	g_message("ckpt-hostd %s: store %s, libvirt %s", CKPT_VERSION, ckpt_store_dir(h->store),
		  opt.uri ? opt.uri : "(none)");
	g_main_loop_run(h->loop);
	hostd_free(h);
	return 0;
}
