// SPDX-License-Identifier: GPL-2.0-only
/*
 * The host build's connector for ckpt-agent-client: unix:PATH directly,
 * vsock:CID and hybrid:PATH through the host transport library
 * (host/transport), the way ckpt-host reaches a guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "ckpt-transport.h"
#include "client-connect.h"

const char *client_connect_forms(void)
{
	return "unix:PATH, vsock:CID or hybrid:PATH (ckpt-vsockd's socket)";
}

int client_connect(const char *endpoint, guint32 port, guint timeout_ms, GError **error)
{
	g_autoptr(GSocketConnection) conn = NULL;
	CkptEndpoint ep;
	GSocket *sock;
	guint64 cid;
	int fd;

	if (g_str_has_prefix(endpoint, "unix:"))
		return client_connect_unix(endpoint + 5, error);
	/* CID 1 (loopback) is a valid target here; the library's parser wants >= 3. */
	if (g_str_has_prefix(endpoint, "vsock:") &&
	    g_ascii_string_to_unsigned(endpoint + 6, 10, 0, G_MAXUINT32, &cid, NULL)) {
		conn = ckpt_transport_connect_vsock(endpoint, (guint32)cid, port, timeout_ms, NULL,
						    error);
	} else {
		if (!ckpt_endpoint_parse(endpoint, &ep, error))
			return -1;
		conn = ckpt_transport_connect(endpoint, &ep, port, timeout_ms, NULL, error);
		ckpt_endpoint_clear(&ep);
	}
	if (!conn)
		return -1;
	sock = g_socket_connection_get_socket(conn);
	/* Keep the fd past the GSocket: dup it. */
	fd = fcntl(g_socket_get_fd(sock), F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "%s: dup: %s",
			    endpoint, g_strerror(errno));
		return -1;
	}
	return fd;
}
