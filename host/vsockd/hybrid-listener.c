// SPDX-License-Identifier: GPL-2.0-only
#include "hybrid-listener.h"
#include "fd-watch.h"
#include "socket-util.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct {
	HybridListener *listener;
	int fd;
	FdWatch *watch;
	guint timer;
	gsize len;
	char line[HYBRID_LINE_MAX + 1];
} Handshake;

struct HybridListener {
	VsockDevice *dev;
	char *path;
	int fd;
	FdWatch *watch;
	GList *handshakes; /* Handshake, owned */
};

gboolean hybrid_parse_connect(const char *line, guint32 *port, GError **error)
{
	const char *digits;
	guint64 value;

	if (!g_str_has_prefix(line, "CONNECT ")) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "expected \"CONNECT <port>\"");
		return FALSE;
	}
	digits = line + strlen("CONNECT ");
	if (!g_ascii_string_to_unsigned(digits, 10, 0, G_MAXUINT32 - 1, &value, NULL)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "bad port \"%s\" (0..%u)",
			    digits, G_MAXUINT32 - 1);
		return FALSE;
	}
	*port = (guint32)value;
	return TRUE;
}

static void handshake_free(Handshake *hs, gboolean close_fd)
{
	hs->listener->handshakes = g_list_remove(hs->listener->handshakes, hs);
	g_clear_handle_id(&hs->timer, g_source_remove);
	fd_watch_free(hs->watch);
	if (close_fd)
		close(hs->fd);
	g_free(hs);
}

static void handshake_fail(Handshake *hs, const char *why)
{
	g_autofree char *line = g_strdup_printf("ERR %s\n", why);

	g_debug("hybrid connection: %s", why);
	if (send(hs->fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		g_debug("hybrid connection: telling the client: %s", g_strerror(errno));
	handshake_free(hs, TRUE);
}

static gboolean handshake_expired(gpointer user_data)
{
	Handshake *hs = user_data;

	hs->timer = 0;
	handshake_fail(hs, "malformed request: no CONNECT line in time");
	return G_SOURCE_REMOVE;
}

static void handshake_readable(int fd, GIOCondition ready, gpointer user_data)
{
	Handshake *hs = user_data;
	g_autoptr(GError) error = NULL;
	char *chunk = hs->line + hs->len;
	gsize room = HYBRID_LINE_MAX - hs->len;
	gsize take;
	ssize_t n;
	char *nl;
	guint32 port;

	/*
	 * Peek, then consume only up to the newline: bytes after the line stay
	 * in the socket for the guest. Bytes before it are consumed right away
	 * so a slow client doesn't keep the socket readable (and us spinning).
	 */
	n = recv(fd, chunk, room, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		handshake_free(hs, TRUE);
		return;
	}
	nl = memchr(chunk, '\n', (size_t)n);
	take = nl ? (gsize)(nl - chunk + 1) : (gsize)n;
	if (recv(fd, chunk, take, MSG_DONTWAIT) != (ssize_t)take) {
		handshake_free(hs, TRUE);
		return;
	}
	hs->len += take;
	if (!nl) {
		if (hs->len == HYBRID_LINE_MAX)
			handshake_fail(hs, "malformed request: line too long");
		return;
	}
	*nl = '\0';
	if (nl > hs->line && nl[-1] == '\r')
		nl[-1] = '\0';
	if (!hybrid_parse_connect(hs->line, &port, &error)) {
		g_autofree char *why = g_strdup_printf("malformed request: %s", error->message);

		handshake_fail(hs, why);
		return;
	}
	if (!vsock_device_connect_guest(hs->listener->dev, fd, port, &error)) {
		handshake_fail(hs, error->message);
		return;
	}
	g_debug("hybrid connection: CONNECT %u", port);
	handshake_free(hs, FALSE);
}

static void listener_readable(int fd, GIOCondition ready, gpointer user_data)
{
	HybridListener *listener = user_data;

	for (;;) {
		int client = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		Handshake *hs;

		if (client < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				g_message("%s: accept: %s", listener->path, g_strerror(errno));
			return;
		}
		if (g_list_length(listener->handshakes) >= HYBRID_MAX_HANDSHAKES) {
			g_message("%s: %d clients have not sent CONNECT yet; refusing another",
				  listener->path, HYBRID_MAX_HANDSHAKES);
			close(client);
			continue;
		}
		hs = g_new0(Handshake, 1);
		hs->listener = listener;
		hs->fd = client;
		hs->watch = fd_watch_new(client, G_IO_IN, handshake_readable, hs);
		hs->timer = g_timeout_add(HYBRID_HANDSHAKE_TIMEOUT_MS, handshake_expired, hs);
		listener->handshakes = g_list_prepend(listener->handshakes, hs);
	}
}

HybridListener *hybrid_listener_new(VsockDevice *dev, const char *path, GError **error)
{
	HybridListener *listener;
	int fd;

	/* Guest connections to port P use "<path>_P": leave room for the suffix. */
	if (!unix_path_fits(path, 11)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
			    "%s: too long for a Unix socket path plus \"_<port>\"", path);
		return NULL;
	}
	fd = unix_listen(path, error);
	if (fd < 0)
		return NULL;
	listener = g_new0(HybridListener, 1);
	listener->dev = dev;
	listener->path = g_strdup(path);
	listener->fd = fd;
	listener->watch = fd_watch_new(fd, G_IO_IN, listener_readable, listener);
	return listener;
}

void hybrid_listener_free(HybridListener *listener)
{
	if (!listener)
		return;
	while (listener->handshakes)
		handshake_free(listener->handshakes->data, TRUE);
	fd_watch_free(listener->watch);
	close(listener->fd);
	unlink(listener->path);
	g_free(listener->path);
	g_free(listener);
}
