// SPDX-License-Identifier: GPL-2.0-only
#include "vhost-user.h"
#include "fd-watch.h"
#include "socket-util.h"
#include "vhost-user-msg.h"

#include <errno.h>
#include <gio/gio.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>
#include <linux/virtio_vsock.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * What we offer. No VIRTIO_VSOCK_F_SEQPACKET (stream only), no
 * NOTIFY_ON_EMPTY (legacy), no logging (no live migration of the backend).
 */
#define VSOCKD_FEATURES                                                                            \
	((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_RING_F_INDIRECT_DESC) |                    \
	 (1ull << VIRTIO_RING_F_EVENT_IDX) | (1ull << VHOST_USER_F_PROTOCOL_FEATURES))
#define VSOCKD_PROTOCOL_FEATURES                                                                   \
	((1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK) | (1ull << VHOST_USER_PROTOCOL_F_CONFIG) |      \
	 (1ull << VHOST_USER_PROTOCOL_F_RESET_DEVICE))

typedef struct {
	VhostUserServer *server;
	guint index;
	FdWatch *watch;
} KickWatch;

struct VhostUserServer {
	VsockDevice *dev;
	char *path;
	int listen_fd;
	FdWatch *listen_watch;
	int fd; /* the QEMU session, -1 when none */
	FdWatch *watch;
	guint64 features;
	guint64 protocol_features;
	KickWatch kicks[VSOCK_NUM_QUEUES];
	VhostUserMsg msg; /* 4 KiB: not on the stack */
};

static gboolean has_feature(guint64 set, guint bit)
{
	return (set >> bit) & 1;
}

static void stop_kick_watch(VhostUserServer *server, guint index)
{
	g_clear_pointer(&server->kicks[index].watch, fd_watch_free);
}

static void session_end(VhostUserServer *server)
{
	for (guint i = 0; i < VSOCK_NUM_QUEUES; i++)
		stop_kick_watch(server, i);
	g_clear_pointer(&server->watch, fd_watch_free);
	if (server->fd >= 0)
		close(server->fd);
	server->fd = -1;
	server->features = 0;
	server->protocol_features = 0;
	vsock_device_disconnect(server->dev);
}

static void on_kick(int fd, GIOCondition ready, gpointer user_data)
{
	KickWatch *kick = user_data;
	eventfd_t value;

	/* Drain: many guest kicks collapse into one pass over the ring. */
	if (eventfd_read(fd, &value) < 0 && errno != EAGAIN)
		g_message("%s queue: reading the kick eventfd: %s",
			  vsock_device_queue(kick->server->dev, kick->index)->name,
			  g_strerror(errno));
	vsock_device_kick(kick->server->dev, kick->index);
}

static gboolean need_size(const VhostUserMsg *msg, gsize size, GError **error)
{
	if (msg->hdr.size < size) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "payload of %u bytes, expected %" G_GSIZE_FORMAT, msg->hdr.size, size);
		return FALSE;
	}
	return TRUE;
}

static Virtqueue *ring(VhostUserServer *server, guint index, GError **error)
{
	Virtqueue *vq = vsock_device_queue(server->dev, index);

	if (!vq)
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "ring %u: vsock has rings 0 (rx) and 1 (tx) only", index);
	return vq;
}

static gboolean set_mem_table(VhostUserServer *server, VhostUserMsg *msg, GError **error)
{
	const VhostUserMemTable *table = &msg->payload.mem;
	g_autoptr(GuestMemory) mem = guest_memory_new();

	if (!need_size(msg, 8, error))
		return FALSE;
	if (table->nregions == 0 || table->nregions > VHOST_USER_MAX_REGIONS) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%u memory regions (1..%d)",
			    table->nregions, VHOST_USER_MAX_REGIONS);
		return FALSE;
	}
	if (!need_size(msg, 8 + table->nregions * sizeof(VhostUserMemRegion), error))
		return FALSE;
	if (msg->n_fds != table->nregions) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "%u memory regions but %u file descriptors", table->nregions,
			    msg->n_fds);
		return FALSE;
	}
	for (guint i = 0; i < table->nregions; i++) {
		const VhostUserMemRegion *r = &table->regions[i];

		if (!guest_memory_map_region(mem, r->gpa, r->size, r->uva, msg->fds[i],
					     r->mmap_offset, error))
			return FALSE;
		g_debug("memory region %u: gpa 0x%" G_GINT64_MODIFIER "x size 0x%" G_GINT64_MODIFIER
			"x uva 0x%" G_GINT64_MODIFIER "x",
			i, r->gpa, r->size, r->uva);
	}
	return vsock_device_set_memory(server->dev, g_steal_pointer(&mem), error);
}

static gboolean set_vring_kick(VhostUserServer *server, VhostUserMsg *msg, GError **error)
{
	guint index = (guint)(msg->payload.u64 & VHOST_USER_VRING_INDEX_MASK);
	Virtqueue *vq = ring(server, index, error);
	int fd;

	if (!vq)
		return FALSE;
	if (msg->payload.u64 & VHOST_USER_VRING_NOFD) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			    "%s queue: polling mode (no kick fd) is not supported", vq->name);
		return FALSE;
	}
	fd = vhost_user_msg_take_fd(msg);
	if (fd < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s queue: no kick fd",
			    vq->name);
		return FALSE;
	}
	stop_kick_watch(server, index);
	if (vq->kick_fd >= 0)
		close(vq->kick_fd);
	vq->kick_fd = fd;
	/* Without protocol features, rings start enabled (vhost-user spec). */
	if (!has_feature(server->features, VHOST_USER_F_PROTOCOL_FEATURES))
		vq->enabled = TRUE;
	server->kicks[index].watch = fd_watch_new(fd, G_IO_IN, on_kick, &server->kicks[index]);
	vsock_device_queue_started(server->dev, index);
	return TRUE;
}

static gboolean set_vring_call(VhostUserServer *server, VhostUserMsg *msg, GError **error)
{
	guint index = (guint)(msg->payload.u64 & VHOST_USER_VRING_INDEX_MASK);
	Virtqueue *vq = ring(server, index, error);

	if (!vq)
		return FALSE;
	if (vq->call_fd >= 0)
		close(vq->call_fd);
	vq->call_fd = (msg->payload.u64 & VHOST_USER_VRING_NOFD) ? -1 : vhost_user_msg_take_fd(msg);
	return TRUE;
}

static gboolean get_config(VhostUserServer *server, VhostUserMsg *msg, GError **error)
{
	const VhostUserConfig *req = &msg->payload.config;
	VhostUserConfig reply = {0};
	struct virtio_vsock_config config = {
		.guest_cid = GUINT64_TO_LE(vsock_device_config(server->dev)->guest_cid),
	};

	if (!need_size(msg, VHOST_USER_CONFIG_HDR_SIZE, error))
		return FALSE;
	if (req->size > VHOST_USER_MAX_CONFIG ||
	    msg->hdr.size != VHOST_USER_CONFIG_HDR_SIZE + req->size) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "config request for %u bytes in a %u-byte message", req->size,
			    msg->hdr.size);
		return FALSE;
	}
	reply.offset = req->offset;
	reply.flags = req->flags;
	/* A zero-size reply is how a backend says no (QEMU then fails). */
	if (req->offset > sizeof(config) || req->size > sizeof(config) - req->offset) {
		g_message("vhost-user GET_CONFIG: bytes %u..%u are outside the %zu-byte vsock "
			  "config",
			  req->offset, req->offset + req->size, sizeof(config));
		return vhost_user_msg_reply(server->fd, msg, &reply, VHOST_USER_CONFIG_HDR_SIZE,
					    error);
	}
	reply.size = req->size;
	memcpy(reply.data, (const guint8 *)&config + req->offset, req->size);
	return vhost_user_msg_reply(server->fd, msg, &reply,
				    (guint32)(VHOST_USER_CONFIG_HDR_SIZE + req->size), error);
}

static void reset_device(VhostUserServer *server)
{
	for (guint i = 0; i < VSOCK_NUM_QUEUES; i++) {
		stop_kick_watch(server, i);
		vsock_device_queue_stopped(server->dev, i);
		virtqueue_reset(vsock_device_queue(server->dev, i));
	}
	server->features = 0;
}

/* Handles one request; *replied tells whether it sent its own reply. */
static gboolean handle(VhostUserServer *server, VhostUserMsg *msg, gboolean *replied,
		       GError **error)
{
	VsockDevice *dev = server->dev;
	Virtqueue *vq;
	guint64 u64;

	*replied = FALSE;
	switch (msg->hdr.request) {
	case VHOST_USER_GET_FEATURES:
		u64 = VSOCKD_FEATURES;
		*replied = TRUE;
		return vhost_user_msg_reply(server->fd, msg, &u64, sizeof(u64), error);
	case VHOST_USER_SET_FEATURES:
		if (!need_size(msg, 8, error))
			return FALSE;
		if (msg->payload.u64 & ~VSOCKD_FEATURES) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
				    "features 0x%" G_GINT64_MODIFIER "x were not offered",
				    (guint64)(msg->payload.u64 & ~VSOCKD_FEATURES));
			return FALSE;
		}
		server->features = msg->payload.u64;
		vsock_device_set_ring_features(
			dev, has_feature(server->features, VIRTIO_RING_F_EVENT_IDX),
			has_feature(server->features, VIRTIO_RING_F_INDIRECT_DESC));
		return TRUE;
	case VHOST_USER_GET_PROTOCOL_FEATURES:
		u64 = VSOCKD_PROTOCOL_FEATURES;
		*replied = TRUE;
		return vhost_user_msg_reply(server->fd, msg, &u64, sizeof(u64), error);
	case VHOST_USER_SET_PROTOCOL_FEATURES:
		if (!need_size(msg, 8, error))
			return FALSE;
		server->protocol_features = msg->payload.u64 & VSOCKD_PROTOCOL_FEATURES;
		return TRUE;
	case VHOST_USER_GET_QUEUE_NUM:
		u64 = VSOCK_NUM_QUEUES;
		*replied = TRUE;
		return vhost_user_msg_reply(server->fd, msg, &u64, sizeof(u64), error);
	case VHOST_USER_SET_OWNER:
		return TRUE;
	case VHOST_USER_RESET_OWNER:
	case VHOST_USER_RESET_DEVICE:
		reset_device(server);
		return TRUE;
	case VHOST_USER_SET_MEM_TABLE:
		return set_mem_table(server, msg, error);
	case VHOST_USER_SET_VRING_NUM:
		if (!need_size(msg, sizeof(VhostUserVringState), error) ||
		    !(vq = ring(server, msg->payload.state.index, error)))
			return FALSE;
		return virtqueue_set_num(vq, msg->payload.state.num, error);
	case VHOST_USER_SET_VRING_ADDR:
		if (!need_size(msg, sizeof(VhostUserVringAddr), error) ||
		    !(vq = ring(server, msg->payload.addr.index, error)))
			return FALSE;
		return virtqueue_set_addr(vq, vsock_device_memory(dev), msg->payload.addr.desc,
					  msg->payload.addr.avail, msg->payload.addr.used, error);
	case VHOST_USER_SET_VRING_BASE:
		if (!need_size(msg, sizeof(VhostUserVringState), error) ||
		    !(vq = ring(server, msg->payload.state.index, error)))
			return FALSE;
		virtqueue_set_base(vq, (guint16)msg->payload.state.num);
		return TRUE;
	case VHOST_USER_GET_VRING_BASE: {
		VhostUserVringState state;

		if (!need_size(msg, sizeof(VhostUserVringState), error) ||
		    !(vq = ring(server, msg->payload.state.index, error)))
			return FALSE;
		stop_kick_watch(server, vq->index);
		vsock_device_queue_stopped(dev, vq->index);
		state = (VhostUserVringState){vq->index, vq->last_avail_idx};
		*replied = TRUE;
		return vhost_user_msg_reply(server->fd, msg, &state, sizeof(state), error);
	}
	case VHOST_USER_SET_VRING_KICK:
		return need_size(msg, 8, error) && set_vring_kick(server, msg, error);
	case VHOST_USER_SET_VRING_CALL:
		return need_size(msg, 8, error) && set_vring_call(server, msg, error);
	case VHOST_USER_SET_VRING_ERR:
		/* We never report ring errors through it; just don't leak it. */
		return TRUE;
	case VHOST_USER_SET_VRING_ENABLE:
		if (!need_size(msg, sizeof(VhostUserVringState), error) ||
		    !(vq = ring(server, msg->payload.state.index, error)))
			return FALSE;
		vq->enabled = msg->payload.state.num != 0;
		vsock_device_kick(dev, vq->index);
		return TRUE;
	case VHOST_USER_GET_CONFIG:
		*replied = TRUE;
		return get_config(server, msg, error);
	case VHOST_USER_SET_CONFIG:
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
			    "the vsock config (guest_cid) is read-only");
		return FALSE;
	default:
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
			    "request %u is not supported", msg->hdr.request);
		return FALSE;
	}
}

static void session_readable(int fd, GIOCondition ready, gpointer user_data)
{
	VhostUserServer *server = user_data;
	VhostUserMsg *msg = &server->msg;
	g_autoptr(GError) error = NULL;
	gboolean replied = FALSE;
	gboolean ok;
	int r;

	r = vhost_user_msg_read(fd, msg, &error);
	if (r <= 0) {
		if (r < 0)
			g_message("%s: %s; dropping QEMU", server->path, error->message);
		else
			g_message("%s: QEMU disconnected; waiting for it to come back",
				  server->path);
		session_end(server);
		return;
	}
	if ((msg->hdr.flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION) {
		g_message("%s: vhost-user version %u (want %u); dropping QEMU", server->path,
			  msg->hdr.flags & VHOST_USER_VERSION_MASK, VHOST_USER_VERSION);
		vhost_user_msg_close_fds(msg);
		session_end(server);
		return;
	}
	g_debug("vhost-user %s (%u bytes, %u fds)", vhost_user_request_name(msg->hdr.request),
		msg->hdr.size, msg->n_fds);
	ok = handle(server, msg, &replied, &error);
	vhost_user_msg_close_fds(msg);
	if (!ok)
		g_message("vhost-user %s: %s", vhost_user_request_name(msg->hdr.request),
			  error->message);
	if (server->fd < 0)
		return;
	if (!replied && (msg->hdr.flags & VHOST_USER_NEED_REPLY) &&
	    has_feature(server->protocol_features, VHOST_USER_PROTOCOL_F_REPLY_ACK)) {
		guint64 status = ok ? 0 : 1;
		g_autoptr(GError) reply_error = NULL;

		if (!vhost_user_msg_reply(server->fd, msg, &status, sizeof(status), &reply_error)) {
			g_message("%s: %s; dropping QEMU", server->path, reply_error->message);
			session_end(server);
		}
	}
}

static gboolean session_gone(int fd)
{
	char byte;
	ssize_t n = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

static void listener_readable(int fd, GIOCondition ready, gpointer user_data)
{
	VhostUserServer *server = user_data;
	int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

	if (client < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			g_message("%s: accept: %s", server->path, g_strerror(errno));
		return;
	}
	/* A restarted QEMU may get here before we noticed the old one hang up. */
	if (server->fd >= 0 && session_gone(server->fd)) {
		g_message("%s: QEMU disconnected; a new one is here", server->path);
		session_end(server);
	}
	if (server->fd >= 0) {
		g_message("%s: a second vhost-user client while QEMU is connected; closing it",
			  server->path);
		close(client);
		return;
	}
	g_message("%s: QEMU connected", server->path);
	server->fd = client;
	server->watch = fd_watch_new(client, G_IO_IN, session_readable, server);
}

VhostUserServer *vhost_user_server_new(VsockDevice *dev, const char *path, GError **error)
{
	VhostUserServer *server;
	int fd = unix_listen(path, error);

	if (fd < 0)
		return NULL;
	server = g_new0(VhostUserServer, 1);
	server->dev = dev;
	server->path = g_strdup(path);
	server->listen_fd = fd;
	server->fd = -1;
	for (guint i = 0; i < VSOCK_NUM_QUEUES; i++)
		server->kicks[i] = (KickWatch){server, i, NULL};
	server->listen_watch = fd_watch_new(fd, G_IO_IN, listener_readable, server);
	return server;
}

gboolean vhost_user_server_connected(const VhostUserServer *server)
{
	return server->fd >= 0;
}

void vhost_user_server_free(VhostUserServer *server)
{
	if (!server)
		return;
	if (server->fd >= 0)
		session_end(server);
	fd_watch_free(server->listen_watch);
	close(server->listen_fd);
	unlink(server->path);
	g_free(server->path);
	g_free(server);
}
