/* SPDX-License-Identifier: GPL-2.0-only */
/* Waiting on one fd with a deadline and a GCancellable (internal). */
#pragma once

#include <gio/gio.h>

/* A monotonic deadline in µs from a timeout in ms; 0 means none. */
gint64 transport_deadline(guint timeout_ms);

typedef enum {
	TRANSPORT_WAIT_READY,
	TRANSPORT_WAIT_TIMEOUT,
	TRANSPORT_WAIT_CANCELLED, /* error is set */
	TRANSPORT_WAIT_FAILED,	  /* error is set */
} TransportWait;

TransportWait transport_wait(int fd, GIOCondition condition, gint64 deadline,
			     GCancellable *cancellable, GError **error);

/* Wrap a connected fd (which it takes) as a GSocketConnection. */
GSocketConnection *transport_wrap_fd(int fd, const char *vm_name, GError **error);
