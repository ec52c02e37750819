/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The data connection's framing (docs/agent-protocol.md, "Data streams").
 * Image bytes travel as frames, each a little-endian u32 length and that
 * many bytes (1 .. AGENT_FRAME_MAX). A length of 0 ends the data and is
 * followed by the 48-byte trailer:
 *
 *   "CKPTSTRM" | u64 LE total length | sha256 of the data (32 bytes)
 *
 * The length AGENT_FRAME_STATUS, sent only by the agent, announces its
 * final status line ({"return": ...} or {"error": ...}) instead of more
 * data. Framing lets the receiver tell the image's end from the trailer
 * without relying on a half-close, which not every vsock bridge forwards.
 */
#ifndef AGENT_FRAME_H
#define AGENT_FRAME_H

#include <glib.h>

#include "agent-io.h"

G_BEGIN_DECLS

#define AGENT_FRAME_MAX (1024U * 1024U)
#define AGENT_FRAME_END 0U
#define AGENT_FRAME_STATUS 0xFFFFFFFFU
#define AGENT_TRAILER_MAGIC "CKPTSTRM"
#define AGENT_TRAILER_SIZE 48
#define AGENT_SHA256_LEN 32

typedef struct {
	guint64 length;
	guint8 sha256[AGENT_SHA256_LEN];
} AgentTrailer;

void agent_frame_header_encode(guint32 len, guint8 out[4]);
guint32 agent_frame_header_decode(const guint8 in[4]);

void agent_trailer_encode(const AgentTrailer *t, guint8 out[AGENT_TRAILER_SIZE]);
gboolean agent_trailer_decode(const guint8 in[AGENT_TRAILER_SIZE], AgentTrailer *t, GError **error);

/*
 * Compares what was received (length, digest) with the sender's trailer;
 * AGENT_ERROR_STREAM naming both values when they differ.
 */
gboolean agent_trailer_verify(const AgentTrailer *sent, guint64 length,
			      const guint8 sha256[AGENT_SHA256_LEN], GError **error);

char *agent_sha256_to_hex(const guint8 sha256[AGENT_SHA256_LEN]);
gboolean agent_sha256_from_hex(const char *hex, guint8 sha256[AGENT_SHA256_LEN]);

/* Writes one data frame (len <= AGENT_FRAME_MAX), an END or a STATUS marker. */
gboolean agent_frame_write(AgentIo *io, guint32 len, const void *data, GError **error);

G_END_DECLS

#endif /* AGENT_FRAME_H */
