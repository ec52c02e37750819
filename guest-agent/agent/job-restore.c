// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent-error.h"
#include "agent-pump.h"
#include "job-restore.h"
#include "job-socketpair.h"

typedef struct {
	JobRestore *opts;
	AgentJob *job;
	JobSocketpair pair;
	AgentIo module_io; /* the pump's end of the pair */
	AgentIo file_io;
	int file_fd;
	AgentPump pump;
	GThread *pump_thread;
	gint pump_failed; /* set by the pump thread, before it aborts the pair */
} Run;

void job_restore_free(gpointer data)
{
	JobRestore *o = data;

	g_free(o->path);
	g_free(o->image);
	g_free(o->rootfs);
	g_free(o);
}

static void on_progress(gpointer data, guint64 bytes)
{
	agent_job_set_bytes(data, bytes);
}

static gpointer pump_thread(gpointer data)
{
	Run *r = data;

	/*
	 * The module reads to the image's own end and needs no EOF; a failed
	 * pump gives it one early, which fails the restart.
	 */
	if (agent_pump_run(&r->pump)) {
		shutdown(r->pair.fd[JOB_PAIR_PUMP], SHUT_WR);
	} else {
		g_atomic_int_set(&r->pump_failed, TRUE);
		job_socketpair_abort(&r->pair);
	}
	return NULL;
}

/* Kills a restored container that must not run; its error says why. */
static void discard(CkptContainer *c, GError **error)
{
	g_autoptr(GError) kill_error = NULL;
	gboolean killed = ckpt_container_kill(c, CKPT_DEFAULT_TIMEOUT_MS, NULL, &kill_error);
	GError *e = *error;
	char *msg = g_strdup_printf("container %s: restore: %s; %s%s", ckpt_container_get_name(c),
				    e->message,
				    killed ? "the restored container was removed before it ran"
					   : "it stays frozen, and removing it failed: ",
				    killed ? "" : kill_error->message);

	g_free(e->message);
	e->message = msg;
}

static JsonObject *result_json(Run *r, CkptContainer *c, const CkptRestartResult *res)
{
	JsonObject *o = agent_container_state_json(c);
	g_autofree char *hex = agent_sha256_to_hex(r->pump.sha256);

	json_object_set_string_member(o, "source", r->opts->path ? "file" : "stream");
	json_object_set_int_member(o, "bytes", (gint64)res->bytes);
	json_object_set_int_member(o, "tasks", res->nr_tasks);
	json_object_set_int_member(o, "threads", res->nr_threads);
	json_object_set_string_member(o, "sha256", hex);
	json_object_set_boolean_member(o, "verified", r->pump.verified);
	json_object_set_int_member(o, "rebuild-ms", res->rebuild_us / 1000);
	json_object_set_int_member(o, "restore-ms", res->restore_us / 1000);
	return o;
}

static gboolean open_source(Run *r, GError **error)
{
	JobRestore *o = r->opts;
	const AgentConfig *config = agent_server_get_config(o->server);

	r->file_fd = -1;
	if (!o->path)
		return TRUE;
	r->file_fd = open(o->path, O_RDONLY | O_CLOEXEC);
	if (r->file_fd < 0) {
		int err = errno;

		g_set_error(error, AGENT_ERROR,
			    err == ENOENT ? AGENT_ERROR_NOT_FOUND : AGENT_ERROR_FAILED,
			    "restore: image %s: %s", o->path, g_strerror(err));
		return FALSE;
	}
	agent_io_init(&r->file_io, r->file_fd, NULL, config->stream_timeout_ms, o->path);
	return TRUE;
}

/* The verdict once the restart succeeded: may the container run? */
static gboolean verified(Run *r, const CkptRestartResult *res, GError **error)
{
	if (r->pump.error) {
		g_propagate_error(error, g_error_copy(r->pump.error));
		return FALSE;
	}
	if (r->pump.bytes != res->bytes) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM,
			    "the stream carried %" G_GUINT64_FORMAT
			    " bytes, but the image ended after %" G_GUINT64_FORMAT,
			    r->pump.bytes, res->bytes);
		return FALSE;
	}
	return TRUE;
}

JsonObject *job_restore_run(AgentJob *job, CkptContainer *c, gpointer data, GError **error)
{
	JobRestore *o = data;
	g_autofree char *image_name =
		o->path ? g_strdup(o->path) : g_strdup_printf("stream (agent job %u)", job->id);
	Run r = {.opts = o, .job = job};
	CkptRestartOptions ropts = {
		.rootfs = o->rootfs,
		.log = o->log,
		/* Always: nothing restored runs before the image is verified. */
		.frozen = TRUE,
		.timeout_ms = o->timeout_ms,
		.image_name = image_name,
	};
	CkptRestartResult res;
	GError *lib_error = NULL;
	JsonObject *ret = NULL;
	gboolean pump_failed_first;
	gboolean ok;

	agent_job_set_phase(job, "restoring");
	if (!open_source(&r, error))
		return NULL;
	if (!job_socketpair_open(&r.pair, job, error)) {
		if (r.file_fd >= 0)
			close(r.file_fd);
		return NULL;
	}
	/* The module side needs no timeout: the job's own timeout bounds it. */
	agent_io_init(&r.module_io, r.pair.fd[JOB_PAIR_PUMP], NULL, 0, "module socket");
	r.pump = (AgentPump){
		.src = o->path ? &r.file_io : &job->stream,
		.src_framed = o->path == NULL,
		.dst = &r.module_io,
		.expect_sha256 = o->have_sha256 ? o->sha256 : NULL,
		.progress = on_progress,
		.progress_data = job,
	};
	r.pump_thread = g_thread_new("pump", pump_thread, &r);

	ok = ckpt_container_restart(c, r.pair.fd[JOB_PAIR_MODULE], &ropts, &res, job->cancellable,
				    &lib_error);
	pump_failed_first = g_atomic_int_get(&r.pump_failed);
	if (ok)
		agent_job_set_tasks(job, res.nr_tasks);
	else if (!o->path)
		/* No use waiting for the rest of the stream: the pump stops now. */
		shutdown(job->stream.fd, SHUT_RD);
	agent_job_set_phase(job, "verifying");
	/*
	 * The module took what it needed; the pump goes on to the trailer.
	 * Shut only our reading side: more bytes than the image are an error
	 * the pump then sees (EPIPE) rather than a hang.
	 */
	shutdown(r.pair.fd[JOB_PAIR_MODULE], SHUT_RD);
	g_thread_join(r.pump_thread);

	if (!ok) {
		if (pump_failed_first)
			g_set_error(error, r.pump.error->domain, r.pump.error->code,
				    "container %s: restore: %s (the restart stopped: %s)",
				    job->container, r.pump.error->message, lib_error->message);
		else
			g_propagate_error(error, g_steal_pointer(&lib_error));
		g_clear_error(&lib_error);
	} else if (!verified(&r, &res, error)) {
		discard(c, error);
	} else {
		agent_server_watch_child(o->server, res.init_pid);
		agent_job_set_phase(job, "finishing");
		if (!o->frozen && !ckpt_container_thaw(c, error)) {
			g_prefix_error(error, "container %s: restored and verified, but: ",
				       job->container);
		} else {
			ret = result_json(&r, c, &res);
		}
	}
	agent_pump_clear(&r.pump);
	agent_io_clear(&r.module_io);
	agent_io_clear(&r.file_io);
	job_socketpair_close(&r.pair, job);
	if (r.file_fd >= 0)
		close(r.file_fd);
	return ret;
}
