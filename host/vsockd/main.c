// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckpt-vsockd: a vhost-user virtio-vsock backend for QEMU with a hybrid
 * vsock (Unix socket) host side. See docs/vsockd.md.
 *
 * Event loop: the GLib main loop. Each wakeup drains a whole ring (up to a
 * budget) and reads/writes guest memory directly from/to the host sockets,
 * so the per-packet cost is one readv or sendmsg; the loop's own overhead
 * is per wakeup, not per packet, and did not show up in the benchmark
 * (bench/vsock-bench), so there is no custom epoll loop.
 */
#include "hybrid-listener.h"
#include "vhost-user.h"
#include "vsock-device.h"

#include <glib-unix.h>
#include <glib.h>
#include <signal.h>
#include <stdlib.h>

static gboolean on_signal(gpointer user_data)
{
	GMainLoop *loop = user_data;

	g_message("signal received; exiting");
	g_main_loop_quit(loop);
	return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
	gint64 guest_cid = -1;
	g_autofree char *socket_path = NULL;
	g_autofree char *uds_path = NULL;
	gint buf_size = 256 * 1024;
	gint max_connections = 256;
	gint connect_timeout_ms = 10000;
	gboolean verbose = FALSE;
	gboolean version = FALSE;
	GOptionEntry entries[] = {
		{"guest-cid", 0, 0, G_OPTION_ARG_INT64, &guest_cid,
		 "The guest's vsock context id (3 or more)", "CID"},
		{"socket", 0, 0, G_OPTION_ARG_FILENAME, &socket_path,
		 "vhost-user socket for QEMU's -chardev socket,path=", "PATH"},
		{"uds", 0, 0, G_OPTION_ARG_FILENAME, &uds_path,
		 "Hybrid vsock socket for host programs (guest connections to port P go to "
		 "PATH_P)",
		 "PATH"},
		{"buf-size", 0, 0, G_OPTION_ARG_INT, &buf_size,
		 "Receive buffer per connection, in bytes (default 262144)", "BYTES"},
		{"max-connections", 0, 0, G_OPTION_ARG_INT, &max_connections,
		 "Connections at once (default 256)", "N"},
		{"connect-timeout", 0, 0, G_OPTION_ARG_INT, &connect_timeout_ms,
		 "How long a host CONNECT waits for the guest, in ms (default 10000)", "MS"},
		{"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log every connection", NULL},
		{"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL},
		{NULL},
	};
	g_autoptr(GOptionContext) context = g_option_context_new("- vhost-user vsock backend");
	g_autoptr(GError) error = NULL;
	g_autoptr(VsockDevice) dev = NULL;
	g_autoptr(VhostUserServer) server = NULL;
	g_autoptr(HybridListener) listener = NULL;
	g_autoptr(GMainLoop) loop = NULL;
	VsockDeviceConfig config;

	g_option_context_add_main_entries(context, entries, NULL);
	g_option_context_set_description(
		context, "QEMU: -object memory-backend-memfd,id=mem,size=1G,share=on -numa "
			 "node,memdev=mem\n      -chardev socket,id=vs,path=SOCKET -device "
			 "vhost-user-vsock-pci,chardev=vs\n"
			 "Host programs: connect to the --uds socket, send \"CONNECT <port>\\n\", "
			 "read \"OK <port>\\n\".\n");
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_printerr("ckpt-vsockd: %s\n", error->message);
		return 2;
	}
	if (version) {
		g_print("ckpt-vsockd %s\n", CKPT_VERSION);
		return 0;
	}
	if (guest_cid < 3 || guest_cid > (gint64)G_MAXUINT32 - 1) {
		g_printerr("ckpt-vsockd: --guest-cid %" G_GINT64_FORMAT
			   ": need a CID from 3 to %u (0-2 are reserved)\n",
			   guest_cid, G_MAXUINT32 - 1);
		return 2;
	}
	if (!socket_path || !uds_path) {
		g_printerr("ckpt-vsockd: --socket and --uds are required (see --help)\n");
		return 2;
	}
	if (buf_size < 4096 || buf_size > 64 * 1024 * 1024) {
		g_printerr("ckpt-vsockd: --buf-size %d: need 4096 to 67108864 bytes\n", buf_size);
		return 2;
	}
	if (max_connections < 1 || connect_timeout_ms < 1) {
		g_printerr(
			"ckpt-vsockd: --max-connections and --connect-timeout must be positive\n");
		return 2;
	}
	if (verbose)
		g_log_set_debug_enabled(TRUE);
	/* We write to sockets whose readers may be gone: want EPIPE, not death. */
	signal(SIGPIPE, SIG_IGN);

	config = (VsockDeviceConfig){
		.guest_cid = (guint64)guest_cid,
		.uds_path = uds_path,
		.buf_alloc = (guint32)buf_size,
		.max_connections = (guint)max_connections,
		.connect_timeout_ms = (guint)connect_timeout_ms,
	};
	dev = vsock_device_new(&config);
	listener = hybrid_listener_new(dev, uds_path, &error);
	if (!listener) {
		g_printerr("ckpt-vsockd: %s\n", error->message);
		return 1;
	}
	server = vhost_user_server_new(dev, socket_path, &error);
	if (!server) {
		g_printerr("ckpt-vsockd: %s\n", error->message);
		return 1;
	}
	loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGTERM, on_signal, loop);
	g_unix_signal_add(SIGINT, on_signal, loop);
	g_unix_signal_add(SIGHUP, on_signal, loop);
	g_message("guest CID %" G_GINT64_FORMAT ": vhost-user on %s, host programs on %s",
		  guest_cid, socket_path, uds_path);
	g_main_loop_run(loop);

	/* Order: QEMU session and listeners go before the device they feed. */
	g_clear_pointer(&server, vhost_user_server_free);
	g_clear_pointer(&listener, hybrid_listener_free);
	g_clear_pointer(&dev, vsock_device_free);
	return 0;
}
