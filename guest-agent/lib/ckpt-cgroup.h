/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One cgroup v2 directory and the core interface files a container needs:
 * cgroup.freeze, cgroup.events, cgroup.kill, cgroup.procs, cgroup.threads.
 * None of them needs a controller, so the cgroup works under any parent.
 * The directory stays open: its fd is what clone3(CLONE_INTO_CGROUP) takes.
 */
#ifndef CKPT_CGROUP_H
#define CKPT_CGROUP_H

#include <sys/types.h>

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _CkptCgroup CkptCgroup;

typedef struct {
	gboolean populated; /* some task lives in it (or below it) */
	gboolean frozen;    /* every task of it is frozen */
} CkptCgroupEvents;

typedef enum {
	CKPT_CGROUP_FROZEN, /* events: frozen 1 */
	CKPT_CGROUP_THAWED, /* events: frozen 0 */
	CKPT_CGROUP_EMPTY,  /* events: populated 0 */
} CkptCgroupCondition;

/* An existing cgroup; CKPT_GUEST_ERROR_NOT_FOUND if path does not exist. */
CkptCgroup *ckpt_cgroup_open(const char *path, GError **error);
/*
 * The cgroup at path, created (with its parent) if needed. With
 * check_cgroup2 the parent's parent must be a cgroup v2 mount.
 */
CkptCgroup *ckpt_cgroup_create(const char *path, gboolean check_cgroup2, GError **error);
void ckpt_cgroup_free(CkptCgroup *cg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CkptCgroup, ckpt_cgroup_free)

const char *ckpt_cgroup_get_path(const CkptCgroup *cg);
/* The directory fd (O_DIRECTORY|O_CLOEXEC), for CLONE_INTO_CGROUP. */
int ckpt_cgroup_get_fd(const CkptCgroup *cg);

/* Parses cgroup.events ("populated 1\nfrozen 0\n"); unknown keys are skipped. */
gboolean ckpt_cgroup_parse_events(const char *text, CkptCgroupEvents *events, GError **error);
gboolean ckpt_cgroup_read_events(CkptCgroup *cg, CkptCgroupEvents *events, GError **error);

/* cgroup.freeze: what was asked, which may not be reached yet. */
gboolean ckpt_cgroup_get_freeze(CkptCgroup *cg, gboolean *freeze, GError **error);
gboolean ckpt_cgroup_set_freeze(CkptCgroup *cg, gboolean freeze, GError **error);

/* SIGKILL to every task of the cgroup (cgroup.kill), frozen or not. */
gboolean ckpt_cgroup_kill(CkptCgroup *cg, GError **error);

/*
 * The pids listed in file ("cgroup.procs": processes, "cgroup.threads":
 * every task), as seen from the caller's pid namespace, as a GArray of
 * pid_t.
 */
GArray *ckpt_cgroup_read_pids(CkptCgroup *cg, const char *file, GError **error);

/*
 * Waits until cond holds, at most timeout_ms (< 0: forever). Wakes on the
 * kernel's cgroup.events notification, and re-reads at least every 100 ms
 * as well. CKPT_GUEST_ERROR_TIMEOUT when the time is up, G_IO_ERROR_CANCELLED
 * when cancelled.
 */
gboolean ckpt_cgroup_wait(CkptCgroup *cg, CkptCgroupCondition cond, gint64 timeout_ms,
			  GCancellable *cancellable, GError **error);

/* rmdir; the cgroup must be empty. The object stays usable for its path. */
gboolean ckpt_cgroup_remove(CkptCgroup *cg, GError **error);

G_END_DECLS

#endif /* CKPT_CGROUP_H */
