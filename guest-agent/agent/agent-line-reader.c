// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "agent-line-reader.h"

struct _AgentLineReader {
	GByteArray *buf;
	gsize start;   /* first byte not yet returned */
	gsize scanned; /* bytes from start known to hold no '\n' */
	gsize max_line;
	gboolean consumed_last; /* the last line returned must be dropped on the next call */
	gsize last_len;
};

AgentLineReader *agent_line_reader_new(gsize max_line)
{
	AgentLineReader *r = g_new0(AgentLineReader, 1);

	r->buf = g_byte_array_new();
	r->max_line = max_line;
	return r;
}

void agent_line_reader_free(AgentLineReader *r)
{
	if (!r)
		return;
	g_byte_array_unref(r->buf);
	g_free(r);
}

/* Drops what was returned already, so the buffer only holds pending bytes. */
static void compact(AgentLineReader *r)
{
	if (r->consumed_last) {
		r->start += r->last_len + 1;
		r->consumed_last = FALSE;
	}
	if (r->start) {
		g_byte_array_remove_range(r->buf, 0, (guint)r->start);
		r->start = 0;
	}
}

void agent_line_reader_feed(AgentLineReader *r, const guint8 *data, gsize len)
{
	const guint8 *delim;

	compact(r);
	/*
	 * Only the last delimiter matters: everything after the last newline
	 * before it is a partial line to forget.
	 */
	while ((delim = memchr(data, AGENT_LINE_DELIMITER, len))) {
		const guint8 *rest = delim + 1;
		gsize before = (gsize)(delim - data);
		const guint8 *nl = NULL;

		for (gsize i = before; i > 0; i--) {
			if (data[i - 1] == '\n') {
				nl = data + i - 1;
				break;
			}
		}
		if (nl) {
			g_byte_array_append(r->buf, data, (guint)(nl - data + 1));
		} else {
			/* No newline in this piece: drop the buffered partial line. */
			guint8 *p = r->buf->data;
			gsize keep = 0;

			for (gsize i = r->buf->len; i > 0; i--) {
				if (p[i - 1] == '\n') {
					keep = i;
					break;
				}
			}
			g_byte_array_set_size(r->buf, (guint)keep);
			r->scanned = MIN(r->scanned, keep);
		}
		len -= (gsize)(rest - data);
		data = rest;
	}
	g_byte_array_append(r->buf, data, (guint)len);
}

AgentLineEvent agent_line_reader_next(AgentLineReader *r, const char **line, gsize *len)
{
	guint8 *p;
	guint8 *nl;
	gsize avail;
	gsize n;

	compact(r);
	p = r->buf->data;
	avail = r->buf->len;
	nl = avail > r->scanned ? memchr(p + r->scanned, '\n', avail - r->scanned) : NULL;
	if (!nl) {
		r->scanned = avail;
		return avail > r->max_line ? AGENT_LINE_TOO_LONG : AGENT_LINE_NONE;
	}
	n = (gsize)(nl - p);
	if (n > r->max_line)
		return AGENT_LINE_TOO_LONG;
	/* Terminate in place; the '\n' is overwritten and skipped on the next call. */
	*nl = '\0';
	r->consumed_last = TRUE;
	r->last_len = n;
	r->scanned = 0;
	if (n > 0 && p[n - 1] == '\r')
		p[--n] = '\0';
	*line = (const char *)p;
	*len = n;
	return AGENT_LINE_OK;
}

gsize agent_line_reader_get_pending(const AgentLineReader *r)
{
	gsize used = r->start + (r->consumed_last ? r->last_len + 1 : 0);

	return r->buf->len - used;
}

GBytes *agent_line_reader_steal_pending(AgentLineReader *r)
{
	GBytes *rest;

	compact(r);
	rest = g_bytes_new(r->buf->data, r->buf->len);
	g_byte_array_set_size(r->buf, 0);
	r->scanned = 0;
	return rest;
}
