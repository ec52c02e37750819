// SPDX-License-Identifier: GPL-2.0-only
/* CkptWriterStream: hash, count and explain failures for one image being written. */
#include <errno.h>
#include <glib/gstdio.h>

#include "writer-stream.h"

struct _CkptWriterStream {
	GFilterOutputStream parent;
	char *store_dir, *image_id, *temp_path;
	GChecksum *sha;
	guint64 bytes;
	GError *failure;
};

G_DEFINE_TYPE(CkptWriterStream, ckpt_writer_stream, G_TYPE_FILTER_OUTPUT_STREAM)

void ckpt_writer_stream_set_error(CkptWriterStream *s, GError **error, GError *cause,
				  const char *what)
{
	if (g_error_matches(cause, G_IO_ERROR, G_IO_ERROR_NO_SPACE))
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
			    "store %s: no space left on device %s image %s (%" G_GUINT64_FORMAT
			    " bytes written)",
			    s->store_dir, what, s->image_id, s->bytes);
	else
		g_set_error(error, cause->domain, cause->code,
			    "store %s: %s image %s (%" G_GUINT64_FORMAT " bytes written): %s",
			    s->store_dir, what, s->image_id, s->bytes, cause->message);
}

/* Record the first failure, drop the temp file, and report it. */
static void fail(CkptWriterStream *s, GError *cause, const char *what, GError **error)
{
	if (!s->failure) {
		ckpt_writer_stream_set_error(s, &s->failure, cause, what);
		if (g_unlink(s->temp_path) < 0 && errno != ENOENT)
			g_warning("store %s: removing %s: %s", s->store_dir, s->temp_path,
				  g_strerror(errno));
	}
	g_error_free(cause);
	if (error)
		*error = g_error_copy(s->failure);
}

static gssize writer_write(GOutputStream *stream, const void *buffer, gsize count,
			   GCancellable *cancellable, GError **error)
{
	CkptWriterStream *s = CKPT_WRITER_STREAM(stream);
	GOutputStream *base = g_filter_output_stream_get_base_stream(G_FILTER_OUTPUT_STREAM(s));
	GError *cause = NULL;
	gsize done = 0;

	if (s->failure) {
		g_propagate_error(error, g_error_copy(s->failure));
		return -1;
	}
	/* Write all of it: the hash must cover exactly what went down. */
	if (!g_output_stream_write_all(base, buffer, count, &done, cancellable, &cause)) {
		g_checksum_update(s->sha, buffer, done);
		s->bytes += done;
		/* Even a cancelled write leaves an unknown part written: the image is lost. */
		fail(s, cause, "writing", error);
		return -1;
	}
	g_checksum_update(s->sha, buffer, count);
	s->bytes += count;
	return count;
}

static gboolean writer_flush(GOutputStream *stream, GCancellable *cancellable, GError **error)
{
	CkptWriterStream *s = CKPT_WRITER_STREAM(stream);
	GOutputStream *base = g_filter_output_stream_get_base_stream(G_FILTER_OUTPUT_STREAM(s));
	GError *cause = NULL;

	if (s->failure) {
		g_propagate_error(error, g_error_copy(s->failure));
		return FALSE;
	}
	if (!g_output_stream_flush(base, cancellable, &cause)) {
		fail(s, cause, "flushing", error);
		return FALSE;
	}
	return TRUE;
}

static gboolean writer_close(GOutputStream *stream, GCancellable *cancellable, GError **error)
{
	CkptWriterStream *s = CKPT_WRITER_STREAM(stream);
	GOutputStream *base = g_filter_output_stream_get_base_stream(G_FILTER_OUTPUT_STREAM(s));
	GError *cause = NULL;

	/* Closing the compressor's stream writes the end of the frame. */
	if (!g_output_stream_close(base, cancellable, &cause)) {
		if (s->failure) {
			g_error_free(cause);
			g_propagate_error(error, g_error_copy(s->failure));
			return FALSE;
		}
		fail(s, cause, "finishing", error);
		return FALSE;
	}
	if (s->failure) {
		g_propagate_error(error, g_error_copy(s->failure));
		return FALSE;
	}
	return TRUE;
}

static void ckpt_writer_stream_finalize(GObject *object)
{
	CkptWriterStream *s = CKPT_WRITER_STREAM(object);

	g_free(s->store_dir);
	g_free(s->image_id);
	g_free(s->temp_path);
	g_checksum_free(s->sha);
	g_clear_error(&s->failure);
	G_OBJECT_CLASS(ckpt_writer_stream_parent_class)->finalize(object);
}

static void ckpt_writer_stream_class_init(CkptWriterStreamClass *klass)
{
	GOutputStreamClass *ostream = G_OUTPUT_STREAM_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = ckpt_writer_stream_finalize;
	ostream->write_fn = writer_write;
	ostream->flush = writer_flush;
	ostream->close_fn = writer_close;
}

static void ckpt_writer_stream_init(CkptWriterStream *s)
{
	s->sha = g_checksum_new(G_CHECKSUM_SHA256);
}

CkptWriterStream *ckpt_writer_stream_new(GOutputStream *base, const char *store_dir,
					 const char *image_id, const char *temp_path)
{
	CkptWriterStream *s = g_object_new(CKPT_TYPE_WRITER_STREAM, "base-stream", base, NULL);

	s->store_dir = g_strdup(store_dir);
	s->image_id = g_strdup(image_id);
	s->temp_path = g_strdup(temp_path);
	return s;
}

guint64 ckpt_writer_stream_get_bytes(CkptWriterStream *s)
{
	return s->bytes;
}

const char *ckpt_writer_stream_get_sha256(CkptWriterStream *s)
{
	return g_checksum_get_string(s->sha);
}

const GError *ckpt_writer_stream_get_failure(CkptWriterStream *s)
{
	return s->failure;
}
