// SPDX-License-Identifier: GPL-2.0-only
/*
 * image-list: the images in the guest-local store, with their size, time
 * and the sha256 recorded when they were written. image-delete: remove one
 * (busy while a job writes or reads it).
 */
#include "agent-commands.h"
#include "agent-error.h"

const AgentArgSpec agent_cmd_image_list_args[] = {
	{NULL},
};

const AgentArgSpec agent_cmd_image_delete_args[] = {
	{"image", AGENT_ARG_STRING, TRUE},
	{NULL},
};

void agent_cmd_image_list(AgentCall *call)
{
	AgentStore *store = agent_server_get_store(agent_call_get_server(call));
	GError *error = NULL;
	JsonArray *images = agent_store_list(store, &error);
	JsonObject *ret;

	if (!images) {
		agent_call_fail(call, error);
		return;
	}
	ret = json_object_new();
	json_object_set_string_member(ret, "dir", agent_store_get_dir(store));
	json_object_set_array_member(ret, "images", images);
	agent_call_return(call, ret);
}

void agent_cmd_image_delete(AgentCall *call)
{
	AgentServer *server = agent_call_get_server(call);
	const char *image = agent_call_get_string(call, "image");
	GError *error = NULL;
	JsonObject *ret;
	guint job;

	if (!agent_store_name_check(image, &error)) {
		agent_call_fail(call, error);
		return;
	}
	job = agent_job_table_get_image_job(agent_server_get_jobs(server), image);
	if (job) {
		agent_call_fail(call, g_error_new(AGENT_ERROR, AGENT_ERROR_BUSY,
						  "image %s: busy: job %u uses it", image, job));
		return;
	}
	if (!agent_store_delete(agent_server_get_store(server), image, &error)) {
		agent_call_fail(call, error);
		return;
	}
	ret = json_object_new();
	json_object_set_string_member(ret, "image", image);
	agent_call_return(call, ret);
}
