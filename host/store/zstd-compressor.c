// SPDX-License-Identifier: GPL-2.0-only
/*
 * CkptZstdCompressor: a GConverter over ZSTD_compressStream2(). The
 * GConverterOutputStream drives it; its flags map onto zstd's end
 * directives (INPUT_AT_END: finish the frame, FLUSH: flush a block).
 */
#include <zstd.h>

#include "ckpt-zstd.h"

struct _CkptZstdCompressor {
	GObject parent;
	ZSTD_CCtx *cctx;
	int level;
};

static void ckpt_zstd_compressor_converter_init(GConverterIface *iface);

G_DEFINE_TYPE_WITH_CODE(CkptZstdCompressor, ckpt_zstd_compressor, G_TYPE_OBJECT,
			G_IMPLEMENT_INTERFACE(G_TYPE_CONVERTER,
					      ckpt_zstd_compressor_converter_init))

static void configure(CkptZstdCompressor *z)
{
	ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, z->level);
	/* The frame carries a checksum of its content: corruption is caught on read. */
	ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_checksumFlag, 1);
}

static GConverterResult compressor_convert(GConverter *converter, const void *inbuf,
					   gsize inbuf_size, void *outbuf, gsize outbuf_size,
					   GConverterFlags flags, gsize *bytes_read,
					   gsize *bytes_written, GError **error)
{
	CkptZstdCompressor *z = CKPT_ZSTD_COMPRESSOR(converter);
	ZSTD_inBuffer in = {inbuf, inbuf_size, 0};
	ZSTD_outBuffer out = {outbuf, outbuf_size, 0};
	ZSTD_EndDirective mode = ZSTD_e_continue;
	size_t left;

	if (flags & G_CONVERTER_INPUT_AT_END)
		mode = ZSTD_e_end;
	else if (flags & G_CONVERTER_FLUSH)
		mode = ZSTD_e_flush;
	left = ZSTD_compressStream2(z->cctx, &out, &in, mode);
	if (ZSTD_isError(left)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "zstd compression: %s",
			    ZSTD_getErrorName(left));
		return G_CONVERTER_ERROR;
	}
	*bytes_read = in.pos;
	*bytes_written = out.pos;
	/* left == 0: everything asked for (frame end or flush) is in outbuf. */
	if (mode == ZSTD_e_end && left == 0 && in.pos == in.size)
		return G_CONVERTER_FINISHED;
	if (mode == ZSTD_e_flush && left == 0 && in.pos == in.size)
		return G_CONVERTER_FLUSHED;
	if (in.pos == 0 && out.pos == 0) {
		if (mode == ZSTD_e_continue && inbuf_size == 0) {
			g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
					    "zstd compression: needs more input");
			return G_CONVERTER_ERROR;
		}
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
				    "zstd compression: output buffer too small");
		return G_CONVERTER_ERROR;
	}
	return G_CONVERTER_CONVERTED;
}

static void compressor_reset(GConverter *converter)
{
	CkptZstdCompressor *z = CKPT_ZSTD_COMPRESSOR(converter);

	ZSTD_CCtx_reset(z->cctx, ZSTD_reset_session_only);
}

static void ckpt_zstd_compressor_converter_init(GConverterIface *iface)
{
	iface->convert = compressor_convert;
	iface->reset = compressor_reset;
}

static void ckpt_zstd_compressor_finalize(GObject *object)
{
	CkptZstdCompressor *z = CKPT_ZSTD_COMPRESSOR(object);

	ZSTD_freeCCtx(z->cctx);
	G_OBJECT_CLASS(ckpt_zstd_compressor_parent_class)->finalize(object);
}

static void ckpt_zstd_compressor_class_init(CkptZstdCompressorClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = ckpt_zstd_compressor_finalize;
}

static void ckpt_zstd_compressor_init(CkptZstdCompressor *z)
{
	z->cctx = ZSTD_createCCtx();
	g_assert(z->cctx);
	z->level = CKPT_ZSTD_DEFAULT_LEVEL;
	configure(z);
}

CkptZstdCompressor *ckpt_zstd_compressor_new(int level)
{
	CkptZstdCompressor *z = g_object_new(CKPT_TYPE_ZSTD_COMPRESSOR, NULL);

	z->level = CLAMP(level, ZSTD_minCLevel(), ZSTD_maxCLevel());
	configure(z);
	return z;
}
