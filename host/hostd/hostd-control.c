// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gunixsocketaddress.h>

#include "hostd-control.h"
#include "hostd-reply.h"

#define MAX_LINE (32 * 1024 * 1024) /* a domain XML with every device */
#define MAX_CLIENTS 64

struct _HostdControl {
	Hostd *h;
	char *path;
	GSocketService *service;
	guint clients;
};

typedef struct {
	HostdControl *control;
	GSocketConnection *conn;
	GDataInputStream *in;
	GCancellable *cancel;
	gboolean closed;
	guint pending; /* 1 while a request is being answered */
} Client;

static void read_next(Client *c);

static void client_free(Client *c)
{
	c->control->clients--;
	g_io_stream_close(G_IO_STREAM(c->conn), NULL, NULL);
	g_object_unref(c->in);
	g_object_unref(c->conn);
	g_object_unref(c->cancel);
	g_free(c);
}

static void reply_written(GObject *source, GAsyncResult *res, gpointer data)
{
	Client *c = data;
	g_autoptr(GError) error = NULL;

	if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), res, NULL, &error) ||
	    c->closed) {
		client_free(c);
		return;
	}
	read_next(c);
}

/* Sends text (taken) and goes on reading unless close_after. */
static void send_reply(Client *c, char *text)
{
	GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(c->conn));

	g_object_set_data_full(G_OBJECT(c->conn), "reply", text, g_free);
	g_output_stream_write_all_async(out, text, strlen(text), G_PRIORITY_DEFAULT, c->cancel,
					reply_written, c);
}

static void hook_done(GError *error, gpointer data)
{
	Client *c = data;
	gboolean refuse = g_error_matches(error, HOSTD_ERROR, HOSTD_ERROR_REFUSED);

	if (!error) {
		send_reply(c, hostd_reply_return(NULL));
		return;
	}
	/*
	 * Only prepare begin refuses (the managed bridge could not start);
	 * anything else, a domain XML we cannot read included, is logged by
	 * the hook and the domain goes on.
	 */
	send_reply(c, hostd_reply_error(refuse ? "refused" : hostd_error_class(error),
					error->message));
}

static void handle_hook(Client *c, JsonObject *args)
{
	const char *object, *operation, *sub, *xml;
	char *reply = NULL;

	if (!hostd_arg_string(args, "object", TRUE, &object, &reply) ||
	    !hostd_arg_string(args, "operation", TRUE, &operation, &reply) ||
	    !hostd_arg_string(args, "sub-operation", TRUE, &sub, &reply) ||
	    !hostd_arg_string(args, "xml", FALSE, &xml, &reply)) {
		send_reply(c, reply);
		return;
	}
	hostd_handle_hook(c->control->h, object, operation, sub, xml, hook_done, c);
}

static void handle_line(Client *c, const char *line)
{
	g_autofree char *execute = NULL;
	g_autoptr(JsonObject) args = NULL;
	char *reply = NULL;

	if (!hostd_request_parse(line, &execute, &args, &reply)) {
		send_reply(c, reply);
		return;
	}
	if (g_str_equal(execute, "hook")) {
		handle_hook(c, args);
	} else if (g_str_equal(execute, "job-list")) {
		send_reply(c, hostd_reply_return(hostd_job_table_list(c->control->h->jobs)));
	} else if (g_str_equal(execute, "ping")) {
		JsonObject *r = json_object_new();

		json_object_set_string_member(r, "version", CKPT_VERSION);
		send_reply(c, hostd_reply_return(r));
	} else {
		g_autofree char *desc =
			g_strdup_printf("unknown command %.80s (hook, job-list, ping)", execute);

		send_reply(c, hostd_reply_error("unknown-command", desc));
	}
}

static void line_read(GObject *source, GAsyncResult *res, gpointer data)
{
	Client *c = data;
	g_autoptr(GError) error = NULL;
	gsize len = 0;
	g_autofree char *line = g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(source),
								     res, &len, &error);

	if (!line) {
		client_free(c); /* end of file or a broken connection */
		return;
	}
	if (len > MAX_LINE) {
		c->closed = TRUE;
		send_reply(c, hostd_reply_error("invalid-request", "request line too long"));
		return;
	}
	if (strlen(line) != len) {
		c->closed = TRUE;
		send_reply(c, hostd_reply_error("parse-error", "NUL byte in the request"));
		return;
	}
	handle_line(c, line);
}

static void read_next(Client *c)
{
	g_data_input_stream_read_line_async(c->in, G_PRIORITY_DEFAULT, c->cancel, line_read, c);
}

static gboolean on_incoming(GSocketService *service, GSocketConnection *conn, GObject *source,
			    gpointer data)
{
	HostdControl *control = data;
	Client *c;

	if (control->clients >= MAX_CLIENTS) {
		g_autofree char *text =
			hostd_reply_error("limit", "too many control connections at once");
		GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));

		g_warning("control socket: more than %d connections: refusing one", MAX_CLIENTS);
		g_output_stream_write_all(out, text, strlen(text), NULL, NULL, NULL);
		return FALSE;
	}
	c = g_new0(Client, 1);
	c->control = control;
	c->conn = g_object_ref(conn);
	c->cancel = g_cancellable_new();
	c->in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
	g_data_input_stream_set_newline_type(c->in, G_DATA_STREAM_NEWLINE_TYPE_LF);
	control->clients++;
	read_next(c);
	return TRUE;
}

HostdControl *hostd_control_new(Hostd *h, const char *path, GError **error)
{
	g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
	g_autofree char *dir = g_path_get_dirname(path);
	HostdControl *c;
	mode_t old;
	gboolean ok;

	if (g_mkdir_with_parents(dir, 0700) < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
			    "control socket %s: creating %s: %s", path, dir, g_strerror(errno));
		return NULL;
	}
	/* A live daemon would answer; only a dead one's file is replaced. */
	{
		g_autoptr(GSocketClient) probe = g_socket_client_new();
		g_autoptr(GSocketConnection) live =
			g_socket_client_connect(probe, G_SOCKET_CONNECTABLE(addr), NULL, NULL);

		if (live) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
				    "control socket %s: another ckpt-hostd answers there", path);
			return NULL;
		}
	}
	unlink(path);
	c = g_new0(HostdControl, 1);
	c->h = h;
	c->path = g_strdup(path);
	c->service = g_socket_service_new();
	old = umask(0077); /* 0600: the hook runs as root, nobody else may drive us */
	ok = g_socket_listener_add_address(G_SOCKET_LISTENER(c->service), addr,
					   G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL,
					   NULL, error);
	umask(old);
	if (!ok) {
		g_prefix_error(error, "control socket %s: ", path);
		hostd_control_free(c);
		return NULL;
	}
	g_signal_connect(c->service, "incoming", G_CALLBACK(on_incoming), c);
	g_socket_service_start(c->service);
	g_message("control socket %s", path);
	return c;
}

void hostd_control_free(HostdControl *c)
{
	if (!c)
		return;
	g_socket_service_stop(c->service);
	g_socket_listener_close(G_SOCKET_LISTENER(c->service));
	g_object_unref(c->service);
	unlink(c->path);
	g_free(c->path);
	g_free(c);
}
