// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hybrid vsock: connect to the VM's Unix socket, send "CONNECT <port>\n",
 * expect "OK <host port>\n". ckpt-vsockd explains failures in an
 * "ERR <kind>: ..." line; Firecracker and Cloud Hypervisor just close.
 */
#include "ckpt-transport.h"
#include "transport-wait.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define HYBRID_ANSWER_MAX 128

static int connect_bridge(const char *vm_name, const char *path, gint64 deadline,
			  GCancellable *cancellable, GError **error)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_NO_BRIDGE,
			    "%s: bridge socket path %s is too long", vm_name, path);
		return -1;
	}
	memcpy(addr.sun_path, path, strlen(path));
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_FAILED,
				    "%s: socket: %s", vm_name, g_strerror(errno));
			return -1;
		}
		if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
			return fd;
		int err = errno;

		close(fd);
		switch (err) {
		case ENOENT:
			g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_NO_BRIDGE,
				    "%s: bridge socket missing: is ckpt-vsockd running? (%s: %s)",
				    vm_name, path, g_strerror(err));
			return -1;
		case ECONNREFUSED:
			g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_NO_BRIDGE,
				    "%s: bridge socket %s accepts no connections: is ckpt-vsockd "
				    "running?",
				    vm_name, path);
			return -1;
		case EAGAIN:
			/* The daemon's backlog is full: it is busy, not gone. Retry. */
			if (deadline && g_get_monotonic_time() >= deadline) {
				g_set_error(error, CKPT_TRANSPORT_ERROR,
					    CKPT_TRANSPORT_ERROR_TIMEOUT,
					    "%s: bridge socket %s: backlog full until the timeout",
					    vm_name, path);
				return -1;
			}
			if (g_cancellable_set_error_if_cancelled(cancellable, error))
				return -1;
			g_usleep(10000);
			continue;
		default:
			g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_NO_BRIDGE,
				    "%s: bridge socket %s: %s", vm_name, path, g_strerror(err));
			return -1;
		}
	}
}

/* Map the bridge's answer line (without the newline) to success or an error. */
static gboolean judge_answer(const char *vm_name, const char *path, guint32 port, const char *line,
			     GError **error)
{
	const char *why;

	if (g_str_has_prefix(line, "OK "))
		return TRUE;
	if (!g_str_has_prefix(line, "ERR ")) {
		g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_PROTOCOL,
			    "%s: bridge %s answered \"%s\" to CONNECT %u", vm_name, path, line,
			    port);
		return FALSE;
	}
	why = line + 4;
	if (g_str_has_prefix(why, "refused"))
		g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_NO_LISTENER,
			    "%s: no agent listening on vsock port %u", vm_name, port);
	else if (g_str_has_prefix(why, "timeout"))
		g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_TIMEOUT,
			    "%s: vsock port %u: the guest did not answer (is it up?)", vm_name,
			    port);
	else if (g_str_has_prefix(why, "no guest"))
		g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_UNREACHABLE,
			    "%s: ckpt-vsockd has no guest: is the VM running? (%s)", vm_name, why);
	else
		g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_FAILED,
			    "%s: vsock port %u: ckpt-vsockd: %s", vm_name, port, why);
	return FALSE;
}

/* Read the answer line without consuming any byte of the stream after it. */
static gboolean read_answer(int fd, const char *vm_name, const char *path, guint32 port,
			    guint timeout_ms, gint64 deadline, GCancellable *cancellable,
			    GError **error)
{
	char line[HYBRID_ANSWER_MAX + 1];
	gsize len = 0;

	while (len < HYBRID_ANSWER_MAX) {
		char *nl;
		ssize_t n;

		switch (transport_wait(fd, G_IO_IN, deadline, cancellable, error)) {
		case TRANSPORT_WAIT_READY:
			break;
		case TRANSPORT_WAIT_TIMEOUT:
			g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_TIMEOUT,
				    "%s: vsock port %u via %s: no answer within %u ms", vm_name,
				    port, path, timeout_ms);
			return FALSE;
		default:
			g_prefix_error(error, "%s: vsock port %u: ", vm_name, port);
			return FALSE;
		}
		n = recv(fd, line + len, HYBRID_ANSWER_MAX - len, MSG_PEEK);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			/* Firecracker's way of saying nothing listens on the port. */
			if (n == 0 || errno == ECONNRESET)
				g_set_error(error, CKPT_TRANSPORT_ERROR,
					    CKPT_TRANSPORT_ERROR_NO_LISTENER,
					    "%s: no agent listening on vsock port %u", vm_name,
					    port);
			else
				g_set_error(error, CKPT_TRANSPORT_ERROR,
					    CKPT_TRANSPORT_ERROR_FAILED,
					    "%s: vsock port %u via %s: %s", vm_name, port, path,
					    g_strerror(errno));
			return FALSE;
		}
		nl = memchr(line + len, '\n', (size_t)n);
		gsize take = nl ? (gsize)(nl - (line + len) + 1) : (gsize)n;

		if (recv(fd, line + len, take, 0) != (ssize_t)take) {
			g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_FAILED,
				    "%s: vsock port %u via %s: reading the answer: %s", vm_name,
				    port, path, g_strerror(errno));
			return FALSE;
		}
		len += take;
		if (nl) {
			line[len - 1] = '\0';
			return judge_answer(vm_name, path, port, line, error);
		}
	}
	g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_PROTOCOL,
		    "%s: bridge %s: answer to CONNECT %u longer than %d bytes", vm_name, path, port,
		    HYBRID_ANSWER_MAX);
	return FALSE;
}

GSocketConnection *ckpt_transport_connect_hybrid(const char *vm_name, const char *uds_path,
						 guint32 port, guint timeout_ms,
						 GCancellable *cancellable, GError **error)
{
	gint64 deadline = transport_deadline(timeout_ms);
	char request[32];
	int len = g_snprintf(request, sizeof(request), "CONNECT %u\n", port);
	int fd = connect_bridge(vm_name, uds_path, deadline, cancellable, error);

	if (fd < 0)
		return NULL;
	/* A fresh socket's buffer always takes a line this short. */
	if (send(fd, request, (size_t)len, MSG_NOSIGNAL) != len) {
		g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_NO_BRIDGE,
			    "%s: bridge socket %s: sending CONNECT: %s", vm_name, uds_path,
			    g_strerror(errno));
		close(fd);
		return NULL;
	}
	if (!read_answer(fd, vm_name, uds_path, port, timeout_ms, deadline, cancellable, error)) {
		close(fd);
		return NULL;
	}
	return transport_wrap_fd(fd, vm_name, error);
}
