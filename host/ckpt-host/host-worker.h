/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Runs a transfer in a worker thread while the main loop draws the
 * progress and catches SIGINT and SIGTERM. A signal calls abort() on the
 * main thread (once): it shuts down the data connections, the worker's
 * blocking I/O fails at once and the worker rolls back through its normal
 * error path, so an interrupted transfer ends exactly like a failed one.
 */
#pragma once

#include "agent-conn.h"
#include "host-progress.h"

G_BEGIN_DECLS

typedef gboolean (*HostWorkFunc)(gpointer data, GError **error);
typedef void (*HostAbortFunc)(gpointer data);

/* The worker's verdict; *interrupted tells whether a signal came (may be NULL). */
gboolean host_worker_run(HostProgress *progress, HostWorkFunc work, gpointer work_data,
			 HostAbortFunc abort_fn, gpointer abort_data, gboolean *interrupted,
			 GError **error);

/*
 * The connections an abort must shut down, and whether it came. Workers
 * add each data connection as they open it and check between steps.
 */
typedef struct {
	GMutex lock;
	GPtrArray *conns; /* AgentConn*, not owned */
	gboolean aborted;
} HostAbortSet;

void host_abort_set_init(HostAbortSet *a);
void host_abort_set_clear(HostAbortSet *a);
/* FALSE (with an interrupted error) if the abort came already. */
gboolean host_abort_set_add(HostAbortSet *a, AgentConn *conn, GError **error);
void host_abort_set_remove(HostAbortSet *a, AgentConn *conn);
/* FALSE with an interrupted error once the abort came. */
gboolean host_abort_set_check(HostAbortSet *a, GError **error);
/* A HostAbortFunc: marks the set aborted and shuts down its connections. */
void host_abort_set_fire(gpointer a);

G_END_DECLS
