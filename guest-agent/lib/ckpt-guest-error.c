// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "ckpt-guest-error.h"

GQuark ckpt_guest_error_quark(void)
{
	return g_quark_from_static_string("ckpt-guest-error-quark");
}

void ckpt_set_error_errno(GError **error, int errnum, const char *fmt, ...)
{
	g_autofree char *what = NULL;
	va_list ap;

	va_start(ap, fmt);
	what = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_FAILED, "%s: %s", what,
		    g_strerror(errnum));
}

void ckpt_prefix_container(GError **error, const char *name)
{
	g_prefix_error(error, "container %s: ", name);
}
