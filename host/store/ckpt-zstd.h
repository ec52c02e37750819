/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * zstd as GConverters, for GConverterOutputStream / GConverterInputStream.
 * The compressor writes one frame with a content checksum; the decompressor
 * verifies it and fails with G_IO_ERROR_INVALID_DATA on corrupt or truncated
 * input (never returns garbage).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define CKPT_ZSTD_DEFAULT_LEVEL 3

#define CKPT_TYPE_ZSTD_COMPRESSOR (ckpt_zstd_compressor_get_type())
G_DECLARE_FINAL_TYPE(CkptZstdCompressor, ckpt_zstd_compressor, CKPT, ZSTD_COMPRESSOR, GObject)
CkptZstdCompressor *ckpt_zstd_compressor_new(int level);

#define CKPT_TYPE_ZSTD_DECOMPRESSOR (ckpt_zstd_decompressor_get_type())
G_DECLARE_FINAL_TYPE(CkptZstdDecompressor, ckpt_zstd_decompressor, CKPT, ZSTD_DECOMPRESSOR, GObject)
CkptZstdDecompressor *ckpt_zstd_decompressor_new(void);

G_END_DECLS
