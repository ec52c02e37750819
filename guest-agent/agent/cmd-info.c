// SPDX-License-Identifier: GPL-2.0-only
/*
 * info: what this agent is and can do: its version and protocol, the
 * guest kernel, whether ckpt.ko is loaded (with its ABI version and
 * features), the commands it serves and its limits.
 */
#include <sys/utsname.h>

#include "agent-commands.h"
#include "agent-frame.h"
#include "ckpt-guest.h"

const AgentArgSpec agent_cmd_info_args[] = {
	{NULL},
};

static JsonObject *module_json(const CkptPaths *paths)
{
	JsonObject *o = json_object_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptDevice) dev = ckpt_device_open(paths->device, &error);
	JsonArray *features;
	guint64 bits;

	json_object_set_string_member(o, "device", paths->device);
	json_object_set_boolean_member(o, "loaded", dev != NULL);
	if (!dev) {
		json_object_set_string_member(o, "error", error->message);
		return o;
	}
	bits = ckpt_device_get_features(dev);
	features = json_array_new();
	if (bits & CKPT_FEAT_CHECKPOINT)
		json_array_add_string_element(features, "checkpoint");
	if (bits & CKPT_FEAT_RESTORE)
		json_array_add_string_element(features, "restore");
	/* The handshake refuses any other API version, so this is the one spoken. */
	json_object_set_int_member(o, "api-version", CKPT_API_VERSION);
	json_object_set_int_member(o, "image-version", ckpt_device_get_image_version(dev));
	json_object_set_array_member(o, "features", features);
	return o;
}

static JsonObject *limits_json(const AgentConfig *config)
{
	JsonObject *o = json_object_new();

	json_object_set_int_member(o, "max-line", (gint64)config->max_line);
	json_object_set_int_member(o, "max-frame", AGENT_FRAME_MAX);
	json_object_set_int_member(o, "max-clients", config->max_clients);
	json_object_set_int_member(o, "max-jobs", config->max_jobs);
	json_object_set_int_member(o, "stream-timeout-ms", config->stream_timeout_ms);
	return o;
}

void agent_cmd_info(AgentCall *call)
{
	AgentServer *server = agent_call_get_server(call);
	const AgentConfig *config = agent_server_get_config(server);
	const AgentShutdownPolicy *policy;
	JsonObject *ret = json_object_new();
	JsonArray *names = json_array_new();
	const AgentCommand *cmds;
	struct utsname uts;
	guint n;

	json_object_set_string_member(ret, "version", CKPT_VERSION);
	json_object_set_int_member(ret, "protocol", AGENT_PROTOCOL_VERSION);
	uname(&uts);
	json_object_set_string_member(ret, "kernel", uts.release);
	json_object_set_object_member(ret, "module", module_json(agent_server_get_paths(server)));
	cmds = agent_commands_get_all(&n);
	for (guint i = 0; i < n; i++)
		json_array_add_string_element(names, cmds[i].name);
	json_object_set_array_member(ret, "commands", names);
	json_object_set_object_member(ret, "limits", limits_json(config));
	if (config->vsock_port)
		json_object_set_int_member(ret, "vsock-port", config->vsock_port);
	else
		json_object_set_null_member(ret, "vsock-port");
	json_object_set_string_member(ret, "image-dir",
				      agent_store_get_dir(agent_server_get_store(server)));
	policy = agent_server_get_shutdown_policy(server);
	if (agent_shutdown_policy_is_active(policy))
		json_object_set_object_member(ret, "shutdown-policy",
					      agent_shutdown_policy_to_json(policy));
	else
		json_object_set_null_member(ret, "shutdown-policy");
	agent_call_return(call, ret);
}
