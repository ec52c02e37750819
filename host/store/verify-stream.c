// SPDX-License-Identifier: GPL-2.0-only
/*
 * CkptVerifyInputStream: the reader half of the store's end-to-end check.
 * The read that brings the count to the expected size checks the hash, and
 * on a mismatch returns the error instead of the last bytes, so a consumer
 * that stops after `size` bytes without reading EOF is protected too.
 */
#include "ckpt-store.h"

struct _CkptVerifyInputStream {
	GFilterInputStream parent;
	char *label;
	char *expected_sha256;
	guint64 expected_size;
	guint64 bytes;
	GChecksum *sha;
	gboolean verified;
};

G_DEFINE_TYPE(CkptVerifyInputStream, ckpt_verify_input_stream, G_TYPE_FILTER_INPUT_STREAM)

static gboolean check_digest(CkptVerifyInputStream *v, GError **error)
{
	const char *got = g_checksum_get_string(v->sha);

	if (g_ascii_strcasecmp(got, v->expected_sha256) != 0) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CHECKSUM,
			    "%s: sha256 mismatch: recorded %s, read %s", v->label,
			    v->expected_sha256, got);
		return FALSE;
	}
	v->verified = TRUE;
	return TRUE;
}

static gssize verify_read(GInputStream *stream, void *buffer, gsize count,
			  GCancellable *cancellable, GError **error)
{
	CkptVerifyInputStream *v = CKPT_VERIFY_INPUT_STREAM(stream);
	GInputStream *base = g_filter_input_stream_get_base_stream(G_FILTER_INPUT_STREAM(v));
	g_autoptr(GError) local = NULL;
	gssize n;

	if (v->verified) {
		/* Past the expected end: there must be nothing more. */
		char extra;

		n = g_input_stream_read(base, &extra, 1, cancellable, &local);
		if (n == 0)
			return 0;
	} else {
		n = g_input_stream_read(base, buffer, count, cancellable, &local);
	}
	if (n < 0) {
		g_propagate_prefixed_error(error, g_steal_pointer(&local), "%s: ", v->label);
		return -1;
	}
	if (n == 0) {
		if (v->bytes < v->expected_size) {
			g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CHECKSUM,
				    "%s: truncated: read %" G_GUINT64_FORMAT
				    " of %" G_GUINT64_FORMAT " bytes",
				    v->label, v->bytes, v->expected_size);
			return -1;
		}
		/* An empty image: the hash is checked at EOF. */
		return check_digest(v, error) ? 0 : -1;
	}
	if (v->verified || (guint64)n > v->expected_size - v->bytes) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CHECKSUM,
			    "%s: longer than the recorded %" G_GUINT64_FORMAT " bytes", v->label,
			    v->expected_size);
		return -1;
	}
	g_checksum_update(v->sha, buffer, n);
	v->bytes += n;
	if (v->bytes == v->expected_size && !check_digest(v, error))
		return -1;
	return n;
}

static gssize verify_skip(GInputStream *stream, gsize count, GCancellable *cancellable,
			  GError **error)
{
	/* Skipped bytes still count for the hash. */
	char buf[8192];

	return verify_read(stream, buf, MIN(count, sizeof(buf)), cancellable, error);
}

static void ckpt_verify_input_stream_finalize(GObject *object)
{
	CkptVerifyInputStream *v = CKPT_VERIFY_INPUT_STREAM(object);

	g_free(v->label);
	g_free(v->expected_sha256);
	g_checksum_free(v->sha);
	G_OBJECT_CLASS(ckpt_verify_input_stream_parent_class)->finalize(object);
}

static void ckpt_verify_input_stream_class_init(CkptVerifyInputStreamClass *klass)
{
	GInputStreamClass *istream = G_INPUT_STREAM_CLASS(klass);

	G_OBJECT_CLASS(klass)->finalize = ckpt_verify_input_stream_finalize;
	istream->read_fn = verify_read;
	istream->skip = verify_skip;
}

static void ckpt_verify_input_stream_init(CkptVerifyInputStream *v)
{
	v->sha = g_checksum_new(G_CHECKSUM_SHA256);
}

GInputStream *ckpt_verify_input_stream_new(GInputStream *base, const char *label,
					   const char *sha256_hex, guint64 size)
{
	CkptVerifyInputStream *v =
		g_object_new(CKPT_TYPE_VERIFY_INPUT_STREAM, "base-stream", base, NULL);

	v->label = g_strdup(label);
	v->expected_sha256 = g_strdup(sha256_hex);
	v->expected_size = size;
	return G_INPUT_STREAM(v);
}

guint64 ckpt_verify_input_stream_get_bytes(CkptVerifyInputStream *s)
{
	return s->bytes;
}
