// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>

#include <libvirt/virterror.h>

#include "agent-error.h"
#include "ckpt-domain.h"
#include "host-error.h"
#include "client-connect.h"
#include "host-vm.h"

void host_vm_free(HostVm *vm)
{
	if (!vm)
		return;
	g_free(vm->name);
	g_free(vm->endpoint);
	g_free(vm->unix_path);
	ckpt_endpoint_clear(&vm->ep);
	g_free(vm);
}

static const char *const domain_states[] = {
	[VIR_DOMAIN_NOSTATE] = "no state",	 [VIR_DOMAIN_RUNNING] = "running",
	[VIR_DOMAIN_BLOCKED] = "blocked",	 [VIR_DOMAIN_PAUSED] = "paused",
	[VIR_DOMAIN_SHUTDOWN] = "shutting down", [VIR_DOMAIN_SHUTOFF] = "shut off",
	[VIR_DOMAIN_CRASHED] = "crashed",	 [VIR_DOMAIN_PMSUSPENDED] = "suspended",
};

static gboolean set_endpoint(HostVm *vm, const char *spec, GError **error)
{
	if (g_str_has_prefix(spec, "unix:")) {
		/* The transport library reads unix: as a bridge; here it is the agent itself. */
		vm->unix_path = g_strdup(spec + 5);
		vm->endpoint = g_strdup(spec);
		return TRUE;
	}
	if (!ckpt_endpoint_parse(spec, &vm->ep, error)) {
		g_prefix_error(error, "%s: ", vm->name);
		return FALSE;
	}
	vm->endpoint = ckpt_endpoint_to_string(&vm->ep);
	return TRUE;
}

static gboolean resolve_libvirt(HostContext *ctx, HostVm *vm, GError **error)
{
	virConnectPtr virt = host_context_virt(ctx, error);
	g_autoptr(CkptDomainConfig) config = NULL;
	virDomainPtr dom;
	char *xml;
	int state = VIR_DOMAIN_NOSTATE, reason;

	if (!virt)
		return FALSE;
	dom = virDomainLookupByName(virt, vm->name);
	if (!dom) {
		g_set_error(error, HOST_ERROR, HOST_ERROR_NO_DOMAIN,
			    "%s: no such domain on %s (%s)", vm->name, ctx->uri,
			    virGetLastErrorMessage());
		return FALSE;
	}
	if (virDomainGetState(dom, &state, &reason, 0) == 0 && state != VIR_DOMAIN_RUNNING) {
		g_set_error(error, HOST_ERROR, HOST_ERROR_NO_DOMAIN,
			    "%s: the domain is not running (%s)", vm->name,
			    state >= 0 && state < (int)G_N_ELEMENTS(domain_states)
				    ? domain_states[state]
				    : "unknown state");
		virDomainFree(dom);
		return FALSE;
	}
	/* The live XML: a <vsock> CID libvirt assigned automatically is only there. */
	xml = virDomainGetXMLDesc(dom, 0);
	virDomainFree(dom);
	if (!xml) {
		g_set_error(error, HOST_ERROR, HOST_ERROR_LIBVIRT, "%s: reading its XML: %s",
			    vm->name, virGetLastErrorMessage());
		return FALSE;
	}
	config = ckpt_domain_config_parse(xml, error);
	free(xml);
	if (!config || !ckpt_domain_config_endpoint(config, &vm->ep, error))
		return FALSE;
	vm->endpoint = ckpt_endpoint_to_string(&vm->ep);
	if (!ctx->port)
		vm->port = config->agent_port;
	vm->via_libvirt = TRUE;
	return TRUE;
}

HostVm *host_vm_resolve(HostContext *ctx, const char *operand, GError **error)
{
	g_autoptr(HostVm) vm = g_new0(HostVm, 1);
	gboolean ok;

	vm->name = g_strdup(operand);
	vm->port = ctx->port ? (guint32)ctx->port : CKPT_DOMAIN_DEFAULT_AGENT_PORT;
	if (ctx->endpoint) {
		ok = set_endpoint(vm, ctx->endpoint, error);
	} else if (ctx->uds) {
		ckpt_endpoint_set_hybrid(&vm->ep, ctx->uds);
		vm->endpoint = ckpt_endpoint_to_string(&vm->ep);
		ok = TRUE;
	} else if (ctx->cid) {
		ckpt_endpoint_set_vsock(&vm->ep, (guint32)ctx->cid);
		vm->endpoint = ckpt_endpoint_to_string(&vm->ep);
		ok = TRUE;
	} else if (g_str_has_prefix(operand, "unix:") || g_str_has_prefix(operand, "vsock:") ||
		   g_str_has_prefix(operand, "hybrid:")) {
		ok = set_endpoint(vm, operand, error);
	} else {
		ok = resolve_libvirt(ctx, vm, error);
	}
	return ok ? g_steal_pointer(&vm) : NULL;
}

static int connect_unix(const HostVm *vm, GError **error)
{
	g_autoptr(GError) local = NULL;
	int fd = client_connect_unix(vm->unix_path, &local);

	if (fd >= 0)
		return fd;
	/* In the transport's terms, so callers treat every kind of endpoint alike. */
	if (g_error_matches(local, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
	    g_error_matches(local, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
		g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_NO_LISTENER,
			    "%s: no agent listening on %s", vm->name, local->message);
	else
		g_set_error(error, CKPT_TRANSPORT_ERROR, CKPT_TRANSPORT_ERROR_FAILED, "%s: %s",
			    vm->name, local->message);
	return -1;
}

AgentConn *host_vm_connect(HostContext *ctx, const HostVm *vm, gint64 timeout_ms, GError **error)
{
	g_autoptr(GSocketConnection) conn = NULL;
	int fd;

	if (vm->unix_path) {
		fd = connect_unix(vm, error);
	} else {
		conn = ckpt_transport_connect(vm->name, &vm->ep, vm->port, (guint)ctx->connect_ms,
					      NULL, error);
		if (!conn)
			return NULL;
		/* AgentConn owns a plain fd: keep one past the GSocketConnection. */
		fd = fcntl(g_socket_get_fd(g_socket_connection_get_socket(conn)), F_DUPFD_CLOEXEC,
			   0);
		if (fd < 0)
			g_set_error(error, HOST_ERROR, HOST_ERROR_FAILED, "%s: dup: %s", vm->name,
				    g_strerror(errno));
	}
	return fd < 0 ? NULL : agent_conn_new(fd, vm->name, timeout_ms);
}

JsonObject *host_vm_call(HostContext *ctx, const HostVm *vm, const char *execute, JsonObject *args,
			 GError **error)
{
	g_autoptr(AgentConn) conn = host_vm_connect(ctx, vm, HOST_CONTROL_TIMEOUT_MS, error);
	JsonObject *ret;

	if (!conn)
		return NULL;
	ret = agent_conn_call(conn, execute, args, error);
	/* The agent's messages name the container; say which VM it is in. */
	if (!ret && error && *error && (*error)->domain == AGENT_ERROR &&
	    !g_str_has_prefix((*error)->message, vm->name))
		g_prefix_error(error, "%s: %s: ", vm->name, execute);
	return ret;
}

void host_vm_describe(const HostVm *vm, JsonObject *result)
{
	json_object_set_string_member(result, "vm", vm->name);
	json_object_set_string_member(result, "endpoint", vm->endpoint);
}
