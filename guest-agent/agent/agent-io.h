/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Blocking I/O with an idle timeout on one fd (a socket, a pipe or a
 * file), for the threads that move image bytes. Bytes the main loop had
 * already read from a connection before handing it over (the prefix) are
 * returned first. Every wait is bounded: a peer that stops reading or
 * writing for timeout_ms fails the transfer instead of holding a frozen
 * container forever.
 */
#ifndef AGENT_IO_H
#define AGENT_IO_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
	int fd;
	GBytes *prefix; /* may be NULL */
	gsize prefix_off;
	gint64 timeout_ms; /* per wait; <= 0: wait forever */
	const char *what;  /* "data connection", "image file": for messages */
} AgentIo;

void agent_io_init(AgentIo *io, int fd, GBytes *prefix, gint64 timeout_ms, const char *what);
/* Drops the prefix; the fd stays open (its owner closes it). */
void agent_io_clear(AgentIo *io);

/* Up to len bytes; 0 at end of file; -1 with error (AGENT_ERROR_STREAM/TIMEOUT). */
gssize agent_io_read(AgentIo *io, void *buf, gsize len, GError **error);
/* Exactly len bytes, or an error naming what was missing. */
gboolean agent_io_read_exact(AgentIo *io, void *buf, gsize len, const char *item, GError **error);
/* One '\n'-terminated line of at most max bytes, without the '\n'. */
char *agent_io_read_line(AgentIo *io, gsize max, GError **error);
gboolean agent_io_write(AgentIo *io, const void *buf, gsize len, GError **error);

G_END_DECLS

#endif /* AGENT_IO_H */
