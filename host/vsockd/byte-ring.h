/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fixed-capacity FIFO of bytes: guest data the host socket has not taken
 * yet. The storage is allocated on first use, so idle connections and
 * connections whose host reader keeps up cost nothing.
 */
#pragma once

#include <glib.h>

typedef struct {
	guint8 *data;
	gsize capacity;
	gsize head; /* offset of the oldest byte */
	gsize used;
} ByteRing;

void byte_ring_init(ByteRing *ring, gsize capacity);
void byte_ring_clear(ByteRing *ring); /* frees the storage */
gsize byte_ring_used(const ByteRing *ring);
gsize byte_ring_space(const ByteRing *ring);
/* Appends min(len, space) bytes; returns how many. */
gsize byte_ring_push(ByteRing *ring, const void *buf, gsize len);
/* Write as much as possible to fd (nonblocking); returns bytes written or -1 with errno. */
gssize byte_ring_flush(ByteRing *ring, int fd);
