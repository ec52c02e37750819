// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "agent-frame.h"
#include "agent-io.h"
#include "fake-agent.h"

#define FRAME (256 * 1024)

typedef struct {
	char *state; /* running, frozen */
	GBytes *image;
} Container;

typedef struct {
	char *token, *kind, *container, *mode;
	gint64 id;
} Job;

struct _FakeAgent {
	char *path;
	int listen_fd;
	GThread *acceptor;
	GMutex lock;
	GHashTable *containers; /* name -> Container* */
	GHashTable *jobs;	/* token -> Job* */
	gint64 next_job;
	gboolean fail_restore;
	guint64 drop_after;
	guint64 stall_after;
	guint64 drop_restore_after;
	gboolean stalled;
	guint refused;
	GPtrArray *threads; /* GThread*, one per connection */
	GArray *fds;	    /* their sockets, shut down at the end */
};

static void container_free(Container *c)
{
	g_free(c->state);
	g_bytes_unref(c->image);
	g_free(c);
}

static void job_free(Job *j)
{
	g_free(j->token);
	g_free(j->kind);
	g_free(j->container);
	g_free(j->mode);
	g_free(j);
}

/* --- replies -------------------------------------------------------------- */

static void send_line(AgentIo *io, JsonNode *root)
{
	g_autofree char *text = json_to_string(root, FALSE);
	g_autofree char *line = g_strconcat(text, "\n", NULL);

	agent_io_write(io, line, strlen(line), NULL);
}

static void reply(AgentIo *io, JsonNode *id, JsonObject *ret)
{
	g_autoptr(JsonObject) o = json_object_new();
	g_autoptr(JsonNode) root = json_node_new(JSON_NODE_OBJECT);

	json_object_set_object_member(o, "return", ret);
	if (id)
		json_object_set_member(o, "id", json_node_copy(id));
	json_node_set_object(root, o);
	send_line(io, root);
}

static void reply_error(AgentIo *io, JsonNode *id, const char *klass, const char *desc)
{
	g_autoptr(JsonObject) o = json_object_new();
	g_autoptr(JsonNode) root = json_node_new(JSON_NODE_OBJECT);
	JsonObject *e = json_object_new();

	json_object_set_string_member(e, "class", klass);
	json_object_set_string_member(e, "desc", desc);
	json_object_set_object_member(o, "error", e);
	if (id)
		json_object_set_member(o, "id", json_node_copy(id));
	json_node_set_object(root, o);
	send_line(io, root);
}

static JsonObject *job_json(const Job *j, JsonObject *result)
{
	JsonObject *o = json_object_new();

	json_object_set_int_member(o, "job", j->id);
	json_object_set_string_member(o, "type", j->kind);
	json_object_set_string_member(o, "container", j->container);
	json_object_set_string_member(o, "state", "done");
	json_object_set_object_member(o, "result", result);
	return o;
}

/* --- streams -------------------------------------------------------------- */

static void stream_checkpoint(FakeAgent *a, AgentIo *io, Job *j)
{
	g_autoptr(GBytes) image = NULL;
	g_autofree char *verdict = NULL;
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	AgentTrailer t = {0};
	guint8 tr[AGENT_TRAILER_SIZE];
	const guint8 *p;
	gsize len, off = 0;
	Container *c;

	g_mutex_lock(&a->lock);
	c = g_hash_table_lookup(a->containers, j->container);
	if (c) {
		image = g_bytes_ref(c->image);
		g_free(c->state);
		c->state = g_strdup("frozen");
	}
	g_mutex_unlock(&a->lock);
	if (!image)
		return;
	p = g_bytes_get_data(image, &len);
	while (off < len) {
		gsize n = MIN(FRAME, len - off);

		if (a->drop_after && off >= a->drop_after)
			goto thaw; /* the guest side goes away mid-stream */
		if (a->stall_after && off >= a->stall_after) {
			/* A slow guest: nothing more until the host gives up on us. */
			struct pollfd pfd = {.fd = io->fd, .events = POLLIN};

			g_mutex_lock(&a->lock);
			a->stalled = TRUE;
			g_mutex_unlock(&a->lock);
			poll(&pfd, 1, 20000);
			goto thaw;
		}
		if (!agent_frame_write(io, (guint32)n, p + off, NULL))
			goto thaw;
		off += n;
	}
	g_checksum_update(sum, p, len);
	g_checksum_get_digest(sum, t.sha256, &(gsize){AGENT_SHA256_LEN});
	t.length = len;
	agent_trailer_encode(&t, tr);
	if (!agent_frame_write(io, AGENT_FRAME_END, NULL, NULL) ||
	    !agent_io_write(io, tr, sizeof(tr), NULL))
		goto thaw;
	verdict = agent_io_read_line(io, 4096, NULL);
	if (g_strcmp0(verdict, "OK") != 0)
		goto thaw;
	/* The host has the image: now, and only now, the mode applies. */
	g_mutex_lock(&a->lock);
	if (g_strcmp0(j->mode, "stop") == 0) {
		g_hash_table_remove(a->containers, j->container);
	} else if ((c = g_hash_table_lookup(a->containers, j->container))) {
		g_free(c->state);
		c->state = g_strdup(g_strcmp0(j->mode, "leave-frozen") == 0 ? "frozen" : "running");
	}
	g_mutex_unlock(&a->lock);
	{
		g_autoptr(JsonObject) o = json_object_new();
		g_autoptr(JsonNode) root = json_node_new(JSON_NODE_OBJECT);
		JsonObject *r = json_object_new();
		g_autofree char *hex = agent_sha256_to_hex(t.sha256);

		json_object_set_string_member(r, "container", j->container);
		json_object_set_string_member(r, "mode", j->mode);
		json_object_set_int_member(r, "bytes", (gint64)len);
		json_object_set_int_member(r, "tasks", 1);
		json_object_set_string_member(r, "sha256", hex);
		json_object_set_int_member(r, "freeze-ms", 1);
		json_object_set_object_member(o, "return", job_json(j, r));
		json_node_set_object(root, o);
		agent_frame_write(io, AGENT_FRAME_STATUS, NULL, NULL);
		send_line(io, root);
	}
	return;
thaw:
	g_mutex_lock(&a->lock);
	if ((c = g_hash_table_lookup(a->containers, j->container))) {
		g_free(c->state);
		c->state = g_strdup("running");
	}
	g_mutex_unlock(&a->lock);
	if (agent_frame_write(io, AGENT_FRAME_STATUS, NULL, NULL))
		reply_error(io, NULL, "stream", "the host refused or went away; thawed");
}

static void stream_restore(FakeAgent *a, AgentIo *io, Job *j)
{
	g_autoptr(GByteArray) data = g_byte_array_new();
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_autofree guint8 *buf = g_malloc(AGENT_FRAME_MAX);
	g_autoptr(GError) error = NULL;
	guint8 hdr[4], tr[AGENT_TRAILER_SIZE], sha[AGENT_SHA256_LEN];
	AgentTrailer t;
	Container *c;

	for (;;) {
		guint32 len;

		if (!agent_io_read_exact(io, hdr, 4, "a frame header", &error))
			goto refuse;
		len = agent_frame_header_decode(hdr);
		if (len == AGENT_FRAME_END)
			break;
		if (len > AGENT_FRAME_MAX) {
			g_set_error(&error, G_IO_ERROR, G_IO_ERROR_FAILED, "bad frame");
			goto refuse;
		}
		if (!agent_io_read_exact(io, buf, len, "a frame", &error))
			goto refuse;
		g_byte_array_append(data, buf, len);
		if (a->drop_restore_after && data->len >= a->drop_restore_after) {
			/* The VM goes away mid-stream: no answer, the connection just ends. */
			g_mutex_lock(&a->lock);
			a->refused++;
			g_mutex_unlock(&a->lock);
			return;
		}
	}
	if (!agent_io_read_exact(io, tr, sizeof(tr), "the trailer", &error) ||
	    !agent_trailer_decode(tr, &t, &error))
		goto refuse;
	g_checksum_update(sum, data->data, data->len);
	g_checksum_get_digest(sum, sha, &(gsize){AGENT_SHA256_LEN});
	if (!agent_trailer_verify(&t, data->len, sha, &error))
		goto refuse;
	if (a->fail_restore) {
		reply_error(io, NULL, "restore", "pid 1 (fake): the module refused the image");
		return;
	}
	g_mutex_lock(&a->lock);
	c = g_new0(Container, 1);
	c->state = g_strdup(g_strcmp0(j->mode, "frozen") == 0 ? "frozen" : "running");
	c->image = g_bytes_new(data->data, data->len);
	g_hash_table_replace(a->containers, g_strdup(j->container), c);
	g_mutex_unlock(&a->lock);
	{
		JsonObject *r = json_object_new();
		g_autofree char *hex = agent_sha256_to_hex(sha);

		json_object_set_string_member(r, "container", j->container);
		json_object_set_string_member(r, "state", c->state);
		json_object_set_int_member(r, "init-pid", 42);
		json_object_set_int_member(r, "bytes", data->len);
		json_object_set_int_member(r, "tasks", 1);
		json_object_set_string_member(r, "sha256", hex);
		json_object_set_boolean_member(r, "verified", TRUE);
		reply(io, NULL, job_json(j, r));
	}
	return;
refuse:
	/* Nothing was created: the real agent kills what it restored before it ran. */
	g_mutex_lock(&a->lock);
	a->refused++;
	g_mutex_unlock(&a->lock);
	reply_error(io, NULL, "stream", error->message);
}

/* --- commands ------------------------------------------------------------- */

static JsonObject *container_list(FakeAgent *a)
{
	JsonObject *r = json_object_new();
	JsonArray *list = json_array_new();
	GHashTableIter it;
	gpointer k, v;

	g_hash_table_iter_init(&it, a->containers);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		JsonObject *c = json_object_new();

		json_object_set_string_member(c, "name", k);
		json_object_set_string_member(c, "state", ((Container *)v)->state);
		json_object_set_int_member(c, "init_pid", 42);
		json_object_set_int_member(c, "nr_processes", 1);
		json_object_set_int_member(c, "nr_tasks", 1);
		json_object_set_null_member(c, "job");
		json_array_add_object_element(list, c);
	}
	json_object_set_array_member(r, "containers", list);
	return r;
}

/* One request; TRUE if the connection goes on as a control connection. */
static gboolean serve_request(FakeAgent *a, AgentIo *io, const char *line)
{
	g_autoptr(JsonNode) root = json_from_string(line, NULL);
	JsonObject *req = root ? json_node_get_object(root) : NULL;
	JsonObject *args = req && json_object_has_member(req, "arguments")
				   ? json_object_get_object_member(req, "arguments")
				   : NULL;
	JsonNode *id = req ? json_object_get_member(req, "id") : NULL;
	const char *cmd = req ? json_object_get_string_member_with_default(req, "execute", "") : "";
	const char *name =
		args ? json_object_get_string_member_with_default(args, "container", NULL) : NULL;
	JsonObject *r = json_object_new();
	Container *c;

	g_mutex_lock(&a->lock);
	c = name ? g_hash_table_lookup(a->containers, name) : NULL;
	if (strcmp(cmd, "ping") == 0) {
		reply(io, id, r);
	} else if (strcmp(cmd, "info") == 0) {
		JsonObject *m = json_object_new();

		json_object_set_boolean_member(m, "loaded", TRUE);
		json_object_set_int_member(m, "api-version", 1);
		json_object_set_object_member(r, "module", m);
		json_object_set_string_member(r, "version", "fake");
		json_object_set_int_member(r, "protocol", 1);
		json_object_set_string_member(r, "kernel", "6.1.0-fake-amd64");
		reply(io, id, r);
	} else if (strcmp(cmd, "container-list") == 0) {
		json_object_unref(r);
		reply(io, id, container_list(a));
	} else if (strcmp(cmd, "container-kill") == 0 || strcmp(cmd, "thaw") == 0 ||
		   strcmp(cmd, "freeze") == 0) {
		if (!c) {
			reply_error(io, id, "not-found", "no such container");
			json_object_unref(r);
		} else {
			json_object_set_string_member(r, "container", name);
			if (strcmp(cmd, "container-kill") == 0) {
				g_hash_table_remove(a->containers, name);
				json_object_set_string_member(r, "state", "absent");
			} else {
				g_free(c->state);
				c->state =
					g_strdup(strcmp(cmd, "thaw") == 0 ? "running" : "frozen");
				json_object_set_string_member(r, "state", c->state);
			}
			reply(io, id, r);
		}
	} else if (strcmp(cmd, "checkpoint") == 0 || strcmp(cmd, "restore") == 0) {
		gboolean ckpt = strcmp(cmd, "checkpoint") == 0;

		if (ckpt ? !c : c != NULL) {
			reply_error(io, id, ckpt ? "not-found" : "exists",
				    ckpt ? "no such container" : "container runs already");
			json_object_unref(r);
		} else {
			Job *j = g_new0(Job, 1);

			j->id = ++a->next_job;
			j->token = g_strdup_printf("%032" G_GINT64_MODIFIER "x", j->id);
			j->kind = g_strdup(cmd);
			j->container = g_strdup(name);
			j->mode = g_strdup(json_object_get_string_member_with_default(
				args, ckpt ? "mode" : "start", ckpt ? "stop" : "running"));
			g_hash_table_insert(a->jobs, j->token, j);
			json_object_set_int_member(r, "job", j->id);
			json_object_set_string_member(r, "stream", j->token);
			reply(io, id, r);
		}
	} else if (strcmp(cmd, "container-log") == 0 && c) {
		/* What a counting container would have written. */
		static const char log[] = "count 1\ncount 2\ncount 3\n";
		gint64 tail = json_object_get_int_member_with_default(args, "tail-bytes", 4096);
		gsize n = MIN((gsize)tail, sizeof(log) - 1);

		json_object_set_string_member(r, "log", log + sizeof(log) - 1 - n);
		json_object_set_int_member(r, "size", sizeof(log) - 1);
		reply(io, id, r);
	} else if (strcmp(cmd, "job-cancel") == 0) {
		reply(io, id, r);
	} else if (strcmp(cmd, "stream-attach") == 0) {
		const char *token = json_object_get_string_member_with_default(args, "token", "");
		Job *j = NULL;
		gpointer key;

		if (g_hash_table_steal_extended(a->jobs, token, &key, (gpointer *)&j)) {
			json_object_set_int_member(r, "job", j->id);
			json_object_set_string_member(r, "container", j->container);
			reply(io, id, r);
			g_mutex_unlock(&a->lock);
			if (strcmp(j->kind, "checkpoint") == 0)
				stream_checkpoint(a, io, j);
			else
				stream_restore(a, io, j);
			job_free(j);
			return FALSE;
		}
		reply_error(io, id, "not-found", "no such stream token");
		json_object_unref(r);
	} else {
		reply_error(io, id, "unknown-command", cmd);
		json_object_unref(r);
	}
	g_mutex_unlock(&a->lock);
	return TRUE;
}

static gpointer serve(gpointer data)
{
	gpointer *pair = data;
	FakeAgent *a = pair[0];
	int fd = GPOINTER_TO_INT(pair[1]);
	AgentIo io;

	g_free(pair);
	agent_io_init(&io, fd, NULL, 20000, "fake agent connection");
	for (gboolean first = TRUE;; first = FALSE) {
		g_autofree char *line = agent_io_read_line(&io, 1 << 20, NULL);

		/* Reached as ckpt-vsockd's hybrid socket: answer its handshake. */
		if (first && line && g_str_has_prefix(line, "CONNECT ")) {
			agent_io_write(&io, "OK 1073741824\n", 14, NULL);
			continue;
		}
		if (!line || !serve_request(a, &io, line))
			break;
	}
	agent_io_clear(&io);
	/* Closed by fake_agent_free(), so its number is not reused while it may shut it down. */
	shutdown(fd, SHUT_RDWR);
	return NULL;
}

static gpointer accept_loop(gpointer data)
{
	FakeAgent *a = data;

	for (;;) {
		int fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		gpointer *pair;

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			return NULL; /* shut down */
		}
		pair = g_new(gpointer, 2);
		pair[0] = a;
		pair[1] = GINT_TO_POINTER(fd);
		g_mutex_lock(&a->lock);
		g_array_append_val(a->fds, fd);
		g_ptr_array_add(a->threads, g_thread_new("fake-agent-conn", serve, pair));
		g_mutex_unlock(&a->lock);
	}
}

FakeAgent *fake_agent_new(const char *path)
{
	FakeAgent *a = g_new0(FakeAgent, 1);
	struct sockaddr_un addr = {.sun_family = AF_UNIX};

	a->path = g_strdup(path);
	g_mutex_init(&a->lock);
	a->containers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					      (GDestroyNotify)container_free);
	a->jobs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)job_free);
	a->threads = g_ptr_array_new();
	a->fds = g_array_new(FALSE, FALSE, sizeof(int));
	a->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(a->listen_fd, >=, 0);
	g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
	g_assert_cmpint(bind(a->listen_fd, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
	g_assert_cmpint(listen(a->listen_fd, 64), ==, 0);
	a->acceptor = g_thread_new("fake-agent", accept_loop, a);
	return a;
}

void fake_agent_free(FakeAgent *a)
{
	shutdown(a->listen_fd, SHUT_RDWR);
	g_thread_join(a->acceptor);
	close(a->listen_fd);
	unlink(a->path);
	/* Wake every connection thread (a stalled stream included) and wait for it. */
	g_mutex_lock(&a->lock);
	for (guint i = 0; i < a->fds->len; i++)
		shutdown(g_array_index(a->fds, int, i), SHUT_RDWR);
	g_mutex_unlock(&a->lock);
	for (guint i = 0; i < a->threads->len; i++)
		g_thread_join(a->threads->pdata[i]);
	for (guint i = 0; i < a->fds->len; i++)
		close(g_array_index(a->fds, int, i));
	g_ptr_array_unref(a->threads);
	g_array_unref(a->fds);
	g_hash_table_unref(a->containers);
	g_hash_table_unref(a->jobs);
	g_mutex_clear(&a->lock);
	g_free(a->path);
	g_free(a);
}

void fake_agent_add(FakeAgent *a, const char *name, GBytes *image)
{
	Container *c = g_new0(Container, 1);

	c->state = g_strdup("running");
	c->image = g_bytes_ref(image);
	g_mutex_lock(&a->lock);
	g_hash_table_replace(a->containers, g_strdup(name), c);
	g_mutex_unlock(&a->lock);
}

char *fake_agent_state(FakeAgent *a, const char *name)
{
	Container *c;
	char *state;

	g_mutex_lock(&a->lock);
	c = g_hash_table_lookup(a->containers, name);
	state = c ? g_strdup(c->state) : NULL;
	g_mutex_unlock(&a->lock);
	return state;
}

GBytes *fake_agent_image(FakeAgent *a, const char *name)
{
	Container *c;
	GBytes *b;

	g_mutex_lock(&a->lock);
	c = g_hash_table_lookup(a->containers, name);
	b = c ? g_bytes_ref(c->image) : NULL;
	g_mutex_unlock(&a->lock);
	return b;
}

void fake_agent_fail_restore(FakeAgent *a, gboolean fail)
{
	g_mutex_lock(&a->lock);
	a->fail_restore = fail;
	g_mutex_unlock(&a->lock);
}

void fake_agent_drop_checkpoint_after(FakeAgent *a, guint64 bytes)
{
	g_mutex_lock(&a->lock);
	a->drop_after = bytes;
	g_mutex_unlock(&a->lock);
}

guint fake_agent_refused_restores(FakeAgent *a)
{
	guint n;

	g_mutex_lock(&a->lock);
	n = a->refused;
	g_mutex_unlock(&a->lock);
	return n;
}

void fake_agent_stall_checkpoint_after(FakeAgent *a, guint64 bytes)
{
	g_mutex_lock(&a->lock);
	a->stall_after = bytes;
	a->stalled = FALSE;
	g_mutex_unlock(&a->lock);
}

gboolean fake_agent_stalled(FakeAgent *a)
{
	gboolean stalled;

	g_mutex_lock(&a->lock);
	stalled = a->stalled;
	g_mutex_unlock(&a->lock);
	return stalled;
}

void fake_agent_drop_restore_after(FakeAgent *a, guint64 bytes)
{
	g_mutex_lock(&a->lock);
	a->drop_restore_after = bytes;
	g_mutex_unlock(&a->lock);
}
