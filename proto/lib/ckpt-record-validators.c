// SPDX-License-Identifier: GPL-2.0-only
/*
 * Semantic rules of each record type, beyond what the table's generic
 * checks (lengths, reserved fields, strings, objrefs) already enforce.
 */
#include "ckpt-image-error.h"
#include "ckpt-record-validators.h"

/* The smallest page any Linux architecture uses, and a sane upper bound. */
#define MIN_PAGE_SIZE 4096U
#define MAX_PAGE_SIZE (1U << 30)

gboolean ckpt_validate_header(const CkptRecord *rec, const CkptImageContext *ctx, GError **error)
{
	const struct ckpt_rec_header *hdr = (const void *)rec->data;
	guint64 magic = GUINT64_FROM_LE(hdr->magic);
	guint32 version = GUINT32_FROM_LE(hdr->version);
	guint32 arch = GUINT32_FROM_LE(hdr->arch);
	guint32 page_size = GUINT32_FROM_LE(hdr->page_size);
	guint64 flags = GUINT64_FROM_LE(hdr->flags);

	if (magic != CKPT_IMAGE_MAGIC) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_MAGIC,
			    "bad magic 0x%016" G_GINT64_MODIFIER "x (not a ckpt image)", magic);
		return FALSE;
	}
	if (version != CKPT_IMAGE_VERSION) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_VERSION,
			    "unsupported image version %u (this reader reads version %u)", version,
			    CKPT_IMAGE_VERSION);
		return FALSE;
	}
	if (arch != CKPT_ARCH_X86_64) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD, "unknown arch %u",
			    arch);
		return FALSE;
	}
	if (page_size < MIN_PAGE_SIZE || page_size > MAX_PAGE_SIZE ||
	    (page_size & (page_size - 1)) != 0) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "page_size %u is not a power of two between %u and %u", page_size,
			    MIN_PAGE_SIZE, MAX_PAGE_SIZE);
		return FALSE;
	}
	if (flags & ~(guint64)CKPT_IMAGE_F_ALL) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "flags 0x%" G_GINT64_MODIFIER "x has unknown bits 0x%" G_GINT64_MODIFIER
			    "x",
			    flags, flags & ~(guint64)CKPT_IMAGE_F_ALL);
		return FALSE;
	}
	if (hdr->kernel_release[0] == '\0') {
		g_set_error_literal(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
				    "kernel_release is empty");
		return FALSE;
	}
	return TRUE;
}

gboolean ckpt_validate_trailer(const CkptRecord *rec, const CkptImageContext *ctx, GError **error)
{
	const struct ckpt_rec_trailer *tr = (const void *)rec->data;
	guint32 nr_records = GUINT32_FROM_LE(tr->nr_records);
	guint32 csum_kind = GUINT32_FROM_LE(tr->csum_kind);
	guint64 stream_len = GUINT64_FROM_LE(tr->stream_len);
	guint64 csum = GUINT64_FROM_LE(tr->csum);

	if (csum_kind != CKPT_CSUM_XXH64) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_FIELD,
			    "unknown checksum kind %u", csum_kind);
		return FALSE;
	}
	if (nr_records != ctx->nr_records) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_TRAILER,
			    "nr_records is %u, but %u records precede the trailer", nr_records,
			    ctx->nr_records);
		return FALSE;
	}
	if (stream_len != ctx->stream_len) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_TRAILER,
			    "stream_len is %" G_GUINT64_FORMAT
			    ", but the trailer starts at byte %" G_GUINT64_FORMAT,
			    stream_len, ctx->stream_len);
		return FALSE;
	}
	if (csum != ctx->csum) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_CHECKSUM,
			    "checksum mismatch (image 0x%016" G_GINT64_MODIFIER
			    "x, computed 0x%016" G_GINT64_MODIFIER "x)",
			    csum, ctx->csum);
		return FALSE;
	}
	return TRUE;
}
