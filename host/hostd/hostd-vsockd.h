/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A managed ckpt-vsockd: one per domain whose metadata says managed="yes".
 * Started at prepare begin (QEMU connects to its vhost-user socket as it
 * starts, so the socket must exist first), restarted if it dies while the
 * domain is defined, stopped at release end.
 */
#pragma once

#include <gio/gio.h>

#include "hostd-job.h"

G_BEGIN_DECLS

typedef struct _HostdVsockd HostdVsockd;

/* done(error) once both sockets exist (or the start failed, or timed out). */
typedef void (*HostdVsockdReady)(GError *error, gpointer user_data);

HostdVsockd *hostd_vsockd_new(HostdJobTable *jobs, const char *program, const char *vm,
			      guint32 guest_cid, const char *vhost_user, const char *uds);
/* TRUE if it was made for these parameters (else the caller replaces it). */
gboolean hostd_vsockd_matches(HostdVsockd *v, guint32 guest_cid, const char *vhost_user,
			      const char *uds);
/* Starts it unless it runs; done is called from the main loop. */
void hostd_vsockd_start(HostdVsockd *v, guint timeout_ms, HostdVsockdReady done,
			gpointer user_data);
/* SIGTERM, no more restarts; frees v once the process is gone. */
void hostd_vsockd_stop_and_free(HostdVsockd *v);

G_END_DECLS
