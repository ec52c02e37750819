/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One operation on one container: a checkpoint, a restore, or a run, kill,
 * freeze or thaw. Every job runs in a thread of its own, because the
 * library's calls block (freeze waits, the module's ioctls); the main
 * loop only reads its state. Checkpoints and restores over a stream first
 * wait for the host to attach the data connection with the job's token.
 *
 * Fields behind the mutex change while the job runs; job-status takes a
 * snapshot (agent_job_to_json).
 */
#ifndef AGENT_JOB_H
#define AGENT_JOB_H

#include <json-glib/json-glib.h>

#include <gio/gio.h>

#include "agent-io.h"

G_BEGIN_DECLS

typedef enum {
	AGENT_JOB_CHECKPOINT,
	AGENT_JOB_RESTORE,
	AGENT_JOB_RUN,
	AGENT_JOB_KILL,
	AGENT_JOB_FREEZE,
	AGENT_JOB_THAW,
} AgentJobKind;

typedef enum {
	AGENT_JOB_WAITING, /* for its data connection */
	AGENT_JOB_RUNNING,
	AGENT_JOB_DONE,
	AGENT_JOB_FAILED,
	AGENT_JOB_CANCELLED,
} AgentJobState;

typedef enum {
	AGENT_STREAM_NONE,
	AGENT_STREAM_OUT, /* guest to host: checkpoint */
	AGENT_STREAM_IN,  /* host to guest: restore */
} AgentStreamDirection;

typedef struct _AgentJob AgentJob;
typedef struct _AgentJobTable AgentJobTable;

/*
 * The job's work, in its thread. Returns the result object (taken) or
 * NULL with error set.
 */
typedef JsonObject *(*AgentJobRunFunc)(AgentJob *job, gpointer data, GError **error);
/* Called in the main thread once the job ended (success or not). */
typedef void (*AgentJobDoneFunc)(AgentJob *job, gpointer data);

struct _AgentJob {
	gint ref;
	guint id;
	AgentJobKind kind;
	char *container;
	char *image; /* a store image it writes or reads, or NULL */
	AgentStreamDirection direction;
	AgentJobTable *table;
	GCancellable *cancellable;
	gint64 created_us; /* wall clock */

	AgentJobRunFunc run;
	gpointer run_data;
	GDestroyNotify free_run_data;
	AgentJobDoneFunc done;
	gpointer done_data;

	GMutex lock;
	AgentJobState state;
	const char *phase;
	guint64 bytes;
	guint tasks;
	gint64 started_mono;
	gint64 finished_mono;
	GError *error;
	JsonObject *result;
	char *token;	      /* while WAITING for a stream */
	GArray *cancel_fds;   /* shut down by a cancel: sockets the job blocks on */
	AgentIo stream;	      /* the data connection, once attached */
	GBytes *stream_reply; /* bytes to send first on it (the attach reply) */
};

const char *agent_job_kind_name(AgentJobKind kind);
const char *agent_job_state_name(AgentJobState state);

AgentJob *agent_job_ref(AgentJob *job);
void agent_job_unref(AgentJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AgentJob, agent_job_unref)

void agent_job_set_phase(AgentJob *job, const char *phase);
void agent_job_set_bytes(AgentJob *job, guint64 bytes);
void agent_job_set_tasks(AgentJob *job, guint tasks);
gboolean agent_job_is_cancelled(AgentJob *job);

/* A socket the job may block on; a cancel shuts it down (both ways). */
void agent_job_add_cancel_fd(AgentJob *job, int fd);
void agent_job_remove_cancel_fd(AgentJob *job, int fd);

/* Starts the job's thread (state RUNNING). */
void agent_job_start(AgentJob *job);

/*
 * Cancels: a waiting job ends at once; a running one gets its cancellable
 * cancelled and its sockets shut down, and ends in its own time (job-status
 * shows when). FALSE if it had ended already.
 */
gboolean agent_job_cancel(AgentJob *job);

/* job-status's object; see proto/agent-schema.json. */
JsonObject *agent_job_to_json(AgentJob *job);

G_END_DECLS

#endif /* AGENT_JOB_H */
