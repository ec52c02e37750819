// SPDX-License-Identifier: GPL-2.0-only
#include "fake-guest.h"
#include "iov-util.h"

#include <string.h>

static guint64 place(FakeGuest *fg, gsize len, gsize align)
{
	guint64 at = (fg->next_free + align - 1) & ~(guint64)(align - 1);

	g_assert_cmpuint(at + len, <=, FAKE_GPA_BASE + fg->ram_size);
	fg->next_free = at + len;
	return at;
}

guint64 fake_guest_alloc(FakeGuest *fg, gsize len)
{
	return place(fg, len, 16);
}

void *fake_guest_ptr(const FakeGuest *fg, guint64 gpa)
{
	g_assert_cmpuint(gpa, >=, FAKE_GPA_BASE);
	g_assert_cmpuint(gpa, <, FAKE_GPA_BASE + fg->ram_size);
	return fg->ram + (gpa - FAKE_GPA_BASE);
}

static void ring_init(FakeGuest *fg, FakeRing *ring, guint16 num)
{
	ring->num = num;
	ring->desc_gpa = place(fg, 16u * num, 16);
	ring->avail_gpa = place(fg, 6u + 2u * num, 2);
	ring->used_gpa = place(fg, 6u + 8u * num, 4);
	ring->buf_gpa = place(fg, (gsize)FAKE_BUF_SIZE * num, 16);
	ring->desc = fake_guest_ptr(fg, ring->desc_gpa);
	ring->avail = fake_guest_ptr(fg, ring->avail_gpa);
	ring->used = fake_guest_ptr(fg, ring->used_gpa);
}

gsize fake_guest_ram_needed(guint16 queue_num)
{
	return 2 * ((gsize)queue_num * (FAKE_BUF_SIZE + 64) + 4096) + (1u << 20);
}

FakeGuest *fake_guest_new(guint16 queue_num, guint64 guest_cid)
{
	gsize size = fake_guest_ram_needed(queue_num);
	FakeGuest *fg = fake_guest_new_at(g_malloc0(size), size, queue_num, guest_cid);

	fg->owns_ram = TRUE;
	return fg;
}

FakeGuest *fake_guest_new_at(guint8 *ram, gsize ram_size, guint16 queue_num, guint64 guest_cid)
{
	FakeGuest *fg = g_new0(FakeGuest, 1);

	g_assert_cmpuint(ram_size, >=, fake_guest_ram_needed(queue_num));
	fg->ram_size = ram_size;
	fg->ram = ram;
	fg->guest_cid = guest_cid;
	fg->next_free = FAKE_GPA_BASE;
	ring_init(fg, &fg->rx, queue_num);
	ring_init(fg, &fg->tx, queue_num);
	return fg;
}

void fake_guest_free(FakeGuest *fg)
{
	if (fg->owns_ram)
		g_free(fg->ram);
	g_free(fg);
}

GuestMemory *fake_guest_memory(const FakeGuest *fg)
{
	GuestMemory *mem = guest_memory_new();

	g_assert_true(guest_memory_add_region(mem, FAKE_GPA_BASE, fg->ram_size,
					      (guint64)(guintptr)fg->ram, fg->ram, NULL));
	return mem;
}

static void attach_ring(FakeGuest *fg, FakeRing *ring, Virtqueue *vq, const GuestMemory *mem)
{
	g_assert_true(virtqueue_set_num(vq, ring->num, NULL));
	g_assert_true(virtqueue_set_addr(vq, mem, (guint64)(guintptr)ring->desc,
					 (guint64)(guintptr)ring->avail,
					 (guint64)(guintptr)ring->used, NULL));
	virtqueue_set_base(vq, 0);
	vq->enabled = TRUE;
}

void fake_guest_attach(FakeGuest *fg, VsockDevice *dev)
{
	g_assert_true(vsock_device_set_memory(dev, fake_guest_memory(fg), NULL));
	attach_ring(fg, &fg->rx, vsock_device_queue(dev, VSOCK_QUEUE_RX), vsock_device_memory(dev));
	attach_ring(fg, &fg->tx, vsock_device_queue(dev, VSOCK_QUEUE_TX), vsock_device_memory(dev));
	vsock_device_queue_started(dev, VSOCK_QUEUE_RX);
	vsock_device_queue_started(dev, VSOCK_QUEUE_TX);
}

void fake_ring_set_desc(FakeRing *ring, guint16 i, guint64 addr, guint32 len, guint16 flags,
			guint16 next)
{
	ring->desc[i] = (struct vring_desc){
		.addr = GUINT64_TO_LE(addr),
		.len = GUINT32_TO_LE(len),
		.flags = GUINT16_TO_LE(flags),
		.next = GUINT16_TO_LE(next),
	};
}

void fake_ring_publish(FakeRing *ring, guint16 head)
{
	ring->avail->ring[ring->avail_idx % ring->num] = GUINT16_TO_LE(head);
	ring->avail_idx++;
	__atomic_store_n(&ring->avail->idx, GUINT16_TO_LE(ring->avail_idx), __ATOMIC_RELEASE);
}

gboolean fake_ring_take_used(FakeRing *ring, guint32 *id, guint32 *len)
{
	guint16 used = GUINT16_FROM_LE(__atomic_load_n(&ring->used->idx, __ATOMIC_ACQUIRE));
	struct vring_used_elem *e;

	if (used == ring->last_used)
		return FALSE;
	e = &ring->used->ring[ring->last_used % ring->num];
	*id = GUINT32_FROM_LE(e->id);
	*len = GUINT32_FROM_LE(e->len);
	ring->last_used++;
	return TRUE;
}

/* Buffers are tied to descriptor indices: slot i owns buffer i. */
static guint64 slot_buf(const FakeRing *ring, guint16 i)
{
	return ring->buf_gpa + (guint64)i * FAKE_BUF_SIZE;
}

void fake_guest_post_rx(FakeGuest *fg, guint count, guint32 buf_len)
{
	for (guint n = 0; n < count; n++) {
		guint16 i = fg->rx.avail_idx % fg->rx.num;

		fake_ring_set_desc(&fg->rx, i, slot_buf(&fg->rx, i), buf_len, VRING_DESC_F_WRITE,
				   0);
		fake_ring_publish(&fg->rx, i);
	}
}

void fake_guest_send(FakeGuest *fg, const VsockHeader *hdr, const void *payload, gsize len)
{
	/* Two slots per packet: header in slot i, payload in slot i + 1. */
	guint16 i = (guint16)((fg->tx.avail_idx * 2u) % fg->tx.num);
	guint64 hdr_gpa = slot_buf(&fg->tx, i);
	guint64 data_gpa = slot_buf(&fg->tx, (guint16)(i + 1));
	struct iovec iov = {fake_guest_ptr(fg, hdr_gpa), VSOCK_HDR_SIZE};

	g_assert_cmpuint(len, <=, FAKE_BUF_SIZE);
	vsock_header_write(hdr, &iov, 1);
	if (len) {
		memcpy(fake_guest_ptr(fg, data_gpa), payload, len);
		fake_ring_set_desc(&fg->tx, i, hdr_gpa, VSOCK_HDR_SIZE, VRING_DESC_F_NEXT,
				   (guint16)(i + 1));
		fake_ring_set_desc(&fg->tx, (guint16)(i + 1), data_gpa, (guint32)len, 0, 0);
	} else {
		fake_ring_set_desc(&fg->tx, i, hdr_gpa, VSOCK_HDR_SIZE, 0, 0);
	}
	/* avail_idx counts packets here; the avail ring slot is its own index. */
	fg->tx.avail->ring[fg->tx.avail_idx % fg->tx.num] = GUINT16_TO_LE(i);
	fg->tx.avail_idx++;
	__atomic_store_n(&fg->tx.avail->idx, GUINT16_TO_LE(fg->tx.avail_idx), __ATOMIC_RELEASE);
}

gboolean fake_guest_recv(FakeGuest *fg, VsockHeader *hdr, guint8 *payload, gsize cap,
			 guint32 *used_len)
{
	guint32 id, len;
	struct iovec iov;

	if (!fake_ring_take_used(&fg->rx, &id, &len))
		return FALSE;
	g_assert_cmpuint(id, <, fg->rx.num);
	iov = (struct iovec){fake_guest_ptr(fg, slot_buf(&fg->rx, (guint16)id)), len};
	if (used_len)
		*used_len = len;
	if (len < VSOCK_HDR_SIZE) {
		memset(hdr, 0, sizeof(*hdr));
		return TRUE;
	}
	g_assert_true(vsock_header_read(hdr, &iov, 1));
	g_assert_cmpuint(hdr->len, ==, len - VSOCK_HDR_SIZE);
	if (payload) {
		g_assert_cmpuint(hdr->len, <=, cap);
		memcpy(payload, (guint8 *)iov.iov_base + VSOCK_HDR_SIZE, hdr->len);
	}
	return TRUE;
}

guint fake_guest_reap_tx(FakeGuest *fg)
{
	guint32 id, len;
	guint n = 0;

	while (fake_ring_take_used(&fg->tx, &id, &len))
		n++;
	return n;
}

VsockHeader fake_header(const FakeGuest *fg, guint16 op, guint32 guest_port, guint32 host_port,
			guint32 buf_alloc, guint32 fwd_cnt)
{
	return (VsockHeader){
		.src_cid = fg->guest_cid,
		.dst_cid = VSOCK_HOST_CID,
		.src_port = guest_port,
		.dst_port = host_port,
		.type = VIRTIO_VSOCK_TYPE_STREAM,
		.op = op,
		.buf_alloc = buf_alloc,
		.fwd_cnt = fwd_cnt,
	};
}
