/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Image streams in the agent's framing (docs/agent-protocol.md, "Data
 * streams") between a connection and the host store's GIO streams:
 * frames into a store writer (a push, a periodic checkpoint), or a store
 * image out as frames and a trailer (a restore).
 */
#pragma once

#include <gio/gio.h>

#include "agent-frame.h"
#include "agent-io.h"

G_BEGIN_DECLS

/*
 * Reads frames from io into out until the end marker, then the trailer.
 * Returns FALSE on a broken connection, a bad frame or a write error (the
 * caller answers FAIL or drops the connection). *bytes counts what arrived.
 * status_line: if the sender ends early with a status marker (the agent's
 * job failed), the status line is returned here and the call fails.
 */
gboolean hostd_stream_receive(AgentIo *io, GOutputStream *out, AgentTrailer *trailer,
			      guint64 *bytes, char **status_line, GCancellable *cancel,
			      GError **error);

/* Sends in as frames, then the end marker and the trailer (its length and sha256). */
gboolean hostd_stream_send(AgentIo *io, GInputStream *in, guint64 *bytes, GCancellable *cancel,
			   GError **error);

G_END_DECLS
