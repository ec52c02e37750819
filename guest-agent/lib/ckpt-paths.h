/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where containers live: their state directories (RUN_DIR/NAME), their
 * cgroups (CGROUP_DIR/NAME) and the module's device. The defaults are
 * /run/ckpt, /sys/fs/cgroup/ckpt and /dev/ckpt; unit tests point them at
 * a temporary directory holding fake cgroup files.
 */
#ifndef CKPT_PATHS_H
#define CKPT_PATHS_H

#include <glib.h>

G_BEGIN_DECLS

#define CKPT_DEFAULT_RUN_DIR "/run/ckpt"
#define CKPT_DEFAULT_CGROUP_DIR "/sys/fs/cgroup/ckpt"
#define CKPT_DEFAULT_DEVICE "/dev/ckpt"

typedef struct {
	char *run_dir;
	char *cgroup_dir;
	char *device;
	/*
	 * Check that cgroup_dir's parent is a cgroup v2 mount before creating
	 * anything there. Off only for tests on fake cgroup trees.
	 */
	gboolean check_cgroup2;
} CkptPaths;

CkptPaths *ckpt_paths_new_default(void);
CkptPaths *ckpt_paths_new(const char *run_dir, const char *cgroup_dir, const char *device);
CkptPaths *ckpt_paths_copy(const CkptPaths *paths);
void ckpt_paths_free(CkptPaths *paths);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CkptPaths, ckpt_paths_free)

G_END_DECLS

#endif /* CKPT_PATHS_H */
