// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "agent-error.h"
#include "agent-pump.h"

/*
 * Two stages: this thread reads and hashes, a writer thread sends. Under
 * emulation sha256 costs about as much as the vsock transfer itself, so
 * doing them one after the other would add the two up. The chunks in
 * flight are bounded, and so is memory.
 */
#define CHUNKS_IN_FLIGHT 4

typedef struct {
	guint8 *data;
	gsize len;
} Chunk;

typedef struct {
	AgentPump *p;
	GChecksum *sum;
	guint32 frame_left; /* bytes left in the current frame (framed source) */
	gboolean ended;	    /* the framed source's trailer was read */

	GAsyncQueue *free_chunks;
	GAsyncQueue *full_chunks;
	Chunk chunks[CHUNKS_IN_FLIGHT];
	Chunk stop; /* pushed after the last chunk */
	gint writer_failed;
	GError *write_error;
	guint64 written;
} Pump;

/* The source's next bytes into buf; 0 at its end. */
static gssize read_source(Pump *s, guint8 *buf, GError **error)
{
	AgentPump *p = s->p;
	guint8 hdr[4];
	guint8 tr[AGENT_TRAILER_SIZE];
	AgentTrailer trailer;
	gssize n;

	if (!p->src_framed)
		return agent_io_read(p->src, buf, AGENT_PUMP_CHUNK, error);
	if (s->frame_left == 0) {
		gssize h = agent_io_read(p->src, hdr, 1, error);
		guint32 len;

		if (h < 0)
			return -1;
		if (h == 0) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM,
				    "%s closed after %" G_GUINT64_FORMAT
				    " bytes, before the end marker",
				    p->src->what, p->bytes);
			return -1;
		}
		if (!agent_io_read_exact(p->src, hdr + 1, 3, "a frame header", error))
			return -1;
		len = agent_frame_header_decode(hdr);
		if (len == AGENT_FRAME_END) {
			if (!agent_io_read_exact(p->src, tr, sizeof(tr), "the trailer", error) ||
			    !agent_trailer_decode(tr, &trailer, error))
				return -1;
			s->ended = TRUE;
			g_checksum_get_digest(s->sum, p->sha256, &(gsize){AGENT_SHA256_LEN});
			if (!agent_trailer_verify(&trailer, p->bytes, p->sha256, error))
				return -1;
			p->verified = TRUE;
			return 0;
		}
		if (len > AGENT_FRAME_MAX) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM,
				    "%s: frame at byte %" G_GUINT64_FORMAT
				    " is %u bytes long, the limit is %u",
				    p->src->what, p->bytes, len, AGENT_FRAME_MAX);
			return -1;
		}
		s->frame_left = len;
	}
	n = agent_io_read(p->src, buf, MIN(s->frame_left, AGENT_PUMP_CHUNK), error);
	if (n == 0) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM,
			    "%s closed inside a frame, after %" G_GUINT64_FORMAT " bytes",
			    p->src->what, p->bytes);
		return -1;
	}
	if (n > 0)
		s->frame_left -= (guint32)n;
	return n;
}

static gpointer writer_thread(gpointer data)
{
	Pump *s = data;
	AgentPump *p = s->p;

	for (;;) {
		Chunk *c = g_async_queue_pop(s->full_chunks);

		if (c == &s->stop)
			break;
		/* After a failure, keep taking chunks so the reader never blocks. */
		if (!g_atomic_int_get(&s->writer_failed)) {
			gboolean ok = p->dst_framed ? agent_frame_write(p->dst, (guint32)c->len,
									c->data, &s->write_error)
						    : agent_io_write(p->dst, c->data, c->len,
								     &s->write_error);

			if (ok) {
				s->written += c->len;
				if (p->progress)
					p->progress(p->progress_data, s->written);
			} else {
				g_atomic_int_set(&s->writer_failed, TRUE);
			}
		}
		g_async_queue_push(s->free_chunks, c);
	}
	return NULL;
}

gboolean agent_pump_run(AgentPump *p)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	Pump s = {.p = p, .sum = sum};
	GError *local = NULL;
	GThread *writer;

	s.free_chunks = g_async_queue_new();
	s.full_chunks = g_async_queue_new();
	for (guint i = 0; i < CHUNKS_IN_FLIGHT; i++) {
		s.chunks[i].data = g_malloc(AGENT_PUMP_CHUNK);
		g_async_queue_push(s.free_chunks, &s.chunks[i]);
	}
	writer = g_thread_new("pump-writer", writer_thread, &s);

	while (!g_atomic_int_get(&s.writer_failed)) {
		Chunk *c = g_async_queue_pop(s.free_chunks);
		gssize n = read_source(&s, c->data, &local);

		if (n <= 0) {
			g_async_queue_push(s.free_chunks, c);
			if (n < 0)
				p->src_failed = TRUE;
			break;
		}
		g_checksum_update(sum, c->data, n);
		c->len = (gsize)n;
		p->bytes += (guint64)n;
		g_async_queue_push(s.full_chunks, c);
	}
	g_async_queue_push(s.full_chunks, &s.stop);
	g_thread_join(writer);
	for (guint i = 0; i < CHUNKS_IN_FLIGHT; i++)
		g_free(s.chunks[i].data);
	g_async_queue_unref(s.free_chunks);
	g_async_queue_unref(s.full_chunks);

	if (!local && s.write_error) {
		/* What reached the destination, not what was read. */
		p->bytes = s.written;
		local = g_steal_pointer(&s.write_error);
	}
	g_clear_error(&s.write_error);
	if (!local && !s.ended) {
		g_checksum_get_digest(sum, p->sha256, &(gsize){AGENT_SHA256_LEN});
		if (p->expect_sha256) {
			AgentTrailer want = {.length = p->bytes};

			memcpy(want.sha256, p->expect_sha256, AGENT_SHA256_LEN);
			if (!agent_trailer_verify(&want, p->bytes, p->sha256, &local))
				p->src_failed = TRUE;
			else
				p->verified = TRUE;
		}
	}
	if (local) {
		p->verified = FALSE;
		g_propagate_prefixed_error(&p->error, local,
					   "after %" G_GUINT64_FORMAT " bytes: ", p->bytes);
		return FALSE;
	}
	return TRUE;
}

void agent_pump_clear(AgentPump *p)
{
	g_clear_error(&p->error);
}
