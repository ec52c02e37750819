// SPDX-License-Identifier: GPL-2.0-only
/*
 * container-log: the tail of a container's log (/run/ckpt/NAME/log, where
 * container-run with "log" sends stdout and stderr), for a host that
 * wants to see what a container says without logging in. The tail starts
 * at a line boundary when it can, and bytes that are not UTF-8 come back
 * as U+FFFD, so the reply is always valid JSON text.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent-commands.h"
#include "agent-error.h"
#include "ckpt-guest.h"

#define TAIL_DEFAULT 4096
#define TAIL_MAX (1024 * 1024)

const AgentArgSpec agent_cmd_container_log_args[] = {
	{"container", AGENT_ARG_STRING, TRUE},
	{"tail-bytes", AGENT_ARG_INTEGER, FALSE, NULL, 1, TAIL_MAX},
	{NULL},
};

/* A container started without log would only ever show "": say why instead. */
static gboolean require_log(CkptContainer *c, GError **error)
{
	g_autoptr(GError) local = NULL;
	g_autoptr(CkptContainerConfig) config = ckpt_container_load_config(c, &local);

	if (local) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED, "container %s: %s",
			    ckpt_container_get_name(c), local->message);
		return FALSE;
	}
	/*
	 * Only a container started without log is known to have none: one
	 * restored from an image writes wherever its fds point, the log
	 * included, whatever its new config says.
	 */
	if (config && !config->log && config->command) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_STATE,
			    "container %s was started without log (its output goes to "
			    "/dev/null; container-run with \"log\": true keeps it)",
			    ckpt_container_get_name(c));
		return FALSE;
	}
	return TRUE;
}

/* Reads the last tail bytes of the log: *offset is where they start. */
static GByteArray *read_tail(const char *path, gsize tail, guint64 *size, guint64 *offset,
			     GError **error)
{
	g_autoptr(GByteArray) buf = NULL;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	gsize got = 0;

	if (fd < 0) {
		int e = errno;

		g_set_error(error, AGENT_ERROR,
			    e == ENOENT ? AGENT_ERROR_NOT_FOUND : AGENT_ERROR_FAILED, "%s: %s",
			    path, g_strerror(e));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED, "%s: fstat: %s", path,
			    g_strerror(errno));
		close(fd);
		return NULL;
	}
	*size = (guint64)st.st_size;
	*offset = *size > tail ? *size - tail : 0;
	buf = g_byte_array_sized_new((guint)MIN(tail, *size));
	g_byte_array_set_size(buf, (guint)MIN(tail, *size));
	/* The log may grow meanwhile: what was there at fstat is what we send. */
	while (got < buf->len) {
		ssize_t n = pread(fd, buf->data + got, buf->len - got, (off_t)(*offset + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED,
				    "%s: read at byte %" G_GUINT64_FORMAT ": %s", path,
				    *offset + got, g_strerror(errno));
			close(fd);
			return NULL;
		}
		if (n == 0)
			break; /* truncated under us */
		got += (gsize)n;
	}
	close(fd);
	g_byte_array_set_size(buf, (guint)got);
	return g_steal_pointer(&buf);
}

/*
 * Cut mid-file, the first line is partial: start after its end, unless
 * the tail holds no other line (one long line: better part of it than
 * nothing).
 */
static gsize line_start(const GByteArray *buf, guint64 offset)
{
	const guint8 *nl;

	if (offset == 0 || buf->len == 0)
		return 0;
	nl = memchr(buf->data, '\n', buf->len);
	if (!nl || nl + 1 == buf->data + buf->len)
		return 0;
	return (gsize)(nl + 1 - buf->data);
}

void agent_cmd_container_log(AgentCall *call)
{
	AgentServer *server = agent_call_get_server(call);
	const char *name = agent_call_get_string(call, "container");
	gsize tail = (gsize)agent_call_get_int(call, "tail-bytes", TAIL_DEFAULT);
	g_autoptr(CkptContainer) c = NULL;
	g_autoptr(GByteArray) buf = NULL;
	g_autofree char *path = NULL;
	g_autofree char *text = NULL;
	CkptContainerStatus st;
	GError *error = NULL;
	guint64 size, offset;
	JsonObject *ret;
	gsize skip;

	if (!ckpt_container_name_check(name, &error) ||
	    !(c = ckpt_container_new(agent_server_get_paths(server), name, &error)) ||
	    !ckpt_container_require(c, &st, &error) || !require_log(c, &error)) {
		agent_call_fail(call, error);
		return;
	}
	path = ckpt_container_get_log_path(c);
	buf = read_tail(path, tail, &size, &offset, &error);
	if (!buf) {
		g_prefix_error(&error, "container %s: log: ", name);
		agent_call_fail(call, error);
		return;
	}
	skip = line_start(buf, offset);
	/* A NUL would end the JSON string early: make it invalid, so it becomes U+FFFD. */
	for (gsize i = skip; i < buf->len; i++)
		if (buf->data[i] == 0)
			buf->data[i] = 0xFF;
	text = buf->len > skip ? g_utf8_make_valid((const char *)buf->data + skip,
						   (gssize)(buf->len - skip))
			       : g_strdup("");
	ret = json_object_new();
	json_object_set_string_member(ret, "container", name);
	json_object_set_string_member(ret, "log", text);
	json_object_set_int_member(ret, "size", (gint64)size);
	json_object_set_int_member(ret, "offset", (gint64)(offset + skip));
	agent_call_return(call, ret);
}
