// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#include <glib-unix.h>

#include "agent-error.h"
#include "agent-listener.h"

/* After EMFILE, stop accepting for this long instead of spinning on the fd. */
#define ACCEPT_BACKOFF_MS 100
#define BACKLOG 128

struct _AgentListener {
	int fd;
	gboolean vsock;
	char *unix_path;
	GArray *allow_cids;
	guint watch;
	guint backoff;
	guint n_refused;
	AgentAcceptFunc accept_func;
	gpointer data;
};

static gboolean on_readable(int fd, GIOCondition cond, gpointer data);

static void watch(AgentListener *l)
{
	l->watch = g_unix_fd_add(l->fd, G_IO_IN, on_readable, l);
}

static gboolean resume(gpointer data)
{
	AgentListener *l = data;

	l->backoff = 0;
	watch(l);
	return G_SOURCE_REMOVE;
}

static gboolean cid_allowed(AgentListener *l, guint32 cid)
{
	for (guint i = 0; i < l->allow_cids->len; i++)
		if (g_array_index(l->allow_cids, guint32, i) == cid)
			return TRUE;
	return FALSE;
}

static char *allowed_text(AgentListener *l)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < l->allow_cids->len; i++)
		g_string_append_printf(s, "%s%u", i ? ", " : "",
				       g_array_index(l->allow_cids, guint32, i));
	return g_string_free(s, FALSE);
}

static gboolean on_readable(int fd, GIOCondition cond, gpointer data)
{
	AgentListener *l = data;

	/* A few at a time, so one busy listener cannot starve the loop. */
	for (int i = 0; i < 16; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		g_autofree char *peer = NULL;
		int conn = accept4(fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (conn < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
				return G_SOURCE_CONTINUE;
			g_warning("accept on %s: %s; pausing %d ms",
				  l->vsock ? "vsock" : l->unix_path, g_strerror(errno),
				  ACCEPT_BACKOFF_MS);
			l->watch = 0;
			l->backoff = g_timeout_add(ACCEPT_BACKOFF_MS, resume, l);
			return G_SOURCE_REMOVE;
		}
		if (l->vsock) {
			const struct sockaddr_vm *vm = (const struct sockaddr_vm *)&ss;

			if (!cid_allowed(l, vm->svm_cid)) {
				g_autofree char *allowed = allowed_text(l);

				l->n_refused++;
				g_message("refused a connection from vsock CID %u port %u: only "
					  "CID %s may connect (--allow-cid)",
					  vm->svm_cid, vm->svm_port, allowed);
				close(conn);
				continue;
			}
			peer = g_strdup_printf("vsock CID %u port %u", vm->svm_cid, vm->svm_port);
		} else {
			peer = g_strdup_printf("unix %s", l->unix_path);
		}
		l->accept_func(conn, peer, l->data);
	}
	return G_SOURCE_CONTINUE;
}

static AgentListener *listener_new(int fd, AgentAcceptFunc accept_func, gpointer data)
{
	AgentListener *l = g_new0(AgentListener, 1);

	l->fd = fd;
	l->accept_func = accept_func;
	l->data = data;
	l->allow_cids = g_array_new(FALSE, FALSE, sizeof(guint32));
	return l;
}

AgentListener *agent_listener_new_vsock(guint32 port, const GArray *allow_cids,
					AgentAcceptFunc accept_func, gpointer data, GError **error)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_ANY,
		.svm_port = port,
	};
	AgentListener *l;
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED,
			    "vsock port %u: socket(AF_VSOCK): %s (is a vsock transport loaded?)",
			    port, g_strerror(errno));
		return NULL;
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, BACKLOG) < 0) {
		int err = errno;

		close(fd);
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED, "vsock port %u: %s", port,
			    g_strerror(err));
		return NULL;
	}
	l = listener_new(fd, accept_func, data);
	l->vsock = TRUE;
	g_array_append_vals(l->allow_cids, allow_cids->data, allow_cids->len);
	watch(l);
	return l;
}

AgentListener *agent_listener_new_unix(const char *path, AgentAcceptFunc accept_func, gpointer data,
				       GError **error)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	AgentListener *l;
	gboolean bound;
	mode_t old_mask;
	struct stat st;
	int err;
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
			    "unix socket %s: path longer than %zu bytes", path,
			    sizeof(addr.sun_path) - 1);
		return NULL;
	}
	memcpy(addr.sun_path, path, strlen(path));
	/* A socket left by an agent that died; never remove anything else. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/*
	 * Created 0600 from the start (the daemon has no thread yet when it
	 * listens, so changing the umask for a moment is safe).
	 */
	old_mask = umask(0177);
	bound = fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
	err = errno;
	umask(old_mask);
	if (!bound || listen(fd, BACKLOG) < 0) {
		if (bound)
			err = errno;

		if (fd >= 0)
			close(fd);
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED, "unix socket %s: %s", path,
			    g_strerror(err));
		return NULL;
	}
	l = listener_new(fd, accept_func, data);
	l->unix_path = g_strdup(path);
	watch(l);
	return l;
}

void agent_listener_free(AgentListener *l)
{
	if (!l)
		return;
	if (l->watch)
		g_source_remove(l->watch);
	if (l->backoff)
		g_source_remove(l->backoff);
	close(l->fd);
	if (l->unix_path)
		unlink(l->unix_path);
	g_free(l->unix_path);
	g_array_unref(l->allow_cids);
	g_free(l);
}

guint agent_listener_get_n_refused(const AgentListener *l)
{
	return l->n_refused;
}
