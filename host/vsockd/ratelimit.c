// SPDX-License-Identifier: GPL-2.0-only
#include "ratelimit.h"

void ratelimit_log(RateLimit *rl, const char *format, ...)
{
	gint64 now = g_get_monotonic_time();
	g_autofree char *text = NULL;
	va_list args;

	if (rl->window_start == 0 || now - rl->window_start >= RATELIMIT_WINDOW_US) {
		if (rl->suppressed)
			g_message("(%u similar messages suppressed)", rl->suppressed);
		rl->window_start = now;
		rl->in_window = 0;
		rl->suppressed = 0;
	}
	if (rl->in_window >= RATELIMIT_BURST) {
		rl->suppressed++;
		return;
	}
	rl->in_window++;
	va_start(args, format);
	text = g_strdup_vprintf(format, args);
	va_end(args);
	g_message("%s", text);
}
