// SPDX-License-Identifier: GPL-2.0-only
#include "vsock-conn.h"
#include "iov-util.h"
#include "virtqueue.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* How long a closing connection may wait for a stalled host reader. */
#define VSOCK_CONN_LINGER_MS 30000

static void conn_io(int fd, GIOCondition ready, gpointer user_data);
static gboolean connect_expired(gpointer user_data);

static const char *conn_kind(const VsockConn *conn)
{
	return conn->host_initiated ? "host" : "guest";
}

VsockConn *vsock_conn_new(VsockDevice *dev, guint32 host_port, guint32 guest_port, int fd,
			  gboolean host_initiated)
{
	VsockConn *conn = g_new0(VsockConn, 1);
	const VsockDeviceConfig *config = vsock_device_config(dev);

	conn->dev = dev;
	conn->host_port = host_port;
	conn->guest_port = guest_port;
	conn->fd = fd;
	conn->host_initiated = host_initiated;
	conn->state = host_initiated ? VSOCK_CONN_CONNECTING : VSOCK_CONN_ESTABLISHED;
	conn->owed = host_initiated ? VSOCK_OWE_REQUEST : VSOCK_OWE_RESPONSE;
	byte_ring_init(&conn->pending, config->buf_alloc);
	vsock_credit_init(&conn->credit, config->buf_alloc);
	conn->watch = fd_watch_new(fd, 0, conn_io, conn);
	if (host_initiated)
		conn->timer = g_timeout_add(config->connect_timeout_ms, connect_expired, conn);
	return conn;
}

void vsock_conn_free(VsockConn *conn)
{
	g_clear_handle_id(&conn->timer, g_source_remove);
	fd_watch_free(conn->watch);
	close(conn->fd);
	byte_ring_clear(&conn->pending);
	g_free(conn);
}

static void conn_close(VsockConn *conn, gboolean rst)
{
	if (conn->state == VSOCK_CONN_CLOSED)
		return;
	g_debug("%s connection host port %u <-> guest port %u: closed%s", conn_kind(conn),
		conn->host_port, conn->guest_port, rst ? ", RST owed" : "");
	conn->state = VSOCK_CONN_CLOSED;
	conn->rst_owed = rst;
	conn->owed = 0;
	g_clear_handle_id(&conn->timer, g_source_remove);
}

/* Before the "OK" line, a host program may hear why its CONNECT failed. */
static void tell_waiting_host(VsockConn *conn, const char *why)
{
	g_autofree char *line = NULL;

	if (conn->state != VSOCK_CONN_CONNECTING)
		return;
	line = g_strdup_printf("ERR %s\n", why);
	if (send(conn->fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		g_debug("host port %u: telling the host program '%s': %s", conn->host_port, why,
			g_strerror(errno));
}

void vsock_conn_abort(VsockConn *conn, const char *why)
{
	tell_waiting_host(conn, why);
	conn_close(conn, TRUE);
}

/* The host end broke (reader killed, socket reset): the guest gets a RST. */
static void host_failed(VsockConn *conn, int err)
{
	g_debug("host port %u <-> guest port %u: host socket: %s", conn->host_port,
		conn->guest_port, g_strerror(err));
	conn_close(conn, TRUE);
}

static void protocol_error(VsockConn *conn, const char *what)
{
	ratelimit_log(vsock_device_ratelimit(conn->dev),
		      "guest port %u -> host port %u: %s; resetting the connection",
		      conn->guest_port, conn->host_port, what);
	tell_waiting_host(conn, "protocol error: the guest broke the vsock protocol");
	conn_close(conn, TRUE);
}

static gboolean linger_expired(gpointer user_data)
{
	VsockConn *conn = user_data;

	conn->timer = 0;
	g_message("host port %u <-> guest port %u: host reader stalled for %d s after the guest "
		  "closed; dropping %" G_GSIZE_FORMAT " unread bytes",
		  conn->host_port, conn->guest_port, VSOCK_CONN_LINGER_MS / 1000,
		  byte_ring_used(&conn->pending));
	conn_close(conn, conn->rst_owed);
	vsock_device_conn_update(conn->dev, conn);
	return G_SOURCE_REMOVE;
}

/* The guest is done with the connection; deliver what it sent, then go. */
static void enter_closing(VsockConn *conn, gboolean rst)
{
	conn->rst_owed = rst;
	conn->owed = 0;
	if (byte_ring_used(&conn->pending) == 0) {
		conn_close(conn, rst);
		return;
	}
	conn->state = VSOCK_CONN_CLOSING;
	g_clear_handle_id(&conn->timer, g_source_remove);
	conn->timer = g_timeout_add(VSOCK_CONN_LINGER_MS, linger_expired, conn);
}

static void forwarded(VsockConn *conn, gsize n)
{
	vsock_credit_forwarded(&conn->credit, (guint32)n);
	if (vsock_credit_update_due(&conn->credit))
		conn->owed |= VSOCK_OWE_CREDIT_UPDATE;
}

static void pending_drained(VsockConn *conn)
{
	if (conn->guest_shut_send)
		shutdown(conn->fd, SHUT_WR);
	if (conn->state == VSOCK_CONN_CLOSING)
		conn_close(conn, conn->rst_owed);
}

static void flush_pending(VsockConn *conn)
{
	gssize n = byte_ring_flush(&conn->pending, conn->fd);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			host_failed(conn, errno);
		return;
	}
	forwarded(conn, (gsize)n);
	if (byte_ring_used(&conn->pending) == 0)
		pending_drained(conn);
}

static gboolean wants_input(const VsockConn *conn)
{
	return conn->state == VSOCK_CONN_ESTABLISHED && !conn->host_readable && !conn->host_eof &&
	       !conn->guest_shut_recv && vsock_credit_peer_free(&conn->credit) > 0;
}

void vsock_conn_sync_watch(VsockConn *conn)
{
	GIOCondition want = 0;

	if (conn->state != VSOCK_CONN_CLOSED) {
		if (byte_ring_used(&conn->pending))
			want |= G_IO_OUT;
		if (wants_input(conn))
			want |= G_IO_IN;
	}
	fd_watch_set(conn->watch, want);
}

static void conn_io(int fd, GIOCondition ready, gpointer user_data)
{
	VsockConn *conn = user_data;
	GIOCondition wanted = fd_watch_get(conn->watch);

	if ((wanted & G_IO_OUT) && (ready & (G_IO_OUT | G_IO_HUP | G_IO_ERR)))
		flush_pending(conn);
	/* Readable or hung up: either way the next read says what is there. */
	if (conn->state != VSOCK_CONN_CLOSED && (wanted & G_IO_IN))
		conn->host_readable = TRUE;
	vsock_device_conn_update(conn->dev, conn);
}

static gboolean connect_expired(gpointer user_data)
{
	VsockConn *conn = user_data;

	conn->timer = 0;
	g_debug("host connection to guest port %u: no answer from the guest", conn->guest_port);
	tell_waiting_host(conn, "timeout: the guest did not answer");
	conn_close(conn, TRUE);
	vsock_device_conn_update(conn->dev, conn);
	return G_SOURCE_REMOVE;
}

static void guest_accepted(VsockConn *conn)
{
	char line[32];
	int len = g_snprintf(line, sizeof(line), "OK %u\n", conn->host_port);

	g_clear_handle_id(&conn->timer, g_source_remove);
	conn->state = VSOCK_CONN_ESTABLISHED;
	/* The socket is fresh, so a short line fits unless the program left. */
	if (send(conn->fd, line, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT) != len)
		host_failed(conn, errno ? errno : EAGAIN);
}

static void receive_data(VsockConn *conn, const VsockHeader *hdr, const struct iovec *payload,
			 guint count)
{
	gsize done = 0;

	if (conn->state != VSOCK_CONN_ESTABLISHED || conn->guest_shut_send) {
		protocol_error(conn, "data after SHUTDOWN or before the connection is up");
		return;
	}
	if (hdr->len == 0)
		return;
	if (!vsock_credit_receive(&conn->credit, hdr->len)) {
		g_autofree char *what = g_strdup_printf(
			"%u bytes beyond the credit we gave (buffer %u, holding %u)", hdr->len,
			conn->credit.buf_alloc, vsock_credit_unforwarded(&conn->credit));
		protocol_error(conn, what);
		return;
	}
	if (byte_ring_used(&conn->pending) == 0) {
		struct msghdr msg = {.msg_iov = (struct iovec *)payload, .msg_iovlen = count};
		ssize_t n = sendmsg(conn->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			host_failed(conn, errno);
			return;
		}
		if (n > 0) {
			done = (gsize)n;
			forwarded(conn, done);
		}
	}
	/* What the host socket refused waits in the ring; credit guarantees room. */
	if (done < hdr->len) {
		struct iovec rest[VIRTQ_ELEM_MAX_IOV];
		guint n =
			iov_slice(payload, count, done, hdr->len - done, rest, G_N_ELEMENTS(rest));

		for (guint i = 0; i < n; i++) {
			if (byte_ring_push(&conn->pending, rest[i].iov_base, rest[i].iov_len) !=
			    rest[i].iov_len) {
				protocol_error(conn, "receive buffer overflow");
				return;
			}
		}
	}
}

static void receive_shutdown(VsockConn *conn, guint32 flags)
{
	if (conn->state == VSOCK_CONN_CONNECTING) {
		protocol_error(conn, "SHUTDOWN before RESPONSE");
		return;
	}
	if (flags & VIRTIO_VSOCK_SHUTDOWN_RCV)
		conn->guest_shut_recv = TRUE;
	if (flags & VIRTIO_VSOCK_SHUTDOWN_SEND)
		conn->guest_shut_send = TRUE;
	if (conn->guest_shut_send && byte_ring_used(&conn->pending) == 0)
		shutdown(conn->fd, SHUT_WR);
	/* Both ways shut: the guest waits for our RST to finish its close(). */
	if (conn->guest_shut_recv && conn->guest_shut_send)
		enter_closing(conn, TRUE);
}

void vsock_conn_receive(VsockConn *conn, const VsockHeader *hdr, const struct iovec *payload,
			guint count)
{
	if (conn->state == VSOCK_CONN_CLOSED)
		return;
	vsock_credit_peer_update(&conn->credit, hdr->buf_alloc, hdr->fwd_cnt);
	if (vsock_credit_peer_free(&conn->credit) > 0)
		conn->credit_requested = FALSE;

	switch (hdr->op) {
	case VIRTIO_VSOCK_OP_RESPONSE:
		if (conn->state != VSOCK_CONN_CONNECTING)
			protocol_error(conn, "RESPONSE on an established connection");
		else
			guest_accepted(conn);
		break;
	case VIRTIO_VSOCK_OP_RW:
		receive_data(conn, hdr, payload, count);
		break;
	case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
		break;
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		conn->owed |= VSOCK_OWE_CREDIT_UPDATE;
		break;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		receive_shutdown(conn, hdr->flags);
		break;
	case VIRTIO_VSOCK_OP_RST:
		if (conn->state == VSOCK_CONN_CONNECTING) {
			tell_waiting_host(conn, "refused: nothing listens on that guest port");
			conn_close(conn, FALSE);
		} else {
			enter_closing(conn, FALSE);
		}
		break;
	default: {
		g_autofree char *what = g_strdup_printf("unexpected %s", vsock_op_name(hdr->op));

		protocol_error(conn, what);
		break;
	}
	}
}

gboolean vsock_conn_has_output(const VsockConn *conn)
{
	if (conn->state != VSOCK_CONN_ESTABLISHED && conn->state != VSOCK_CONN_CONNECTING)
		return FALSE;
	if (conn->owed)
		return TRUE;
	return conn->state == VSOCK_CONN_ESTABLISHED && conn->host_readable && !conn->host_eof &&
	       !conn->guest_shut_recv &&
	       (vsock_credit_peer_free(&conn->credit) > 0 || !conn->credit_requested);
}

void vsock_conn_header(VsockConn *conn, VsockHeader *hdr, guint16 op)
{
	*hdr = (VsockHeader){
		.src_cid = VSOCK_HOST_CID,
		.dst_cid = vsock_device_config(conn->dev)->guest_cid,
		.src_port = conn->host_port,
		.dst_port = conn->guest_port,
		.type = VIRTIO_VSOCK_TYPE_STREAM,
		.op = op,
		.buf_alloc = conn->credit.buf_alloc,
		.fwd_cnt = conn->credit.fwd_cnt,
	};
	/* Every packet tells the guest our fwd_cnt: no separate update needed. */
	vsock_credit_advertised(&conn->credit);
	conn->owed &= ~VSOCK_OWE_CREDIT_UPDATE;
}

static gsize emit(VsockConn *conn, guint16 op, guint32 flags, const struct iovec *iov, guint count)
{
	VsockHeader hdr;

	vsock_conn_header(conn, &hdr, op);
	hdr.flags = flags;
	vsock_header_write(&hdr, iov, count);
	return VSOCK_HDR_SIZE;
}

gboolean vsock_conn_data_only(const VsockConn *conn)
{
	return conn->state == VSOCK_CONN_ESTABLISHED &&
	       (conn->owed & ~VSOCK_OWE_CREDIT_UPDATE) == 0 && conn->host_readable &&
	       !conn->host_eof && !conn->guest_shut_recv &&
	       vsock_credit_peer_free(&conn->credit) > 0;
}

/*
 * Read host bytes straight into guest rx buffers, as many as credit allows,
 * with one readv across all of them: with Linux's 4 KiB rx buffers that is
 * one system call per 64 KiB instead of one per 4 KiB.
 */
guint vsock_conn_fill_rx_data(VsockConn *conn, VirtqElement *const *elems, guint n, guint32 *used)
{
	struct iovec data[VIRTQ_ELEM_MAX_IOV];
	gsize caps[VSOCK_RX_BATCH];
	guint32 credit;
	gsize total = 0, left;
	guint count = 0, k = 0, produced = 0;
	ssize_t got;

	if (conn->state != VSOCK_CONN_ESTABLISHED || !conn->host_readable || conn->host_eof ||
	    conn->guest_shut_recv)
		return 0;
	credit = vsock_credit_peer_free(&conn->credit);
	if (credit == 0) {
		if (!conn->credit_requested) {
			conn->credit_requested = TRUE;
			conn->owed |= VSOCK_OWE_CREDIT_REQUEST;
		}
		return 0;
	}
	for (; k < MIN(n, (guint)VSOCK_RX_BATCH) && total < credit; k++) {
		const VirtqElement *e = elems[k];
		gsize cap = MIN(MIN(e->in_len - VSOCK_HDR_SIZE, (gsize)VSOCK_MAX_PKT_PAYLOAD),
				credit - total);
		guint c;

		if (cap == 0)
			break;
		c = iov_slice(e->in, e->in_num, VSOCK_HDR_SIZE, cap, data + count,
			      G_N_ELEMENTS(data) - count);
		if (iov_length(data + count, c) != cap)
			break; /* out of iovec slots: leave this buffer for next time */
		caps[k] = cap;
		count += c;
		total += cap;
	}
	if (count == 0)
		return 0;
	do
		got = readv(conn->fd, data, (int)count);
	while (got < 0 && errno == EINTR);
	if (got <= 0) {
		conn->host_readable = FALSE;
		if (got == 0) {
			/* The host program shut down its sending side (or left). */
			conn->host_eof = TRUE;
			conn->owed |= VSOCK_OWE_SHUTDOWN;
			conn->shutdown_flags |= VIRTIO_VSOCK_SHUTDOWN_SEND;
		} else if (errno != EAGAIN) {
			host_failed(conn, errno);
		}
		return 0;
	}
	for (left = (gsize)got; left > 0; produced++) {
		gsize len = MIN(left, caps[produced]);
		VsockHeader hdr;

		vsock_conn_header(conn, &hdr, VIRTIO_VSOCK_OP_RW);
		hdr.len = (guint32)len;
		vsock_header_write(&hdr, elems[produced]->in, elems[produced]->in_num);
		vsock_credit_sent(&conn->credit, (guint32)len);
		used[produced] = (guint32)(VSOCK_HDR_SIZE + len);
		left -= len;
	}
	/* A short read means the socket is drained for now. */
	if ((gsize)got < total)
		conn->host_readable = FALSE;
	return produced;
}

gsize vsock_conn_fill_rx(VsockConn *conn, VirtqElement *elem)
{
	const struct iovec *iov = elem->in;
	guint count = elem->in_num;
	guint32 used;

	if (elem->in_len < VSOCK_HDR_SIZE || !vsock_conn_has_output(conn))
		return 0;
	if (conn->owed & VSOCK_OWE_REQUEST) {
		conn->owed &= ~VSOCK_OWE_REQUEST;
		return emit(conn, VIRTIO_VSOCK_OP_REQUEST, 0, iov, count);
	}
	if (conn->owed & VSOCK_OWE_RESPONSE) {
		conn->owed &= ~VSOCK_OWE_RESPONSE;
		return emit(conn, VIRTIO_VSOCK_OP_RESPONSE, 0, iov, count);
	}
	if (vsock_conn_fill_rx_data(conn, &elem, 1, &used))
		return used;
	if (conn->state == VSOCK_CONN_CLOSED)
		return 0;
	if (conn->owed & VSOCK_OWE_SHUTDOWN) {
		conn->owed &= ~VSOCK_OWE_SHUTDOWN;
		return emit(conn, VIRTIO_VSOCK_OP_SHUTDOWN, conn->shutdown_flags, iov, count);
	}
	if (conn->owed & VSOCK_OWE_CREDIT_UPDATE)
		return emit(conn, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 0, iov, count);
	if (conn->owed & VSOCK_OWE_CREDIT_REQUEST) {
		conn->owed &= ~VSOCK_OWE_CREDIT_REQUEST;
		return emit(conn, VIRTIO_VSOCK_OP_CREDIT_REQUEST, 0, iov, count);
	}
	return 0;
}
