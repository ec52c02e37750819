// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vsock device end to end, minus QEMU: a fake guest driver on one side,
 * real Unix sockets on the host side, and the GLib loop pumped by hand.
 */
#include "fake-guest.h"
#include "socket-util.h"
#include "vsock-device.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define GUEST_CID 3
#define BUF_ALLOC (64 * 1024)
#define RX_BUF 4096 /* what Linux 6.1 posts */

typedef struct {
	char *dir;
	char *uds;
	VsockDevice *dev;
	FakeGuest *fg;
	GList *listeners; /* fds */
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
	VsockDeviceConfig config = {
		.guest_cid = GUEST_CID,
		.buf_alloc = BUF_ALLOC,
		.max_connections = 40,
		.connect_timeout_ms = 300,
	};

	f->dir = g_dir_make_tmp("vsockd-test-XXXXXX", NULL);
	f->uds = g_build_filename(f->dir, "vsock", NULL);
	config.uds_path = f->uds;
	f->dev = vsock_device_new(&config);
	f->fg = fake_guest_new(128, GUEST_CID);
	fake_guest_attach(f->fg, f->dev);
}

static void teardown(Fixture *f, gconstpointer data)
{
	vsock_device_free(f->dev);
	fake_guest_free(f->fg);
	for (GList *l = f->listeners; l; l = l->next)
		close(GPOINTER_TO_INT(l->data));
	g_list_free(f->listeners);
	g_autoptr(GDir) dir = g_dir_open(f->dir, 0, NULL);
	const char *name;

	while ((name = g_dir_read_name(dir))) {
		g_autofree char *path = g_build_filename(f->dir, name, NULL);

		unlink(path);
	}
	rmdir(f->dir);
	g_free(f->uds);
	g_free(f->dir);
	/* Drain sources the device left (none should keep it busy). */
	while (g_main_context_iteration(NULL, FALSE))
		;
}

/* Let the device and the loop run until nothing changes. */
static void pump(Fixture *f)
{
	for (int i = 0; i < 20; i++) {
		vsock_device_process(f->dev);
		while (g_main_context_iteration(NULL, FALSE))
			;
	}
}

static int listen_port(Fixture *f, guint32 port)
{
	g_autofree char *path = g_strdup_printf("%s_%u", f->uds, port);
	int fd = unix_listen(path, NULL);

	g_assert_cmpint(fd, >=, 0);
	f->listeners = g_list_prepend(f->listeners, GINT_TO_POINTER(fd));
	return fd;
}

static int accept_one(int listener)
{
	int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);

	g_assert_cmpint(fd, >=, 0);
	return fd;
}

static void send_op(Fixture *f, guint16 op, guint32 gport, guint32 hport, guint32 buf_alloc,
		    guint32 fwd, const void *data, gsize len, guint32 flags)
{
	VsockHeader hdr = fake_header(f->fg, op, gport, hport, buf_alloc, fwd);

	hdr.len = (guint32)len;
	hdr.flags = flags;
	fake_guest_send(f->fg, &hdr, data, len);
	pump(f);
	fake_guest_reap_tx(f->fg);
}

static void expect_packet(Fixture *f, guint16 op, guint32 hport, guint32 gport, VsockHeader *out)
{
	VsockHeader hdr;

	if (!fake_guest_recv(f->fg, &hdr, NULL, 0, NULL))
		g_error("expected %s from host port %u, got nothing", vsock_op_name(op), hport);
	if (hdr.op != op || hdr.src_port != hport || hdr.dst_port != gport)
		g_error("expected %s %u->%u, got %s %u->%u", vsock_op_name(op), hport, gport,
			vsock_op_name(hdr.op), hdr.src_port, hdr.dst_port);
	g_assert_cmpuint(hdr.src_cid, ==, VSOCK_HOST_CID);
	g_assert_cmpuint(hdr.dst_cid, ==, GUEST_CID);
	g_assert_cmpuint(hdr.type, ==, VIRTIO_VSOCK_TYPE_STREAM);
	if (out)
		*out = hdr;
}

static void expect_nothing(Fixture *f)
{
	VsockHeader hdr;

	if (fake_guest_recv(f->fg, &hdr, NULL, 0, NULL))
		g_error("unexpected %s %u->%u", vsock_op_name(hdr.op), hdr.src_port, hdr.dst_port);
}

/* Guest port gport connects to host port hport; returns the host's end. */
static int connect_from_guest(Fixture *f, int listener, guint32 gport, guint32 hport)
{
	VsockHeader hdr;

	send_op(f, VIRTIO_VSOCK_OP_REQUEST, gport, hport, 256 * 1024, 0, NULL, 0, 0);
	expect_packet(f, VIRTIO_VSOCK_OP_RESPONSE, hport, gport, &hdr);
	g_assert_cmpuint(hdr.buf_alloc, ==, BUF_ALLOC);
	g_assert_cmpuint(hdr.fwd_cnt, ==, 0);
	return accept_one(listener);
}

static gsize read_avail(int fd, char *buf, gsize cap)
{
	ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);

	return n > 0 ? (gsize)n : 0;
}

static void test_guest_connect(Fixture *f, gconstpointer data)
{
	int listener = listen_port(f, 7000);
	char buf[128];
	VsockHeader hdr;
	guint8 payload[RX_BUF];
	int host;

	fake_guest_post_rx(f->fg, 16, RX_BUF);
	host = connect_from_guest(f, listener, 1234, 7000);
	g_assert_cmpuint(vsock_device_connection_count(f->dev), ==, 1);

	send_op(f, VIRTIO_VSOCK_OP_RW, 1234, 7000, 256 * 1024, 0, "hello", 5, 0);
	g_assert_cmpuint(read_avail(host, buf, sizeof(buf)), ==, 5);
	g_assert_cmpmem(buf, 5, "hello", 5);

	g_assert_cmpint(write(host, "world!", 6), ==, 6);
	pump(f);
	g_assert_true(fake_guest_recv(f->fg, &hdr, payload, sizeof(payload), NULL));
	g_assert_cmpuint(hdr.op, ==, VIRTIO_VSOCK_OP_RW);
	g_assert_cmpmem(payload, hdr.len, "world!", 6);
	g_assert_cmpuint(hdr.fwd_cnt, ==, 5); /* every packet carries our progress */

	/* Guest shuts its sending side: the host reads EOF. */
	send_op(f, VIRTIO_VSOCK_OP_SHUTDOWN, 1234, 7000, 256 * 1024, 6, NULL, 0,
		VIRTIO_VSOCK_SHUTDOWN_SEND);
	g_assert_cmpint(recv(host, buf, sizeof(buf), MSG_DONTWAIT), ==, 0);

	/* Host closes: the guest hears SHUTDOWN(SEND). */
	close(host);
	pump(f);
	expect_packet(f, VIRTIO_VSOCK_OP_SHUTDOWN, 7000, 1234, &hdr);
	g_assert_cmpuint(hdr.flags & VIRTIO_VSOCK_SHUTDOWN_SEND, !=, 0);

	/* Guest closes too: we answer with the RST its close() waits for. */
	send_op(f, VIRTIO_VSOCK_OP_SHUTDOWN, 1234, 7000, 256 * 1024, 6, NULL, 0,
		VIRTIO_VSOCK_SHUTDOWN_SEND | VIRTIO_VSOCK_SHUTDOWN_RCV);
	expect_packet(f, VIRTIO_VSOCK_OP_RST, 7000, 1234, NULL);
	g_assert_cmpuint(vsock_device_connection_count(f->dev), ==, 0);
	expect_nothing(f);
}

static void test_refusals(Fixture *f, gconstpointer data)
{
	VsockHeader hdr;

	fake_guest_post_rx(f->fg, 16, RX_BUF);
	/* Nothing listens on host port 7001. */
	send_op(f, VIRTIO_VSOCK_OP_REQUEST, 1, 7001, 4096, 0, NULL, 0, 0);
	expect_packet(f, VIRTIO_VSOCK_OP_RST, 7001, 1, NULL);
	/* Data for a connection that does not exist. */
	send_op(f, VIRTIO_VSOCK_OP_RW, 2, 7001, 4096, 0, "x", 1, 0);
	expect_packet(f, VIRTIO_VSOCK_OP_RST, 7001, 2, NULL);
	/* A RST for a connection that does not exist: silence, or two peers loop. */
	send_op(f, VIRTIO_VSOCK_OP_RST, 3, 7001, 4096, 0, NULL, 0, 0);
	expect_nothing(f);
	/* Addressed to another CID. */
	hdr = fake_header(f->fg, VIRTIO_VSOCK_OP_REQUEST, 4, 7001, 4096, 0);
	hdr.dst_cid = 7;
	fake_guest_send(f->fg, &hdr, NULL, 0);
	pump(f);
	expect_packet(f, VIRTIO_VSOCK_OP_RST, 7001, 4, NULL);
	/* SEQPACKET is not offered. */
	hdr = fake_header(f->fg, VIRTIO_VSOCK_OP_REQUEST, 5, 7001, 4096, 0);
	hdr.type = VIRTIO_VSOCK_TYPE_SEQPACKET;
	fake_guest_send(f->fg, &hdr, NULL, 0);
	pump(f);
	expect_packet(f, VIRTIO_VSOCK_OP_RST, 7001, 5, NULL);
	/* A spoofed source CID is dropped without a word. */
	hdr = fake_header(f->fg, VIRTIO_VSOCK_OP_REQUEST, 6, 7001, 4096, 0);
	hdr.src_cid = 99;
	fake_guest_send(f->fg, &hdr, NULL, 0);
	pump(f);
	expect_nothing(f);
	g_assert_cmpuint(vsock_device_stats(f->dev)->bad_packets, ==, 1);
	g_assert_cmpuint(fake_guest_reap_tx(f->fg), ==, 3);
}

/* Host -> guest never sends beyond the guest's credit, and asks once when stuck. */
static void test_host_to_guest_credit(Fixture *f, gconstpointer data)
{
	int listener = listen_port(f, 7002);
	g_autofree guint8 *sent = g_malloc(50000);
	g_autofree guint8 *got = g_malloc(50000);
	guint8 payload[RX_BUF];
	guint32 fwd = 0, received = 0, requests = 0;
	VsockHeader hdr;
	int host;

	for (guint i = 0; i < 50000; i++)
		sent[i] = (guint8)(i * 7 + 1);
	fake_guest_post_rx(f->fg, 100, RX_BUF);
	send_op(f, VIRTIO_VSOCK_OP_REQUEST, 10, 7002, 10000, 0, NULL, 0, 0);
	expect_packet(f, VIRTIO_VSOCK_OP_RESPONSE, 7002, 10, NULL);
	host = accept_one(listener);
	g_assert_cmpint(write(host, sent, 50000), ==, 50000);

	while (received < 50000) {
		pump(f);
		while (fake_guest_recv(f->fg, &hdr, payload, sizeof(payload), NULL)) {
			if (hdr.op == VIRTIO_VSOCK_OP_CREDIT_REQUEST) {
				requests++;
				continue;
			}
			g_assert_cmpuint(hdr.op, ==, VIRTIO_VSOCK_OP_RW);
			g_assert_cmpuint(hdr.len, <=, RX_BUF - VSOCK_HDR_SIZE);
			memcpy(got + received, payload, hdr.len);
			received += hdr.len;
			/* Never more than the 10000 bytes of buffer the guest has. */
			g_assert_cmpuint(received - fwd, <=, 10000);
		}
		/* The guest's reader consumes everything, then tells us. */
		fwd = received;
		fake_guest_post_rx(f->fg, 100 - (f->fg->rx.avail_idx - f->fg->rx.last_used),
				   RX_BUF);
		send_op(f, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 10, 7002, 10000, fwd, NULL, 0, 0);
	}
	g_assert_cmpmem(got, 50000, sent, 50000);
	/* Stalled five times (50000 / 10000), one CREDIT_REQUEST each at most. */
	g_assert_cmpuint(requests, >=, 1);
	g_assert_cmpuint(requests, <=, 5);
	close(host);
}

/*
 * A one-way guest -> host stream with a guest that respects credit: our
 * CREDIT_UPDATEs must keep it going, and a stalled host reader must stall
 * the guest with at most buf_alloc held by the daemon.
 */
static void test_guest_to_host_credit(Fixture *f, gconstpointer data)
{
	int listener = listen_port(f, 7003);
	const guint32 total = 4 * 1024 * 1024;
	g_autofree guint8 *chunk = g_malloc(32768);
	g_autofree char *sink = g_malloc(1 << 20);
	guint32 sent = 0, host_read = 0, peer_buf = BUF_ALLOC, peer_fwd = 0, updates = 0;
	gboolean reading = FALSE;
	VsockHeader hdr;
	int host;

	memset(chunk, 0x5a, 32768);
	fake_guest_post_rx(f->fg, 128, RX_BUF);
	host = connect_from_guest(f, listener, 20, 7003);
	while (sent < total) {
		guint32 credit = peer_buf - (sent - peer_fwd);
		guint32 n = MIN(MIN(credit, 32768u), total - sent);

		if (n > 0) {
			send_op(f, VIRTIO_VSOCK_OP_RW, 20, 7003, 65536, 0, chunk, n, 0);
			sent += n;
		} else {
			pump(f);
		}
		while (fake_guest_recv(f->fg, &hdr, NULL, 0, NULL)) {
			g_assert_cmpuint(hdr.op, ==, VIRTIO_VSOCK_OP_CREDIT_UPDATE);
			peer_buf = hdr.buf_alloc;
			peer_fwd = hdr.fwd_cnt;
			updates++;
		}
		fake_guest_post_rx(f->fg, 128 - (f->fg->rx.avail_idx - f->fg->rx.last_used),
				   RX_BUF);
		g_assert_cmpuint(vsock_device_pending_bytes(f->dev), <=, BUF_ALLOC);
		if (n == 0 && !reading) {
			/* Stuck: the host reader has not read a byte. */
			g_assert_cmpuint(vsock_device_pending_bytes(f->dev), >, 0);
			g_assert_cmpuint(sent - host_read, <=, total);
			reading = TRUE;
		}
		if (reading)
			host_read += read_avail(host, sink, 1 << 20);
	}
	for (int i = 0; i < 100 && host_read < total; i++) {
		pump(f);
		host_read += read_avail(host, sink, 1 << 20);
	}
	g_assert_cmpuint(host_read, ==, total);
	/* Updates keep the stream going, but not one per packet. */
	g_assert_cmpuint(updates, >, 0);
	g_assert_cmpuint(updates, <, total / 32768);
	close(host);
}

static void test_credit_violation(Fixture *f, gconstpointer data)
{
	int listener = listen_port(f, 7004);
	g_autofree guint8 *chunk = g_malloc0(65536);
	char buf[16];
	int host;

	fake_guest_post_rx(f->fg, 16, RX_BUF);
	host = connect_from_guest(f, listener, 30, 7004);
	/* Fill the host socket so the daemon must hold bytes, then overrun our buffer. */
	for (guint i = 0; i < 64 && vsock_device_connection_count(f->dev); i++)
		send_op(f, VIRTIO_VSOCK_OP_RW, 30, 7004, 65536, 0, chunk, 65536, 0);
	g_assert_cmpuint(vsock_device_connection_count(f->dev), ==, 0);
	g_assert_cmpuint(vsock_device_pending_bytes(f->dev), ==, 0);
	/* Credit updates went out while the socket took bytes; the RST comes last. */
	VsockHeader hdr;

	while (fake_guest_recv(f->fg, &hdr, NULL, 0, NULL) &&
	       hdr.op == VIRTIO_VSOCK_OP_CREDIT_UPDATE)
		;
	g_assert_cmpuint(hdr.op, ==, VIRTIO_VSOCK_OP_RST);
	expect_nothing(f);
	/* The host end is closed once its buffered bytes are read. */
	while (recv(host, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	g_assert_cmpint(recv(host, buf, sizeof(buf), MSG_DONTWAIT), ==, 0);
	close(host);
}

static void read_line(int fd, char *line, gsize cap)
{
	gsize len = 0;

	while (len + 1 < cap) {
		ssize_t n = recv(fd, line + len, 1, MSG_DONTWAIT);

		if (n <= 0)
			break;
		if (line[len] == '\n')
			break;
		len++;
	}
	line[len] = '\0';
}

static void test_host_connect(Fixture *f, gconstpointer data)
{
	int sv[2], refused[2], silent[2];
	char line[128];
	VsockHeader req;
	guint8 payload[RX_BUF];

	fake_guest_post_rx(f->fg, 16, RX_BUF);
	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), ==, 0);
	g_assert_true(vsock_device_connect_guest(f->dev, sv[0], 7100, NULL));
	pump(f);
	g_assert_true(fake_guest_recv(f->fg, &req, NULL, 0, NULL));
	g_assert_cmpuint(req.op, ==, VIRTIO_VSOCK_OP_REQUEST);
	g_assert_cmpuint(req.dst_port, ==, 7100);
	g_assert_cmpuint(req.buf_alloc, ==, BUF_ALLOC);
	send_op(f, VIRTIO_VSOCK_OP_RESPONSE, 7100, req.src_port, 8192, 0, NULL, 0, 0);
	g_autofree char *ok_line = g_strdup_printf("OK %u", req.src_port);

	read_line(sv[1], line, sizeof(line));
	g_assert_cmpstr(line, ==, ok_line);
	g_assert_cmpint(write(sv[1], "ping", 4), ==, 4);
	pump(f);
	g_assert_true(fake_guest_recv(f->fg, &req, payload, sizeof(payload), NULL));
	g_assert_cmpuint(req.op, ==, VIRTIO_VSOCK_OP_RW);
	g_assert_cmpmem(payload, req.len, "ping", 4);
	close(sv[1]);

	/* The guest refuses. */
	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, refused), ==, 0);
	g_assert_true(vsock_device_connect_guest(f->dev, refused[0], 7101, NULL));
	pump(f);
	while (fake_guest_recv(f->fg, &req, NULL, 0, NULL) && req.dst_port != 7101)
		;
	g_assert_cmpuint(req.op, ==, VIRTIO_VSOCK_OP_REQUEST);
	send_op(f, VIRTIO_VSOCK_OP_RST, 7101, req.src_port, 0, 0, NULL, 0, 0);
	read_line(refused[1], line, sizeof(line));
	g_assert_true(g_str_has_prefix(line, "ERR refused"));
	g_assert_cmpint(recv(refused[1], line, 1, MSG_DONTWAIT), ==, 0);
	close(refused[1]);

	/* The guest never answers: timeout, and a RST to cancel the request. */
	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, silent), ==, 0);
	g_assert_true(vsock_device_connect_guest(f->dev, silent[0], 7102, NULL));
	pump(f);
	while (fake_guest_recv(f->fg, &req, NULL, 0, NULL) && req.dst_port != 7102)
		;
	g_assert_cmpuint(req.op, ==, VIRTIO_VSOCK_OP_REQUEST);
	g_usleep(400 * 1000);
	pump(f);
	read_line(silent[1], line, sizeof(line));
	g_assert_true(g_str_has_prefix(line, "ERR timeout"));
	expect_packet(f, VIRTIO_VSOCK_OP_RST, req.src_port, 7102, NULL);
	close(silent[1]);
}

/* With QEMU gone there is no guest to ask. */
static void test_host_connect_no_guest(void)
{
	VsockDeviceConfig config = {.guest_cid = 3,
				    .uds_path = "/nonexistent/x",
				    .buf_alloc = 4096,
				    .max_connections = 1,
				    .connect_timeout_ms = 100};
	g_autoptr(VsockDevice) dev = vsock_device_new(&config);
	g_autoptr(GError) error = NULL;

	g_assert_false(vsock_device_connect_guest(dev, -1, 7100, &error));
	g_assert_true(g_str_has_prefix(error->message, "no guest"));
}

static void test_reset(Fixture *f, gconstpointer data)
{
	int listener = listen_port(f, 7005);
	char buf[16];
	int host;

	fake_guest_post_rx(f->fg, 16, RX_BUF);
	host = connect_from_guest(f, listener, 40, 7005);
	/* The guest reboots: QEMU stops the rings. */
	vsock_device_queue_stopped(f->dev, VSOCK_QUEUE_RX);
	vsock_device_queue_stopped(f->dev, VSOCK_QUEUE_TX);
	g_assert_cmpuint(vsock_device_connection_count(f->dev), ==, 0);
	g_assert_cmpint(recv(host, buf, sizeof(buf), MSG_DONTWAIT), ==, 0);
	close(host);
	/* The rings come back; the guest learns the old connection is gone. */
	memset(f->fg->rx.used, 0, 6);
	memset(f->fg->rx.avail, 0, 6);
	f->fg->rx.avail_idx = f->fg->rx.last_used = 0;
	memset(f->fg->tx.used, 0, 6);
	memset(f->fg->tx.avail, 0, 6);
	f->fg->tx.avail_idx = f->fg->tx.last_used = 0;
	fake_guest_attach(f->fg, f->dev);
	fake_guest_post_rx(f->fg, 16, RX_BUF);
	pump(f);
	expect_packet(f, VIRTIO_VSOCK_OP_RST, 7005, 40, NULL);
	/* And new connections work. */
	host = connect_from_guest(f, listener, 41, 7005);
	close(host);
}

static void test_malformed_tx(Fixture *f, gconstpointer data)
{
	FakeRing *tx = &f->fg->tx;
	guint32 id, len;
	VsockHeader hdr;

	fake_guest_post_rx(f->fg, 16, RX_BUF);
	/* A descriptor pointing outside guest memory. */
	fake_ring_set_desc(tx, 0, 0xdead0000, 44, 0, 0);
	fake_ring_publish(tx, 0);
	/* A header promising more payload than the buffer has. */
	hdr = fake_header(f->fg, VIRTIO_VSOCK_OP_RW, 50, 7006, 4096, 0);
	hdr.len = 1000;
	struct iovec iov = {fake_guest_ptr(f->fg, tx->buf_gpa + 2 * FAKE_BUF_SIZE), 44};

	vsock_header_write(&hdr, &iov, 1);
	fake_ring_set_desc(tx, 2, tx->buf_gpa + 2 * FAKE_BUF_SIZE, 44 + 10, 0, 0);
	fake_ring_publish(tx, 2);
	/* A header cut short. */
	fake_ring_set_desc(tx, 4, tx->buf_gpa + 4 * FAKE_BUF_SIZE, 20, 0, 0);
	fake_ring_publish(tx, 4);
	pump(f);
	for (guint i = 0; i < 3; i++) {
		g_assert_true(fake_ring_take_used(tx, &id, &len));
		g_assert_cmpuint(id, ==, i * 2);
		g_assert_cmpuint(len, ==, 0);
	}
	g_assert_cmpuint(vsock_device_stats(f->dev)->malformed_chains, ==, 1);
	g_assert_cmpuint(vsock_device_stats(f->dev)->bad_packets, ==, 2);
	expect_packet(f, VIRTIO_VSOCK_OP_RST, 7006, 50, NULL);
	/* Still serving. */
	send_op(f, VIRTIO_VSOCK_OP_REQUEST, 51, 7006, 4096, 0, NULL, 0, 0);
	expect_packet(f, VIRTIO_VSOCK_OP_RST, 7006, 51, NULL);
}

/* A rx buffer too small for a header is skipped, not written past. */
static void test_malformed_rx(Fixture *f, gconstpointer data)
{
	guint32 used_len;
	VsockHeader hdr;

	fake_guest_post_rx(f->fg, 1, 20);
	fake_guest_post_rx(f->fg, 1, RX_BUF);
	send_op(f, VIRTIO_VSOCK_OP_REQUEST, 60, 7007, 4096, 0, NULL, 0, 0);
	g_assert_true(fake_guest_recv(f->fg, &hdr, NULL, 0, &used_len));
	g_assert_cmpuint(used_len, ==, 0);
	expect_packet(f, VIRTIO_VSOCK_OP_RST, 7007, 60, NULL);
}

/* A short rx buffer in the middle of a batch: skipped, and the bytes stay in order. */
static void test_batch_with_bad_buffer(Fixture *f, gconstpointer data)
{
	int listener = listen_port(f, 7011);
	guint8 sent[20000], got[20000], payload[RX_BUF];
	guint32 received = 0, used_len, skipped = 0;
	VsockHeader hdr;
	int host;

	fake_guest_post_rx(f->fg, 2, RX_BUF);
	host = connect_from_guest(f, listener, 80, 7011);
	g_assert_true(fake_guest_recv(f->fg, &hdr, NULL, 0, NULL) == FALSE);
	fake_guest_post_rx(f->fg, 2, RX_BUF);
	fake_guest_post_rx(f->fg, 1, 20);
	fake_guest_post_rx(f->fg, 8, RX_BUF);
	for (guint i = 0; i < sizeof(sent); i++)
		sent[i] = (guint8)(i * 31 + 7);
	g_assert_cmpint(write(host, sent, sizeof(sent)), ==, sizeof(sent));
	for (int round = 0; round < 10 && received < sizeof(sent); round++) {
		pump(f);
		while (fake_guest_recv(f->fg, &hdr, payload, sizeof(payload), &used_len)) {
			if (used_len == 0) {
				skipped++;
				continue;
			}
			g_assert_cmpuint(hdr.op, ==, VIRTIO_VSOCK_OP_RW);
			memcpy(got + received, payload, hdr.len);
			received += hdr.len;
		}
	}
	g_assert_cmpuint(skipped, ==, 1);
	g_assert_cmpuint(received, ==, sizeof(sent));
	g_assert_cmpmem(got, sizeof(got), sent, sizeof(sent));
	close(host);
}

/* Replies wait for rx buffers, then go out once the guest posts some. */
static void test_no_rx_buffers(Fixture *f, gconstpointer data)
{
	int listener = listen_port(f, 7008);
	int host;

	send_op(f, VIRTIO_VSOCK_OP_REQUEST, 70, 7008, 4096, 0, NULL, 0, 0);
	expect_nothing(f);
	fake_guest_post_rx(f->fg, 4, RX_BUF);
	vsock_device_kick(f->dev, VSOCK_QUEUE_RX);
	pump(f);
	expect_packet(f, VIRTIO_VSOCK_OP_RESPONSE, 7008, 70, NULL);
	host = accept_one(listener);
	close(host);
}

/* 32 connections at once, each with its own bytes, fairly interleaved. */
static void test_many_connections(Fixture *f, gconstpointer data)
{
	int listener = listen_port(f, 7009);
	int hosts[32];
	guint32 got[32] = {0};
	guint8 payload[RX_BUF], block[3000];
	VsockHeader hdr;

	fake_guest_post_rx(f->fg, 128, RX_BUF);
	for (guint i = 0; i < 32; i++)
		hosts[i] = connect_from_guest(f, listener, 100 + i, 7009);
	g_assert_cmpuint(vsock_device_connection_count(f->dev), ==, 32);
	for (guint i = 0; i < 32; i++) {
		memset(block, (int)i, sizeof(block));
		for (guint j = 0; j < 4; j++)
			g_assert_cmpint(write(hosts[i], block, sizeof(block)), ==, sizeof(block));
	}
	for (guint rounds = 0; rounds < 50; rounds++) {
		pump(f);
		while (fake_guest_recv(f->fg, &hdr, payload, sizeof(payload), NULL)) {
			guint i = hdr.dst_port - 100;

			g_assert_cmpuint(hdr.op, ==, VIRTIO_VSOCK_OP_RW);
			g_assert_cmpuint(i, <, 32);
			for (guint k = 0; k < hdr.len; k++)
				g_assert_cmpuint(payload[k], ==, i);
			got[i] += hdr.len;
		}
		fake_guest_post_rx(f->fg, 128 - (f->fg->rx.avail_idx - f->fg->rx.last_used),
				   RX_BUF);
	}
	for (guint i = 0; i < 32; i++) {
		g_assert_cmpuint(got[i], ==, 4 * sizeof(block));
		close(hosts[i]);
	}
}

static void test_max_connections(Fixture *f, gconstpointer data)
{
	int listener = listen_port(f, 7010);
	int hosts[40];

	fake_guest_post_rx(f->fg, 128, RX_BUF);
	for (guint i = 0; i < 40; i++)
		hosts[i] = connect_from_guest(f, listener, 200 + i, 7010);
	send_op(f, VIRTIO_VSOCK_OP_REQUEST, 300, 7010, 4096, 0, NULL, 0, 0);
	expect_packet(f, VIRTIO_VSOCK_OP_RST, 7010, 300, NULL);
	for (guint i = 0; i < 40; i++)
		close(hosts[i]);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* Guest misbehaviour is logged at "message" level; keep test output clean. */
	g_log_set_handler("ckpt-vsockd", G_LOG_LEVEL_MESSAGE, g_log_default_handler, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, setup, fn, teardown)
	ADD("/device/guest-connect", test_guest_connect);
	ADD("/device/refusals", test_refusals);
	ADD("/device/credit/host-to-guest", test_host_to_guest_credit);
	ADD("/device/credit/guest-to-host", test_guest_to_host_credit);
	ADD("/device/credit/violation", test_credit_violation);
	ADD("/device/host-connect", test_host_connect);
	g_test_add_func("/device/host-connect-no-guest", test_host_connect_no_guest);
	ADD("/device/reset", test_reset);
	ADD("/device/malformed/tx", test_malformed_tx);
	ADD("/device/malformed/rx", test_malformed_rx);
	ADD("/device/no-rx-buffers", test_no_rx_buffers);
	ADD("/device/malformed/rx-in-batch", test_batch_with_bad_buffer);
	ADD("/device/many-connections", test_many_connections);
	ADD("/device/max-connections", test_max_connections);
	return g_test_run();
}
