// SPDX-License-Identifier: GPL-2.0-only
/*
 * Randomized hostile guests (seeded, so failures replay with --seed): ring
 * contents of random garbage, and random packets at the device. Nothing may
 * crash or reach outside guest RAM (run under -Db_sanitize=address to see
 * it), and the device must still serve a well-formed guest afterwards.
 */
#include "fake-guest.h"
#include "socket-util.h"
#include "virtqueue.h"
#include "vsock-device.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ROUNDS 20000

static guint64 random_addr(const FakeGuest *fg)
{
	switch (g_test_rand_int_range(0, 5)) {
	case 0:
		return (guint64)g_test_rand_int() << 32 | (guint32)g_test_rand_int();
	case 1:
		return FAKE_GPA_BASE + fg->ram_size - (guint64)g_test_rand_int_range(0, 64);
	case 2:
		return G_MAXUINT64 - (guint64)g_test_rand_int_range(0, 4096);
	default:
		return FAKE_GPA_BASE + (guint64)g_test_rand_int_range(0, (gint32)fg->ram_size);
	}
}

static guint32 random_len(void)
{
	switch (g_test_rand_int_range(0, 4)) {
	case 0:
		return (guint32)g_test_rand_int();
	case 1:
		return 0;
	default:
		return (guint32)g_test_rand_int_range(1, 70000);
	}
}

static gboolean inside_ram(const FakeGuest *fg, const struct iovec *iov, guint n)
{
	for (guint i = 0; i < n; i++) {
		const guint8 *p = iov[i].iov_base;

		if (p < fg->ram || p + iov[i].iov_len > fg->ram + fg->ram_size)
			return FALSE;
	}
	return TRUE;
}

static void test_random_rings(void)
{
	g_autoptr(FakeGuest) fg = fake_guest_new(16, 3);
	g_autoptr(GuestMemory) mem = fake_guest_memory(fg);
	FakeRing *ring = &fg->tx;
	static VirtqElement elem;
	Virtqueue vq;
	guint ok = 0, bad = 0, broken = 0;

	virtqueue_init(&vq, "random", 0);
	g_assert_true(virtqueue_set_num(&vq, 16, NULL));
	g_assert_true(virtqueue_set_addr(&vq, mem, (guint64)(guintptr)ring->desc,
					 (guint64)(guintptr)ring->avail,
					 (guint64)(guintptr)ring->used, NULL));
	vq.enabled = TRUE;
	vq.indirect = TRUE;
	vq.event_idx = g_test_rand_bit();
	for (guint round = 0; round < ROUNDS; round++) {
		for (guint16 i = 0; i < 16; i++) {
			guint16 flags = (guint16)g_test_rand_int_range(0, 8);

			fake_ring_set_desc(ring, i, random_addr(fg), random_len(), flags,
					   (guint16)g_test_rand_int_range(0, 20));
		}
		/* Now and then an indirect table of garbage inside RAM. */
		if (g_test_rand_bit()) {
			guint64 table = ring->buf_gpa;
			guint8 *t = fake_guest_ptr(fg, table);

			for (guint i = 0; i < 256; i++)
				t[i] = (guint8)g_test_rand_int();
			fake_ring_set_desc(ring, 0, table,
					   16 * (guint32)g_test_rand_int_range(0, 17),
					   VRING_DESC_F_INDIRECT, 0);
		}
		for (guint16 i = 0; i < 16; i++)
			ring->avail->ring[i] = GUINT16_TO_LE((guint16)g_test_rand_int_range(0, 18));
		ring->avail->idx =
			GUINT16_TO_LE((guint16)(vq.last_avail_idx + g_test_rand_int_range(0, 18)));
		virtqueue_set_base(&vq, vq.last_avail_idx);
		virtqueue_start(&vq);
		for (;;) {
			VirtqPopResult r = virtqueue_pop(&vq, mem, &elem);

			if (r == VIRTQ_POP_EMPTY)
				break;
			if (r == VIRTQ_POP_BROKEN) {
				broken++;
				break;
			}
			if (r == VIRTQ_POP_OK) {
				ok++;
				g_assert_true(inside_ram(fg, elem.out, elem.out_num));
				g_assert_true(inside_ram(fg, elem.in, elem.in_num));
				g_assert_cmpuint(elem.out_len + elem.in_len, <=,
						 VIRTQ_ELEM_MAX_BYTES);
			} else {
				bad++;
			}
			virtqueue_push(&vq, elem.head, 0);
			virtqueue_notify(&vq);
		}
		/* The used index the device wrote is where the ring resumes. */
		ring->used->idx = GUINT16_TO_LE(vq.used_idx);
	}
	g_test_message("%u good chains, %u malformed, %u broken rings", ok, bad, broken);
	g_assert_cmpuint(ok, >, 0);
	g_assert_cmpuint(bad, >, 0);
	g_assert_cmpuint(broken, >, 0);
	virtqueue_reset(&vq);
}

static void pump(VsockDevice *dev)
{
	for (int i = 0; i < 3; i++) {
		vsock_device_process(dev);
		while (g_main_context_iteration(NULL, FALSE))
			;
	}
}

static void test_random_packets(void)
{
	g_autofree char *dir = g_dir_make_tmp("vsock-random-XXXXXX", NULL);
	g_autofree char *uds = g_build_filename(dir, "vsock", NULL);
	g_autofree char *port_path = g_strdup_printf("%s_5", uds);
	VsockDeviceConfig config = {.guest_cid = 3,
				    .uds_path = uds,
				    .buf_alloc = 65536,
				    .max_connections = 16,
				    .connect_timeout_ms = 100};
	VsockDevice *dev = vsock_device_new(&config);
	g_autoptr(FakeGuest) fg = fake_guest_new(64, 3);
	int listener = unix_listen(port_path, NULL);
	static guint8 payload[FAKE_BUF_SIZE];
	VsockHeader hdr;
	GList *accepted = NULL;
	guint responses = 0;

	fake_guest_attach(fg, dev);
	for (guint round = 0; round < ROUNDS / 4; round++) {
		guint32 len = (guint32)g_test_rand_int_range(0, 2000);

		hdr = fake_header(
			fg, (guint16)g_test_rand_int_range(0, 9),
			(guint32)g_test_rand_int_range(1, 6), (guint32)g_test_rand_int_range(4, 7),
			(guint32)g_test_rand_int_range(0, 100000), (guint32)g_test_rand_int());
		hdr.flags = (guint32)g_test_rand_int_range(0, 4);
		if (g_test_rand_int_range(0, 10) == 0)
			hdr.type = (guint16)g_test_rand_int_range(0, 4);
		if (g_test_rand_int_range(0, 20) == 0)
			hdr.src_cid = (guint64)g_test_rand_int();
		hdr.len = g_test_rand_int_range(0, 10) ? len : (guint32)g_test_rand_int();
		for (guint i = 0; i < len; i++)
			payload[i] = (guint8)g_test_rand_int();
		fake_guest_send(fg, &hdr, payload, len);
		if (g_test_rand_bit())
			fake_guest_post_rx(fg, (guint)g_test_rand_int_range(0, 3),
					   (guint32)g_test_rand_int_range(0, 5000));
		pump(dev);
		fake_guest_reap_tx(fg);
		while (fake_guest_recv(fg, &hdr, NULL, 0, NULL))
			responses += hdr.op == VIRTIO_VSOCK_OP_RESPONSE;
		/* Host ends come and go too. */
		int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0)
			accepted = g_list_prepend(accepted, GINT_TO_POINTER(fd));
		if (accepted && g_test_rand_int_range(0, 4) == 0) {
			close(GPOINTER_TO_INT(accepted->data));
			accepted = g_list_delete_link(accepted, accepted);
		}
		g_assert_cmpuint(vsock_device_connection_count(dev), <=, 16);
		g_assert_cmpuint(vsock_device_pending_bytes(dev), <=, 16 * 65536);
	}
	/* Resets for the garbage must not crowd out the connections. */
	g_assert_cmpuint(responses, >, 0);
	g_test_message("%u connections accepted; stats: %" G_GUINT64_FORMAT
		       " packets in, %" G_GUINT64_FORMAT " out, %" G_GUINT64_FORMAT
		       " bad, %" G_GUINT64_FORMAT " resets",
		       responses, vsock_device_stats(dev)->packets_from_guest,
		       vsock_device_stats(dev)->packets_to_guest,
		       vsock_device_stats(dev)->bad_packets, vsock_device_stats(dev)->resets_sent);

	/* After all that, a well-behaved guest is still served. */
	for (int i = 0; i < 4; i++) {
		fake_guest_post_rx(fg, 64 - (guint16)(fg->rx.avail_idx - fg->rx.last_used), 4096);
		pump(dev);
		while (fake_guest_recv(fg, &hdr, NULL, 0, NULL))
			;
	}
	hdr = fake_header(fg, VIRTIO_VSOCK_OP_REQUEST, 999, 5, 65536, 0);
	fake_guest_send(fg, &hdr, NULL, 0);
	gboolean answered = FALSE;

	for (int i = 0; i < 100 && !answered; i++) {
		pump(dev);
		while (fake_guest_recv(fg, &hdr, NULL, 0, NULL)) {
			if (hdr.dst_port == 999) {
				g_assert_true(hdr.op == VIRTIO_VSOCK_OP_RESPONSE ||
					      hdr.op == VIRTIO_VSOCK_OP_RST);
				answered = TRUE;
			}
		}
		fake_guest_post_rx(fg, 64 - (guint16)(fg->rx.avail_idx - fg->rx.last_used), 4096);
	}
	g_assert_true(answered);

	for (GList *l = accepted; l; l = l->next)
		close(GPOINTER_TO_INT(l->data));
	g_list_free(accepted);
	vsock_device_free(dev);
	close(listener);
	unlink(port_path);
	rmdir(dir);
	while (g_main_context_iteration(NULL, FALSE))
		;
}

/* Thousands of rate-limited complaints about the garbage: not worth printing. */
static void quiet(const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_log_set_handler("ckpt-vsockd", G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_DEBUG, quiet, NULL);
	g_test_add_func("/random/rings", test_random_rings);
	g_test_add_func("/random/packets", test_random_packets);
	return g_test_run();
}
