/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One split virtqueue, seen from the device side: the guest's descriptor
 * table, avail ring and used ring in shared memory.
 *
 * Everything read from the rings is guest-controlled. Each descriptor is
 * copied once before use, every address goes through GuestMemory bounds
 * checks, chains are bounded by the table size (a loop can't spin us) and
 * by VIRTQ_ELEM_MAX_IOV / VIRTQ_ELEM_MAX_BYTES (a chain can't grow us).
 */
#pragma once

#include "guest-memory.h"

#include <glib.h>
#include <linux/virtio_ring.h>
#include <sys/uio.h>

#define VIRTQ_MAX_SIZE 32768
#define VIRTQ_ELEM_MAX_IOV 128
/* Far above what vsock uses (64 KiB + header) but bounds a hostile chain. */
#define VIRTQ_ELEM_MAX_BYTES (4u << 20)

typedef struct {
	guint16 head;
	guint out_num; /* device-readable buffers (guest -> us) */
	guint in_num;  /* device-writable buffers (us -> guest) */
	gsize out_len;
	gsize in_len;
	struct iovec out[VIRTQ_ELEM_MAX_IOV];
	struct iovec in[VIRTQ_ELEM_MAX_IOV];
} VirtqElement;

typedef enum {
	VIRTQ_POP_OK,
	VIRTQ_POP_EMPTY,
	/* The chain at elem->head is bad; push it back with length 0 and go on. */
	VIRTQ_POP_MALFORMED,
	/* The avail ring itself is bad (index jump, head out of range). */
	VIRTQ_POP_BROKEN,
} VirtqPopResult;

typedef struct {
	const char *name;
	guint index;
	guint16 num;
	guint64 desc_uva, avail_uva, used_uva; /* as QEMU gave them */
	gboolean addr_set;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	guint16 last_avail_idx; /* next avail slot we will consume */
	guint16 used_idx;	/* next used slot we will fill */
	guint16 signalled_used; /* used_idx at our last interrupt (event idx) */
	gboolean signalled_used_valid;
	gboolean need_notify; /* pushed since the last notification */
	gboolean event_idx;
	gboolean indirect;
	gboolean started; /* has a kick fd and maps: may be processed */
	gboolean enabled; /* SET_VRING_ENABLE */
	gboolean broken;  /* stop touching it until the next reset */
	int kick_fd;
	int call_fd;
	guint64 notifications; /* interrupts raised, for tests and stats */
	char error[160];       /* why the last pop was not OK */
} Virtqueue;

void virtqueue_init(Virtqueue *vq, const char *name, guint index);
/* Forget the ring (rings stop on GET_VRING_BASE and device reset). Closes fds. */
void virtqueue_reset(Virtqueue *vq);

gboolean virtqueue_set_num(Virtqueue *vq, guint num, GError **error);
gboolean virtqueue_set_addr(Virtqueue *vq, const GuestMemory *mem, guint64 desc_uva,
			    guint64 avail_uva, guint64 used_uva, GError **error);
/* Re-translate the ring addresses after a new memory table. */
gboolean virtqueue_remap(Virtqueue *vq, const GuestMemory *mem, GError **error);
void virtqueue_set_base(Virtqueue *vq, guint16 base);
/* Begin processing: picks up the used index the guest memory holds. */
void virtqueue_start(Virtqueue *vq);
void virtqueue_stop(Virtqueue *vq);
gboolean virtqueue_ready(const Virtqueue *vq);

VirtqPopResult virtqueue_pop(Virtqueue *vq, const GuestMemory *mem, VirtqElement *elem);
/* Give back the element popped last, untouched (nothing to put in it after all). */
void virtqueue_unpop(Virtqueue *vq);
void virtqueue_push(Virtqueue *vq, guint16 head, guint32 len);
/* Ask the guest to kick us for new buffers; TRUE if some arrived meanwhile. */
gboolean virtqueue_enable_kicks(Virtqueue *vq);
/* Raise the guest interrupt if we pushed and the guest wants to hear. */
void virtqueue_notify(Virtqueue *vq);
