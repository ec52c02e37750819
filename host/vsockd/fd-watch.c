// SPDX-License-Identifier: GPL-2.0-only
#include "fd-watch.h"

struct FdWatch {
	GSource source;
	gpointer tag;
	int fd;
	GIOCondition wanted;
	FdWatchFunc func;
	gpointer user_data;
};

static gboolean fd_watch_dispatch(GSource *source, GSourceFunc unused, gpointer unused_data)
{
	FdWatch *watch = (FdWatch *)source;
	GIOCondition ready = watch->tag ? g_source_query_unix_fd(source, watch->tag) : 0;

	if (ready)
		watch->func(watch->fd, ready, watch->user_data);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs fd_watch_funcs = {
	.dispatch = fd_watch_dispatch,
};

FdWatch *fd_watch_new(int fd, GIOCondition wanted, FdWatchFunc func, gpointer user_data)
{
	GSource *source = g_source_new(&fd_watch_funcs, sizeof(FdWatch));
	FdWatch *watch = (FdWatch *)source;

	watch->fd = fd;
	watch->wanted = wanted;
	watch->func = func;
	watch->user_data = user_data;
	if (wanted)
		watch->tag = g_source_add_unix_fd(source, fd, wanted);
	g_source_set_name(source, "fd-watch");
	g_source_attach(source, NULL);
	return watch;
}

/*
 * With nothing wanted the descriptor leaves the poll set altogether:
 * poll() reports POLLHUP even for an empty event mask, and a hung-up peer
 * we are not ready to deal with would otherwise spin the loop.
 */
void fd_watch_set(FdWatch *watch, GIOCondition wanted)
{
	if (watch->wanted == wanted)
		return;
	if (wanted == 0) {
		g_source_remove_unix_fd(&watch->source, watch->tag);
		watch->tag = NULL;
	} else if (!watch->tag) {
		watch->tag = g_source_add_unix_fd(&watch->source, watch->fd, wanted);
	} else {
		g_source_modify_unix_fd(&watch->source, watch->tag, wanted);
	}
	watch->wanted = wanted;
}

GIOCondition fd_watch_get(const FdWatch *watch)
{
	return watch->wanted;
}

void fd_watch_free(FdWatch *watch)
{
	if (!watch)
		return;
	g_source_destroy(&watch->source);
	g_source_unref(&watch->source);
}
