// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "agent-error.h"
#include "agent-io.h"

void agent_io_init(AgentIo *io, int fd, GBytes *prefix, gint64 timeout_ms, const char *what)
{
	memset(io, 0, sizeof(*io));
	io->fd = fd;
	io->prefix = prefix && g_bytes_get_size(prefix) ? g_bytes_ref(prefix) : NULL;
	io->timeout_ms = timeout_ms;
	io->what = what;
}

void agent_io_clear(AgentIo *io)
{
	g_clear_pointer(&io->prefix, g_bytes_unref);
}

/* Waits until fd is ready for events; FALSE with a timeout error. */
static gboolean wait_ready(AgentIo *io, short events, GError **error)
{
	struct pollfd p = {.fd = io->fd, .events = events};
	int timeout = io->timeout_ms > 0 ? (int)MIN(io->timeout_ms, G_MAXINT) : -1;
	gint64 deadline = io->timeout_ms > 0 ? g_get_monotonic_time() + io->timeout_ms * 1000 : 0;

	for (;;) {
		int r = poll(&p, 1, timeout);

		if (r > 0)
			return TRUE;
		if (r < 0 && errno != EINTR) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED, "%s: poll: %s",
				    io->what, g_strerror(errno));
			return FALSE;
		}
		if (deadline) {
			gint64 left = deadline - g_get_monotonic_time();

			if (left <= 0)
				break;
			timeout = (int)MIN((left + 999) / 1000, G_MAXINT);
		}
	}
	g_set_error(error, AGENT_ERROR, AGENT_ERROR_TIMEOUT,
		    "%s: no progress for %" G_GINT64_FORMAT " ms (the peer stopped %s)", io->what,
		    io->timeout_ms, events == POLLIN ? "sending" : "reading");
	return FALSE;
}

gssize agent_io_read(AgentIo *io, void *buf, gsize len, GError **error)
{
	if (io->prefix) {
		gsize size;
		const guint8 *p = g_bytes_get_data(io->prefix, &size);
		gsize n = MIN(len, size - io->prefix_off);

		memcpy(buf, p + io->prefix_off, n);
		io->prefix_off += n;
		if (io->prefix_off == size)
			g_clear_pointer(&io->prefix, g_bytes_unref);
		return (gssize)n;
	}
	for (;;) {
		ssize_t n = read(io->fd, buf, len);

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM, "%s: read: %s",
				    io->what, g_strerror(errno));
			return -1;
		}
		if (!wait_ready(io, POLLIN, error))
			return -1;
	}
}

gboolean agent_io_read_exact(AgentIo *io, void *buf, gsize len, const char *item, GError **error)
{
	gsize done = 0;

	while (done < len) {
		gssize n = agent_io_read(io, (guint8 *)buf + done, len - done, error);

		if (n < 0) {
			g_prefix_error(error, "reading %s: ", item);
			return FALSE;
		}
		if (n == 0) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM,
				    "%s ended inside %s (%zu of %zu bytes)", io->what, item, done,
				    len);
			return FALSE;
		}
		done += (gsize)n;
	}
	return TRUE;
}

char *agent_io_read_line(AgentIo *io, gsize max, GError **error)
{
	g_autoptr(GString) line = g_string_new(NULL);

	/* Byte by byte: nothing after the line may be consumed. Lines are short. */
	while (line->len <= max) {
		char ch;
		gssize n = agent_io_read(io, &ch, 1, error);

		if (n < 0)
			return NULL;
		if (n == 0) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM,
				    "%s closed before a whole line (%zu bytes)", io->what,
				    line->len);
			return NULL;
		}
		if (ch == '\n')
			return g_string_free(g_steal_pointer(&line), FALSE);
		g_string_append_c(line, ch);
	}
	g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM, "%s: line longer than %zu bytes",
		    io->what, max);
	return NULL;
}

gboolean agent_io_write(AgentIo *io, const void *buf, gsize len, GError **error)
{
	const guint8 *p = buf;

	while (len) {
		ssize_t n = write(io->fd, p, len);

		if (n > 0) {
			p += n;
			len -= (gsize)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!wait_ready(io, POLLOUT, error))
				return FALSE;
			continue;
		}
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM, "%s: write: %s", io->what,
			    n < 0 ? g_strerror(errno) : "no progress");
		return FALSE;
	}
	return TRUE;
}
