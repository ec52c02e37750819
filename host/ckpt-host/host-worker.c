// SPDX-License-Identifier: GPL-2.0-only
#include <signal.h>
#include <stdio.h>

#include <glib-unix.h>

#include "host-error.h"
#include "host-worker.h"

#define TICK_MS 200

typedef struct {
	HostWorkFunc work;
	gpointer data;
	HostAbortFunc abort_fn;
	gpointer abort_data;
	GMainLoop *loop;
	HostProgress *progress;
	gboolean ok;
	GError *error;
	gboolean interrupted;
} Run;

static gboolean quit_loop(gpointer data)
{
	g_main_loop_quit(((Run *)data)->loop);
	return G_SOURCE_REMOVE;
}

static gpointer work_thread(gpointer data)
{
	Run *run = data;

	run->ok = run->work(run->data, &run->error);
	g_idle_add(quit_loop, run);
	return NULL;
}

static gboolean on_signal(gpointer data)
{
	Run *run = data;

	if (!run->interrupted) {
		run->interrupted = TRUE;
		fprintf(stderr,
			"\nckpt-host: interrupted: aborting the transfer and rolling back\n");
		run->abort_fn(run->abort_data);
	} else {
		fprintf(stderr, "ckpt-host: still rolling back, please wait\n");
	}
	return G_SOURCE_CONTINUE;
}

static gboolean on_tick(gpointer data)
{
	Run *run = data;

	if (run->progress)
		host_progress_tick(run->progress);
	return G_SOURCE_CONTINUE;
}

gboolean host_worker_run(HostProgress *progress, HostWorkFunc work, gpointer work_data,
			 HostAbortFunc abort_fn, gpointer abort_data, gboolean *interrupted,
			 GError **error)
{
	Run run = {.work = work,
		   .data = work_data,
		   .abort_fn = abort_fn,
		   .abort_data = abort_data,
		   .progress = progress};
	guint sigint, sigterm, tick;
	GThread *thread;

	run.loop = g_main_loop_new(NULL, FALSE);
	sigint = g_unix_signal_add(SIGINT, on_signal, &run);
	sigterm = g_unix_signal_add(SIGTERM, on_signal, &run);
	tick = g_timeout_add(TICK_MS, on_tick, &run);
	thread = g_thread_new("ckpt-host-transfer", work_thread, &run);
	g_main_loop_run(run.loop);
	g_thread_join(thread);
	g_source_remove(sigint);
	g_source_remove(sigterm);
	g_source_remove(tick);
	g_main_loop_unref(run.loop);
	if (progress)
		host_progress_finish(progress);
	if (interrupted)
		*interrupted = run.interrupted;
	if (!run.ok && run.interrupted &&
	    !g_error_matches(run.error, HOST_ERROR, HOST_ERROR_INTERRUPTED)) {
		/* Whatever broke, it broke because we were told to stop: say so. */
		g_set_error(error, HOST_ERROR, HOST_ERROR_INTERRUPTED, "interrupted: %s",
			    run.error->message);
		g_error_free(run.error);
	} else if (!run.ok) {
		g_propagate_error(error, run.error);
	}
	return run.ok;
}

void host_abort_set_init(HostAbortSet *a)
{
	g_mutex_init(&a->lock);
	a->conns = g_ptr_array_new();
	a->aborted = FALSE;
}

void host_abort_set_clear(HostAbortSet *a)
{
	g_mutex_clear(&a->lock);
	g_ptr_array_unref(a->conns);
}

static gboolean interrupted_error(GError **error)
{
	g_set_error(error, HOST_ERROR, HOST_ERROR_INTERRUPTED, "interrupted (SIGINT or SIGTERM)");
	return FALSE;
}

gboolean host_abort_set_add(HostAbortSet *a, AgentConn *conn, GError **error)
{
	gboolean aborted;

	g_mutex_lock(&a->lock);
	aborted = a->aborted;
	if (!aborted)
		g_ptr_array_add(a->conns, conn);
	g_mutex_unlock(&a->lock);
	return aborted ? interrupted_error(error) : TRUE;
}

void host_abort_set_remove(HostAbortSet *a, AgentConn *conn)
{
	g_mutex_lock(&a->lock);
	g_ptr_array_remove(a->conns, conn);
	g_mutex_unlock(&a->lock);
}

gboolean host_abort_set_check(HostAbortSet *a, GError **error)
{
	gboolean aborted;

	g_mutex_lock(&a->lock);
	aborted = a->aborted;
	g_mutex_unlock(&a->lock);
	return aborted ? interrupted_error(error) : TRUE;
}

void host_abort_set_fire(gpointer data)
{
	HostAbortSet *a = data;

	g_mutex_lock(&a->lock);
	a->aborted = TRUE;
	for (guint i = 0; i < a->conns->len; i++)
		agent_conn_abort(a->conns->pdata[i]);
	g_mutex_unlock(&a->lock);
}
