// SPDX-License-Identifier: GPL-2.0-only
/*
 * checkpoint: start a checkpoint job and answer at once with its id and,
 * for a stream, the token the host presents on a second connection
 * (stream-attach). Nothing is frozen until the stream is attached. What
 * can be known now (the name, the container running, the module loaded,
 * the destination) is checked now, so a bad request fails here rather than
 * on the data connection.
 */
#include "agent-commands.h"
#include "agent-container-op.h"
#include "agent-error.h"
#include "job-checkpoint.h"

static const char *const modes[] = {"stop", "leave-running", "leave-frozen", NULL};
static const char *const destinations[] = {"stream", "file", NULL};

const AgentArgSpec agent_cmd_checkpoint_args[] = {
	{"container", AGENT_ARG_STRING, TRUE},
	{"mode", AGENT_ARG_STRING, FALSE, modes},
	{"destination", AGENT_ARG_STRING, FALSE, destinations},
	{"file", AGENT_ARG_STRING, FALSE},
	{"freeze-timeout-ms", AGENT_ARG_INTEGER, FALSE, NULL, 1, AGENT_TIMEOUT_MAX_MS},
	{NULL},
};

/* The module and the container, checked before a job is made. */
static gboolean precheck(AgentServer *server, const char *name, GError **error)
{
	const CkptPaths *paths = agent_server_get_paths(server);
	g_autoptr(CkptContainer) c = NULL;
	g_autoptr(CkptDevice) dev = NULL;
	CkptContainerStatus st;

	if (!ckpt_container_name_check(name, error))
		return FALSE;
	c = ckpt_container_new(paths, name, error);
	if (!c || !ckpt_container_require_live(c, &st, error))
		return FALSE;
	dev = ckpt_device_open(paths->device, error);
	if (!dev || !ckpt_device_require(dev, CKPT_FEAT_CHECKPOINT, error)) {
		g_prefix_error(error, "container %s: ", name);
		return FALSE;
	}
	return TRUE;
}

void agent_cmd_checkpoint(AgentCall *call)
{
	AgentServer *server = agent_call_get_server(call);
	const char *name = agent_call_get_string(call, "container");
	const char *mode = agent_call_get_string(call, "mode");
	const char *dest = agent_call_get_string(call, "destination");
	const char *file = agent_call_get_string(call, "file");
	JobCheckpoint *o = g_new0(JobCheckpoint, 1);
	GError *error = NULL;
	AgentContainerOp op = {
		.kind = AGENT_JOB_CHECKPOINT,
		.func = job_checkpoint_run,
		.data = o,
		.free_data = job_checkpoint_free,
		.async = TRUE,
	};

	o->server = server;
	o->freeze_timeout_ms = agent_call_get_int(call, "freeze-timeout-ms", 0);
	if (!ckpt_checkpoint_mode_parse(mode ? mode : "stop", &o->mode, &error))
		goto fail;
	if (g_strcmp0(dest, "file") == 0) {
		if (!file) {
			error = g_error_new(AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
					    "checkpoint: destination \"file\" needs \"file\"");
			goto fail;
		}
		if (!agent_store_resolve(agent_server_get_store(server), file, &o->path, &o->image,
					 &error))
			goto fail;
	} else if (file) {
		error = g_error_new(AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
				    "checkpoint: \"file\" goes with destination \"file\"");
		goto fail;
	}
	if (!precheck(server, name, &error))
		goto fail;
	op.image = o->image;
	op.direction = o->path ? AGENT_STREAM_NONE : AGENT_STREAM_OUT;
	agent_container_op_start(call, name, &op);
	return;
fail:
	job_checkpoint_free(o);
	agent_call_fail(call, error);
}
