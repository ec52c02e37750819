// SPDX-License-Identifier: GPL-2.0-only
#include "virtqueue.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/*
 * The rings live in memory the guest writes concurrently. Indices are read
 * and written with atomics (acquire on avail->idx, release on used->idx,
 * a full fence before deciding about interrupts or kicks), everything else
 * through these volatile accessors so the compiler reads each field once.
 */
static inline guint16 load16(const void *p)
{
	return GUINT16_FROM_LE(*(const volatile guint16 *)p);
}

static inline void store16(void *p, guint16 v)
{
	*(volatile guint16 *)p = GUINT16_TO_LE(v);
}

static inline void store32(void *p, guint32 v)
{
	*(volatile guint32 *)p = GUINT32_TO_LE(v);
}

void virtqueue_init(Virtqueue *vq, const char *name, guint index)
{
	memset(vq, 0, sizeof(*vq));
	vq->name = name;
	vq->index = index;
	vq->kick_fd = -1;
	vq->call_fd = -1;
}

void virtqueue_reset(Virtqueue *vq)
{
	const char *name = vq->name;
	guint index = vq->index;

	if (vq->kick_fd >= 0)
		close(vq->kick_fd);
	if (vq->call_fd >= 0)
		close(vq->call_fd);
	virtqueue_init(vq, name, index);
}

gboolean virtqueue_set_num(Virtqueue *vq, guint num, GError **error)
{
	if (num == 0 || num > VIRTQ_MAX_SIZE || (num & (num - 1))) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "%s queue: size %u is not a power of two in 1..%u", vq->name, num,
			    VIRTQ_MAX_SIZE);
		return FALSE;
	}
	vq->num = (guint16)num;
	vq->addr_set = FALSE;
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	return TRUE;
}

static gboolean map_part(const GuestMemory *mem, const Virtqueue *vq, const char *part, guint64 uva,
			 guint64 len, guint64 align, void **out, GError **error)
{
	if (uva % align) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "%s queue: %s ring at 0x%" G_GINT64_MODIFIER
			    "x is not %" G_GUINT64_FORMAT "-byte aligned",
			    vq->name, part, uva, align);
		return FALSE;
	}
	*out = guest_memory_uva_ptr(mem, uva, len);
	if (!*out) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "%s queue: %s ring at 0x%" G_GINT64_MODIFIER "x (%" G_GUINT64_FORMAT
			    " bytes) is outside guest memory",
			    vq->name, part, uva, len);
		return FALSE;
	}
	return TRUE;
}

gboolean virtqueue_remap(Virtqueue *vq, const GuestMemory *mem, GError **error)
{
	void *desc, *avail, *used;
	guint64 num = vq->num;

	if (!vq->addr_set)
		return TRUE;
	if (vq->num == 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "%s queue: addresses set before the size", vq->name);
		return FALSE;
	}
	/* The avail and used rings end with the event-index words. */
	if (!map_part(mem, vq, "descriptor", vq->desc_uva, 16 * num, 16, &desc, error) ||
	    !map_part(mem, vq, "avail", vq->avail_uva, 6 + 2 * num, 2, &avail, error) ||
	    !map_part(mem, vq, "used", vq->used_uva, 6 + 8 * num, 4, &used, error)) {
		vq->desc = NULL;
		vq->avail = NULL;
		vq->used = NULL;
		return FALSE;
	}
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	return TRUE;
}

gboolean virtqueue_set_addr(Virtqueue *vq, const GuestMemory *mem, guint64 desc_uva,
			    guint64 avail_uva, guint64 used_uva, GError **error)
{
	vq->desc_uva = desc_uva;
	vq->avail_uva = avail_uva;
	vq->used_uva = used_uva;
	vq->addr_set = TRUE;
	if (!mem) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "%s queue: addresses set before the memory table", vq->name);
		vq->addr_set = FALSE;
		return FALSE;
	}
	if (!virtqueue_remap(vq, mem, error)) {
		vq->addr_set = FALSE;
		return FALSE;
	}
	return TRUE;
}

void virtqueue_set_base(Virtqueue *vq, guint16 base)
{
	vq->last_avail_idx = base;
}

void virtqueue_start(Virtqueue *vq)
{
	vq->started = TRUE;
	vq->broken = FALSE;
	vq->signalled_used_valid = FALSE;
	vq->need_notify = FALSE;
	if (vq->used)
		vq->used_idx = load16(&vq->used->idx);
}

void virtqueue_stop(Virtqueue *vq)
{
	vq->started = FALSE;
	if (vq->kick_fd >= 0) {
		close(vq->kick_fd);
		vq->kick_fd = -1;
	}
}

gboolean virtqueue_ready(const Virtqueue *vq)
{
	return vq->started && vq->enabled && !vq->broken && vq->desc && vq->avail && vq->used;
}

static VirtqPopResult malformed(Virtqueue *vq, const char *format, ...) G_GNUC_PRINTF(2, 3);

static VirtqPopResult malformed(Virtqueue *vq, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	g_vsnprintf(vq->error, sizeof(vq->error), format, args);
	va_end(args);
	return VIRTQ_POP_MALFORMED;
}

static VirtqPopResult add_buffer(Virtqueue *vq, const GuestMemory *mem, VirtqElement *elem,
				 guint64 addr, guint32 len, gboolean writable, guint16 head)
{
	struct iovec *iov = writable ? elem->in : elem->out;
	guint *count = writable ? &elem->in_num : &elem->out_num;
	gsize *total = writable ? &elem->in_len : &elem->out_len;
	guint before = *count;

	if (elem->in_len + elem->out_len + len > VIRTQ_ELEM_MAX_BYTES)
		return malformed(vq, "chain %u: longer than %u bytes", head, VIRTQ_ELEM_MAX_BYTES);
	if (!guest_memory_gpa_iov(mem, addr, len, iov, count, VIRTQ_ELEM_MAX_IOV)) {
		if (*count >= VIRTQ_ELEM_MAX_IOV)
			return malformed(vq, "chain %u: more than %u buffers", head,
					 VIRTQ_ELEM_MAX_IOV);
		*count = before;
		return malformed(vq,
				 "chain %u: buffer at gpa 0x%" G_GINT64_MODIFIER
				 "x (%u bytes) is outside guest memory",
				 head, addr, len);
	}
	*total += len;
	return VIRTQ_POP_OK;
}

static VirtqPopResult walk_chain(Virtqueue *vq, const GuestMemory *mem, VirtqElement *elem)
{
	const struct vring_desc *table = vq->desc;
	guint table_size = vq->num;
	guint16 head = elem->head;
	guint i = head;
	guint seen = 0;
	gboolean in_indirect = FALSE;
	gboolean seen_writable = FALSE;

	for (;;) {
		struct vring_desc d;
		VirtqPopResult r;

		if (seen++ >= table_size)
			return malformed(vq, "chain %u: loops or is longer than its table (%u)",
					 head, table_size);
		/* One copy: the guest may rewrite the table while we look. */
		memcpy(&d, (const void *)&table[i], sizeof(d));
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		guint16 flags = GUINT16_FROM_LE(d.flags);
		guint64 addr = GUINT64_FROM_LE(d.addr);
		guint32 len = GUINT32_FROM_LE(d.len);
		guint16 next = GUINT16_FROM_LE(d.next);

		if (flags & VRING_DESC_F_INDIRECT) {
			if (!vq->indirect)
				return malformed(
					vq, "chain %u: indirect descriptor, not negotiated", head);
			if (in_indirect)
				return malformed(vq, "chain %u: nested indirect table", head);
			if (seen != 1)
				return malformed(
					vq, "chain %u: indirect descriptor not at the head", head);
			if (flags & VRING_DESC_F_NEXT)
				return malformed(vq, "chain %u: indirect descriptor with NEXT set",
						 head);
			if (len == 0 || len % sizeof(struct vring_desc) ||
			    len / sizeof(struct vring_desc) > VIRTQ_MAX_SIZE)
				return malformed(vq, "chain %u: indirect table of %u bytes", head,
						 len);
			table = guest_memory_gpa_ptr(mem, addr, len);
			if (!table)
				return malformed(
					vq,
					"chain %u: indirect table at gpa 0x%" G_GINT64_MODIFIER
					"x (%u bytes) is outside guest memory",
					head, addr, len);
			table_size = len / sizeof(struct vring_desc);
			i = 0;
			seen = 0;
			in_indirect = TRUE;
			continue;
		}
		if (flags & VRING_DESC_F_WRITE) {
			seen_writable = TRUE;
		} else if (seen_writable) {
			return malformed(vq, "chain %u: readable buffer after a writable one",
					 head);
		}
		r = add_buffer(vq, mem, elem, addr, len, (flags & VRING_DESC_F_WRITE) != 0, head);
		if (r != VIRTQ_POP_OK)
			return r;
		if (!(flags & VRING_DESC_F_NEXT))
			return VIRTQ_POP_OK;
		if (next >= table_size)
			return malformed(vq, "chain %u: next index %u outside a table of %u", head,
					 next, table_size);
		i = next;
	}
}

VirtqPopResult virtqueue_pop(Virtqueue *vq, const GuestMemory *mem, VirtqElement *elem)
{
	guint16 avail_idx, pending, head;

	if (!virtqueue_ready(vq) || !mem)
		return VIRTQ_POP_EMPTY;
	avail_idx = GUINT16_FROM_LE(__atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE));
	pending = (guint16)(avail_idx - vq->last_avail_idx);
	if (pending == 0)
		return VIRTQ_POP_EMPTY;
	if (pending > vq->num) {
		vq->broken = TRUE;
		g_snprintf(vq->error, sizeof(vq->error),
			   "avail index %u is %u ahead of ours (%u), more than the ring size %u",
			   avail_idx, pending, vq->last_avail_idx, vq->num);
		return VIRTQ_POP_BROKEN;
	}
	head = load16(&vq->avail->ring[vq->last_avail_idx & (vq->num - 1)]);
	if (head >= vq->num) {
		vq->broken = TRUE;
		g_snprintf(vq->error, sizeof(vq->error), "avail slot %u names head %u of %u",
			   vq->last_avail_idx, head, vq->num);
		return VIRTQ_POP_BROKEN;
	}
	vq->last_avail_idx++;
	elem->head = head;
	elem->out_num = 0;
	elem->in_num = 0;
	elem->out_len = 0;
	elem->in_len = 0;
	return walk_chain(vq, mem, elem);
}

void virtqueue_unpop(Virtqueue *vq)
{
	vq->last_avail_idx--;
}

void virtqueue_push(Virtqueue *vq, guint16 head, guint32 len)
{
	struct vring_used_elem *slot = &vq->used->ring[vq->used_idx & (vq->num - 1)];

	store32(&slot->id, head);
	store32(&slot->len, len);
	vq->used_idx++;
	__atomic_store_n(&vq->used->idx, GUINT16_TO_LE(vq->used_idx), __ATOMIC_RELEASE);
	vq->need_notify = TRUE;
}

gboolean virtqueue_enable_kicks(Virtqueue *vq)
{
	if (!virtqueue_ready(vq))
		return FALSE;
	if (vq->event_idx)
		store16(&vq->used->ring[vq->num], vq->last_avail_idx);
	else
		store16(&vq->used->flags, 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return load16(&vq->avail->idx) != vq->last_avail_idx;
}

void virtqueue_notify(Virtqueue *vq)
{
	gboolean fire;

	if (!vq->need_notify || !vq->avail)
		return;
	vq->need_notify = FALSE;
	/* Our used->idx store must be visible before we read the guest's wish. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->event_idx) {
		guint16 event = load16(&vq->avail->ring[vq->num]);
		guint16 old = vq->signalled_used;
		guint16 now = vq->used_idx;
		gboolean valid = vq->signalled_used_valid;

		vq->signalled_used = now;
		vq->signalled_used_valid = TRUE;
		/* Did used->idx step over the index the guest asked to hear about? */
		fire = !valid || (guint16)(now - event - 1) < (guint16)(now - old);
	} else {
		fire = !(load16(&vq->avail->flags) & VRING_AVAIL_F_NO_INTERRUPT);
	}
	if (!fire)
		return;
	vq->notifications++;
	if (vq->call_fd >= 0 && eventfd_write(vq->call_fd, 1) < 0 && errno != EAGAIN)
		g_message("%s queue: interrupt eventfd: %s", vq->name, g_strerror(errno));
}
