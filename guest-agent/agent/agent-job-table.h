/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every job by id, and which job holds which container and store image.
 * One operation per container: adding a job for a container (or image)
 * another job holds fails with AGENT_ERROR_BUSY naming that job.
 * Finished jobs stay for job-status until AGENT_JOBS_KEPT newer ones
 * finished. Thread-safe: job threads finish their jobs here.
 */
#ifndef AGENT_JOB_TABLE_H
#define AGENT_JOB_TABLE_H

#include "agent-job.h"

G_BEGIN_DECLS

#define AGENT_JOBS_KEPT 128

AgentJobTable *agent_job_table_new(guint max_active);
void agent_job_table_free(AgentJobTable *table);

/*
 * A new job (state RUNNING, or WAITING with a fresh token when direction
 * is not NONE), holding container and image (either may be NULL).
 * AGENT_ERROR_BUSY or AGENT_ERROR_LIMIT. The table keeps a reference; the
 * one returned is the caller's.
 */
AgentJob *agent_job_table_add(AgentJobTable *table, AgentJobKind kind, const char *container,
			      const char *image, AgentStreamDirection direction, GError **error);

/* A reference to job id, or NULL with AGENT_ERROR_NOT_FOUND. */
AgentJob *agent_job_table_lookup(AgentJobTable *table, guint id, GError **error);

/*
 * The waiting job whose token this is, now RUNNING and its token spent,
 * or NULL with AGENT_ERROR_NOT_FOUND (unknown, spent or expired token).
 */
AgentJob *agent_job_table_take_token(AgentJobTable *table, const char *token, GError **error);

/* The id of the job holding container, or 0. */
guint agent_job_table_get_container_job(AgentJobTable *table, const char *container);
/* The id of the job holding a store image, or 0. */
guint agent_job_table_get_image_job(AgentJobTable *table, const char *image);

/* References to every job, oldest first. */
GPtrArray *agent_job_table_list(AgentJobTable *table);
guint agent_job_table_get_n_active(AgentJobTable *table);

/*
 * Ends a job: result (taken) on success, else error (taken; cancelled or
 * failed). Releases its container and image. FALSE if it had ended before.
 */
gboolean agent_job_table_finish(AgentJobTable *table, AgentJob *job, JsonObject *result,
				GError *error);

/* Ends a job only if it still waits for its stream (expired, cancelled). */
gboolean agent_job_table_finish_waiting(AgentJobTable *table, AgentJob *job, GError *error);

G_END_DECLS

#endif /* AGENT_JOB_TABLE_H */
