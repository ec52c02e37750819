// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent-error.h"
#include "agent-pump.h"
#include "job-checkpoint.h"
#include "job-socketpair.h"

/* The host's verdict on the trailer: "OK" or "FAIL reason". */
#define VERDICT_MAX 1024

typedef struct {
	JobCheckpoint *opts;
	AgentJob *job;
	JobSocketpair pair;
	AgentIo module_io; /* the pump's end of the pair */
	AgentIo file_io;
	CkptImageOutput *out;
	AgentPump pump;
	GThread *pump_thread;
} Run;

static JobCheckpointModuleFunc module_checkpoint = ckpt_container_checkpoint;

void job_checkpoint_set_module_func(JobCheckpointModuleFunc func)
{
	module_checkpoint = func ? func : ckpt_container_checkpoint;
}

void job_checkpoint_free(gpointer data)
{
	JobCheckpoint *o = data;

	g_free(o->path);
	g_free(o->image);
	g_free(o);
}

static void on_progress(gpointer data, guint64 bytes)
{
	AgentJob *job = data;

	g_mutex_lock(&job->lock);
	if (!job->bytes)
		job->phase = "writing";
	job->bytes = bytes;
	g_mutex_unlock(&job->lock);
}

static gpointer pump_thread(gpointer data)
{
	Run *r = data;

	/*
	 * A pump that cannot go on shuts its end down, so the module's next
	 * write fails and the library rolls the container back.
	 */
	if (!agent_pump_run(&r->pump))
		job_socketpair_abort(&r->pair);
	return NULL;
}

static gboolean join_pump(Run *r)
{
	if (r->pump_thread) {
		g_thread_join(r->pump_thread);
		r->pump_thread = NULL;
	}
	return r->pump.error == NULL;
}

/* The host confirms it got every byte, and the same sha256. */
static gboolean await_verdict(Run *r, GError **error)
{
	AgentIo *io = &r->job->stream;
	AgentTrailer t = {.length = r->pump.bytes};
	guint8 enc[AGENT_TRAILER_SIZE];
	g_autofree char *line = NULL;

	memcpy(t.sha256, r->pump.sha256, AGENT_SHA256_LEN);
	agent_trailer_encode(&t, enc);
	if (!agent_frame_write(io, AGENT_FRAME_END, NULL, error) ||
	    !agent_io_write(io, enc, sizeof(enc), error))
		return FALSE;
	line = agent_io_read_line(io, VERDICT_MAX, error);
	if (!line) {
		g_prefix_error(error, "waiting for the host's verdict on the trailer: ");
		return FALSE;
	}
	if (strcmp(line, "OK") == 0)
		return TRUE;
	if (g_str_has_prefix(line, "FAIL")) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM,
			    "the host rejected the image:%s", line + 4);
		return FALSE;
	}
	g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM,
		    "the host answered the trailer with \"%.64s\", expected OK or FAIL", line);
	return FALSE;
}

/* The library's commit hook: the module is done, the container still frozen. */
static gboolean commit(gpointer data, const CkptCheckpointResult *result, GError **error)
{
	Run *r = data;

	agent_job_set_phase(r->job, "verifying");
	/* The module wrote its last byte: let the pump see the end. */
	shutdown(r->pair.fd[JOB_PAIR_MODULE], SHUT_WR);
	if (!join_pump(r)) {
		g_propagate_error(error, g_error_copy(r->pump.error));
		return FALSE;
	}
	if (r->pump.bytes != result->bytes) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_STREAM,
			    "the module wrote %" G_GUINT64_FORMAT
			    " bytes, the pump moved %" G_GUINT64_FORMAT,
			    result->bytes, r->pump.bytes);
		return FALSE;
	}
	if (r->out) {
		if (!ckpt_image_output_commit(r->out, error))
			return FALSE;
		if (r->opts->image &&
		    !agent_store_write_sha256(agent_server_get_store(r->opts->server),
					      r->opts->image, r->pump.sha256, error))
			return FALSE;
	} else if (!await_verdict(r, error)) {
		return FALSE;
	}
	agent_job_set_phase(r->job, "finishing");
	return TRUE;
}

static JsonObject *result_json(Run *r, CkptContainer *c, const CkptCheckpointResult *res)
{
	JsonObject *o = json_object_new();
	g_autofree char *hex = agent_sha256_to_hex(r->pump.sha256);

	json_object_set_string_member(o, "container", ckpt_container_get_name(c));
	json_object_set_string_member(o, "mode", ckpt_checkpoint_mode_name(r->opts->mode));
	json_object_set_string_member(o, "destination", r->opts->path ? "file" : "stream");
	if (r->opts->path)
		json_object_set_string_member(o, "file", r->opts->path);
	else
		json_object_set_null_member(o, "file");
	if (r->opts->image)
		json_object_set_string_member(o, "image", r->opts->image);
	else
		json_object_set_null_member(o, "image");
	json_object_set_int_member(o, "bytes", (gint64)res->bytes);
	json_object_set_int_member(o, "tasks", res->nr_tasks);
	json_object_set_string_member(o, "sha256", hex);
	json_object_set_int_member(o, "freeze-ms", res->freeze_us / 1000);
	json_object_set_int_member(o, "write-ms", res->write_us / 1000);
	json_object_set_int_member(o, "commit-ms", res->commit_us / 1000);
	return o;
}

/*
 * Of two failures, the pump's is the cause: the module only saw its
 * socket close ("writing the image at byte N: error -32").
 */
static void pick_error(Run *r, GError **error, GError *lib_error)
{
	if (r->pump.error && lib_error->domain != AGENT_ERROR) {
		g_set_error(error, r->pump.error->domain, r->pump.error->code,
			    "container %s: checkpoint: %s (the container was rolled back: %s)",
			    r->job->container, r->pump.error->message, lib_error->message);
		g_error_free(lib_error);
		return;
	}
	g_propagate_error(error, lib_error);
}

JsonObject *job_checkpoint_run(AgentJob *job, CkptContainer *c, gpointer data, GError **error)
{
	JobCheckpoint *o = data;
	const AgentConfig *config = agent_server_get_config(o->server);
	Run r = {.opts = o, .job = job};
	CkptCheckpointOptions copts = {
		.mode = o->mode,
		.freeze_timeout_ms = o->freeze_timeout_ms,
		.commit = commit,
		.commit_data = &r,
	};
	CkptCheckpointResult res;
	CkptContainerStatus st;
	GError *lib_error = NULL;
	JsonObject *ret = NULL;
	gboolean ok;

	agent_job_set_phase(job, "freezing");
	if (!ckpt_container_require_live(c, &st, error))
		return NULL;
	agent_job_set_tasks(job, st.nr_tasks);
	if (o->path) {
		if (o->image && !agent_store_prepare(agent_server_get_store(o->server), error))
			return NULL;
		r.out = ckpt_image_output_open(o->path, error);
		if (!r.out)
			return NULL;
	}
	if (!job_socketpair_open(&r.pair, job, error)) {
		g_clear_pointer(&r.out, ckpt_image_output_free);
		return NULL;
	}
	/* The module side needs no timeout: the freeze timeout bounds its silence. */
	agent_io_init(&r.module_io, r.pair.fd[JOB_PAIR_PUMP], NULL, 0, "module socket");
	if (r.out)
		agent_io_init(&r.file_io, ckpt_image_output_get_fd(r.out), NULL,
			      config->stream_timeout_ms, o->path);
	r.pump = (AgentPump){
		.src = &r.module_io,
		.dst = r.out ? &r.file_io : &job->stream,
		.dst_framed = r.out == NULL,
		.progress = on_progress,
		.progress_data = job,
	};
	r.pump_thread = g_thread_new("pump", pump_thread, &r);

	ok = module_checkpoint(c, r.pair.fd[JOB_PAIR_MODULE], &copts, &res, job->cancellable,
			       &lib_error);
	/* Whatever happened, the pump must see its end before we go on. */
	shutdown(r.pair.fd[JOB_PAIR_MODULE], SHUT_RDWR);
	join_pump(&r);
	if (ok)
		ret = result_json(&r, c, &res);
	else
		pick_error(&r, error, lib_error);
	agent_pump_clear(&r.pump);
	agent_io_clear(&r.module_io);
	agent_io_clear(&r.file_io);
	/* Uncommitted, FILE.tmp goes: a failed checkpoint leaves no image. */
	g_clear_pointer(&r.out, ckpt_image_output_free);
	job_socketpair_close(&r.pair, job);
	return ret;
}
