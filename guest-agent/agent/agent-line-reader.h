/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Splits a control connection's bytes into request lines.
 *
 * - A line ends with '\n' (a '\r' before it is dropped).
 * - 0xFF, which never occurs in UTF-8 text, is the resync delimiter: it
 *   discards the partial line received before it, so a client that timed
 *   out can send 0xFF and a sync request and read on until the agent's
 *   0xFF (see the sync command).
 * - A line longer than the limit is an error; the connection is then
 *   closed, because where the next request starts is unknown.
 */
#ifndef AGENT_LINE_READER_H
#define AGENT_LINE_READER_H

#include <glib.h>

G_BEGIN_DECLS

#define AGENT_LINE_DELIMITER 0xFF

typedef enum {
	AGENT_LINE_NONE,     /* no complete line buffered yet */
	AGENT_LINE_OK,	     /* *line (NUL-terminated, owned by the reader) is the next line */
	AGENT_LINE_TOO_LONG, /* the next line exceeds the limit */
} AgentLineEvent;

typedef struct _AgentLineReader AgentLineReader;

AgentLineReader *agent_line_reader_new(gsize max_line);
void agent_line_reader_free(AgentLineReader *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AgentLineReader, agent_line_reader_free)

void agent_line_reader_feed(AgentLineReader *r, const guint8 *data, gsize len);
/*
 * The next event. A returned line stays valid until the next call; it may
 * hold NUL bytes, so its length is in *len.
 */
AgentLineEvent agent_line_reader_next(AgentLineReader *r, const char **line, gsize *len);
/* Bytes buffered and not yet returned (after a line, the start of the next). */
gsize agent_line_reader_get_pending(const AgentLineReader *r);
/* Takes the buffered bytes out (a connection turning into a data stream). */
GBytes *agent_line_reader_steal_pending(AgentLineReader *r);

G_END_DECLS

#endif /* AGENT_LINE_READER_H */
