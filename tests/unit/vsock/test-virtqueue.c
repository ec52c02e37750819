// SPDX-License-Identifier: GPL-2.0-only
/* Split-ring parsing against a fake guest: good chains and hostile ones. */
#include "fake-guest.h"
#include "guest-memory.h"
#include "virtqueue.h"

#include <string.h>

typedef struct {
	FakeGuest *fg;
	GuestMemory *mem;
	Virtqueue vq;
	VirtqElement elem;
	FakeRing *ring;
} Fixture;

static void setup(Fixture *f, gconstpointer data)
{
	f->fg = fake_guest_new(16, 3);
	f->mem = fake_guest_memory(f->fg);
	f->ring = &f->fg->tx;
	virtqueue_init(&f->vq, "test", 0);
	g_assert_true(virtqueue_set_num(&f->vq, f->ring->num, NULL));
	g_assert_true(virtqueue_set_addr(&f->vq, f->mem, (guint64)(guintptr)f->ring->desc,
					 (guint64)(guintptr)f->ring->avail,
					 (guint64)(guintptr)f->ring->used, NULL));
	virtqueue_set_base(&f->vq, 0);
	f->vq.enabled = TRUE;
	virtqueue_start(&f->vq);
}

static void teardown(Fixture *f, gconstpointer data)
{
	virtqueue_reset(&f->vq);
	guest_memory_free(f->mem);
	fake_guest_free(f->fg);
}

static guint64 buf(Fixture *f, guint i)
{
	return f->ring->buf_gpa + (guint64)i * FAKE_BUF_SIZE;
}

static void test_chain(Fixture *f, gconstpointer data)
{
	/* Two readable buffers then one writable, linked out of order. */
	fake_ring_set_desc(f->ring, 5, buf(f, 5), 44, VRING_DESC_F_NEXT, 2);
	fake_ring_set_desc(f->ring, 2, buf(f, 2), 100, VRING_DESC_F_NEXT, 9);
	fake_ring_set_desc(f->ring, 9, buf(f, 9), 4096, VRING_DESC_F_WRITE, 0);
	fake_ring_publish(f->ring, 5);

	g_assert_cmpint(virtqueue_pop(&f->vq, f->mem, &f->elem), ==, VIRTQ_POP_OK);
	g_assert_cmpuint(f->elem.head, ==, 5);
	g_assert_cmpuint(f->elem.out_num, ==, 2);
	g_assert_cmpuint(f->elem.in_num, ==, 1);
	g_assert_cmpuint(f->elem.out_len, ==, 144);
	g_assert_cmpuint(f->elem.in_len, ==, 4096);
	g_assert_true(f->elem.out[0].iov_base == fake_guest_ptr(f->fg, buf(f, 5)));
	g_assert_true(f->elem.in[0].iov_base == fake_guest_ptr(f->fg, buf(f, 9)));
	g_assert_cmpint(virtqueue_pop(&f->vq, f->mem, &f->elem), ==, VIRTQ_POP_EMPTY);

	virtqueue_push(&f->vq, 5, 77);
	guint32 id, len;

	g_assert_true(fake_ring_take_used(f->ring, &id, &len));
	g_assert_cmpuint(id, ==, 5);
	g_assert_cmpuint(len, ==, 77);
}

/* 16-bit indices wrap: start just below 65536 and go past it. */
static void test_wraparound(Fixture *f, gconstpointer data)
{
	guint16 start = 65530;
	guint32 id, len;

	f->ring->avail_idx = start;
	f->ring->avail->idx = GUINT16_TO_LE(start);
	f->ring->used->idx = GUINT16_TO_LE(start);
	f->ring->last_used = start;
	virtqueue_set_base(&f->vq, start);
	virtqueue_start(&f->vq);

	for (guint round = 0; round < 3; round++) {
		for (guint16 i = 0; i < 12; i++) {
			fake_ring_set_desc(f->ring, i, buf(f, i), 8 + i, 0, 0);
			fake_ring_publish(f->ring, i);
		}
		for (guint16 i = 0; i < 12; i++) {
			g_assert_cmpint(virtqueue_pop(&f->vq, f->mem, &f->elem), ==, VIRTQ_POP_OK);
			g_assert_cmpuint(f->elem.head, ==, i);
			g_assert_cmpuint(f->elem.out_len, ==, 8u + i);
			virtqueue_push(&f->vq, f->elem.head, i);
		}
		g_assert_cmpint(virtqueue_pop(&f->vq, f->mem, &f->elem), ==, VIRTQ_POP_EMPTY);
		for (guint16 i = 0; i < 12; i++) {
			g_assert_true(fake_ring_take_used(f->ring, &id, &len));
			g_assert_cmpuint(id, ==, i);
			g_assert_cmpuint(len, ==, i);
		}
	}
	g_assert_cmpuint(f->vq.last_avail_idx, ==, (guint16)(start + 36));
	g_assert_cmpuint(f->vq.used_idx, ==, (guint16)(start + 36));
}

static guint64 indirect_table(Fixture *f, guint n)
{
	guint64 gpa = fake_guest_alloc(f->fg, 16 * n);
	struct vring_desc *t = fake_guest_ptr(f->fg, gpa);

	for (guint i = 0; i < n; i++) {
		t[i] = (struct vring_desc){
			.addr = GUINT64_TO_LE(buf(f, i)),
			.len = GUINT32_TO_LE(10 * (i + 1)),
			.flags = GUINT16_TO_LE(i + 1 < n ? VRING_DESC_F_NEXT : VRING_DESC_F_WRITE),
			.next = GUINT16_TO_LE(i + 1),
		};
	}
	return gpa;
}

static void test_indirect(Fixture *f, gconstpointer data)
{
	guint64 table = indirect_table(f, 3);

	fake_ring_set_desc(f->ring, 0, table, 48, VRING_DESC_F_INDIRECT, 0);
	fake_ring_publish(f->ring, 0);
	/* Not negotiated: refused. */
	g_assert_cmpint(virtqueue_pop(&f->vq, f->mem, &f->elem), ==, VIRTQ_POP_MALFORMED);
	g_assert_nonnull(strstr(f->vq.error, "not negotiated"));

	f->vq.indirect = TRUE;
	fake_ring_publish(f->ring, 0);
	g_assert_cmpint(virtqueue_pop(&f->vq, f->mem, &f->elem), ==, VIRTQ_POP_OK);
	g_assert_cmpuint(f->elem.out_num, ==, 2);
	g_assert_cmpuint(f->elem.out_len, ==, 30);
	g_assert_cmpuint(f->elem.in_len, ==, 30);
}

typedef struct {
	const char *name;
	const char *expect; /* substring of the error */
	void (*build)(Fixture *f);
} BadChain;

static void bad_loop(Fixture *f)
{
	fake_ring_set_desc(f->ring, 0, buf(f, 0), 8, VRING_DESC_F_NEXT, 1);
	fake_ring_set_desc(f->ring, 1, buf(f, 1), 8, VRING_DESC_F_NEXT, 0);
}

static void bad_next(Fixture *f)
{
	fake_ring_set_desc(f->ring, 0, buf(f, 0), 8, VRING_DESC_F_NEXT, 16);
}

static void bad_addr(Fixture *f)
{
	fake_ring_set_desc(f->ring, 0, 0x1000, 8, 0, 0);
}

static void bad_wrap(Fixture *f)
{
	fake_ring_set_desc(f->ring, 0, G_MAXUINT64 - 8, 64, 0, 0);
}

static void bad_oversized(Fixture *f)
{
	/* A 4 GiB buffer: over the per-chain limit before anything is mapped. */
	fake_ring_set_desc(f->ring, 0, FAKE_GPA_BASE, G_MAXUINT32, 0, 0);
}

static void bad_past_end(Fixture *f)
{
	/* Starts inside RAM, runs past its end. */
	fake_ring_set_desc(f->ring, 0, FAKE_GPA_BASE + f->fg->ram_size - 16, 4096, 0, 0);
}

static void bad_too_long(Fixture *f)
{
	/* Each in range, together more than VIRTQ_ELEM_MAX_BYTES. */
	for (guint16 i = 0; i < 15; i++)
		fake_ring_set_desc(f->ring, i, FAKE_GPA_BASE, (guint32)f->fg->ram_size,
				   VRING_DESC_F_NEXT, i + 1);
	fake_ring_set_desc(f->ring, 15, FAKE_GPA_BASE, (guint32)f->fg->ram_size, 0, 0);
}

static void bad_order(Fixture *f)
{
	fake_ring_set_desc(f->ring, 0, buf(f, 0), 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	fake_ring_set_desc(f->ring, 1, buf(f, 1), 8, 0, 0);
}

static void bad_nested(Fixture *f)
{
	guint64 table = indirect_table(f, 2);
	struct vring_desc *t = fake_guest_ptr(f->fg, table);

	t[1].flags = GUINT16_TO_LE(VRING_DESC_F_INDIRECT);
	fake_ring_set_desc(f->ring, 0, table, 32, VRING_DESC_F_INDIRECT, 0);
}

static void bad_indirect_next(Fixture *f)
{
	fake_ring_set_desc(f->ring, 0, indirect_table(f, 2), 32,
			   VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
}

static void bad_indirect_len(Fixture *f)
{
	fake_ring_set_desc(f->ring, 0, indirect_table(f, 2), 30, VRING_DESC_F_INDIRECT, 0);
}

static void bad_indirect_addr(Fixture *f)
{
	fake_ring_set_desc(f->ring, 0, 0x2000, 32, VRING_DESC_F_INDIRECT, 0);
}

static void bad_indirect_loop(Fixture *f)
{
	guint64 table = indirect_table(f, 2);
	struct vring_desc *t = fake_guest_ptr(f->fg, table);

	t[1].flags = GUINT16_TO_LE(VRING_DESC_F_NEXT);
	t[1].next = GUINT16_TO_LE(0);
	fake_ring_set_desc(f->ring, 0, table, 32, VRING_DESC_F_INDIRECT, 0);
}

static const BadChain bad_chains[] = {
	{"loop", "loops", bad_loop},
	{"next-out-of-table", "outside a table", bad_next},
	{"address-outside-ram", "outside guest memory", bad_addr},
	{"address-wraps", "outside guest memory", bad_wrap},
	{"oversized-length", "longer than", bad_oversized},
	{"length-past-ram", "outside guest memory", bad_past_end},
	{"chain-too-long", "longer than", bad_too_long},
	{"readable-after-writable", "readable buffer after", bad_order},
	{"nested-indirect", "nested", bad_nested},
	{"indirect-with-next", "NEXT", bad_indirect_next},
	{"indirect-bad-length", "indirect table of 30 bytes", bad_indirect_len},
	{"indirect-outside-ram", "outside guest memory", bad_indirect_addr},
	{"indirect-loop", "loops", bad_indirect_loop},
};

/* Each bad chain is reported, and the ring keeps working afterwards. */
static void test_bad_chain(Fixture *f, gconstpointer data)
{
	const BadChain *bad = data;

	f->vq.indirect = TRUE;
	bad->build(f);
	fake_ring_publish(f->ring, 0);
	g_assert_cmpint(virtqueue_pop(&f->vq, f->mem, &f->elem), ==, VIRTQ_POP_MALFORMED);
	g_assert_cmpuint(f->elem.head, ==, 0);
	if (!strstr(f->vq.error, bad->expect))
		g_error("%s: error \"%s\" lacks \"%s\"", bad->name, f->vq.error, bad->expect);
	virtqueue_push(&f->vq, f->elem.head, 0);

	fake_ring_set_desc(f->ring, 3, buf(f, 3), 44, 0, 0);
	fake_ring_publish(f->ring, 3);
	g_assert_cmpint(virtqueue_pop(&f->vq, f->mem, &f->elem), ==, VIRTQ_POP_OK);
	g_assert_cmpuint(f->elem.head, ==, 3);
}

static void test_broken_ring(Fixture *f, gconstpointer data)
{
	/* The guest claims more new entries than the ring holds. */
	f->ring->avail->idx = GUINT16_TO_LE(17);
	g_assert_cmpint(virtqueue_pop(&f->vq, f->mem, &f->elem), ==, VIRTQ_POP_BROKEN);
	g_assert_nonnull(strstr(f->vq.error, "more than the ring size"));
	g_assert_false(virtqueue_ready(&f->vq));
	/* A restart (what a guest reset does) clears it. */
	f->ring->avail->idx = 0;
	virtqueue_set_base(&f->vq, 0);
	virtqueue_start(&f->vq);
	g_assert_cmpint(virtqueue_pop(&f->vq, f->mem, &f->elem), ==, VIRTQ_POP_EMPTY);

	/* A head index beyond the table. */
	fake_ring_publish(f->ring, 40);
	g_assert_cmpint(virtqueue_pop(&f->vq, f->mem, &f->elem), ==, VIRTQ_POP_BROKEN);
	g_assert_nonnull(strstr(f->vq.error, "names head 40"));
}

static void test_notify_flags(Fixture *f, gconstpointer data)
{
	fake_ring_set_desc(f->ring, 0, buf(f, 0), 8, 0, 0);
	fake_ring_publish(f->ring, 0);
	g_assert_cmpint(virtqueue_pop(&f->vq, f->mem, &f->elem), ==, VIRTQ_POP_OK);
	virtqueue_notify(&f->vq);
	g_assert_cmpuint(f->vq.notifications, ==, 0); /* nothing pushed yet */
	virtqueue_push(&f->vq, 0, 0);
	virtqueue_notify(&f->vq);
	g_assert_cmpuint(f->vq.notifications, ==, 1);

	f->ring->avail->flags = GUINT16_TO_LE(VRING_AVAIL_F_NO_INTERRUPT);
	fake_ring_publish(f->ring, 0);
	g_assert_cmpint(virtqueue_pop(&f->vq, f->mem, &f->elem), ==, VIRTQ_POP_OK);
	virtqueue_push(&f->vq, 0, 0);
	virtqueue_notify(&f->vq);
	g_assert_cmpuint(f->vq.notifications, ==, 1);
}

static void test_event_idx(Fixture *f, gconstpointer data)
{
	guint16 *used_event = (guint16 *)&f->ring->avail->ring[f->ring->num];
	guint16 *avail_event = (guint16 *)&f->ring->used->ring[f->ring->num];

	f->vq.event_idx = TRUE;
	for (guint16 i = 0; i < 6; i++) {
		fake_ring_set_desc(f->ring, i, buf(f, i), 8, 0, 0);
		fake_ring_publish(f->ring, i);
	}
	/* The guest wants an interrupt once used->idx passes 3. */
	*used_event = GUINT16_TO_LE(3);
	for (guint i = 0; i < 6; i++) {
		g_assert_cmpint(virtqueue_pop(&f->vq, f->mem, &f->elem), ==, VIRTQ_POP_OK);
		virtqueue_push(&f->vq, f->elem.head, 0);
		virtqueue_notify(&f->vq);
	}
	/* First notify always fires (no history), then only when crossing 3. */
	g_assert_cmpuint(f->vq.notifications, ==, 2);

	/* Asking for kicks publishes where we are. */
	g_assert_false(virtqueue_enable_kicks(&f->vq));
	g_assert_cmpuint(GUINT16_FROM_LE(*avail_event), ==, 6);
	fake_ring_publish(f->ring, 0);
	g_assert_true(virtqueue_enable_kicks(&f->vq));
}

static void test_bad_addresses(void)
{
	g_autoptr(FakeGuest) fg = fake_guest_new(8, 3);
	g_autoptr(GuestMemory) mem = fake_guest_memory(fg);
	g_autoptr(GError) error = NULL;
	Virtqueue vq;

	virtqueue_init(&vq, "test", 0);
	g_assert_false(virtqueue_set_num(&vq, 12, &error));
	g_assert_nonnull(strstr(error->message, "power of two"));
	g_clear_error(&error);
	g_assert_true(virtqueue_set_num(&vq, 8, NULL));
	g_assert_false(virtqueue_set_addr(&vq, mem, 0x10, (guint64)(guintptr)fg->tx.avail,
					  (guint64)(guintptr)fg->tx.used, &error));
	g_assert_nonnull(strstr(error->message, "descriptor ring at 0x10"));
	g_clear_error(&error);
	g_assert_false(virtqueue_set_addr(&vq, mem, (guint64)(guintptr)fg->tx.desc + 8,
					  (guint64)(guintptr)fg->tx.avail,
					  (guint64)(guintptr)fg->tx.used, &error));
	g_assert_nonnull(strstr(error->message, "aligned"));
	g_clear_error(&error);
	/* The used ring running off the end of guest memory. */
	g_assert_false(virtqueue_set_addr(&vq, mem, (guint64)(guintptr)fg->tx.desc,
					  (guint64)(guintptr)fg->tx.avail,
					  (guint64)(guintptr)(fg->ram + fg->ram_size - 8), &error));
	g_assert_nonnull(strstr(error->message, "used ring"));
	virtqueue_reset(&vq);
}

static void test_memory_regions(void)
{
	g_autoptr(GuestMemory) mem = guest_memory_new();
	g_autoptr(GError) error = NULL;
	guint8 *a = g_malloc(4096), *b = g_malloc(4096);
	struct iovec iov[4];
	guint count = 0;

	g_assert_true(guest_memory_add_region(mem, 0x1000, 4096, 0x10000, a, NULL));
	g_assert_true(guest_memory_add_region(mem, 0x2000, 4096, 0x20000, b, NULL));
	g_assert_false(guest_memory_add_region(mem, 0x1800, 4096, 0x30000, a, &error));
	g_assert_nonnull(strstr(error->message, "overlaps"));
	/* A buffer across the two regions becomes two iovecs. */
	g_assert_true(guest_memory_gpa_iov(mem, 0x1f00, 0x200, iov, &count, 4));
	g_assert_cmpuint(count, ==, 2);
	g_assert_true(iov[0].iov_base == a + 0xf00 && iov[0].iov_len == 0x100);
	g_assert_true(iov[1].iov_base == b && iov[1].iov_len == 0x100);
	g_assert_null(guest_memory_gpa_ptr(mem, 0x1f00, 0x200));
	g_assert_true(guest_memory_gpa_ptr(mem, 0x2000, 0x1000) == b);
	g_assert_null(guest_memory_gpa_ptr(mem, 0x2001, 0x1000));
	g_assert_null(guest_memory_uva_ptr(mem, G_MAXUINT64, 2));
	count = 0;
	g_assert_false(guest_memory_gpa_iov(mem, 0x2f00, 0x200, iov, &count, 4));
	g_free(a);
	g_free(b);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/virtqueue/chain", Fixture, NULL, setup, test_chain, teardown);
	g_test_add("/virtqueue/wraparound", Fixture, NULL, setup, test_wraparound, teardown);
	g_test_add("/virtqueue/indirect", Fixture, NULL, setup, test_indirect, teardown);
	for (guint i = 0; i < G_N_ELEMENTS(bad_chains); i++) {
		g_autofree char *name =
			g_strdup_printf("/virtqueue/malformed/%s", bad_chains[i].name);

		g_test_add(name, Fixture, &bad_chains[i], setup, test_bad_chain, teardown);
	}
	g_test_add("/virtqueue/broken-ring", Fixture, NULL, setup, test_broken_ring, teardown);
	g_test_add("/virtqueue/notify-flags", Fixture, NULL, setup, test_notify_flags, teardown);
	g_test_add("/virtqueue/event-idx", Fixture, NULL, setup, test_event_idx, teardown);
	g_test_add_func("/virtqueue/bad-addresses", test_bad_addresses);
	g_test_add_func("/guest-memory/regions", test_memory_regions);
	return g_test_run();
}
