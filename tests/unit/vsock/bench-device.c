// SPDX-License-Identifier: GPL-2.0-only
/*
 * vsock-device-bench: the daemon's data path alone, with a fake guest that
 * consumes instantly (no QEMU, no guest kernel): how fast ckpt-vsockd
 * could go if the guest kept up, and its CPU cost per GiB. Run by
 * bench/vsock-bench next to the VM numbers.
 *
 *   vsock-device-bench [GIB]
 */
#include "fake-guest.h"
#include "socket-util.h"
#include "vsock-device.h"

#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define GUEST_BUF (256u * 1024) /* Linux's default vsock buffer */
#define RX_BUF 4096		/* what Linux 6.1 posts */
#define CHUNK (64u * 1024)

typedef struct {
	int fd;
	guint64 bytes;
} Peer;

static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall(void)
{
	return (double)g_get_monotonic_time() / 1e6;
}

static gpointer host_writer(gpointer data)
{
	Peer *p = data;
	g_autofree char *buf = g_malloc0(CHUNK);

	for (guint64 left = p->bytes; left > 0;) {
		gsize n = MIN(left, CHUNK);

		if (write(p->fd, buf, n) != (ssize_t)n)
			g_error("host writer: %s", g_strerror(errno));
		left -= n;
	}
	shutdown(p->fd, SHUT_WR);
	return NULL;
}

static gpointer host_reader(gpointer data)
{
	Peer *p = data;
	g_autofree char *buf = g_malloc(CHUNK);
	guint64 got = 0;
	ssize_t n;

	while (got < p->bytes && (n = read(p->fd, buf, CHUNK)) > 0)
		got += (guint64)n;
	p->bytes = got;
	return NULL;
}

static void pump(VsockDevice *dev)
{
	vsock_device_process(dev);
	while (g_main_context_iteration(NULL, FALSE))
		;
}

static void refill_rx(FakeGuest *fg)
{
	guint16 outstanding = (guint16)(fg->rx.avail_idx - fg->rx.last_used);

	fake_guest_post_rx(fg, fg->rx.num - outstanding, RX_BUF);
}

int main(int argc, char **argv)
{
	guint64 bytes = (argc > 1 ? g_ascii_strtoull(argv[1], NULL, 10) : 1) << 30;
	g_autofree char *dir = g_dir_make_tmp("vsock-bench-XXXXXX", NULL);
	g_autofree char *uds = g_build_filename(dir, "vsock", NULL);
	g_autofree char *port_path = g_strdup_printf("%s_9000", uds);
	VsockDeviceConfig config = {.guest_cid = 3,
				    .uds_path = uds,
				    .buf_alloc = GUEST_BUF,
				    .max_connections = 4,
				    .connect_timeout_ms = 1000};
	VsockDevice *dev = vsock_device_new(&config);
	g_autoptr(FakeGuest) fg = fake_guest_new(256, 3);
	int listener = unix_listen(port_path, NULL);
	VsockHeader hdr;
	Peer peer;
	GThread *thread;
	guint64 got = 0, fwd = 0, sent = 0, peer_fwd = 0;
	guint32 peer_buf = GUEST_BUF;
	double t0, c0, secs, cpu;
	g_autofree guint8 *payload = g_malloc0(CHUNK);

	g_log_set_handler("ckpt-vsockd", G_LOG_LEVEL_MESSAGE, g_log_default_handler, NULL);
	fake_guest_attach(fg, dev);
	refill_rx(fg);
	hdr = fake_header(fg, VIRTIO_VSOCK_OP_REQUEST, 1, 9000, GUEST_BUF, 0);
	fake_guest_send(fg, &hdr, NULL, 0);
	pump(dev);
	fake_guest_reap_tx(fg);
	g_assert_true(fake_guest_recv(fg, &hdr, NULL, 0, NULL));
	g_assert_cmpuint(hdr.op, ==, VIRTIO_VSOCK_OP_RESPONSE);
	peer.fd = accept(listener, NULL, NULL);
	peer.bytes = bytes;

	/* Host -> guest: 4 KiB guest buffers, credit returned every 128 KiB read. */
	thread = g_thread_new("writer", host_writer, &peer);
	t0 = wall();
	c0 = thread_cpu();
	while (got < bytes) {
		pump(dev);
		while (fake_guest_recv(fg, &hdr, NULL, 0, NULL))
			got += hdr.len;
		refill_rx(fg);
		if (got - fwd >= GUEST_BUF / 2) {
			fwd = got;
			hdr = fake_header(fg, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 1, 9000, GUEST_BUF,
					  (guint32)fwd);
			fake_guest_send(fg, &hdr, NULL, 0);
			fake_guest_reap_tx(fg);
		}
	}
	secs = wall() - t0;
	cpu = thread_cpu() - c0;
	g_thread_join(thread);
	g_print("host-to-guest  %8.0f MiB/s  %.3f CPU s/GiB (daemon thread, fake guest included)\n",
		(double)bytes / secs / (1 << 20), cpu / ((double)bytes / (1 << 30)));

	/* Guest -> host: 64 KiB packets within the credit we advertise. */
	peer.bytes = bytes;
	thread = g_thread_new("reader", host_reader, &peer);
	t0 = wall();
	c0 = thread_cpu();
	while (sent < bytes) {
		guint32 credit = peer_buf - (guint32)(sent - peer_fwd);
		guint32 n = (guint32)MIN(MIN((guint64)credit, CHUNK), bytes - sent);

		if (n >= 4096 || n == bytes - sent) {
			hdr = fake_header(fg, VIRTIO_VSOCK_OP_RW, 1, 9000, GUEST_BUF, (guint32)got);
			hdr.len = n;
			fake_guest_send(fg, &hdr, payload, n);
			sent += n;
		}
		pump(dev);
		fake_guest_reap_tx(fg);
		while (fake_guest_recv(fg, &hdr, NULL, 0, NULL)) {
			peer_buf = hdr.buf_alloc;
			peer_fwd = hdr.fwd_cnt + (sent & ~(guint64)G_MAXUINT32);
			if (peer_fwd > sent)
				peer_fwd -= (guint64)1 << 32;
		}
		refill_rx(fg);
	}
	g_thread_join(thread);
	secs = wall() - t0;
	cpu = thread_cpu() - c0;
	g_print("guest-to-host  %8.0f MiB/s  %.3f CPU s/GiB (daemon thread, fake guest included)\n",
		(double)bytes / secs / (1 << 20), cpu / ((double)bytes / (1 << 30)));
	if (peer.bytes != bytes)
		g_error("the host reader got %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes",
			peer.bytes, bytes);
	close(peer.fd);
	close(listener);
	vsock_device_free(dev);
	unlink(port_path);
	rmdir(dir);
	return 0;
}
