/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /dev/ckpt, opened and handshaken. Each call fills the ioctl struct,
 * hands the module an error buffer and turns a failure into a GError
 * carrying the module's own text ("pid 7 fd 4: socket not supported"),
 * code CKPT_GUEST_ERROR_MODULE.
 */
#ifndef CKPT_DEVICE_H
#define CKPT_DEVICE_H

#include <sys/types.h>

#include <glib.h>

#include "ckpt_uapi.h"

G_BEGIN_DECLS

typedef struct _CkptDevice CkptDevice;

/*
 * Opens path (NULL: /dev/ckpt) and handshakes. CKPT_GUEST_ERROR_NO_MODULE
 * if the device is missing or speaks another API version.
 */
CkptDevice *ckpt_device_open(const char *path, GError **error);
void ckpt_device_free(CkptDevice *dev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CkptDevice, ckpt_device_free)

int ckpt_device_get_fd(const CkptDevice *dev);
guint64 ckpt_device_get_features(const CkptDevice *dev);
guint32 ckpt_device_get_image_version(const CkptDevice *dev);
/* CKPT_GUEST_ERROR_NO_MODULE unless every bit of feature is offered. */
gboolean ckpt_device_require(const CkptDevice *dev, guint64 features, GError **error);

/* CHECKPOINT: the container whose init is pid writes its image to fd. */
gboolean ckpt_device_checkpoint(CkptDevice *dev, pid_t pid, int fd, guint64 *bytes_written,
				GError **error);

/*
 * RESTORE_BEGIN: the module reads the header and tree from image_fd and
 * copies the CONTAINER and TASK records to a new buffer (*tree, *tree_len).
 */
gboolean ckpt_device_restore_begin(CkptDevice *dev, int image_fd, guint8 **tree, gsize *tree_len,
				   GError **error);

/* RESTORE_WAIT, with CKPT_RESTORE_WAIT_F_RELEASE when release is set. */
gboolean ckpt_device_restore_wait(CkptDevice *dev, gboolean release, guint64 *bytes_read,
				  GError **error);

/* Closes the fd now: before a release, that kills the restart's tasks. */
void ckpt_device_close(CkptDevice *dev);

/* The GError for a failed call: the module's text, else "CALL: strerror". */
void ckpt_device_set_error(GError **error, const char *call, int errnum, const char *errbuf);

G_END_DECLS

#endif /* CKPT_DEVICE_H */
