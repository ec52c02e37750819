// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "agent-error.h"
#include "agent-pump.h"

typedef struct {
	AgentPump *p;
	GChecksum *sum;
	guint8 *buf;
	guint32 frame_left; /* bytes left in the current frame (framed source) */
	gboolean ended;
} Pump;

/* The source's next bytes into the buffer; 0 at its end. */
static gssize read_source(Pump *s, GError **error)
{
	AgentPump *p = s->p;
	guint8 hdr[4];
	guint8 tr[AGENT_TRAILER_SIZE];
	AgentTrailer trailer;
	gssize n;

	if (!p->src_framed)
		return agent_io_read(p->src, s->buf, AGENT_PUMP_CHUNK, error);
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
	n = agent_io_read(p->src, s->buf, MIN(s->frame_left, AGENT_PUMP_CHUNK), error);
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

gboolean agent_pump_run(AgentPump *p)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_autofree guint8 *buf = g_malloc(AGENT_PUMP_CHUNK);
	Pump s = {.p = p, .sum = sum, .buf = buf};
	GError *local = NULL;

	for (;;) {
		gssize n = read_source(&s, &local);

		if (n < 0) {
			p->src_failed = TRUE;
			goto fail;
		}
		if (n == 0)
			break;
		g_checksum_update(sum, buf, n);
		if (p->dst_framed ? !agent_frame_write(p->dst, (guint32)n, buf, &local)
				  : !agent_io_write(p->dst, buf, (gsize)n, &local))
			goto fail;
		p->bytes += (guint64)n;
		if (p->progress)
			p->progress(p->progress_data, p->bytes);
	}
	if (!s.ended) {
		g_checksum_get_digest(sum, p->sha256, &(gsize){AGENT_SHA256_LEN});
		if (p->expect_sha256) {
			AgentTrailer want = {.length = p->bytes};

			memcpy(want.sha256, p->expect_sha256, AGENT_SHA256_LEN);
			if (!agent_trailer_verify(&want, p->bytes, p->sha256, &local)) {
				p->src_failed = TRUE;
				goto fail;
			}
			p->verified = TRUE;
		}
	}
	return TRUE;

fail:
	g_propagate_prefixed_error(&p->error, local,
				   "after %" G_GUINT64_FORMAT " bytes: ", p->bytes);
	return FALSE;
}

void agent_pump_clear(AgentPump *p)
{
	g_clear_error(&p->error);
}
