/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Progress of a transfer on stderr. On a terminal a bar redrawn in place
 * (phase, bytes, rate, and a fraction when the size is known); otherwise
 * plain lines, one per phase and one every few seconds; nothing with -q or
 * --json. Worker threads set the phase and the byte count; the main loop
 * draws (host_progress_tick).
 */
#pragma once

#include "host-context.h"

G_BEGIN_DECLS

typedef struct _HostProgress HostProgress;

HostProgress *host_progress_new(HostContext *ctx);
void host_progress_free(HostProgress *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HostProgress, host_progress_free)

/* Any thread. A new phase restarts the byte count and the rate; total 0: unknown. */
void host_progress_phase(HostProgress *p, const char *phase, guint64 total);
void host_progress_bytes(HostProgress *p, guint64 bytes);
/* An AgentProgressFunc for agent_conn_*_stream(). */
void host_progress_cb(guint64 bytes, gpointer progress);

/* Main thread: redraws (terminal) or prints a line when due. */
void host_progress_tick(HostProgress *p);
/* Main thread: the last redraw, and the line ended. */
void host_progress_finish(HostProgress *p);

G_END_DECLS
