// SPDX-License-Identifier: GPL-2.0-only
#include "byte-ring.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

void byte_ring_init(ByteRing *ring, gsize capacity)
{
	*ring = (ByteRing){.capacity = capacity};
}

void byte_ring_clear(ByteRing *ring)
{
	g_free(ring->data);
	byte_ring_init(ring, ring->capacity);
}

gsize byte_ring_used(const ByteRing *ring)
{
	return ring->used;
}

gsize byte_ring_space(const ByteRing *ring)
{
	return ring->capacity - ring->used;
}

gsize byte_ring_push(ByteRing *ring, const void *buf, gsize len)
{
	gsize n = MIN(len, byte_ring_space(ring));
	gsize tail, first;

	if (n == 0)
		return 0;
	if (!ring->data)
		ring->data = g_malloc(ring->capacity);
	tail = (ring->head + ring->used) % ring->capacity;
	first = MIN(n, ring->capacity - tail);
	memcpy(ring->data + tail, buf, first);
	memcpy(ring->data, (const guint8 *)buf + first, n - first);
	ring->used += n;
	return n;
}

gssize byte_ring_flush(ByteRing *ring, int fd)
{
	gsize total = 0;

	while (ring->used > 0) {
		struct iovec iov[2];
		int count = 1;
		gsize first = MIN(ring->used, ring->capacity - ring->head);
		struct msghdr msg = {.msg_iov = iov};
		ssize_t n;

		iov[0] = (struct iovec){ring->data + ring->head, first};
		if (first < ring->used) {
			iov[1] = (struct iovec){ring->data, ring->used - first};
			count = 2;
		}
		msg.msg_iovlen = count;
		n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && total > 0)
				break;
			return total > 0 ? (gssize)total : -1;
		}
		ring->head = (ring->head + (gsize)n) % ring->capacity;
		ring->used -= (gsize)n;
		total += (gsize)n;
	}
	if (ring->used == 0)
		ring->head = 0;
	return (gssize)total;
}
