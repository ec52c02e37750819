/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the container commands share: option parsing with the usual exit
 * codes (2 for usage), one-line errors, and opening a container by name
 * with its lock held.
 */
#ifndef CKPT_CMD_UTIL_H
#define CKPT_CMD_UTIL_H

#include <gio/gio.h>

#include "ckpt-guest.h"

/* Exit status of a command line the user got wrong. */
#define CKPT_EXIT_USAGE 2

/* Parses argv; on error prints "ckpt NAME: message" and returns FALSE. */
gboolean ckpt_cmd_parse(GOptionContext *octx, int *argc, char ***argv);

/* Prints "ckpt NAME: message" to stderr; returns 1, the failure status. */
int ckpt_cmd_fail(const GError *error);

/* Prints a usage error; returns CKPT_EXIT_USAGE. */
int ckpt_cmd_usage(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* The container NAME under the default paths, locked unless lock is FALSE. */
CkptContainer *ckpt_cmd_open_container(const char *name, gboolean lock, GError **error);

/*
 * A GCancellable that SIGINT, SIGTERM or SIGHUP cancel, so that a command
 * interrupted by the user still rolls back (thaws the container, kills a
 * half-restarted one). The signals are handled by a thread; it also pokes
 * the main thread with SIGUSR1 to break a blocking /dev/ckpt call. A
 * second signal ends the process at once.
 */
GCancellable *ckpt_cmd_cancel_on_signals(void);

/* Replaces *path by its canonical absolute form; it must be a directory. */
gboolean ckpt_cmd_absolute_dir(char **path, GError **error);

/* Seconds from --timeout (0: the default) to milliseconds; FALSE if negative. */
gboolean ckpt_cmd_timeout_ms(double seconds, gint64 *ms);

#endif /* CKPT_CMD_UTIL_H */
