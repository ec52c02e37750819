/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Starting a container: its cgroup and state directory, then its init,
 * created by clone3 straight into the cgroup and into new pid, uts, ipc
 * and mount namespaces, where it sets the container up
 * (ckpt-container-setup.h), becomes a session leader and executes the
 * command as pid 1. stdin is /dev/null; stdout and stderr are /dev/null or
 * the log file.
 *
 * The init is the caller's child until the caller exits (then the guest's
 * init adopts it). A long-lived caller (the agent) must reap it, e.g. with
 * g_child_watch_add().
 */
#ifndef CKPT_CONTAINER_RUN_H
#define CKPT_CONTAINER_RUN_H

#include <sys/types.h>

#include "ckpt-container.h"

G_BEGIN_DECLS

typedef struct {
	char **argv;	      /* the command; a name without '/' is looked up in PATH */
	char **env;	      /* KEY=VALUE, over the default environment */
	const char *hostname; /* NULL: the container's name */
	const char *rootfs;   /* NULL: the guest's root */
	gboolean log;	      /* stdout and stderr to STATE/log, else /dev/null */
} CkptRunOptions;

/* The environment a container starts with, before options->env. */
#define CKPT_RUN_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * Starts the container; returns its init's pid (as the caller sees it)
 * once the command was executed, or 0 with the error (the command not
 * found, a mount refused...) and nothing left behind.
 */
pid_t ckpt_container_run(CkptContainer *c, const CkptRunOptions *options, GError **error);

G_END_DECLS

#endif /* CKPT_CONTAINER_RUN_H */
