// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckpt-transport-test: drives the host transport library (host/transport/)
 * against a live vsock-test server, over AF_VSOCK (in a guest: vsock_loopback,
 * CID 1) or hybrid vsock (on the host: ckpt-vsockd's socket). Prints
 * PASS/FAIL lines the VM harness counts.
 */
#include "ckpt-transport.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void report(gboolean ok, const char *name, const char *why)
{
	if (ok) {
		g_print("PASS %s\n", name);
	} else {
		g_print("FAIL %s (%s)\n", name, why);
		failures++;
	}
}

static GSocketConnection *connect_to(const CkptEndpoint *ep, const char *vm, guint32 port,
				     GError **error)
{
	return ckpt_transport_connect(vm, ep, port, 5000, NULL, error);
}

/* ECHO a block through the stream the library returned. */
static void check_echo(const CkptEndpoint *ep, const char *vm, guint32 port, const char *name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketConnection) conn = connect_to(ep, vm, port, &error);
	guint8 out[100000], in[100000];
	gsize n;

	if (!conn) {
		report(FALSE, name, error->message);
		return;
	}
	for (gsize i = 0; i < sizeof(out); i++)
		out[i] = (guint8)(i * 13);
	GOutputStream *os = g_io_stream_get_output_stream(G_IO_STREAM(conn));
	GInputStream *is = g_io_stream_get_input_stream(G_IO_STREAM(conn));

	if (!g_output_stream_write_all(os, "ECHO\n", 5, NULL, NULL, &error) ||
	    !g_output_stream_write_all(os, out, sizeof(out), NULL, NULL, &error) ||
	    !g_socket_shutdown(g_socket_connection_get_socket(conn), FALSE, TRUE, &error) ||
	    !g_input_stream_read_all(is, in, sizeof(in), &n, NULL, &error)) {
		report(FALSE, name, error->message);
		return;
	}
	report(n == sizeof(in) && memcmp(in, out, n) == 0, name, "echo differs");
}

static void check_error(const CkptEndpoint *ep, const char *vm, guint32 port, gint code,
			const char *expect, const char *name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketConnection) conn = connect_to(ep, vm, port, &error);
	g_autofree char *why = NULL;

	if (conn) {
		report(FALSE, name, "connected, expected an error");
		return;
	}
	if (g_error_matches(error, CKPT_TRANSPORT_ERROR, code) &&
	    g_str_has_prefix(error->message, expect)) {
		g_print("%s: \"%s\"\n", name, error->message);
		report(TRUE, name, NULL);
		return;
	}
	why = g_strdup_printf("got \"%s\" (code %d), expected \"%s...\" (code %d)", error->message,
			      error->code, expect, code);
	report(FALSE, name, why);
}

int main(int argc, char **argv)
{
	g_autofree char *name = g_strdup("vmtest");
	g_autofree char *uds = NULL;
	gint cid = -1, port = 0, closed_port = 0;
	GOptionEntry entries[] = {
		{"name", 0, 0, G_OPTION_ARG_STRING, &name, "VM name in messages", "NAME"},
		{"cid", 0, 0, G_OPTION_ARG_INT, &cid, "AF_VSOCK CID to reach", "CID"},
		{"uds", 0, 0, G_OPTION_ARG_FILENAME, &uds, "hybrid vsock socket", "PATH"},
		{"port", 0, 0, G_OPTION_ARG_INT, &port, "a vsock-test server's port", "PORT"},
		{"closed-port", 0, 0, G_OPTION_ARG_INT, &closed_port, "a port nobody listens on",
		 "PORT"},
		{NULL},
	};
	g_autoptr(GOptionContext) context = g_option_context_new("- transport library checks");
	g_autoptr(GError) error = NULL;
	CkptEndpoint ep = {0};
	g_autofree char *expect = NULL;
	const char *kind;

	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error) || (cid < 0) == (uds == NULL) ||
	    port <= 0 || closed_port <= 0) {
		g_printerr("usage: ckpt-transport-test (--cid N | --uds PATH) --port P "
			   "--closed-port Q\n");
		return 2;
	}
	if (uds)
		ckpt_endpoint_set_hybrid(&ep, uds);
	else
		ckpt_endpoint_set_vsock(&ep, (guint32)cid);
	kind = uds ? "hybrid" : "vsock";

	g_autofree char *echo_name = g_strdup_printf("transport-%s-echo", kind);
	g_autofree char *refused_name = g_strdup_printf("transport-%s-no-listener", kind);

	check_echo(&ep, name, (guint32)port, echo_name);
	expect = g_strdup_printf("%s: no agent listening on vsock port %d", name, closed_port);
	check_error(&ep, name, (guint32)closed_port, CKPT_TRANSPORT_ERROR_NO_LISTENER, expect,
		    refused_name);
	if (uds) {
		g_autofree char *missing = g_strconcat(uds, ".missing", NULL);
		CkptEndpoint gone = {0};

		ckpt_endpoint_set_hybrid(&gone, missing);
		g_free(expect);
		expect =
			g_strdup_printf("%s: bridge socket missing: is ckpt-vsockd running?", name);
		check_error(&gone, name, (guint32)port, CKPT_TRANSPORT_ERROR_NO_BRIDGE, expect,
			    "transport-hybrid-bridge-missing");
		ckpt_endpoint_clear(&gone);
	}
	ckpt_endpoint_clear(&ep);
	return failures ? 1 : 0;
}
