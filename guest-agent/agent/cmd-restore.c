// SPDX-License-Identifier: GPL-2.0-only
/*
 * restore: start a restore job and answer at once with its id and, for a
 * stream, the token the host presents on a second connection. Nothing is
 * created until the stream is attached. The name, the container not
 * running, the module and a source file are checked now.
 */
#include "agent-commands.h"
#include "agent-container-op.h"
#include "agent-error.h"
#include "job-restore.h"

static const char *const sources[] = {"stream", "file", NULL};
static const char *const starts[] = {"running", "frozen", NULL};

const AgentArgSpec agent_cmd_restore_args[] = {
	{"container", AGENT_ARG_STRING, TRUE},
	{"source", AGENT_ARG_STRING, FALSE, sources},
	{"file", AGENT_ARG_STRING, FALSE},
	{"sha256", AGENT_ARG_STRING, FALSE},
	{"start", AGENT_ARG_STRING, FALSE, starts},
	{"rootfs", AGENT_ARG_STRING, FALSE},
	{"log", AGENT_ARG_BOOLEAN, FALSE},
	{"timeout-ms", AGENT_ARG_INTEGER, FALSE, NULL, 1, AGENT_TIMEOUT_MAX_MS},
	{NULL},
};

static gboolean precheck(AgentServer *server, const char *name, GError **error)
{
	const CkptPaths *paths = agent_server_get_paths(server);
	g_autoptr(CkptContainer) c = NULL;
	g_autoptr(CkptDevice) dev = NULL;
	CkptContainerStatus st;

	if (!ckpt_container_name_check(name, error))
		return FALSE;
	c = ckpt_container_new(paths, name, error);
	if (!c || !ckpt_container_get_status(c, &st, error))
		return FALSE;
	if (st.state >= CKPT_CONTAINER_RUNNING) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_EXISTS,
			    "container %s: already %s (init pid %d); kill it first", name,
			    ckpt_container_state_name(st.state), (int)st.init_pid);
		return FALSE;
	}
	dev = ckpt_device_open(paths->device, error);
	if (!dev || !ckpt_device_require(dev, CKPT_FEAT_RESTORE, error)) {
		g_prefix_error(error, "container %s: ", name);
		return FALSE;
	}
	return TRUE;
}

/* The file to read and the digest it must have. */
static gboolean resolve_file(AgentServer *server, AgentCall *call, JobRestore *o, GError **error)
{
	AgentStore *store = agent_server_get_store(server);
	const char *file = agent_call_get_string(call, "file");
	const char *sha = agent_call_get_string(call, "sha256");

	if (!file) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
			    "restore: source \"file\" needs \"file\"");
		return FALSE;
	}
	if (!agent_store_resolve(store, file, &o->path, &o->image, error))
		return FALSE;
	if (!g_file_test(o->path, G_FILE_TEST_IS_REGULAR)) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_NOT_FOUND,
			    "restore: image %s: no such file", o->path);
		return FALSE;
	}
	if (sha) {
		if (!agent_sha256_from_hex(sha, o->sha256)) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
				    "restore: \"sha256\" must be 64 hex digits");
			return FALSE;
		}
		o->have_sha256 = TRUE;
	} else if (o->image) {
		o->have_sha256 = agent_store_read_sha256(store, o->image, o->sha256, error);
		if (!o->have_sha256 && error && *error)
			return FALSE;
	}
	return TRUE;
}

void agent_cmd_restore(AgentCall *call)
{
	AgentServer *server = agent_call_get_server(call);
	const char *name = agent_call_get_string(call, "container");
	JobRestore *o = g_new0(JobRestore, 1);
	GError *error = NULL;
	AgentContainerOp op = {
		.kind = AGENT_JOB_RESTORE,
		.func = job_restore_run,
		.data = o,
		.free_data = job_restore_free,
		.async = TRUE,
	};

	o->server = server;
	o->frozen = g_strcmp0(agent_call_get_string(call, "start"), "frozen") == 0;
	o->rootfs = g_strdup(agent_call_get_string(call, "rootfs"));
	o->log = agent_call_get_bool(call, "log", FALSE);
	o->timeout_ms = agent_call_get_int(call, "timeout-ms", 0);
	if (g_strcmp0(agent_call_get_string(call, "source"), "file") == 0) {
		if (!resolve_file(server, call, o, &error))
			goto fail;
	} else if (agent_call_get_string(call, "file") || agent_call_get_string(call, "sha256")) {
		error = g_error_new(AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
				    "restore: \"file\" and \"sha256\" go with source \"file\" (a "
				    "stream carries its own sha256)");
		goto fail;
	}
	if (!precheck(server, name, &error))
		goto fail;
	op.image = o->image;
	op.direction = o->path ? AGENT_STREAM_NONE : AGENT_STREAM_IN;
	agent_container_op_start(call, name, &op);
	return;
fail:
	job_restore_free(o);
	agent_call_fail(call, error);
}
