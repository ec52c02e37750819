/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where `ckpt checkpoint -o` puts an image. A file is written as FILE.tmp
 * and only renamed to FILE, after fsync, once the image is complete, so a
 * FILE that exists is always a whole image; "-" is standard output, which
 * may be a file, a pipe or a socket (the module never seeks).
 */
#ifndef CKPT_IMAGE_OUTPUT_H
#define CKPT_IMAGE_OUTPUT_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CkptImageOutput CkptImageOutput;

/* Refuses a terminal on stdout: an image is binary. */
CkptImageOutput *ckpt_image_output_open(const char *path, GError **error);
int ckpt_image_output_get_fd(const CkptImageOutput *out);
const char *ckpt_image_output_get_path(const CkptImageOutput *out);
/* fsync, then rename FILE.tmp to FILE and fsync the directory. */
gboolean ckpt_image_output_commit(CkptImageOutput *out, GError **error);
/* Closes; an uncommitted FILE.tmp is removed. */
void ckpt_image_output_free(CkptImageOutput *out);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CkptImageOutput, ckpt_image_output_free)

G_END_DECLS

#endif /* CKPT_IMAGE_OUTPUT_H */
