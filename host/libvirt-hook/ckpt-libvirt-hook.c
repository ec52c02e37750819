// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckpt-libvirt-hook: libvirt's qemu hook (/etc/libvirt/hooks/qemu.d/50-ckpt).
 *
 * libvirtd runs it synchronously for every domain lifecycle step with
 * "OBJECT OPERATION SUB-OPERATION EXTRA" as arguments and the domain XML on
 * stdin. It must never call back into libvirt (deadlock), must print
 * nothing on stdout (for migrate and restore, stdout replaces the domain
 * XML; empty means unchanged), and must not hold libvirt up. So it only
 * hands the event to ckpt-hostd over its control socket and returns:
 *
 *   - within HOOK_DEADLINE_MS whatever happens (daemon down, stuck, garbage);
 *   - non-zero only when the daemon answers with the "refused" class, which
 *     it does at "prepare begin" for a domain whose managed ckpt-vsockd
 *     could not be started: QEMU would fail to connect to it anyway, and
 *     stderr (libvirt's log, and the error virsh shows) says why;
 *   - 0 in every other case, logging to stderr and syslog when the daemon
 *     could not be told, so a broken ckpt-hostd never keeps a VM down.
 *
 * Environment (tests and non-default installs): CKPT_HOSTD_SOCKET
 * (/run/ckpt-hostd/control.sock), CKPT_HOOK_TIMEOUT_MS (800).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#define DEFAULT_SOCKET "/run/ckpt-hostd/control.sock"
#define HOOK_DEADLINE_MS 800
#define XML_MAX (16 * 1024 * 1024)
#define REPLY_MAX (64 * 1024)

typedef struct {
	gint64 deadline; /* monotonic, microseconds */
	const char *object, *operation, *sub_operation, *extra;
} Hook;

static void hook_log(const Hook *h, int priority, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void hook_log(const Hook *h, int priority, const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "ckpt-libvirt-hook: %s %s %s: %s\n", h->object, h->operation,
		h->sub_operation, msg);
	syslog(priority, "%s %s %s: %s", h->object, h->operation, h->sub_operation, msg);
}

/* Milliseconds left before the deadline, at least 0. */
static int remaining_ms(const Hook *h)
{
	gint64 left = (h->deadline - g_get_monotonic_time()) / 1000;

	return left > 0 ? (int)left : 0;
}

/* Waits for events on fd until the deadline; FALSE when it passed. */
static gboolean wait_fd(const Hook *h, int fd, short events)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int left = remaining_ms(h);
		int n;

		if (left == 0)
			return FALSE;
		n = poll(&p, 1, left);
		if (n > 0)
			return TRUE;
		if (n == 0)
			return FALSE;
		if (errno != EINTR)
			return FALSE;
	}
}

/*
 * The domain XML from stdin, read within the deadline. libvirt writes it
 * and closes the pipe; a bounded read keeps a stuck writer from holding us.
 */
static char *read_stdin(const Hook *h, GError **error)
{
	g_autoptr(GString) xml = g_string_new(NULL);
	char buf[65536];

	fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

		if (n > 0) {
			if (xml->len + (gsize)n > XML_MAX) {
				g_set_error(error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
					    "domain XML on stdin: more than %d bytes", XML_MAX);
				return NULL;
			}
			g_string_append_len(xml, buf, n);
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {
			if (!wait_fd(h, STDIN_FILENO, POLLIN)) {
				g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
					    "domain XML on stdin: not closed within %d ms",
					    HOOK_DEADLINE_MS);
				return NULL;
			}
			continue;
		}
		if (errno == EBADF)
			break; /* no stdin at all: the event without its XML */
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
			    "reading the domain XML on stdin: %s", g_strerror(errno));
		return NULL;
	}
	return g_string_free(g_steal_pointer(&xml), FALSE);
}

static char *build_request(const Hook *h, const char *xml)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "execute");
	json_builder_add_string_value(b, "hook");
	json_builder_set_member_name(b, "arguments");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "object");
	json_builder_add_string_value(b, h->object);
	json_builder_set_member_name(b, "operation");
	json_builder_add_string_value(b, h->operation);
	json_builder_set_member_name(b, "sub-operation");
	json_builder_add_string_value(b, h->sub_operation);
	json_builder_set_member_name(b, "extra");
	json_builder_add_string_value(b, h->extra);
	json_builder_set_member_name(b, "xml");
	json_builder_add_string_value(b, xml);
	json_builder_end_object(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	return json_generator_to_data(gen, NULL);
}

static int connect_daemon(const Hook *h, const char *path, GError **error)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, err;
	socklen_t len = sizeof(err);

	if (strlen(path) >= sizeof(sa.sun_path)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "control socket %s: path too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno), "socket: %s",
			    g_strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	err = errno;
	if (err == EAGAIN || err == EINPROGRESS) {
		/* A full backlog: the daemon is alive but busy; wait, bounded. */
		if (wait_fd(h, fd, POLLOUT) &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
			return fd;
		if (err == EAGAIN || err == EINPROGRESS)
			err = ETIMEDOUT;
	}
	close(fd);
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err),
		    "ckpt-hostd is not reachable at %s: %s", path, g_strerror(err));
	return -1;
}

static gboolean send_all(const Hook *h, int fd, const char *p, gsize len, GError **error)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= (gsize)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && wait_fd(h, fd, POLLOUT))
			continue;
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "sending the event: %s",
			    n < 0 && errno != EAGAIN ? g_strerror(errno)
						     : "ckpt-hostd did not read it in time");
		return FALSE;
	}
	return TRUE;
}

/* One reply line, within the deadline. */
static char *read_reply(const Hook *h, int fd, GError **error)
{
	g_autoptr(GString) line = g_string_new(NULL);
	char buf[4096];

	for (;;) {
		char *nl = memchr(line->str, '\n', line->len);
		ssize_t n;

		if (nl) {
			g_string_truncate(line, (gsize)(nl - line->str));
			return g_string_free(g_steal_pointer(&line), FALSE);
		}
		if (line->len > REPLY_MAX) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    "ckpt-hostd's reply: no end of line within %d bytes",
				    REPLY_MAX);
			return NULL;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		if (n > 0) {
			g_string_append_len(line, buf, n);
			continue;
		}
		if (n == 0) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
				    "ckpt-hostd closed the connection without an answer");
			return NULL;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && wait_fd(h, fd, POLLIN))
			continue;
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
			    "no answer from ckpt-hostd: %s",
			    errno == EAGAIN ? "deadline passed" : g_strerror(errno));
		return NULL;
	}
}

typedef enum { VERDICT_GO, VERDICT_STOP } Verdict;

/* What the daemon's reply means for libvirt; *why is set for a stop. */
static Verdict judge_reply(const Hook *h, const char *line, char **why)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *obj, *err;
	const char *klass, *desc;

	if (!json_parser_load_from_data(parser, line, -1, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		hook_log(h, LOG_WARNING, "ckpt-hostd answered garbage (\"%.60s\"): going on", line);
		return VERDICT_GO;
	}
	obj = json_node_get_object(json_parser_get_root(parser));
	if (json_object_has_member(obj, "return"))
		return VERDICT_GO;
	if (!json_object_has_member(obj, "error") ||
	    !JSON_NODE_HOLDS_OBJECT(json_object_get_member(obj, "error"))) {
		hook_log(h, LOG_WARNING, "ckpt-hostd answered neither return nor error: going on");
		return VERDICT_GO;
	}
	err = json_object_get_object_member(obj, "error");
	klass = json_object_get_string_member_with_default(err, "class", "");
	desc = json_object_get_string_member_with_default(err, "desc", "(no description)");
	if (g_str_equal(klass, "refused")) {
		*why = g_strdup(desc);
		return VERDICT_STOP;
	}
	hook_log(h, LOG_WARNING, "ckpt-hostd: %s: %s (going on)", klass, desc);
	return VERDICT_GO;
}

int main(int argc, char **argv)
{
	const char *path = g_getenv("CKPT_HOSTD_SOCKET");
	const char *timeout = g_getenv("CKPT_HOOK_TIMEOUT_MS");
	g_autoptr(GError) error = NULL;
	g_autofree char *xml = NULL;
	g_autofree char *request = NULL;
	g_autofree char *reply = NULL;
	g_autofree char *why = NULL;
	gint64 deadline_ms = HOOK_DEADLINE_MS;
	Hook h = {0};
	int devnull, fd;

	/*
	 * Nothing of ours may ever reach stdout, not even a stray GLib
	 * message: point it at /dev/null. libvirt reads an empty stdout as
	 * "XML unchanged".
	 */
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull >= 0) {
		dup2(devnull, STDOUT_FILENO);
		close(devnull);
	}
	openlog("ckpt-libvirt-hook", LOG_PID, LOG_DAEMON);
	if (timeout && g_ascii_string_to_signed(timeout, 10, 1, 60000, &deadline_ms, NULL) == FALSE)
		deadline_ms = HOOK_DEADLINE_MS;
	h.deadline = g_get_monotonic_time() + deadline_ms * 1000;
	h.object = argc > 1 ? argv[1] : "-";
	h.operation = argc > 2 ? argv[2] : "-";
	h.sub_operation = argc > 3 ? argv[3] : "-";
	h.extra = argc > 4 ? argv[4] : "-";
	if (argc < 4) {
		hook_log(&h, LOG_ERR,
			 "usage: ckpt-libvirt-hook OBJECT OPERATION SUB-OPERATION "
			 "[EXTRA] < DOMAIN-XML (run by libvirtd): ignored");
		return 0;
	}
	if (!path || !*path)
		path = DEFAULT_SOCKET;

	xml = read_stdin(&h, &error);
	if (!xml) {
		hook_log(&h, LOG_WARNING, "%s: ckpt-hostd not told", error->message);
		return 0;
	}
	request = build_request(&h, xml);
	fd = connect_daemon(&h, path, &error);
	if (fd < 0) {
		hook_log(&h, LOG_WARNING,
			 "%s: the domain goes on without ckpt (no vsockd bridge management, "
			 "snapshots or restores for this event)",
			 error->message);
		return 0;
	}
	if (!send_all(&h, fd, request, strlen(request), &error) ||
	    !send_all(&h, fd, "\n", 1, &error) || !(reply = read_reply(&h, fd, &error))) {
		hook_log(&h, LOG_WARNING, "%s: going on without waiting", error->message);
		close(fd);
		return 0;
	}
	close(fd);
	if (judge_reply(&h, reply, &why) == VERDICT_STOP) {
		/* libvirt shows this line as the reason the domain did not start. */
		hook_log(&h, LOG_ERR, "%s", why);
		return 1;
	}
	return 0;
}
