/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Moves image bytes between the module's socket and the data connection
 * (or an image file), hashing them with sha256 on the way. It runs in its
 * own thread beside the job's, which sits in the module's ioctl. Memory
 * stays bounded by one buffer plus the sockets' buffers: a slow reader
 * blocks the pump, the full socket blocks the module (back-pressure).
 *
 * A framed source is read frame by frame up to the END marker, then its
 * trailer is checked against what arrived; a framed destination gets
 * data frames only: the caller adds END and the trailer once it agrees
 * with the module on the length.
 */
#ifndef AGENT_PUMP_H
#define AGENT_PUMP_H

#include <glib.h>

#include "agent-frame.h"
#include "agent-io.h"

G_BEGIN_DECLS

/* Bytes the pump moves per read, and per frame it writes. */
#define AGENT_PUMP_CHUNK (256U * 1024U)

typedef void (*AgentPumpProgressFunc)(gpointer data, guint64 bytes);

typedef struct {
	AgentIo *src;
	gboolean src_framed;
	AgentIo *dst;
	gboolean dst_framed;
	/* A raw source's expected digest, checked at its end; NULL: none. */
	const guint8 *expect_sha256;
	AgentPumpProgressFunc progress;
	gpointer progress_data;

	/* Results. */
	guint64 bytes;
	guint8 sha256[AGENT_SHA256_LEN];
	gboolean verified;   /* a trailer or expect_sha256 matched */
	gboolean src_failed; /* the error came from the source side */
	GError *error;
} AgentPump;

/* Copies until the source ends; FALSE with p->error set. */
gboolean agent_pump_run(AgentPump *p);
void agent_pump_clear(AgentPump *p);

G_END_DECLS

#endif /* AGENT_PUMP_H */
