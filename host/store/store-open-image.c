// SPDX-License-Identifier: GPL-2.0-only
/* Reading an image back: decompressed, and verified against its metadata as it streams. */
#include <errno.h>

#include <glib/gstdio.h>

#include "store-private.h"

GInputStream *ckpt_store_open_image(CkptStore *s, const CkptImageMeta *m, GError **error)
{
	g_autoptr(GFile) file = g_file_new_for_path(m->path);
	g_autoptr(GFileInputStream) in = NULL;
	g_autoptr(GInputStream) plain = NULL;
	g_autofree char *label = g_strdup_printf("image %s", m->id);
	g_autoptr(GError) local = NULL;
	GStatBuf st;

	if (g_stat(m->path, &st) < 0) {
		int err = errno;

		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CORRUPT,
			    "image %s: file %s: %s", m->id, m->path, g_strerror(err));
		return NULL;
	}
	/* A short file is a damaged one: say so before reading it. */
	if ((guint64)st.st_size != m->stored_size) {
		g_set_error(error, CKPT_STORE_ERROR, CKPT_STORE_ERROR_CORRUPT,
			    "image %s: file %s is %" G_GUINT64_FORMAT
			    " bytes, the metadata says %" G_GUINT64_FORMAT,
			    m->id, m->path, (guint64)st.st_size, m->stored_size);
		return NULL;
	}
	in = g_file_read(file, NULL, &local);
	if (!in) {
		g_propagate_prefixed_error(error, g_steal_pointer(&local), "image %s: ", m->id);
		return NULL;
	}
	if (g_str_equal(m->compression, "zstd")) {
		g_autoptr(CkptZstdDecompressor) z = ckpt_zstd_decompressor_new();

		plain = g_converter_input_stream_new(G_INPUT_STREAM(in), G_CONVERTER(z));
	} else {
		plain = G_INPUT_STREAM(g_steal_pointer(&in));
	}
	return ckpt_verify_input_stream_new(plain, label, m->sha256, m->size);
}
