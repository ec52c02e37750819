// SPDX-License-Identifier: GPL-2.0-only
#include <gio/gio.h>

#include "agent-error.h"
#include "ckpt-domain.h"
#include "ckpt-store.h"
#include "ckpt-transport.h"
#include "host-error.h"

/* The quark name is stringified: keep clang-format from spacing its dashes. */
// clang-format off
G_DEFINE_QUARK(ckpt-host-error-quark, host_error)
// clang-format on

static const char *const host_classes[] = {
	[HOST_ERROR_USAGE] = "usage",	      [HOST_ERROR_LIBVIRT] = "libvirt",
	[HOST_ERROR_NO_DOMAIN] = "no-domain", [HOST_ERROR_EXISTS] = "exists",
	[HOST_ERROR_VERIFY] = "verify",	      [HOST_ERROR_INTERRUPTED] = "interrupted",
	[HOST_ERROR_MIGRATE] = "migrate",     [HOST_ERROR_FAILED] = "failed",
};

static const char *const transport_classes[] = {
	[CKPT_TRANSPORT_ERROR_NO_LISTENER] = "no-listener",
	[CKPT_TRANSPORT_ERROR_NO_BRIDGE] = "no-bridge",
	[CKPT_TRANSPORT_ERROR_UNREACHABLE] = "unreachable",
	[CKPT_TRANSPORT_ERROR_TIMEOUT] = "timeout",
	[CKPT_TRANSPORT_ERROR_PROTOCOL] = "protocol",
	[CKPT_TRANSPORT_ERROR_FAILED] = "failed",
};

static const char *const store_classes[] = {
	[CKPT_STORE_ERROR_NOT_FOUND] = "not-found", [CKPT_STORE_ERROR_AMBIGUOUS] = "ambiguous",
	[CKPT_STORE_ERROR_CHECKSUM] = "checksum",   [CKPT_STORE_ERROR_CORRUPT] = "corrupt",
	[CKPT_STORE_ERROR_INVALID] = "invalid",
};

static const char *pick(const char *const *table, gsize n, gint code)
{
	return code >= 0 && (gsize)code < n && table[code] ? table[code] : "failed";
}

char *host_error_class(const GError *e)
{
	if (e->domain == HOST_ERROR)
		return g_strdup(pick(host_classes, G_N_ELEMENTS(host_classes), e->code));
	if (e->domain == AGENT_ERROR)
		return g_strdup_printf("agent:%s", agent_error_class_name(e->code)
							   ? agent_error_class_name(e->code)
							   : "failed");
	if (e->domain == CKPT_TRANSPORT_ERROR)
		return g_strdup_printf(
			"transport:%s",
			pick(transport_classes, G_N_ELEMENTS(transport_classes), e->code));
	if (e->domain == CKPT_STORE_ERROR)
		return g_strdup_printf("store:%s",
				       pick(store_classes, G_N_ELEMENTS(store_classes), e->code));
	if (e->domain == CKPT_DOMAIN_ERROR)
		return g_strdup("domain-config");
	if (e->domain == G_IO_ERROR && e->code == G_IO_ERROR_NO_SPACE)
		return g_strdup("io:no-space");
	if (e->domain == G_IO_ERROR && e->code == G_IO_ERROR_CANCELLED)
		return g_strdup("interrupted");
	return g_strdup("io");
}
