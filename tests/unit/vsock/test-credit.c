// SPDX-License-Identifier: GPL-2.0-only
/* Credit accounting and the pending-bytes ring, as pure logic. */
#include "byte-ring.h"
#include "vsock-credit.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void test_peer_credit(void)
{
	VsockCredit c;

	vsock_credit_init(&c, 1000);
	vsock_credit_peer_update(&c, 4096, 0);
	g_assert_cmpuint(vsock_credit_peer_free(&c), ==, 4096);
	vsock_credit_sent(&c, 4000);
	g_assert_cmpuint(vsock_credit_peer_free(&c), ==, 96);
	vsock_credit_sent(&c, 96);
	g_assert_cmpuint(vsock_credit_peer_free(&c), ==, 0);
	/* The guest read 1000 bytes. */
	vsock_credit_peer_update(&c, 4096, 1000);
	g_assert_cmpuint(vsock_credit_peer_free(&c), ==, 1000);
	/* The guest shrank its buffer below what is in flight: no credit, no underflow. */
	vsock_credit_peer_update(&c, 2048, 1000);
	g_assert_cmpuint(vsock_credit_peer_free(&c), ==, 0);
}

/* All counters are u32 on the wire and wrap; the arithmetic must not care. */
static void test_wrapping_counters(void)
{
	VsockCredit c;

	vsock_credit_init(&c, 65536);
	c.tx_cnt = G_MAXUINT32 - 100;
	vsock_credit_peer_update(&c, 8192, G_MAXUINT32 - 100);
	g_assert_cmpuint(vsock_credit_peer_free(&c), ==, 8192);
	vsock_credit_sent(&c, 5000); /* tx_cnt wraps past zero */
	g_assert_cmpuint(c.tx_cnt, ==, 4899);
	g_assert_cmpuint(vsock_credit_peer_free(&c), ==, 3192);
	vsock_credit_peer_update(&c, 8192, 4899);
	g_assert_cmpuint(vsock_credit_peer_free(&c), ==, 8192);

	c.rx_cnt = G_MAXUINT32 - 10;
	c.fwd_cnt = G_MAXUINT32 - 10;
	c.fwd_cnt_sent = c.fwd_cnt;
	g_assert_true(vsock_credit_receive(&c, 60000));
	g_assert_cmpuint(vsock_credit_unforwarded(&c), ==, 60000);
	g_assert_false(vsock_credit_receive(&c, 6000)); /* over 65536 */
	g_assert_true(vsock_credit_receive(&c, 5536));
	vsock_credit_forwarded(&c, 65536);
	g_assert_cmpuint(vsock_credit_unforwarded(&c), ==, 0);
}

static void test_receive_limit(void)
{
	VsockCredit c;

	vsock_credit_init(&c, 1000);
	g_assert_false(vsock_credit_receive(&c, 1001));
	g_assert_true(vsock_credit_receive(&c, 600));
	g_assert_false(vsock_credit_receive(&c, 401));
	g_assert_true(vsock_credit_receive(&c, 400));
	g_assert_false(vsock_credit_receive(&c, 1));
	vsock_credit_forwarded(&c, 300);
	g_assert_true(vsock_credit_receive(&c, 300));
	g_assert_cmpuint(c.rx_cnt, ==, 1300);
}

/* Updates go out when the guest's view gets tight, not on every byte. */
static void test_update_due(void)
{
	VsockCredit c;

	vsock_credit_init(&c, 256 * 1024);
	g_assert_false(vsock_credit_update_due(&c));
	/* The guest sent 64 KiB and we forwarded it: it still sees 192 KiB free. */
	g_assert_true(vsock_credit_receive(&c, 64 * 1024));
	vsock_credit_forwarded(&c, 64 * 1024);
	g_assert_false(vsock_credit_update_due(&c));
	/* 160 KiB sent: the guest believes 96 KiB free, we have 160 KiB news. */
	g_assert_true(vsock_credit_receive(&c, 96 * 1024));
	vsock_credit_forwarded(&c, 96 * 1024);
	g_assert_true(vsock_credit_update_due(&c));
	vsock_credit_advertised(&c);
	g_assert_false(vsock_credit_update_due(&c));
	/* A slow reader: the guest nearly stalled; even small progress is worth telling. */
	g_assert_true(vsock_credit_receive(&c, 200 * 1024));
	vsock_credit_forwarded(&c, 1024);
	g_assert_true(vsock_credit_update_due(&c));
	/* Nothing forwarded since the last update: nothing to say. */
	vsock_credit_advertised(&c);
	g_assert_false(vsock_credit_update_due(&c));
}

static void test_byte_ring(void)
{
	ByteRing ring;
	int sv[2];
	char out[64], in[128];

	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
	byte_ring_init(&ring, 100);
	g_assert_null(ring.data); /* no storage until needed */
	for (int i = 0; i < 64; i++)
		out[i] = (char)i;
	g_assert_cmpuint(byte_ring_push(&ring, out, 64), ==, 64);
	g_assert_cmpuint(byte_ring_push(&ring, out, 64), ==, 36); /* full */
	g_assert_cmpuint(byte_ring_space(&ring), ==, 0);
	g_assert_cmpint(byte_ring_flush(&ring, sv[0]), ==, 100);
	g_assert_cmpint(read(sv[1], in, sizeof(in)), ==, 100);
	g_assert_cmpmem(in, 64, out, 64);
	g_assert_cmpmem(in + 64, 36, out, 36);
	/* Wrap-around inside the ring. */
	g_assert_cmpuint(byte_ring_push(&ring, out, 60), ==, 60);
	g_assert_cmpint(byte_ring_flush(&ring, sv[0]), ==, 60);
	g_assert_cmpuint(byte_ring_push(&ring, out, 64), ==, 64);
	g_assert_cmpint(byte_ring_flush(&ring, sv[0]), ==, 64);
	g_assert_cmpint(read(sv[1], in, sizeof(in)), ==, 124);
	g_assert_cmpmem(in + 60, 64, out, 64);
	byte_ring_clear(&ring);
	g_assert_null(ring.data);
	close(sv[0]);
	close(sv[1]);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/credit/peer", test_peer_credit);
	g_test_add_func("/credit/wrapping-counters", test_wrapping_counters);
	g_test_add_func("/credit/receive-limit", test_receive_limit);
	g_test_add_func("/credit/update-due", test_update_due);
	g_test_add_func("/byte-ring/push-flush", test_byte_ring);
	return g_test_run();
}
