// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <glib/gstdio.h>

#include "agent-error.h"
#include "agent-shutdown.h"
#include "ckpt-guest.h"

typedef enum {
	ENTRY_PENDING,
	ENTRY_RUNNING,
	ENTRY_PUSHED,
	ENTRY_FAILED,
	ENTRY_SKIPPED,
} EntryState;

typedef struct {
	char *name;
	EntryState state;
	gboolean was_frozen; /* by someone else, before: not ours to thaw */
	AgentJob *job;
} Entry;

struct _AgentShutdown {
	AgentServer *server;
	AgentShutdownPolicy *policy;
	AgentPushTarget target;
	char *unix_prefix;
	char *target_text;
	GPtrArray *entries; /* Entry*, in the policy's order */
	guint running;
	gint64 started;
	guint timer;
	guint idle;
	gboolean done;
	AgentShutdownSummary summary;
	AgentShutdownDoneFunc done_func;
	gpointer done_data;
};

static void entry_free(gpointer data)
{
	Entry *e = data;

	if (e->job)
		agent_job_unref(e->job);
	g_free(e->name);
	g_free(e);
}

static gint64 elapsed_ms(AgentShutdown *sd)
{
	return (g_get_monotonic_time() - sd->started) / 1000;
}

static void finish_pushes(AgentShutdown *sd)
{
	if (sd->done)
		return;
	sd->done = TRUE;
	g_clear_handle_id(&sd->timer, g_source_remove);
	g_message("shutdown: %u pushed, %u failed, %u skipped in %" G_GINT64_FORMAT " ms%s",
		  sd->summary.pushed, sd->summary.failed, sd->summary.skipped, elapsed_ms(sd),
		  sd->summary.gave_up ? " (gave up)" : "");
	if (sd->done_func)
		sd->done_func(sd, sd->done_data);
}

static void start_next(AgentShutdown *sd);

static void on_push_done(AgentJob *job, gpointer data)
{
	AgentShutdown *sd = data;
	Entry *e = NULL;

	for (guint i = 0; i < sd->entries->len && !e; i++) {
		Entry *x = g_ptr_array_index(sd->entries, i);

		if (x->job == job)
			e = x;
	}
	g_return_if_fail(e != NULL);
	if (e->state != ENTRY_RUNNING) {
		/* Given up (and counted) already: only its end is told. */
		g_message("shutdown: given-up push of %s ended: %s", e->name,
			  job->error ? job->error->message : "done");
		return;
	}
	sd->running--;
	if (job->error) {
		e->state = ENTRY_FAILED;
		sd->summary.failed++;
		g_message("shutdown: push of %s failed after %" G_GINT64_FORMAT " ms: %s", e->name,
			  elapsed_ms(sd), job->error->message);
	} else {
		e->state = ENTRY_PUSHED;
		sd->summary.pushed++;
		g_message("shutdown: pushed %s to %s: %" G_GINT64_FORMAT
			  " bytes, sha256 %s, %" G_GINT64_FORMAT " ms",
			  e->name, sd->target_text,
			  json_object_get_int_member(job->result, "bytes"),
			  json_object_get_string_member(job->result, "sha256"), elapsed_ms(sd));
	}
	start_next(sd);
}

static void start_next(AgentShutdown *sd)
{
	gboolean left = FALSE;

	for (guint i = 0; i < sd->entries->len; i++) {
		Entry *e = g_ptr_array_index(sd->entries, i);
		g_autoptr(GError) error = NULL;

		if (e->state != ENTRY_PENDING)
			continue;
		if (sd->running >= AGENT_SHUTDOWN_PARALLEL) {
			left = TRUE;
			break;
		}
		e->job = agent_push_start(sd->server, e->name, &sd->target, on_push_done, sd,
					  &error);
		if (!e->job) {
			e->state = ENTRY_FAILED;
			sd->summary.failed++;
			g_message("shutdown: push of %s not started: %s", e->name, error->message);
			continue;
		}
		e->state = ENTRY_RUNNING;
		sd->running++;
	}
	if (!left && sd->running == 0)
		finish_pushes(sd);
}

static void give_up(AgentShutdown *sd, const char *why)
{
	g_autoptr(GString) names = g_string_new(NULL);

	if (sd->done)
		return;
	sd->summary.gave_up = TRUE;
	for (guint i = 0; i < sd->entries->len; i++) {
		Entry *e = g_ptr_array_index(sd->entries, i);

		if (e->state == ENTRY_RUNNING) {
			g_string_append_printf(names, " %s", e->name);
			e->state = ENTRY_FAILED;
			sd->summary.failed++;
			sd->running--;
			/* It rolls back: its container is thawed. */
			agent_job_cancel(e->job);
		} else if (e->state == ENTRY_PENDING) {
			g_string_append_printf(names, " %s (not started)", e->name);
			e->state = ENTRY_FAILED;
			sd->summary.failed++;
		}
	}
	g_message("shutdown: giving up after %" G_GINT64_FORMAT " ms (%s); unfinished:%s",
		  elapsed_ms(sd), why, names->len ? names->str : " none");
	finish_pushes(sd);
}

static gboolean on_timeout(gpointer data)
{
	AgentShutdown *sd = data;
	g_autofree char *why = g_strdup_printf("the policy's timeout, %" G_GINT64_FORMAT " ms",
					       sd->policy->timeout_ms);

	sd->timer = 0;
	give_up(sd, why);
	return G_SOURCE_REMOVE;
}

static gboolean start_idle(gpointer data)
{
	AgentShutdown *sd = data;

	sd->idle = 0;
	if (!sd->done)
		start_next(sd);
	return G_SOURCE_REMOVE;
}

AgentShutdown *agent_shutdown_start(AgentServer *server, const char *unix_prefix,
				    AgentShutdownDoneFunc done, gpointer data)
{
	AgentShutdown *sd = g_new0(AgentShutdown, 1);

	sd->server = server;
	sd->policy = agent_shutdown_policy_copy(agent_server_get_shutdown_policy(server));
	sd->unix_prefix = g_strdup(unix_prefix);
	sd->target = (AgentPushTarget){
		.cid = sd->policy->cid,
		.port = sd->policy->port,
		.unix_prefix = sd->unix_prefix,
		.reason = "shutdown",
	};
	sd->entries = g_ptr_array_new_with_free_func(entry_free);
	sd->started = g_get_monotonic_time();
	sd->done_func = done;
	sd->done_data = data;
	sd->target_text = agent_push_target_describe(&sd->target);
	g_message("shutdown: pushing %u containers to %s within %" G_GINT64_FORMAT " ms",
		  g_strv_length(sd->policy->containers), sd->target_text, sd->policy->timeout_ms);
	/* Nobody starts a new job on a container that is about to go. */
	agent_server_stop_listening(server);

	for (char **n = sd->policy->containers; *n; n++) {
		Entry *e = g_new0(Entry, 1);
		g_autoptr(GError) error = NULL;
		g_autoptr(CkptContainer) c =
			ckpt_container_new(agent_server_get_paths(server), *n, &error);
		CkptContainerStatus st = {0};

		e->name = g_strdup(*n);
		g_ptr_array_add(sd->entries, e);
		if (c && !ckpt_container_get_status(c, &st, &error))
			st.state = CKPT_CONTAINER_ABSENT;
		if (st.state != CKPT_CONTAINER_RUNNING && st.state != CKPT_CONTAINER_FROZEN &&
		    st.state != CKPT_CONTAINER_FREEZING) {
			e->state = ENTRY_SKIPPED;
			sd->summary.skipped++;
			if (error)
				g_message("shutdown: %s skipped: %s", *n, error->message);
			else
				g_message("shutdown: %s skipped: not running (%s)", *n,
					  ckpt_container_state_name(st.state));
			continue;
		}
		e->was_frozen = st.state != CKPT_CONTAINER_RUNNING;
	}
	sd->timer = g_timeout_add((guint)sd->policy->timeout_ms, on_timeout, sd);
	/* Results come from the main loop, never from inside the caller. */
	sd->idle = g_idle_add(start_idle, sd);
	return sd;
}

void agent_shutdown_abort(AgentShutdown *sd)
{
	give_up(sd, "a second signal");
}

gboolean agent_shutdown_is_done(AgentShutdown *sd)
{
	return sd->done;
}

const AgentShutdownSummary *agent_shutdown_get_summary(AgentShutdown *sd)
{
	return &sd->summary;
}

static void thaw(AgentServer *server, const char *name, const char *why)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptContainer) c =
		ckpt_container_new(agent_server_get_paths(server), name, &error);
	CkptContainerStatus st;

	if (!c || !ckpt_container_get_status(c, &st, &error)) {
		g_message("%s: %s", why, error->message);
		return;
	}
	if (st.state != CKPT_CONTAINER_FROZEN && st.state != CKPT_CONTAINER_FREEZING)
		return;
	if (ckpt_container_thaw(c, &error))
		g_message("%s: thawed %s", why, name);
	else
		g_message("%s: %s", why, error->message);
}

static char *frozen_file(AgentServer *server)
{
	return g_build_filename(agent_server_get_state_dir(server), AGENT_SHUTDOWN_FROZEN_FILE,
				NULL);
}

void agent_shutdown_finish(AgentShutdown *sd)
{
	g_autoptr(GString) list = g_string_new(NULL);
	g_autofree char *path = frozen_file(sd->server);
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < sd->entries->len; i++) {
		Entry *e = g_ptr_array_index(sd->entries, i);

		if (!e->job || e->was_frozen)
			continue;
		/*
		 * Given up, every container a push touched is thawed: a push
		 * cancelled just after the host's OK ended frozen. Otherwise a
		 * failed push rolled back by itself, a pushed one stays frozen.
		 */
		if (sd->summary.gave_up)
			thaw(sd->server, e->name, "shutdown given up");
		else if (e->state == ENTRY_PUSHED)
			g_string_append_printf(list, "%s\n", e->name);
	}
	if (!list->len)
		return;
	if (g_mkdir_with_parents(agent_server_get_state_dir(sd->server), 0700) < 0 ||
	    !g_file_set_contents(path, list->str, (gssize)list->len, &error))
		g_message("shutdown: cannot record the frozen containers in %s: %s", path,
			  error ? error->message : g_strerror(errno));
}

void agent_shutdown_free(AgentShutdown *sd)
{
	if (!sd)
		return;
	for (guint i = 0; i < sd->entries->len; i++) {
		Entry *e = g_ptr_array_index(sd->entries, i);

		if (e->job)
			agent_push_forget(e->job);
	}
	g_clear_handle_id(&sd->timer, g_source_remove);
	g_clear_handle_id(&sd->idle, g_source_remove);
	g_ptr_array_unref(sd->entries);
	agent_shutdown_policy_free(sd->policy);
	g_free(sd->unix_prefix);
	g_free(sd->target_text);
	g_free(sd);
}

void agent_shutdown_thaw_leftovers(AgentServer *server)
{
	g_autofree char *path = frozen_file(server);
	g_autofree char *text = NULL;
	g_auto(GStrv) names = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return;
	/* This guest did not go down after the pushes: its containers run on. */
	names = g_strsplit(text, "\n", -1);
	for (char **n = names; *n; n++)
		if (**n && ckpt_container_name_check(*n, NULL))
			thaw(server, *n, "left frozen by the last shutdown");
	if (g_unlink(path) < 0)
		g_message("%s: cannot remove: %s", path, g_strerror(errno));
}
