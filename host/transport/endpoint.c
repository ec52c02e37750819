// SPDX-License-Identifier: GPL-2.0-only
/* CkptEndpoint: how to reach a VM, and connecting through whichever it is. */
#include "ckpt-transport.h"

gboolean ckpt_endpoint_parse(const char *spec, CkptEndpoint *endpoint, GError **error)
{
	guint64 cid;

	memset(endpoint, 0, sizeof(*endpoint));
	if (g_str_has_prefix(spec, "vsock:")) {
		if (!g_ascii_string_to_unsigned(spec + 6, 10, 3, G_MAXUINT32 - 1, &cid, NULL)) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				    "endpoint \"%s\": the CID must be a number from 3 to %u", spec,
				    G_MAXUINT32 - 1);
			return FALSE;
		}
		ckpt_endpoint_set_vsock(endpoint, (guint32)cid);
		return TRUE;
	}
	for (guint i = 0; i < 2; i++) {
		const char *prefix = i == 0 ? "hybrid:" : "unix:";

		if (g_str_has_prefix(spec, prefix) && spec[strlen(prefix)] != '\0') {
			ckpt_endpoint_set_hybrid(endpoint, spec + strlen(prefix));
			return TRUE;
		}
	}
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		    "endpoint \"%s\": expected vsock:CID or hybrid:PATH", spec);
	return FALSE;
}

char *ckpt_endpoint_to_string(const CkptEndpoint *endpoint)
{
	if (endpoint->kind == CKPT_ENDPOINT_VSOCK)
		return g_strdup_printf("vsock:%u", endpoint->cid);
	return g_strdup_printf("hybrid:%s", endpoint->uds_path);
}

void ckpt_endpoint_set_vsock(CkptEndpoint *endpoint, guint32 cid)
{
	ckpt_endpoint_clear(endpoint);
	endpoint->kind = CKPT_ENDPOINT_VSOCK;
	endpoint->cid = cid;
}

void ckpt_endpoint_set_hybrid(CkptEndpoint *endpoint, const char *uds_path)
{
	ckpt_endpoint_clear(endpoint);
	endpoint->kind = CKPT_ENDPOINT_HYBRID;
	endpoint->uds_path = g_strdup(uds_path);
}

void ckpt_endpoint_clear(CkptEndpoint *endpoint)
{
	g_clear_pointer(&endpoint->uds_path, g_free);
	endpoint->cid = 0;
}

GSocketConnection *ckpt_transport_connect(const char *vm_name, const CkptEndpoint *endpoint,
					  guint32 port, guint timeout_ms, GCancellable *cancellable,
					  GError **error)
{
	if (endpoint->kind == CKPT_ENDPOINT_VSOCK)
		return ckpt_transport_connect_vsock(vm_name, endpoint->cid, port, timeout_ms,
						    cancellable, error);
	return ckpt_transport_connect_hybrid(vm_name, endpoint->uds_path, port, timeout_ms,
					     cancellable, error);
}
