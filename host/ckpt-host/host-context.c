// SPDX-License-Identifier: GPL-2.0-only
#include <libvirt/virterror.h>

#include "host-context.h"
#include "host-error.h"

gboolean host_context_chatty(const HostContext *ctx)
{
	return !ctx->quiet && !ctx->json;
}

/* libvirt prints every error on stderr by default; ours carry them instead. */
static void quiet_virt_error(void *data, virErrorPtr err)
{
}

virConnectPtr host_context_virt(HostContext *ctx, GError **error)
{
	if (ctx->virt)
		return ctx->virt;
	virSetErrorFunc(NULL, quiet_virt_error);
	/* Read-only: ckpt-host reads domain XML and never changes a domain. */
	ctx->virt = virConnectOpenReadOnly(ctx->uri);
	if (!ctx->virt)
		g_set_error(error, HOST_ERROR, HOST_ERROR_LIBVIRT,
			    "libvirt %s: %s (is libvirtd running? --connect picks another URI; "
			    "--cid, --uds or --endpoint need no libvirt)",
			    ctx->uri, virGetLastErrorMessage());
	return ctx->virt;
}

CkptStore *host_context_store(HostContext *ctx, GError **error)
{
	if (!ctx->store)
		ctx->store = ckpt_store_open(ctx->store_dir, error);
	return ctx->store;
}

void host_context_clear(HostContext *ctx)
{
	if (ctx->virt)
		virConnectClose(ctx->virt);
	ctx->virt = NULL;
	g_clear_pointer(&ctx->store, ckpt_store_free);
	g_clear_pointer(&ctx->uri, g_free);
	g_clear_pointer(&ctx->uds, g_free);
	g_clear_pointer(&ctx->endpoint, g_free);
	g_clear_pointer(&ctx->store_dir, g_free);
}
