// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <sys/random.h>

#include "agent-error.h"
#include "agent-job-table.h"

struct _AgentJobTable {
	GMutex lock;
	guint next_id;
	guint max_active;
	guint n_active;
	GHashTable *by_id;	  /* id -> job (a reference) */
	GHashTable *by_container; /* name -> job, active only */
	GHashTable *by_image;	  /* image -> job, active only */
	GHashTable *by_token;	  /* token -> job, waiting only */
	GQueue finished;	  /* ids, oldest first */
};

AgentJobTable *agent_job_table_new(guint max_active)
{
	AgentJobTable *t = g_new0(AgentJobTable, 1);

	g_mutex_init(&t->lock);
	t->next_id = 1;
	t->max_active = max_active;
	t->by_id = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
					 (GDestroyNotify)agent_job_unref);
	t->by_container = g_hash_table_new(g_str_hash, g_str_equal);
	t->by_image = g_hash_table_new(g_str_hash, g_str_equal);
	t->by_token = g_hash_table_new(g_str_hash, g_str_equal);
	return t;
}

void agent_job_table_free(AgentJobTable *t)
{
	if (!t)
		return;
	g_hash_table_destroy(t->by_container);
	g_hash_table_destroy(t->by_image);
	g_hash_table_destroy(t->by_token);
	g_hash_table_destroy(t->by_id);
	g_queue_clear(&t->finished);
	g_mutex_clear(&t->lock);
	g_free(t);
}

/* 128 random bits: a token is a capability, so it must not be guessable. */
static char *new_token(void)
{
	guint8 raw[16];
	GString *s = g_string_sized_new(33);

	if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
		g_error("getrandom: %s", g_strerror(errno));
	for (guint i = 0; i < sizeof(raw); i++)
		g_string_append_printf(s, "%02x", raw[i]);
	return g_string_free(s, FALSE);
}

static void set_busy(GError **error, const char *what, const char *name, AgentJob *holder)
{
	g_mutex_lock(&holder->lock);
	g_set_error(error, AGENT_ERROR, AGENT_ERROR_BUSY, "%s %s: busy: job %u (%s) is %s%s%s",
		    what, name, holder->id, agent_job_kind_name(holder->kind),
		    agent_job_state_name(holder->state), holder->phase ? ", " : "",
		    holder->phase ? holder->phase : "");
	g_mutex_unlock(&holder->lock);
}

AgentJob *agent_job_table_add(AgentJobTable *t, AgentJobKind kind, const char *container,
			      const char *image, AgentStreamDirection direction, GError **error)
{
	AgentJob *job;
	AgentJob *holder;

	g_mutex_lock(&t->lock);
	if (container && (holder = g_hash_table_lookup(t->by_container, container))) {
		set_busy(error, "container", container, holder);
		g_mutex_unlock(&t->lock);
		return NULL;
	}
	if (image && (holder = g_hash_table_lookup(t->by_image, image))) {
		set_busy(error, "image", image, holder);
		g_mutex_unlock(&t->lock);
		return NULL;
	}
	if (t->n_active >= t->max_active) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_LIMIT,
			    "%u jobs are running already, the limit", t->n_active);
		g_mutex_unlock(&t->lock);
		return NULL;
	}
	job = g_new0(AgentJob, 1);
	job->ref = 1;
	job->id = t->next_id++;
	job->kind = kind;
	job->container = g_strdup(container);
	job->image = g_strdup(image);
	job->direction = direction;
	job->table = t;
	job->cancellable = g_cancellable_new();
	job->created_us = g_get_real_time();
	g_mutex_init(&job->lock);
	job->cancel_fds = g_array_new(FALSE, FALSE, sizeof(int));
	job->stream.fd = -1;
	job->state = direction == AGENT_STREAM_NONE ? AGENT_JOB_RUNNING : AGENT_JOB_WAITING;
	if (job->state == AGENT_JOB_WAITING) {
		job->token = new_token();
		g_hash_table_insert(t->by_token, job->token, job);
	}
	job->started_mono = g_get_monotonic_time();
	g_hash_table_insert(t->by_id, GUINT_TO_POINTER(job->id), agent_job_ref(job));
	if (job->container)
		g_hash_table_insert(t->by_container, job->container, job);
	if (job->image)
		g_hash_table_insert(t->by_image, job->image, job);
	t->n_active++;
	g_mutex_unlock(&t->lock);
	return job;
}

AgentJob *agent_job_table_lookup(AgentJobTable *t, guint id, GError **error)
{
	AgentJob *job;

	g_mutex_lock(&t->lock);
	job = g_hash_table_lookup(t->by_id, GUINT_TO_POINTER(id));
	if (job)
		agent_job_ref(job);
	g_mutex_unlock(&t->lock);
	if (!job)
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_NOT_FOUND,
			    "job %u: no such job (finished jobs are kept until %u newer ones "
			    "finished)",
			    id, AGENT_JOBS_KEPT);
	return job;
}

AgentJob *agent_job_table_take_token(AgentJobTable *t, const char *token, GError **error)
{
	AgentJob *job;

	g_mutex_lock(&t->lock);
	job = g_hash_table_lookup(t->by_token, token);
	if (job) {
		g_hash_table_remove(t->by_token, token);
		g_mutex_lock(&job->lock);
		g_clear_pointer(&job->token, g_free);
		job->state = AGENT_JOB_RUNNING;
		job->started_mono = g_get_monotonic_time();
		g_mutex_unlock(&job->lock);
		agent_job_ref(job);
	}
	g_mutex_unlock(&t->lock);
	if (!job)
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_NOT_FOUND,
			    "stream token %.8s...: unknown, already used or expired", token);
	return job;
}

static guint holder_id(AgentJobTable *t, GHashTable *map, const char *key)
{
	AgentJob *job;
	guint id;

	g_mutex_lock(&t->lock);
	job = key ? g_hash_table_lookup(map, key) : NULL;
	id = job ? job->id : 0;
	g_mutex_unlock(&t->lock);
	return id;
}

guint agent_job_table_get_container_job(AgentJobTable *t, const char *container)
{
	return holder_id(t, t->by_container, container);
}

guint agent_job_table_get_image_job(AgentJobTable *t, const char *image)
{
	return holder_id(t, t->by_image, image);
}

static gint by_id(gconstpointer a, gconstpointer b)
{
	const AgentJob *x = *(AgentJob *const *)a;
	const AgentJob *y = *(AgentJob *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

GPtrArray *agent_job_table_list(AgentJobTable *t)
{
	GPtrArray *jobs = g_ptr_array_new_with_free_func((GDestroyNotify)agent_job_unref);
	GHashTableIter it;
	gpointer value;

	g_mutex_lock(&t->lock);
	g_hash_table_iter_init(&it, t->by_id);
	while (g_hash_table_iter_next(&it, NULL, &value))
		g_ptr_array_add(jobs, agent_job_ref(value));
	g_mutex_unlock(&t->lock);
	g_ptr_array_sort(jobs, by_id);
	return jobs;
}

guint agent_job_table_get_n_active(AgentJobTable *t)
{
	guint n;

	g_mutex_lock(&t->lock);
	n = t->n_active;
	g_mutex_unlock(&t->lock);
	return n;
}

static gboolean finish(AgentJobTable *t, AgentJob *job, JsonObject *result, GError *error,
		       gboolean only_waiting)
{
	g_mutex_lock(&t->lock);
	g_mutex_lock(&job->lock);
	if ((job->state != AGENT_JOB_WAITING && job->state != AGENT_JOB_RUNNING) ||
	    (only_waiting && job->state != AGENT_JOB_WAITING)) {
		g_mutex_unlock(&job->lock);
		g_mutex_unlock(&t->lock);
		if (result)
			json_object_unref(result);
		g_clear_error(&error);
		return FALSE;
	}
	if (error) {
		job->state = agent_error_class_of(error) == AGENT_ERROR_CANCELLED
				     ? AGENT_JOB_CANCELLED
				     : AGENT_JOB_FAILED;
		job->error = error;
		if (result)
			json_object_unref(result);
	} else {
		job->state = AGENT_JOB_DONE;
		job->result = result ? result : json_object_new();
	}
	job->phase = NULL;
	job->finished_mono = g_get_monotonic_time();
	if (job->token) {
		g_hash_table_remove(t->by_token, job->token);
		g_clear_pointer(&job->token, g_free);
	}
	g_mutex_unlock(&job->lock);

	if (job->container && g_hash_table_lookup(t->by_container, job->container) == job)
		g_hash_table_remove(t->by_container, job->container);
	if (job->image && g_hash_table_lookup(t->by_image, job->image) == job)
		g_hash_table_remove(t->by_image, job->image);
	t->n_active--;
	g_queue_push_tail(&t->finished, GUINT_TO_POINTER(job->id));
	while (g_queue_get_length(&t->finished) > AGENT_JOBS_KEPT)
		g_hash_table_remove(t->by_id, g_queue_pop_head(&t->finished));
	g_mutex_unlock(&t->lock);
	return TRUE;
}

gboolean agent_job_table_finish(AgentJobTable *t, AgentJob *job, JsonObject *result, GError *error)
{
	return finish(t, job, result, error, FALSE);
}

gboolean agent_job_table_finish_waiting(AgentJobTable *t, AgentJob *job, GError *error)
{
	return finish(t, job, NULL, error, TRUE);
}
