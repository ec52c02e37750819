/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's RAM as QEMU shares it over vhost-user: up to eight regions,
 * each a range of guest-physical addresses (what descriptors carry) that
 * QEMU also maps at a "user" address (what SET_VRING_ADDR carries).
 *
 * Every translation checks that the whole range lies in one region, so a
 * guest-supplied address or length can never reach outside the mappings.
 */
#pragma once

#include <glib.h>
#include <sys/uio.h>

#define GUEST_MEMORY_MAX_REGIONS 8

typedef struct {
	guint64 gpa;	/* guest-physical address of the first byte */
	guint64 size;	/* bytes */
	guint64 uva;	/* where QEMU maps the first byte */
	guint8 *host;	/* where we see the first byte */
	void *map_base; /* what to munmap; NULL when the caller owns the memory */
	gsize map_len;
} GuestMemoryRegion;

typedef struct {
	GuestMemoryRegion regions[GUEST_MEMORY_MAX_REGIONS];
	guint n_regions;
} GuestMemory;

GuestMemory *guest_memory_new(void);
void guest_memory_free(GuestMemory *mem);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GuestMemory, guest_memory_free)

/* Map size bytes of fd at offset (a QEMU memory-backend file). */
gboolean guest_memory_map_region(GuestMemory *mem, guint64 gpa, guint64 size, guint64 uva, int fd,
				 guint64 offset, GError **error);
/* Register memory the caller already has (unit tests build fake guests this way). */
gboolean guest_memory_add_region(GuestMemory *mem, guint64 gpa, guint64 size, guint64 uva,
				 void *host, GError **error);

/* A host pointer for [gpa, gpa + len) if it lies in one region, else NULL. */
void *guest_memory_gpa_ptr(const GuestMemory *mem, guint64 gpa, guint64 len);
/* The same for QEMU user addresses. */
void *guest_memory_uva_ptr(const GuestMemory *mem, guint64 uva, guint64 len);

/*
 * Describe [gpa, gpa + len) as iovecs appended at iov[*count], splitting at
 * region boundaries. FALSE if any byte is outside guest memory or more than
 * max_count entries would be needed.
 */
gboolean guest_memory_gpa_iov(const GuestMemory *mem, guint64 gpa, guint64 len, struct iovec *iov,
			      guint *count, guint max_count);
