// SPDX-License-Identifier: GPL-2.0-only
#include "agent-error.h"
#include "host-output.h"
#include "host-stream.h"

void host_stream_free(HostStream *s)
{
	if (!s)
		return;
	if (s->data && s->abort)
		host_abort_set_remove(s->abort, s->data);
	g_clear_pointer(&s->data, agent_conn_free);
	g_clear_pointer(&s->control, agent_conn_free);
	g_free(s->container);
	g_free(s);
}

static HostStream *start(HostContext *ctx, const HostVm *vm, const char *execute, JsonObject *args,
			 HostAbortSet *abort, GError **error)
{
	g_autoptr(HostStream) s = g_new0(HostStream, 1);
	g_autoptr(JsonObject) ret = NULL;
	g_autoptr(JsonObject) attached = NULL;
	const char *token;

	s->vm = vm;
	s->container = g_strdup(json_object_get_string_member(args, "container"));
	if (!host_abort_set_check(abort, error))
		return NULL;
	s->control = host_vm_connect(ctx, vm, HOST_CONTROL_TIMEOUT_MS, error);
	if (!s->control)
		return NULL;
	ret = agent_conn_call(s->control, execute, args, error);
	if (!ret) {
		g_prefix_error(error, "%s: %s %s: ", vm->name, execute, s->container);
		return NULL;
	}
	s->job = host_json_int(ret, "job", 0);
	token = host_json_str(ret, "stream", NULL);
	if (!token) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_PARSE,
			    "%s: %s %s: the agent gave no stream token", vm->name, execute,
			    s->container);
		return NULL;
	}
	s->data = host_vm_connect(ctx, vm, HOST_DATA_TIMEOUT_MS, error);
	if (!s->data) {
		host_stream_cancel(s, NULL);
		return NULL;
	}
	if (!host_abort_set_add(abort, s->data, error)) {
		host_stream_cancel(s, NULL);
		return NULL;
	}
	s->abort = abort;
	attached = agent_conn_attach(s->data, token, error);
	if (!attached) {
		g_prefix_error(error, "%s: attaching the %s stream of %s: ", vm->name, execute,
			       s->container);
		host_stream_cancel(s, NULL);
		return NULL;
	}
	s->t_attach = g_get_monotonic_time();
	return g_steal_pointer(&s);
}

HostStream *host_stream_checkpoint(HostContext *ctx, const HostVm *vm, const char *container,
				   const char *mode, HostAbortSet *abort, GError **error)
{
	g_autoptr(JsonObject) args = json_object_new();

	json_object_set_string_member(args, "container", container);
	json_object_set_string_member(args, "mode", mode);
	json_object_set_string_member(args, "destination", "stream");
	return start(ctx, vm, "checkpoint", args, abort, error);
}

HostStream *host_stream_restore(HostContext *ctx, const HostVm *vm, const char *container,
				const char *start_state, const char *rootfs, gboolean log,
				HostAbortSet *abort, GError **error)
{
	g_autoptr(JsonObject) args = json_object_new();

	json_object_set_string_member(args, "container", container);
	json_object_set_string_member(args, "source", "stream");
	json_object_set_string_member(args, "start", start_state);
	if (rootfs)
		json_object_set_string_member(args, "rootfs", rootfs);
	json_object_set_boolean_member(args, "log", log);
	return start(ctx, vm, "restore", args, abort, error);
}

gboolean host_stream_cancel(HostStream *s, GError **error)
{
	g_autoptr(JsonObject) args = json_object_new();
	g_autoptr(JsonObject) ret = NULL;

	json_object_set_int_member(args, "job", s->job);
	ret = agent_conn_call(s->control, "job-cancel", args, error);
	return ret != NULL;
}

void host_stream_settle(HostStream *s, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	g_autoptr(JsonObject) args = json_object_new();

	/* Closing the data connection first lets a job blocked on it see the end. */
	if (s->data && s->abort)
		host_abort_set_remove(s->abort, s->data);
	g_clear_pointer(&s->data, agent_conn_free);
	if (!s->control || s->job <= 0)
		return;
	host_stream_cancel(s, NULL);
	json_object_set_int_member(args, "job", s->job);
	while (g_get_monotonic_time() < deadline) {
		g_autoptr(JsonObject) job = agent_conn_call(s->control, "job-status", args, NULL);
		const char *state = job ? host_json_str(job, "state", NULL) : NULL;

		if (!state ||
		    (g_strcmp0(state, "running") != 0 && g_strcmp0(state, "waiting-stream") != 0))
			return;
		g_usleep(50 * 1000);
	}
}

JsonObject *host_stream_job_result(const AgentStreamResult *r)
{
	return r->final ? host_json_obj(r->final, "result") : NULL;
}
