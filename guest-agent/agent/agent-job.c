// SPDX-License-Identifier: GPL-2.0-only
#include <sys/socket.h>
#include <unistd.h>

#include "agent-error.h"
#include "agent-frame.h"
#include "agent-job-table.h"
#include "agent-job.h"
#include "agent-reply.h"

static const char *const kind_names[] = {
	[AGENT_JOB_CHECKPOINT] = "checkpoint", [AGENT_JOB_RESTORE] = "restore",
	[AGENT_JOB_RUN] = "container-run",     [AGENT_JOB_KILL] = "container-kill",
	[AGENT_JOB_FREEZE] = "freeze",	       [AGENT_JOB_THAW] = "thaw",
};

static const char *const state_names[] = {
	[AGENT_JOB_WAITING] = "waiting-stream",
	[AGENT_JOB_RUNNING] = "running",
	[AGENT_JOB_DONE] = "done",
	[AGENT_JOB_FAILED] = "failed",
	[AGENT_JOB_CANCELLED] = "cancelled",
};

const char *agent_job_kind_name(AgentJobKind kind)
{
	return (guint)kind < G_N_ELEMENTS(kind_names) ? kind_names[kind] : "?";
}

const char *agent_job_state_name(AgentJobState state)
{
	return (guint)state < G_N_ELEMENTS(state_names) ? state_names[state] : "?";
}

AgentJob *agent_job_ref(AgentJob *job)
{
	g_atomic_int_inc(&job->ref);
	return job;
}

void agent_job_unref(AgentJob *job)
{
	if (!job || !g_atomic_int_dec_and_test(&job->ref))
		return;
	if (job->free_run_data)
		job->free_run_data(job->run_data);
	if (job->stream.fd >= 0)
		close(job->stream.fd);
	agent_io_clear(&job->stream);
	g_clear_pointer(&job->stream_reply, g_bytes_unref);
	g_clear_error(&job->error);
	if (job->result)
		json_object_unref(job->result);
	g_array_unref(job->cancel_fds);
	g_object_unref(job->cancellable);
	g_mutex_clear(&job->lock);
	g_free(job->token);
	g_free(job->container);
	g_free(job->image);
	g_free(job);
}

void agent_job_set_phase(AgentJob *job, const char *phase)
{
	g_mutex_lock(&job->lock);
	job->phase = phase;
	g_mutex_unlock(&job->lock);
}

void agent_job_set_bytes(AgentJob *job, guint64 bytes)
{
	g_mutex_lock(&job->lock);
	job->bytes = bytes;
	g_mutex_unlock(&job->lock);
}

void agent_job_set_tasks(AgentJob *job, guint tasks)
{
	g_mutex_lock(&job->lock);
	job->tasks = tasks;
	g_mutex_unlock(&job->lock);
}

gboolean agent_job_is_cancelled(AgentJob *job)
{
	return g_cancellable_is_cancelled(job->cancellable);
}

void agent_job_add_cancel_fd(AgentJob *job, int fd)
{
	gboolean cancelled;

	g_mutex_lock(&job->lock);
	g_array_append_val(job->cancel_fds, fd);
	cancelled = g_cancellable_is_cancelled(job->cancellable);
	g_mutex_unlock(&job->lock);
	/* A cancel that came first still applies. */
	if (cancelled)
		shutdown(fd, SHUT_RDWR);
}

void agent_job_remove_cancel_fd(AgentJob *job, int fd)
{
	g_mutex_lock(&job->lock);
	for (guint i = 0; i < job->cancel_fds->len; i++) {
		if (g_array_index(job->cancel_fds, int, i) == fd) {
			g_array_remove_index_fast(job->cancel_fds, i);
			break;
		}
	}
	g_mutex_unlock(&job->lock);
}

/* The data connection's last word: the job's outcome, as a reply line. */
static void send_final_status(AgentJob *job)
{
	g_autoptr(GBytes) line = NULL;
	g_autoptr(GError) error = NULL;

	if (job->error) {
		line = agent_reply_error(NULL, job->error);
	} else {
		line = agent_reply_return(NULL, agent_job_to_json(job));
	}
	/*
	 * Guest-to-host streams carry frames, so the status needs its marker;
	 * the other way the agent sends nothing but this line.
	 */
	if ((job->direction == AGENT_STREAM_OUT &&
	     !agent_frame_write(&job->stream, AGENT_FRAME_STATUS, NULL, &error)) ||
	    !agent_io_write(&job->stream, g_bytes_get_data(line, NULL), g_bytes_get_size(line),
			    &error))
		g_message("job %u (%s %s): final status not delivered: %s", job->id,
			  agent_job_kind_name(job->kind), job->container, error->message);
}

static gboolean call_done(gpointer data)
{
	AgentJob *job = data;

	job->done(job, job->done_data);
	return G_SOURCE_REMOVE;
}

static gpointer job_thread(gpointer data)
{
	AgentJob *job = data;
	g_autoptr(GError) error = NULL;
	JsonObject *result = NULL;

	if (job->stream_reply &&
	    !agent_io_write(&job->stream, g_bytes_get_data(job->stream_reply, NULL),
			    g_bytes_get_size(job->stream_reply), &error))
		g_prefix_error(&error, "answering stream-attach: ");
	else
		result = job->run(job, job->run_data, &error);
	if (error && agent_job_is_cancelled(job) &&
	    agent_error_class_of(error) != AGENT_ERROR_CANCELLED) {
		GError *e = g_error_new(AGENT_ERROR, AGENT_ERROR_CANCELLED, "job %u cancelled: %s",
					job->id, error->message);

		g_clear_error(&error);
		error = e;
	}
	if (error)
		g_message("job %u (%s %s) failed: %s", job->id, agent_job_kind_name(job->kind),
			  job->container, error->message);
	agent_job_table_finish(job->table, job, result, g_steal_pointer(&error));
	if (job->stream.fd >= 0) {
		send_final_status(job);
		agent_job_remove_cancel_fd(job, job->stream.fd);
		shutdown(job->stream.fd, SHUT_RDWR);
		close(job->stream.fd);
		job->stream.fd = -1;
	}
	if (job->done)
		g_main_context_invoke_full(NULL, G_PRIORITY_DEFAULT, call_done, job,
					   (GDestroyNotify)agent_job_unref);
	else
		agent_job_unref(job);
	return NULL;
}

void agent_job_start(AgentJob *job)
{
	g_autofree char *name = g_strdup_printf("job-%u", job->id);

	g_mutex_lock(&job->lock);
	job->state = AGENT_JOB_RUNNING;
	job->started_mono = g_get_monotonic_time();
	g_mutex_unlock(&job->lock);
	g_thread_unref(g_thread_new(name, job_thread, agent_job_ref(job)));
}

gboolean agent_job_cancel(AgentJob *job)
{
	AgentJobState state;

	g_mutex_lock(&job->lock);
	state = job->state;
	g_mutex_unlock(&job->lock);
	if (state == AGENT_JOB_WAITING) {
		GError *error =
			g_error_new(AGENT_ERROR, AGENT_ERROR_CANCELLED,
				    "job %u cancelled before its stream was attached", job->id);

		if (agent_job_table_finish_waiting(job->table, job, error)) {
			if (job->done)
				job->done(job, job->done_data);
			return TRUE;
		}
	}
	if (state != AGENT_JOB_RUNNING && state != AGENT_JOB_WAITING)
		return FALSE;
	g_mutex_lock(&job->lock);
	g_cancellable_cancel(job->cancellable);
	/*
	 * shutdown(), not close(): it wakes a thread blocked on the socket
	 * even if restored tasks hold copies of the fd.
	 */
	for (guint i = 0; i < job->cancel_fds->len; i++)
		shutdown(g_array_index(job->cancel_fds, int, i), SHUT_RDWR);
	g_mutex_unlock(&job->lock);
	return TRUE;
}

JsonObject *agent_job_to_json(AgentJob *job)
{
	JsonObject *o = json_object_new();
	g_autoptr(GDateTime) created =
		g_date_time_new_from_unix_utc(job->created_us / G_USEC_PER_SEC);
	g_autofree char *created_text = g_date_time_format(created, "%Y-%m-%dT%H:%M:%SZ");
	gint64 end;

	g_mutex_lock(&job->lock);
	json_object_set_int_member(o, "job", job->id);
	json_object_set_string_member(o, "type", agent_job_kind_name(job->kind));
	json_object_set_string_member(o, "container", job->container);
	json_object_set_string_member(o, "state", agent_job_state_name(job->state));
	if (job->phase)
		json_object_set_string_member(o, "phase", job->phase);
	else
		json_object_set_null_member(o, "phase");
	json_object_set_int_member(o, "bytes", (gint64)job->bytes);
	json_object_set_int_member(o, "tasks", job->tasks);
	json_object_set_string_member(o, "created", created_text);
	end = job->finished_mono ? job->finished_mono : g_get_monotonic_time();
	json_object_set_int_member(o, "elapsed-ms", (end - job->started_mono) / 1000);
	if (job->error) {
		JsonObject *e = json_object_new();

		json_object_set_string_member(
			e, "class", agent_error_class_name(agent_error_class_of(job->error)));
		json_object_set_string_member(e, "desc", job->error->message);
		json_object_set_object_member(o, "error", e);
	} else {
		json_object_set_null_member(o, "error");
	}
	if (job->result)
		json_object_set_object_member(o, "result", json_object_ref(job->result));
	else
		json_object_set_null_member(o, "result");
	g_mutex_unlock(&job->lock);
	return o;
}
