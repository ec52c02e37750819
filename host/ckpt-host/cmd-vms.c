// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt-host vms`: every libvirt domain, how its agent is reached, and for
 * the running ones whether the agent answers, its version and the module's.
 */
#include <stdio.h>

#include <libvirt/virterror.h>

#include "ckpt-domain.h"
#include "host-cmd.h"
#include "host-error.h"
#include "host-output.h"
#include "host-vm.h"

/* A VM that does not answer within this long is reported as such. */
#define PROBE_CONNECT_MS 2000

static void human(HostContext *ctx, JsonObject *r)
{
	JsonArray *vms = json_object_get_array_member(r, "vms");

	printf("%-16s %-9s %-44s %-8s %-10s %s\n", "NAME", "STATE", "ENDPOINT", "AGENT", "VERSION",
	       "MODULE");
	for (guint i = 0; i < json_array_get_length(vms); i++) {
		JsonObject *v = json_array_get_object_element(vms, i);
		JsonObject *agent = host_json_obj(v, "agent");
		JsonObject *module = host_json_obj(agent, "module");
		g_autofree char *mod = NULL;

		if (module && json_object_get_boolean_member_with_default(module, "loaded", FALSE))
			mod = g_strdup_printf("api %" G_GINT64_FORMAT,
					      host_json_int(module, "api-version", 0));
		else
			mod = g_strdup(module ? "not loaded" : "-");
		printf("%-16s %-9s %-44s %-8s %-10s %s\n", host_json_str(v, "name", "?"),
		       host_json_str(v, "state", "?"), host_json_str(v, "endpoint", "-"),
		       json_object_get_boolean_member_with_default(v, "answers", FALSE) ? "yes"
											: "no",
		       host_json_str(agent, "version", "-"), mod);
		if (json_object_has_member(v, "problem"))
			printf("  %s\n", host_json_str(v, "problem", ""));
	}
}

static const char *state_name(virDomainPtr dom, int active)
{
	int state, reason;

	if (active != 1)
		return "inactive";
	if (virDomainGetState(dom, &state, &reason, 0) < 0)
		return "unknown";
	switch (state) {
	case VIR_DOMAIN_RUNNING:
		return "running";
	case VIR_DOMAIN_PAUSED:
		return "paused";
	case VIR_DOMAIN_SHUTDOWN:
		return "stopping";
	case VIR_DOMAIN_CRASHED:
		return "crashed";
	case VIR_DOMAIN_PMSUSPENDED:
		return "suspended";
	default:
		return "active";
	}
}

static JsonObject *probe(HostContext *ctx, virDomainPtr dom)
{
	JsonObject *v = json_object_new();
	const char *name = virDomainGetName(dom);
	g_autoptr(GError) error = NULL;
	g_autoptr(HostVm) vm = NULL;
	g_autoptr(JsonObject) info = NULL;
	int active = virDomainIsActive(dom);

	json_object_set_string_member(v, "name", name);
	json_object_set_string_member(v, "state", state_name(dom, active));
	json_object_set_boolean_member(v, "answers", FALSE);
	/* Only a running guest can answer (a paused one would time out). */
	if (g_strcmp0(state_name(dom, active), "running") != 0)
		return v;
	vm = host_vm_resolve(ctx, name, &error);
	if (vm) {
		json_object_set_string_member(v, "endpoint", vm->endpoint);
		info = host_vm_call(ctx, vm, "info", NULL, &error);
	}
	if (info) {
		json_object_set_boolean_member(v, "answers", TRUE);
		json_object_set_object_member(v, "agent", g_steal_pointer(&info));
	} else {
		json_object_set_string_member(v, "problem", error->message);
	}
	return v;
}

int host_cmd_vms(HostContext *ctx, int argc, char **argv)
{
	g_auto(GStrv) ops = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) result = json_object_new();
	JsonArray *list;
	virConnectPtr virt;
	virDomainPtr *doms = NULL;
	int n;
	gint saved_ms = ctx->connect_ms;

	if (!host_cmd_parse(ctx, argc, argv, NULL, 0, 0, &ops))
		return 2;
	virt = host_context_virt(ctx, &error);
	if (!virt)
		return host_output_error(ctx, error);
	n = virConnectListAllDomains(virt, &doms, 0);
	if (n < 0) {
		g_set_error(&error, HOST_ERROR, HOST_ERROR_LIBVIRT,
			    "libvirt %s: listing domains: %s", ctx->uri, virGetLastErrorMessage());
		return host_output_error(ctx, error);
	}
	list = json_array_new();
	/* One silent VM must not hold up the list. */
	if (!ctx->connect_ms || ctx->connect_ms > PROBE_CONNECT_MS)
		ctx->connect_ms = PROBE_CONNECT_MS;
	for (int i = 0; i < n; i++) {
		json_array_add_object_element(list, probe(ctx, doms[i]));
		virDomainFree(doms[i]);
	}
	free(doms);
	ctx->connect_ms = saved_ms;
	json_object_set_string_member(result, "uri", ctx->uri);
	json_object_set_array_member(result, "vms", list);
	return host_output_result(ctx, result, human);
}
