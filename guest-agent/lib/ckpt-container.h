/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A container by name: its state directory RUN_DIR/NAME (init.pid,
 * config, log) and its cgroup CGROUP_DIR/NAME. What runs is told by the
 * cgroup (cgroup.events, cgroup.procs), never by the state directory
 * alone, so a container whose init died shows as stopped.
 *
 * Operations that change a container take its lock first
 * (ckpt_container_lock), so two commands (or the agent and a command)
 * never act on one container at once.
 */
#ifndef CKPT_CONTAINER_H
#define CKPT_CONTAINER_H

#include <sys/types.h>

#include <gio/gio.h>

#include "ckpt-cgroup.h"
#include "ckpt-container-config.h"
#include "ckpt-paths.h"

G_BEGIN_DECLS

#define CKPT_CONTAINER_NAME_MAX 64
/* Default time a freeze or a kill may take. */
#define CKPT_DEFAULT_TIMEOUT_MS 10000

typedef enum {
	CKPT_CONTAINER_ABSENT,	/* neither state directory nor cgroup */
	CKPT_CONTAINER_STOPPED, /* leftovers, but no task runs */
	CKPT_CONTAINER_RUNNING,
	CKPT_CONTAINER_FREEZING, /* freeze asked, not every task frozen yet */
	CKPT_CONTAINER_FROZEN,
} CkptContainerState;

typedef struct {
	CkptContainerState state;
	pid_t init_pid;	    /* its init as the caller sees it; 0 if none */
	guint nr_processes; /* cgroup.procs */
	guint nr_tasks;	    /* cgroup.threads: processes and threads */
} CkptContainerStatus;

typedef struct _CkptContainer CkptContainer;

/* 1..64 of [A-Za-z0-9_.-], starting with a letter or digit. */
gboolean ckpt_container_name_check(const char *name, GError **error);

/* A handle by name; touches nothing. */
CkptContainer *ckpt_container_new(const CkptPaths *paths, const char *name, GError **error);
void ckpt_container_free(CkptContainer *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CkptContainer, ckpt_container_free)

const char *ckpt_container_get_name(const CkptContainer *c);
const CkptPaths *ckpt_container_get_paths(const CkptContainer *c);
const char *ckpt_container_get_state_dir(const CkptContainer *c);
const char *ckpt_container_get_cgroup_path(const CkptContainer *c);
/* STATE/log: where `--log` sends stdout and stderr. */
char *ckpt_container_get_log_path(const CkptContainer *c);
const char *ckpt_container_state_name(CkptContainerState state);

/*
 * Takes the container's lock (RUN_DIR/.locks/NAME, flock), or fails with
 * CKPT_GUEST_ERROR_BUSY. Released by ckpt_container_unlock or free.
 */
gboolean ckpt_container_lock(CkptContainer *c, GError **error);
void ckpt_container_unlock(CkptContainer *c);

gboolean ckpt_container_get_status(CkptContainer *c, CkptContainerStatus *status, GError **error);
/*
 * The memory its processes hold: the sum of their PSS, in bytes; -1 when no
 * process could be measured (none left, or /proc unreadable). Not part of
 * get_status: it walks every process's page tables.
 */
gint64 ckpt_container_get_memory(CkptContainer *c);
/* Like get_status, but CKPT_GUEST_ERROR_NOT_FOUND when absent. */
gboolean ckpt_container_require(CkptContainer *c, CkptContainerStatus *status, GError **error);
/* Requires RUNNING, FREEZING or FROZEN; the status is returned. */
gboolean ckpt_container_require_live(CkptContainer *c, CkptContainerStatus *status, GError **error);

/* The container's cgroup, opened once; CKPT_GUEST_ERROR_NOT_FOUND if none. */
CkptCgroup *ckpt_container_get_cgroup(CkptContainer *c, GError **error);

/* STATE/config, NULL (no error) if there is none. */
CkptContainerConfig *ckpt_container_load_config(CkptContainer *c, GError **error);

/*
 * Makes a fresh container: refuses (CKPT_GUEST_ERROR_EXISTS) if it runs,
 * removes what a stopped one left, then creates the state directory, the
 * log file, the config and the cgroup.
 */
gboolean ckpt_container_create(CkptContainer *c, const CkptContainerConfig *config, GError **error);
gboolean ckpt_container_set_init_pid(CkptContainer *c, pid_t pid, GError **error);

/*
 * Freezes every task; if that takes longer than timeout_ms (or is
 * cancelled) the container is thawed again and the error names the tasks
 * that did not freeze. Already frozen is fine.
 */
gboolean ckpt_container_freeze(CkptContainer *c, gint64 timeout_ms, GCancellable *cancellable,
			       GError **error);
gboolean ckpt_container_thaw(CkptContainer *c, GError **error);

/* Sends signo to the container's init only. */
gboolean ckpt_container_signal(CkptContainer *c, int signo, GError **error);

/*
 * SIGKILLs every task (cgroup.kill, frozen or not), waits until the
 * cgroup is empty, then removes the cgroup and the state directory.
 */
gboolean ckpt_container_kill(CkptContainer *c, gint64 timeout_ms, GCancellable *cancellable,
			     GError **error);

/* Removes the cgroup and the state directory of a container that has no task. */
gboolean ckpt_container_destroy(CkptContainer *c, GError **error);

/* Every container with a state directory or a cgroup, sorted by name. */
GPtrArray *ckpt_container_list(const CkptPaths *paths, GError **error);

G_END_DECLS

#endif /* CKPT_CONTAINER_H */
