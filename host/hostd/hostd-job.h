/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's jobs: every action ckpt-hostd takes (a push stored, a
 * restore at start, a periodic snapshot, a bridge started) is one job with
 * an id, its domain and container, a state and, once it ended, its result
 * or error. Jobs are logged when they start and end, and listed by the
 * control socket's job-list (`ckpt-host jobs`). Thread-safe: workers
 * update their own jobs.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _HostdJobTable HostdJobTable;

/* keep_finished: how many ended jobs are remembered (the oldest go first). */
HostdJobTable *hostd_job_table_new(guint keep_finished);
void hostd_job_table_free(HostdJobTable *t);

/* A new running job; container may be NULL. Returns its id (1, 2, ...). */
guint hostd_job_start(HostdJobTable *t, const char *type, const char *domain,
		      const char *container);
/* Ends job id successfully; result (taken, may be NULL) is what it did. */
void hostd_job_done(HostdJobTable *t, guint id, JsonObject *result);
/* Ends job id with error (class from the error's domain, desc its message). */
void hostd_job_fail(HostdJobTable *t, guint id, const GError *error);
/* TRUE if a job of that type on domain/container is running. */
gboolean hostd_job_running(HostdJobTable *t, const char *type, const char *domain,
			   const char *container);
/* {"jobs": [...]}, oldest first. */
JsonObject *hostd_job_table_list(HostdJobTable *t);

/* The class a control or job error is reported with ("transport", "agent-busy", ...). */
const char *hostd_error_class(const GError *error);

G_END_DECLS
