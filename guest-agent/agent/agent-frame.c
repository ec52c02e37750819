// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "agent-error.h"
#include "agent-frame.h"

void agent_frame_header_encode(guint32 len, guint8 out[4])
{
	guint32 le = GUINT32_TO_LE(len);

	memcpy(out, &le, 4);
}

guint32 agent_frame_header_decode(const guint8 in[4])
{
	guint32 le;

	memcpy(&le, in, 4);
	return GUINT32_FROM_LE(le);
}

void agent_trailer_encode(const AgentTrailer *t, guint8 out[AGENT_TRAILER_SIZE])
{
	guint64 le = GUINT64_TO_LE(t->length);

	memcpy(out, AGENT_TRAILER_MAGIC, 8);
	memcpy(out + 8, &le, 8);
	memcpy(out + 16, t->sha256, AGENT_SHA256_LEN);
}

gboolean agent_trailer_decode(const guint8 in[AGENT_TRAILER_SIZE], AgentTrailer *t, GError **error)
{
	guint64 le;

	if (memcmp(in, AGENT_TRAILER_MAGIC, 8) != 0) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM,
			    "stream trailer: bad magic %02x%02x%02x%02x%02x%02x%02x%02x (expected "
			    "\"" AGENT_TRAILER_MAGIC "\")",
			    in[0], in[1], in[2], in[3], in[4], in[5], in[6], in[7]);
		return FALSE;
	}
	memcpy(&le, in + 8, 8);
	t->length = GUINT64_FROM_LE(le);
	memcpy(t->sha256, in + 16, AGENT_SHA256_LEN);
	return TRUE;
}

char *agent_sha256_to_hex(const guint8 sha256[AGENT_SHA256_LEN])
{
	char *hex = g_malloc(AGENT_SHA256_LEN * 2 + 1);

	for (guint i = 0; i < AGENT_SHA256_LEN; i++)
		g_snprintf(hex + 2 * i, 3, "%02x", sha256[i]);
	return hex;
}

gboolean agent_sha256_from_hex(const char *hex, guint8 sha256[AGENT_SHA256_LEN])
{
	if (!hex || strlen(hex) != AGENT_SHA256_LEN * 2)
		return FALSE;
	for (guint i = 0; i < AGENT_SHA256_LEN; i++) {
		int hi = g_ascii_xdigit_value(hex[2 * i]);
		int lo = g_ascii_xdigit_value(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return FALSE;
		sha256[i] = (guint8)(hi << 4 | lo);
	}
	return TRUE;
}

gboolean agent_trailer_verify(const AgentTrailer *sent, guint64 length,
			      const guint8 sha256[AGENT_SHA256_LEN], GError **error)
{
	if (sent->length != length) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM,
			    "stream length mismatch: the trailer says %" G_GUINT64_FORMAT
			    " bytes, %" G_GUINT64_FORMAT " arrived",
			    sent->length, length);
		return FALSE;
	}
	if (memcmp(sent->sha256, sha256, AGENT_SHA256_LEN) != 0) {
		g_autofree char *want = agent_sha256_to_hex(sent->sha256);
		g_autofree char *got = agent_sha256_to_hex(sha256);

		g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM,
			    "stream sha256 mismatch: the trailer says %s, the %" G_GUINT64_FORMAT
			    " bytes received hash to %s",
			    want, length, got);
		return FALSE;
	}
	return TRUE;
}

gboolean agent_frame_write(AgentIo *io, guint32 len, const void *data, GError **error)
{
	guint8 hdr[4];

	agent_frame_header_encode(len, hdr);
	if (!agent_io_write(io, hdr, sizeof(hdr), error))
		return FALSE;
	if (len && len != AGENT_FRAME_STATUS)
		return agent_io_write(io, data, len, error);
	return TRUE;
}
