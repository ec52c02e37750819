/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Error domain of libckptguest, the container library shared by the `ckpt`
 * tool and `ckpt-agent`. Messages name the container and the cause
 * ("container web: freeze timed out after 5 s: pid 12 (sleep) still
 * running"); the code tells the class, so the agent can map it to a
 * protocol error class without parsing text. Cancellation uses
 * G_IO_ERROR_CANCELLED, as GCancellable does everywhere.
 */
#ifndef CKPT_GUEST_ERROR_H
#define CKPT_GUEST_ERROR_H

#include <glib.h>

G_BEGIN_DECLS

#define CKPT_GUEST_ERROR (ckpt_guest_error_quark())
GQuark ckpt_guest_error_quark(void);

typedef enum {
	CKPT_GUEST_ERROR_FAILED,    /* a system call failed; message has its cause */
	CKPT_GUEST_ERROR_INVALID,   /* a bad argument: name, option, command */
	CKPT_GUEST_ERROR_NOT_FOUND, /* no such container */
	CKPT_GUEST_ERROR_EXISTS,    /* the container exists and runs */
	CKPT_GUEST_ERROR_STATE,	    /* wrong state: not running, still frozen... */
	CKPT_GUEST_ERROR_BUSY,	    /* another operation holds the container */
	CKPT_GUEST_ERROR_TIMEOUT,   /* freezing or stopping took too long */
	CKPT_GUEST_ERROR_NO_MODULE, /* /dev/ckpt is missing or speaks another API */
	CKPT_GUEST_ERROR_MODULE,    /* the module refused; message is its own text */
	CKPT_GUEST_ERROR_IMAGE,	    /* the image's tree cannot be rebuilt */
	CKPT_GUEST_ERROR_RESTORE,   /* a task of a restart failed before the module ran */
} CkptGuestError;

/* Sets CKPT_GUEST_ERROR_FAILED with "MESSAGE: strerror(errnum)". */
void ckpt_set_error_errno(GError **error, int errnum, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* Adds "container NAME: " to an error (NULL-safe). */
void ckpt_prefix_container(GError **error, const char *name);

G_END_DECLS

#endif /* CKPT_GUEST_ERROR_H */
