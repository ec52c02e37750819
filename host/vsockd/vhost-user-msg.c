// SPDX-License-Identifier: GPL-2.0-only
#include "vhost-user-msg.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int read_error(GError **error, const char *what, int err)
{
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "vhost-user %s: %s", what,
		    g_strerror(err));
	return -1;
}

int vhost_user_msg_read(int fd, VhostUserMsg *msg, GError **error)
{
	char control[CMSG_SPACE(VHOST_USER_MAX_FDS * sizeof(int))];
	struct iovec iov = {&msg->hdr, sizeof(msg->hdr)};
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	ssize_t n;

	msg->n_fds = 0;
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return read_error(error, "header", errno);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		guint count = (guint)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));

		memcpy(msg->fds, CMSG_DATA(c), count * sizeof(int));
		msg->n_fds = count;
	}
	if (n == 0)
		return 0;
	if (mh.msg_flags & MSG_CTRUNC) {
		vhost_user_msg_close_fds(msg);
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "vhost-user request %u: more than %d file descriptors",
			    msg->hdr.request, VHOST_USER_MAX_FDS);
		return -1;
	}
	if ((size_t)n != sizeof(msg->hdr)) {
		vhost_user_msg_close_fds(msg);
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "vhost-user: short header (%zd bytes)", n);
		return -1;
	}
	if (msg->hdr.size > VHOST_USER_MAX_PAYLOAD) {
		vhost_user_msg_close_fds(msg);
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "vhost-user %s: payload of %u bytes (limit %d)",
			    vhost_user_request_name(msg->hdr.request), msg->hdr.size,
			    VHOST_USER_MAX_PAYLOAD);
		return -1;
	}
	if (msg->hdr.size == 0)
		return 1;
	do
		n = recv(fd, &msg->payload, msg->hdr.size, MSG_WAITALL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)msg->hdr.size) {
		int err = n < 0 ? errno : EPIPE;

		vhost_user_msg_close_fds(msg);
		return read_error(error, vhost_user_request_name(msg->hdr.request), err);
	}
	return 1;
}

gboolean vhost_user_msg_reply(int fd, const VhostUserMsg *request, const void *payload,
			      guint32 size, GError **error)
{
	VhostUserHeader hdr = {
		.request = request->hdr.request,
		.flags = VHOST_USER_VERSION | VHOST_USER_REPLY,
		.size = size,
	};
	struct iovec iov[2] = {{&hdr, sizeof(hdr)}, {(void *)payload, size}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
	gsize total = sizeof(hdr) + size;
	ssize_t n;

	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)total) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
			    "vhost-user %s: sending the reply: %s",
			    vhost_user_request_name(request->hdr.request),
			    n < 0 ? g_strerror(errno) : "short write");
		return FALSE;
	}
	return TRUE;
}

int vhost_user_msg_take_fd(VhostUserMsg *msg)
{
	int fd;

	if (msg->n_fds == 0)
		return -1;
	fd = msg->fds[0];
	msg->fds[0] = -1;
	vhost_user_msg_close_fds(msg);
	return fd;
}

void vhost_user_msg_close_fds(VhostUserMsg *msg)
{
	for (guint i = 0; i < msg->n_fds; i++) {
		if (msg->fds[i] >= 0)
			close(msg->fds[i]);
	}
	msg->n_fds = 0;
}

const char *vhost_user_request_name(guint32 request)
{
	static const char *const names[] = {
		[VHOST_USER_GET_FEATURES] = "GET_FEATURES",
		[VHOST_USER_SET_FEATURES] = "SET_FEATURES",
		[VHOST_USER_SET_OWNER] = "SET_OWNER",
		[VHOST_USER_RESET_OWNER] = "RESET_OWNER",
		[VHOST_USER_SET_MEM_TABLE] = "SET_MEM_TABLE",
		[VHOST_USER_SET_LOG_BASE] = "SET_LOG_BASE",
		[VHOST_USER_SET_LOG_FD] = "SET_LOG_FD",
		[VHOST_USER_SET_VRING_NUM] = "SET_VRING_NUM",
		[VHOST_USER_SET_VRING_ADDR] = "SET_VRING_ADDR",
		[VHOST_USER_SET_VRING_BASE] = "SET_VRING_BASE",
		[VHOST_USER_GET_VRING_BASE] = "GET_VRING_BASE",
		[VHOST_USER_SET_VRING_KICK] = "SET_VRING_KICK",
		[VHOST_USER_SET_VRING_CALL] = "SET_VRING_CALL",
		[VHOST_USER_SET_VRING_ERR] = "SET_VRING_ERR",
		[VHOST_USER_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
		[VHOST_USER_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
		[VHOST_USER_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
		[VHOST_USER_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
		[VHOST_USER_GET_CONFIG] = "GET_CONFIG",
		[VHOST_USER_SET_CONFIG] = "SET_CONFIG",
		[VHOST_USER_RESET_DEVICE] = "RESET_DEVICE",
	};

	if (request < G_N_ELEMENTS(names) && names[request])
		return names[request];
	return "unknown request";
}
