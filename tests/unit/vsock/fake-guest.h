/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake guest driver for unit tests: RAM in our own heap, split rings in
 * it, and the driver's side of them (post rx buffers, send packets, read
 * what the device put in the used ring). The device sees it exactly as it
 * would see QEMU's shared memory.
 */
#pragma once

#include "guest-memory.h"
#include "virtqueue.h"
#include "vsock-device.h"
#include "vsock-packet.h"

#include <glib.h>

#define FAKE_GPA_BASE 0x100000u
#define FAKE_BUF_SIZE (64u * 1024 + 64)

typedef struct {
	guint16 num;
	guint64 desc_gpa, avail_gpa, used_gpa;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	guint16 avail_idx; /* driver's next avail slot */
	guint16 last_used; /* driver's next used slot to read */
	guint64 buf_gpa;   /* num buffers of FAKE_BUF_SIZE, one per descriptor */
} FakeRing;

typedef struct {
	guint8 *ram;
	gsize ram_size;
	gboolean owns_ram;
	guint64 guest_cid;
	FakeRing rx, tx;
	guint64 next_free; /* bump allocator for extra RAM use (indirect tables) */
} FakeGuest;

FakeGuest *fake_guest_new(guint16 queue_num, guint64 guest_cid);
/* The same in memory the caller owns (a memfd mapping shared with the device). */
FakeGuest *fake_guest_new_at(guint8 *ram, gsize ram_size, guint16 queue_num, guint64 guest_cid);
gsize fake_guest_ram_needed(guint16 queue_num);
void fake_guest_free(FakeGuest *fg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FakeGuest, fake_guest_free)

/* A GuestMemory describing the fake RAM (uva = our own address). */
GuestMemory *fake_guest_memory(const FakeGuest *fg);
void *fake_guest_ptr(const FakeGuest *fg, guint64 gpa);
guint64 fake_guest_alloc(FakeGuest *fg, gsize len);

/* Configure and start both rings of dev as vhost-user would. */
void fake_guest_attach(FakeGuest *fg, VsockDevice *dev);

/* Driver side. */
void fake_guest_post_rx(FakeGuest *fg, guint count, guint32 buf_len);
/* Queue a packet on tx: header and payload in two descriptors. */
void fake_guest_send(FakeGuest *fg, const VsockHeader *hdr, const void *payload, gsize len);
/* Take the next packet the device wrote into rx; FALSE if none. payload may be NULL. */
gboolean fake_guest_recv(FakeGuest *fg, VsockHeader *hdr, guint8 *payload, gsize cap,
			 guint32 *used_len);
/* Number of tx buffers the device has returned since the last call. */
guint fake_guest_reap_tx(FakeGuest *fg);

/* Raw access for malformed-chain tests: put chain head `head` in the avail ring. */
void fake_ring_publish(FakeRing *ring, guint16 head);
void fake_ring_set_desc(FakeRing *ring, guint16 i, guint64 addr, guint32 len, guint16 flags,
			guint16 next);
gboolean fake_ring_take_used(FakeRing *ring, guint32 *id, guint32 *len);

/* A header from the guest's point of view. */
VsockHeader fake_header(const FakeGuest *fg, guint16 op, guint32 guest_port, guint32 host_port,
			guint32 buf_alloc, guint32 fwd_cnt);
