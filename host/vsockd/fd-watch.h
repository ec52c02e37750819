/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A GSource on one file descriptor whose wanted conditions can change
 * without re-creating the source. Connections flip between "want input"
 * and "want output" on every credit change, so this must be cheap.
 */
#pragma once

#include <glib.h>

typedef struct FdWatch FdWatch;

/* Called with the conditions poll() reported (including G_IO_HUP/G_IO_ERR). */
typedef void (*FdWatchFunc)(int fd, GIOCondition ready, gpointer user_data);

FdWatch *fd_watch_new(int fd, GIOCondition wanted, FdWatchFunc func, gpointer user_data);
void fd_watch_set(FdWatch *watch, GIOCondition wanted);
GIOCondition fd_watch_get(const FdWatch *watch);
/* Detaches and frees the watch; the descriptor stays open. NULL is fine. */
void fd_watch_free(FdWatch *watch);
