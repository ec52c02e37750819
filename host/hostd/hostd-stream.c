// SPDX-License-Identifier: GPL-2.0-only
#include "hostd-stream.h"

#include "agent-error.h"

#define STATUS_LINE_MAX (1024 * 1024)

gboolean hostd_stream_receive(AgentIo *io, GOutputStream *out, AgentTrailer *trailer,
			      guint64 *bytes, char **status_line, GCancellable *cancel,
			      GError **error)
{
	g_autofree guint8 *buf = g_malloc(AGENT_FRAME_MAX);
	guint8 tr[AGENT_TRAILER_SIZE];
	guint8 hdr[4];

	*bytes = 0;
	for (;;) {
		guint32 len;

		if (g_cancellable_set_error_if_cancelled(cancel, error))
			return FALSE;
		if (!agent_io_read_exact(io, hdr, 4, "a frame header", error))
			return FALSE;
		len = agent_frame_header_decode(hdr);
		if (len == AGENT_FRAME_END)
			break;
		if (len == AGENT_FRAME_STATUS) {
			g_autofree char *line = agent_io_read_line(io, STATUS_LINE_MAX, NULL);

			g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM,
				    "the sender ended the stream after %" G_GUINT64_FORMAT
				    " bytes without a trailer: %.200s",
				    *bytes, line ? line : "(no status line)");
			if (status_line)
				*status_line = g_steal_pointer(&line);
			return FALSE;
		}
		if (len > AGENT_FRAME_MAX) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM,
				    "frame of %u bytes at byte %" G_GUINT64_FORMAT
				    " (at most %u allowed)",
				    len, *bytes, AGENT_FRAME_MAX);
			return FALSE;
		}
		if (!agent_io_read_exact(io, buf, len, "a frame", error))
			return FALSE;
		if (!g_output_stream_write_all(out, buf, len, NULL, cancel, error))
			return FALSE;
		*bytes += len;
	}
	return agent_io_read_exact(io, tr, sizeof(tr), "the trailer", error) &&
	       agent_trailer_decode(tr, trailer, error);
}
