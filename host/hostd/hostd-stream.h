/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The push listener's side of the agent's stream framing
 * (docs/agent-protocol.md, "Data streams"): frames from a guest that
 * connected to us, into a store writer. (Where ckpt-hostd is the client of
 * an agent job, restores and periodic snapshots, it uses the agent client's
 * agent_conn_*_image_stream() instead.)
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

G_END_DECLS
