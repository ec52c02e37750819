// SPDX-License-Identifier: GPL-2.0-only
/*
 * CkptZstdDecompressor: a GConverter over ZSTD_decompressStream(). Corrupt
 * data (including a content checksum mismatch) and input that ends inside
 * a frame are errors, so a damaged .zst never reads as a shorter or
 * different image.
 */
#include <zstd.h>

#include "ckpt-zstd.h"

struct _CkptZstdDecompressor {
	GObject parent;
	ZSTD_DCtx *dctx;
	gboolean frame_done; /* the last call ended a frame and flushed all its output */
	guint64 in_total;    /* compressed bytes consumed, for messages */
};

static void ckpt_zstd_decompressor_converter_init(GConverterIface *iface);

G_DEFINE_TYPE_WITH_CODE(CkptZstdDecompressor, ckpt_zstd_decompressor, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(G_TYPE_CONVERTER,
					      ckpt_zstd_decompressor_converter_init))

static GConverterResult decompressor_convert(GConverter *converter, const void *inbuf,
					     gsize inbuf_size, void *outbuf, gsize outbuf_size,
					     GConverterFlags flags, gsize *bytes_read,
					     gsize *bytes_written, GError **error)
{
	CkptZstdDecompressor *z = CKPT_ZSTD_DECOMPRESSOR(converter);
	ZSTD_inBuffer in = {inbuf, inbuf_size, 0};
	ZSTD_outBuffer out = {outbuf, outbuf_size, 0};
	gboolean at_end = (flags & G_CONVERTER_INPUT_AT_END) != 0;
	size_t hint;

	hint = ZSTD_decompressStream(z->dctx, &out, &in);
	if (ZSTD_isError(hint)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "zstd: corrupt data near compressed byte %" G_GUINT64_FORMAT ": %s",
			    z->in_total + in.pos, ZSTD_getErrorName(hint));
		return G_CONVERTER_ERROR;
	}
	z->in_total += in.pos;
	*bytes_read = in.pos;
	*bytes_written = out.pos;
	if (hint == 0)
		z->frame_done = TRUE;
	else if (in.pos > 0 || out.pos > 0)
		z->frame_done = FALSE;
	if (at_end && in.pos == in.size && z->frame_done)
		return G_CONVERTER_FINISHED;
	if (in.pos > 0 || out.pos > 0)
		return G_CONVERTER_CONVERTED;
	if (at_end && in.size == 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "zstd: truncated: the data ends inside a frame after %" G_GUINT64_FORMAT
			    " compressed bytes",
			    z->in_total);
		return G_CONVERTER_ERROR;
	}
	if (outbuf_size == 0 || in.size > 0) {
		/* Input is there but nothing moved: zstd needs room to write. */
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
				    "zstd: output buffer too small");
		return G_CONVERTER_ERROR;
	}
	g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, "zstd: needs more input");
	return G_CONVERTER_ERROR;
}

static void decompressor_reset(GConverter *converter)
{
	CkptZstdDecompressor *z = CKPT_ZSTD_DECOMPRESSOR(converter);

	ZSTD_DCtx_reset(z->dctx, ZSTD_reset_session_only);
	z->frame_done = FALSE;
	z->in_total = 0;
}

static void ckpt_zstd_decompressor_converter_init(GConverterIface *iface)
{
	iface->convert = decompressor_convert;
	iface->reset = decompressor_reset;
}

static void ckpt_zstd_decompressor_finalize(GObject *object)
{
	CkptZstdDecompressor *z = CKPT_ZSTD_DECOMPRESSOR(object);

	ZSTD_freeDCtx(z->dctx);
	G_OBJECT_CLASS(ckpt_zstd_decompressor_parent_class)->finalize(object);
}

static void ckpt_zstd_decompressor_class_init(CkptZstdDecompressorClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = ckpt_zstd_decompressor_finalize;
}

static void ckpt_zstd_decompressor_init(CkptZstdDecompressor *z)
{
	z->dctx = ZSTD_createDCtx();
	g_assert(z->dctx);
}

CkptZstdDecompressor *ckpt_zstd_decompressor_new(void)
{
	return g_object_new(CKPT_TYPE_ZSTD_DECOMPRESSOR, NULL);
}
