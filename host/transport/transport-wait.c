// SPDX-License-Identifier: GPL-2.0-only
#include "ckpt-transport.h"
#include "transport-wait.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

/* The quark name is stringified: keep clang-format from spacing its dashes. */
// clang-format off
G_DEFINE_QUARK(ckpt-transport-error-quark, ckpt_transport_error)
// clang-format on

gint64 transport_deadline(guint timeout_ms)
{
	return timeout_ms ? g_get_monotonic_time() + (gint64)timeout_ms * 1000 : 0;
}

TransportWait transport_wait(int fd, GIOCondition condition, gint64 deadline,
			     GCancellable *cancellable, GError **error)
{
	struct pollfd fds[2] = {{.fd = fd, .events = (short)condition}};
	GPollFD cancel_fd;
	nfds_t n = 1;

	if (g_cancellable_make_pollfd(cancellable, &cancel_fd)) {
		fds[1] = (struct pollfd){.fd = cancel_fd.fd, .events = POLLIN};
		n = 2;
	}
	for (;;) {
		int timeout = -1;
		int r;

		if (g_cancellable_set_error_if_cancelled(cancellable, error)) {
			if (n == 2)
				g_cancellable_release_fd(cancellable);
			return TRANSPORT_WAIT_CANCELLED;
		}
		if (deadline) {
			gint64 left = deadline - g_get_monotonic_time();

			if (left <= 0)
				break;
			timeout = (int)MIN((left + 999) / 1000, G_MAXINT);
		}
		r = poll(fds, n, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = errno;

			if (n == 2)
				g_cancellable_release_fd(cancellable);
			g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_FAILED,
				    "poll: %s", g_strerror(err));
			return TRANSPORT_WAIT_FAILED;
		}
		if (fds[0].revents) {
			if (n == 2)
				g_cancellable_release_fd(cancellable);
			return TRANSPORT_WAIT_READY;
		}
	}
	if (n == 2)
		g_cancellable_release_fd(cancellable);
	return TRANSPORT_WAIT_TIMEOUT;
}

GSocketConnection *transport_wrap_fd(int fd, const char *vm_name, GError **error)
{
	g_autoptr(GSocket) socket = g_socket_new_from_fd(fd, error);

	if (!socket) {
		close(fd);
		g_prefix_error(error, "%s: ", vm_name);
		return NULL;
	}
	g_socket_set_blocking(socket, TRUE);
	return g_socket_connection_factory_create_connection(socket);
}
