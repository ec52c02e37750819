// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt-host jobs`: what ckpt-hostd did on the domains' lifecycle events
 * (pushes stored at shutdown, restores at start, periodic snapshots,
 * bridges), from its control socket's job-list (docs/libvirt-integration.md).
 */
#include <stdio.h>

#include "agent-conn.h"
#include "client-connect.h"
#include "host-cmd.h"
#include "host-output.h"

#define DEFAULT_SOCKET "/run/ckpt-hostd/control.sock"
#define TIMEOUT_MS 5000

/*
 * One job-list call on the control socket, which speaks the agent's
 * request/reply lines: the agent client serves. Its "return" object.
 */
static JsonObject *job_list(const char *path, GError **error)
{
	g_autofree char *endpoint = g_strdup_printf("ckpt-hostd at %s", path);
	g_autoptr(AgentConn) conn = NULL;
	JsonObject *ret;
	int fd = client_connect_unix(path, error);

	if (fd < 0) {
		g_prefix_error(error, "ckpt-hostd at %s: is it running? ", path);
		return NULL;
	}
	conn = agent_conn_new(fd, endpoint, TIMEOUT_MS);
	ret = agent_conn_call(conn, "job-list", NULL, error);
	if (!ret)
		g_prefix_error(error, "ckpt-hostd: ");
	return ret;
}

/* What a job did, or why it failed, on one line. */
static char *outcome(JsonObject *job)
{
	JsonObject *e = host_json_obj(job, "error");
	JsonObject *r = host_json_obj(job, "result");

	if (e)
		return g_strdup_printf("%s: %s", host_json_str(e, "class", "?"),
				       host_json_str(e, "desc", "?"));
	if (!r)
		return g_strdup("");
	if (json_object_has_member(r, "image"))
		return g_strdup_printf(
			"image %s%s", host_json_str(r, "image", "?"),
			json_object_has_member(r, "restored") &&
					!json_object_get_boolean_member(r, "restored")
				? " (not restored)"
				: "");
	if (json_object_has_member(r, "why"))
		return g_strdup(host_json_str(r, "why", ""));
	if (json_object_has_member(r, "policy-error"))
		return g_strdup(host_json_str(r, "policy-error", ""));
	if (json_object_has_member(r, "agent-ms"))
		return g_strdup_printf("agent answered after %.1f s",
				       host_json_int(r, "agent-ms", 0) / 1000.0);
	if (json_object_has_member(r, "uds"))
		return g_strdup_printf("bridge %s", host_json_str(r, "uds", "?"));
	return g_strdup("");
}

static void human(HostContext *ctx, JsonObject *result)
{
	JsonArray *jobs = json_object_get_array_member(result, "jobs");
	guint n = jobs ? json_array_get_length(jobs) : 0;

	if (!n) {
		printf("no jobs\n");
		return;
	}
	printf("%-5s %-14s %-10s %-12s %-8s %-19s %8s  %s\n", "ID", "TYPE", "DOMAIN", "CONTAINER",
	       "STATE", "CREATED", "ELAPSED", "RESULT");
	for (guint i = 0; i < n; i++) {
		JsonObject *j = json_array_get_object_element(jobs, i);
		g_autofree char *what = outcome(j);
		g_autofree char *created = g_strndup(host_json_str(j, "created", "-"), 19);

		if (strlen(created) == 19)
			created[10] = ' ';
		printf("%-5" G_GINT64_FORMAT " %-14s %-10s %-12s %-8s %-19s %7.1fs  %s\n",
		       host_json_int(j, "id", 0), host_json_str(j, "type", "-"),
		       host_json_str(j, "domain", "-"), host_json_str(j, "container", "-"),
		       host_json_str(j, "state", "-"), created,
		       host_json_int(j, "elapsed-ms", 0) / 1000.0, what);
	}
}

int host_cmd_jobs(HostContext *ctx, int argc, char **argv)
{
	g_autofree char *socket_path = NULL;
	g_autofree char *domain = NULL;
	gboolean running = FALSE;
	const GOptionEntry entries[] = {
		{"socket", 0, 0, G_OPTION_ARG_FILENAME, &socket_path,
		 "ckpt-hostd's control socket ($CKPT_HOSTD_SOCKET, " DEFAULT_SOCKET ")", "PATH"},
		{"domain", 0, 0, G_OPTION_ARG_STRING, &domain, "Only this domain's jobs", "VM"},
		{"running", 0, 0, G_OPTION_ARG_NONE, &running, "Only the running jobs", NULL},
		{NULL}};
	g_auto(GStrv) ops = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) ret = NULL;
	g_autoptr(JsonObject) result = json_object_new();
	JsonArray *all, *kept = json_array_new();
	const char *path;

	if (!host_cmd_parse(ctx, argc, argv, entries, 0, 0, &ops)) {
		json_array_unref(kept);
		return 2;
	}
	path = socket_path ? socket_path : g_getenv("CKPT_HOSTD_SOCKET");
	if (!path || !*path)
		path = DEFAULT_SOCKET;
	ret = job_list(path, &error);
	if (!ret) {
		json_array_unref(kept);
		return host_output_error(ctx, error);
	}
	all = json_object_get_array_member(ret, "jobs");
	for (guint i = 0; all && i < json_array_get_length(all); i++) {
		JsonObject *j = json_array_get_object_element(all, i);

		if (domain && g_strcmp0(host_json_str(j, "domain", NULL), domain) != 0)
			continue;
		if (running && g_strcmp0(host_json_str(j, "state", NULL), "running") != 0)
			continue;
		json_array_add_object_element(kept, json_object_ref(j));
	}
	json_object_set_array_member(result, "jobs", kept);
	return host_output_result(ctx, result, human);
}
