// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd-util.h"

gboolean ckpt_cmd_parse(GOptionContext *octx, int *argc, char ***argv)
{
	g_autoptr(GError) error = NULL;

	if (g_option_context_parse(octx, argc, argv, &error))
		return TRUE;
	fprintf(stderr, "%s: %s\n", g_get_prgname(), error->message);
	return FALSE;
}

int ckpt_cmd_fail(const GError *error)
{
	fprintf(stderr, "%s: %s\n", g_get_prgname(), error->message);
	return 1;
}

int ckpt_cmd_usage(const char *fmt, ...)
{
	g_autofree char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s (see --help)\n", g_get_prgname(), msg);
	return CKPT_EXIT_USAGE;
}

CkptContainer *ckpt_cmd_open_container(const char *name, gboolean lock, GError **error)
{
	g_autoptr(CkptPaths) paths = ckpt_paths_new_default();
	g_autoptr(CkptContainer) c = ckpt_container_new(paths, name, error);

	if (!c || (lock && !ckpt_container_lock(c, error)))
		return NULL;
	return g_steal_pointer(&c);
}

gboolean ckpt_cmd_absolute_dir(char **path, GError **error)
{
	g_autofree char *real = realpath(*path, NULL);

	if (!real) {
		ckpt_set_error_errno(error, errno, "rootfs %s", *path);
		return FALSE;
	}
	if (!g_file_test(real, G_FILE_TEST_IS_DIR)) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_INVALID,
			    "rootfs %s is not a directory", *path);
		return FALSE;
	}
	g_free(*path);
	*path = g_steal_pointer(&real);
	return TRUE;
}

gboolean ckpt_cmd_timeout_ms(double seconds, gint64 *ms)
{
	if (seconds < 0)
		return FALSE;
	*ms = seconds == 0 ? CKPT_DEFAULT_TIMEOUT_MS : (gint64)(seconds * 1000 + 0.5);
	if (*ms == 0)
		*ms = 1;
	return TRUE;
}

static GCancellable *signal_cancellable;
static pthread_t main_thread;
static sigset_t cancel_signals;

static void on_poke(int sig)
{
	/* Only there to make a blocking call return EINTR. */
}

static gpointer signal_thread(gpointer data)
{
	int sig;

	if (sigwait(&cancel_signals, &sig) != 0)
		return NULL;
	fprintf(stderr, "%s: %s: cancelling (again to quit at once)\n", g_get_prgname(),
		strsignal(sig));
	g_cancellable_cancel(signal_cancellable);
	pthread_kill(main_thread, SIGUSR1);
	if (sigwait(&cancel_signals, &sig) == 0)
		_exit(128 + sig);
	return NULL;
}

GCancellable *ckpt_cmd_cancel_on_signals(void)
{
	struct sigaction poke = {.sa_handler = on_poke}; /* no SA_RESTART */

	if (signal_cancellable)
		return g_object_ref(signal_cancellable);
	sigemptyset(&cancel_signals);
	sigaddset(&cancel_signals, SIGINT);
	sigaddset(&cancel_signals, SIGTERM);
	sigaddset(&cancel_signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &cancel_signals, NULL);
	sigaction(SIGUSR1, &poke, NULL);
	main_thread = pthread_self();
	signal_cancellable = g_cancellable_new();
	g_thread_unref(g_thread_new("signals", signal_thread, NULL));
	return g_object_ref(signal_cancellable);
}
