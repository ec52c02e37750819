// SPDX-License-Identifier: GPL-2.0-only
#include "guest-memory.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

GuestMemory *guest_memory_new(void)
{
	return g_new0(GuestMemory, 1);
}

void guest_memory_free(GuestMemory *mem)
{
	if (!mem)
		return;
	for (guint i = 0; i < mem->n_regions; i++) {
		if (mem->regions[i].map_base)
			munmap(mem->regions[i].map_base, mem->regions[i].map_len);
	}
	g_free(mem);
}

static gboolean range_ok(guint64 start, guint64 size)
{
	return size > 0 && start + size > start;
}

static gboolean check_new_region(const GuestMemory *mem, guint64 gpa, guint64 size, guint64 uva,
				 GError **error)
{
	if (mem->n_regions >= GUEST_MEMORY_MAX_REGIONS) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "memory region at gpa 0x%" G_GINT64_MODIFIER "x: more than %d regions",
			    gpa, GUEST_MEMORY_MAX_REGIONS);
		return FALSE;
	}
	if (!range_ok(gpa, size) || !range_ok(uva, size)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "memory region at gpa 0x%" G_GINT64_MODIFIER
			    "x: size 0x%" G_GINT64_MODIFIER "x is empty or wraps around",
			    gpa, size);
		return FALSE;
	}
	for (guint i = 0; i < mem->n_regions; i++) {
		const GuestMemoryRegion *r = &mem->regions[i];

		if (gpa < r->gpa + r->size && r->gpa < gpa + size) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				    "memory region at gpa 0x%" G_GINT64_MODIFIER
				    "x overlaps region %u at gpa 0x%" G_GINT64_MODIFIER "x",
				    gpa, i, r->gpa);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean guest_memory_map_region(GuestMemory *mem, guint64 gpa, guint64 size, guint64 uva, int fd,
				 guint64 offset, GError **error)
{
	guint64 page = (guint64)sysconf(_SC_PAGESIZE);
	guint64 start = offset & ~(page - 1);
	guint64 lead = offset - start;
	void *base;

	if (!check_new_region(mem, gpa, size, uva, error))
		return FALSE;
	if (size + lead < size || size + lead > G_MAXSIZE) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "memory region at gpa 0x%" G_GINT64_MODIFIER "x: size too large", gpa);
		return FALSE;
	}
	/* MAP_NORESERVE: the guest's RAM is already accounted to QEMU. */
	base = mmap(NULL, size + lead, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd,
		    (off_t)start);
	if (base == MAP_FAILED) {
		int err = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
			    "memory region at gpa 0x%" G_GINT64_MODIFIER "x (%" G_GUINT64_FORMAT
			    " bytes at offset %" G_GUINT64_FORMAT "): mmap: %s",
			    gpa, size, offset, g_strerror(err));
		return FALSE;
	}
	mem->regions[mem->n_regions++] = (GuestMemoryRegion){
		.gpa = gpa,
		.size = size,
		.uva = uva,
		.host = (guint8 *)base + lead,
		.map_base = base,
		.map_len = size + lead,
	};
	return TRUE;
}

gboolean guest_memory_add_region(GuestMemory *mem, guint64 gpa, guint64 size, guint64 uva,
				 void *host, GError **error)
{
	if (!check_new_region(mem, gpa, size, uva, error))
		return FALSE;
	mem->regions[mem->n_regions++] = (GuestMemoryRegion){
		.gpa = gpa,
		.size = size,
		.uva = uva,
		.host = host,
	};
	return TRUE;
}

/* addr lies in [start, start + size) and so does addr + len - 1, without overflow. */
static gboolean inside(guint64 start, guint64 size, guint64 addr, guint64 len)
{
	return addr >= start && addr - start < size && len <= size - (addr - start);
}

void *guest_memory_gpa_ptr(const GuestMemory *mem, guint64 gpa, guint64 len)
{
	for (guint i = 0; i < mem->n_regions; i++) {
		const GuestMemoryRegion *r = &mem->regions[i];

		if (inside(r->gpa, r->size, gpa, len))
			return r->host + (gpa - r->gpa);
	}
	return NULL;
}

void *guest_memory_uva_ptr(const GuestMemory *mem, guint64 uva, guint64 len)
{
	for (guint i = 0; i < mem->n_regions; i++) {
		const GuestMemoryRegion *r = &mem->regions[i];

		if (inside(r->uva, r->size, uva, len))
			return r->host + (uva - r->uva);
	}
	return NULL;
}

gboolean guest_memory_gpa_iov(const GuestMemory *mem, guint64 gpa, guint64 len, struct iovec *iov,
			      guint *count, guint max_count)
{
	if (gpa + len < gpa)
		return FALSE;
	while (len > 0) {
		const GuestMemoryRegion *r = NULL;

		for (guint i = 0; i < mem->n_regions; i++) {
			if (inside(mem->regions[i].gpa, mem->regions[i].size, gpa, 1)) {
				r = &mem->regions[i];
				break;
			}
		}
		if (!r || *count >= max_count)
			return FALSE;
		guint64 chunk = MIN(len, r->size - (gpa - r->gpa));
		iov[*count].iov_base = r->host + (gpa - r->gpa);
		iov[*count].iov_len = chunk;
		(*count)++;
		gpa += chunk;
		len -= chunk;
	}
	return TRUE;
}
