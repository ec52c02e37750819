// SPDX-License-Identifier: GPL-2.0-only
/* The userspace image writer; see ckpt-image-writer.h. */
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <xxhash.h>

#include "ckpt-image-error.h"
#include "ckpt-image-writer.h"

struct _CkptImageWriter {
	GOutputStream *out;
	XXH64_state_t *xxh;
	guint32 nr_records;
	guint64 offset;
	gboolean finished;
};

CkptImageWriter *ckpt_image_writer_new(GOutputStream *out)
{
	CkptImageWriter *w = g_new0(CkptImageWriter, 1);

	w->out = g_object_ref(out);
	w->xxh = XXH64_createState();
	if (!w->xxh)
		g_error("out of memory for an xxh64 state");
	XXH64_reset(w->xxh, 0);
	return w;
}

void ckpt_image_writer_free(CkptImageWriter *w)
{
	if (!w)
		return;
	g_object_unref(w->out);
	XXH64_freeState(w->xxh);
	g_free(w);
}

/* Writes n bytes and, for records before the trailer, hashes them. */
static gboolean put(CkptImageWriter *w, const void *p, gsize n, gboolean hash,
		    GCancellable *cancellable, GError **error)
{
	if (n == 0)
		return TRUE;
	if (!g_output_stream_write_all(w->out, p, n, NULL, cancellable, error))
		return FALSE;
	if (hash)
		XXH64_update(w->xxh, p, n);
	w->offset += n;
	return TRUE;
}

static gboolean put_record(CkptImageWriter *w, guint32 type, const void *rec, gsize rec_size,
			   const void *tail, gsize tail_len, gboolean hash,
			   GCancellable *cancellable, GError **error)
{
	static const guint8 zeros[CKPT_REC_ALIGN];
	guint64 start = w->offset;
	gsize len = rec_size + tail_len;
	struct ckpt_rec h;
	g_autoptr(GError) local = NULL;

	if (w->finished) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_ORDER,
			    "record %u at byte %" G_GUINT64_FORMAT
			    ": the image was already finished with its trailer",
			    w->nr_records, start);
		return FALSE;
	}
	if (rec_size < sizeof(h) || len > CKPT_REC_MAX_LEN || len < rec_size) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_BAD_LEN,
			    "record %u at byte %" G_GUINT64_FORMAT
			    ": cannot write type 0x%08x with a %zu-byte struct and a %zu-byte tail",
			    w->nr_records, start, type, rec_size, tail_len);
		return FALSE;
	}
	h.type = GUINT32_TO_LE(type);
	h.len = GUINT32_TO_LE((guint32)len);
	if (!put(w, &h, sizeof(h), hash, cancellable, &local) ||
	    !put(w, (const guint8 *)rec + sizeof(h), rec_size - sizeof(h), hash, cancellable,
		 &local) ||
	    !put(w, tail, tail_len, hash, cancellable, &local) ||
	    !put(w, zeros, CKPT_REC_ALIGN_UP(len) - len, hash, cancellable, &local)) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_IO,
			    "record %u at byte %" G_GUINT64_FORMAT ": write failed: %s",
			    w->nr_records, start, local->message);
		return FALSE;
	}
	w->nr_records++;
	return TRUE;
}

gboolean ckpt_image_writer_append(CkptImageWriter *w, guint32 type, const void *rec, gsize rec_size,
				  const void *tail, gsize tail_len, GCancellable *cancellable,
				  GError **error)
{
	return put_record(w, type, rec, rec_size, tail, tail_len, TRUE, cancellable, error);
}

gboolean ckpt_image_writer_finish(CkptImageWriter *w, GCancellable *cancellable, GError **error)
{
	struct ckpt_rec_trailer tr = {
		.nr_records = GUINT32_TO_LE(w->nr_records),
		.csum_kind = GUINT32_TO_LE(CKPT_CSUM_XXH64),
		.stream_len = GUINT64_TO_LE(w->offset),
		.csum = GUINT64_TO_LE(XXH64_digest(w->xxh)),
	};
	g_autoptr(GError) local = NULL;

	if (!put_record(w, CKPT_REC_TRAILER, &tr, sizeof(tr), NULL, 0, FALSE, cancellable, error))
		return FALSE;
	w->finished = TRUE;
	if (!g_output_stream_flush(w->out, cancellable, &local)) {
		g_set_error(error, CKPT_IMAGE_ERROR, CKPT_IMAGE_ERROR_IO,
			    "byte %" G_GUINT64_FORMAT ": flush after the trailer failed: %s",
			    w->offset, local->message);
		return FALSE;
	}
	return TRUE;
}

guint32 ckpt_image_writer_get_nr_records(CkptImageWriter *w)
{
	return w->nr_records;
}

guint64 ckpt_image_writer_get_offset(CkptImageWriter *w)
{
	return w->offset;
}

void ckpt_image_header_init(struct ckpt_rec_header *hdr)
{
	struct utsname uts;

	memset(hdr, 0, sizeof(*hdr));
	hdr->h.type = GUINT32_TO_LE(CKPT_REC_HEADER);
	hdr->h.len = GUINT32_TO_LE(sizeof(*hdr));
	hdr->magic = GUINT64_TO_LE(CKPT_IMAGE_MAGIC);
	hdr->version = GUINT32_TO_LE(CKPT_IMAGE_VERSION);
	hdr->arch = GUINT32_TO_LE(CKPT_ARCH_X86_64);
	hdr->page_size = GUINT32_TO_LE((guint32)sysconf(_SC_PAGESIZE));
	hdr->created_ns = GUINT64_TO_LE((guint64)g_get_real_time() * 1000);
	if (uname(&uts) == 0)
		g_strlcpy(hdr->kernel_release, uts.release, sizeof(hdr->kernel_release));
	else
		g_strlcpy(hdr->kernel_release, "unknown", sizeof(hdr->kernel_release));
}
