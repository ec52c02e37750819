// SPDX-License-Identifier: GPL-2.0-only
/* The guest build's connector: AF_UNIX and plain AF_VSOCK (CID 1 is loopback). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#include <gio/gio.h>

#include "client-connect.h"

const char *client_connect_forms(void)
{
	return "unix:PATH or vsock:CID";
}

static int connect_vsock(guint32 cid, guint32 port, guint timeout_ms, GError **error)
{
	struct sockaddr_vm addr = {.svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port};
	struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && timeout_ms)
		setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, &tv, sizeof(tv));
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = errno;

		if (fd >= 0)
			close(fd);
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "vsock:%u port %u: %s",
			    cid, port, g_strerror(err));
		return -1;
	}
	return fd;
}

int client_connect(const char *endpoint, guint32 port, guint timeout_ms, GError **error)
{
	guint64 cid;

	if (g_str_has_prefix(endpoint, "unix:"))
		return client_connect_unix(endpoint + 5, error);
	if (g_str_has_prefix(endpoint, "vsock:") &&
	    g_ascii_string_to_unsigned(endpoint + 6, 10, 0, G_MAXUINT32, &cid, NULL))
		return connect_vsock((guint32)cid, port, timeout_ms, error);
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "endpoint \"%s\": expected %s",
		    endpoint, client_connect_forms());
	return -1;
}
