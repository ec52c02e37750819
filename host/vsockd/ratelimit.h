/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rate limit for messages a guest can trigger at will (malformed rings,
 * bad packets): a misbehaving guest must not be able to flood the host log.
 */
#pragma once

#include <glib.h>

typedef struct {
	gint64 window_start; /* monotonic µs */
	guint in_window;
	guint suppressed;
} RateLimit;

#define RATELIMIT_BURST 5
#define RATELIMIT_WINDOW_US (10 * G_USEC_PER_SEC)

/* Logs at G_LOG_LEVEL_MESSAGE unless this limiter's burst is used up. */
void ratelimit_log(RateLimit *rl, const char *format, ...) G_GNUC_PRINTF(2, 3);
