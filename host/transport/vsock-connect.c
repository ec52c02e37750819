// SPDX-License-Identifier: GPL-2.0-only
/* Kernel AF_VSOCK (vhost-vsock hosts, or vsock_loopback CID 1 inside a guest). */
#include "ckpt-transport.h"
#include "transport-wait.h"

#include <errno.h>
#include <linux/vm_sockets.h>
#include <sys/socket.h>
#include <unistd.h>

static void set_vsock_error(GError **error, const char *vm_name, guint32 cid, guint32 port, int err)
{
	switch (err) {
	case ECONNRESET:
	case ECONNREFUSED:
		g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_NO_LISTENER,
			    "%s: no agent listening on vsock port %u", vm_name, port);
		break;
	case ETIMEDOUT:
		g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_TIMEOUT,
			    "%s: vsock CID %u port %u: no answer (is the guest up?)", vm_name, cid,
			    port);
		break;
	case ENODEV:
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EADDRNOTAVAIL:
		g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_UNREACHABLE,
			    "%s: vsock CID %u is unreachable (%s): is the VM running with a vsock "
			    "device?",
			    vm_name, cid, g_strerror(err));
		break;
	default:
		g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_FAILED,
			    "%s: vsock CID %u port %u: %s", vm_name, cid, port, g_strerror(err));
	}
}

GSocketConnection *ckpt_transport_connect_vsock(const char *vm_name, guint32 cid, guint32 port,
						guint timeout_ms, GCancellable *cancellable,
						GError **error)
{
	struct sockaddr_vm addr = {.svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port};
	gint64 deadline = transport_deadline(timeout_ms);
	socklen_t len = sizeof(int);
	int err = 0;
	int fd;

	fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = errno;
		if (err == EAFNOSUPPORT)
			g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_UNREACHABLE,
				    "%s: this host has no AF_VSOCK (load vhost_vsock, or reach the "
				    "VM through ckpt-vsockd)",
				    vm_name);
		else
			set_vsock_error(error, vm_name, cid, port, err);
		return NULL;
	}
	if (timeout_ms) {
		/* The kernel gives up after 2 s by default; let our deadline decide. */
		struct timeval tv = {.tv_sec = timeout_ms / 1000,
				     .tv_usec = (timeout_ms % 1000) * 1000};

		setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, &tv, sizeof(tv));
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (errno != EINPROGRESS) {
			set_vsock_error(error, vm_name, cid, port, errno);
			close(fd);
			return NULL;
		}
		switch (transport_wait(fd, G_IO_OUT, deadline, cancellable, error)) {
		case TRANSPORT_WAIT_READY:
			break;
		case TRANSPORT_WAIT_TIMEOUT:
			g_set_error(
				error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_TIMEOUT,
				"%s: vsock CID %u port %u: no answer within %u ms (is the guest "
				"up?)",
				vm_name, cid, port, timeout_ms);
			close(fd);
			return NULL;
		default:
			g_prefix_error(error, "%s: vsock CID %u port %u: ", vm_name, cid, port);
			close(fd);
			return NULL;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			set_vsock_error(error, vm_name, cid, port, err);
			close(fd);
			return NULL;
		}
	}
	return transport_wrap_fd(fd, vm_name, error);
}
