// SPDX-License-Identifier: GPL-2.0-only
#include "ckpt-paths.h"

CkptPaths *ckpt_paths_new(const char *run_dir, const char *cgroup_dir, const char *device)
{
	CkptPaths *paths = g_new0(CkptPaths, 1);

	paths->run_dir = g_strdup(run_dir);
	paths->cgroup_dir = g_strdup(cgroup_dir);
	paths->device = g_strdup(device);
	paths->check_cgroup2 = TRUE;
	return paths;
}

CkptPaths *ckpt_paths_new_default(void)
{
	return ckpt_paths_new(CKPT_DEFAULT_RUN_DIR, CKPT_DEFAULT_CGROUP_DIR, CKPT_DEFAULT_DEVICE);
}

CkptPaths *ckpt_paths_copy(const CkptPaths *paths)
{
	CkptPaths *copy = ckpt_paths_new(paths->run_dir, paths->cgroup_dir, paths->device);

	copy->check_cgroup2 = paths->check_cgroup2;
	return copy;
}

void ckpt_paths_free(CkptPaths *paths)
{
	if (!paths)
		return;
	g_free(paths->run_dir);
	g_free(paths->cgroup_dir);
	g_free(paths->device);
	g_free(paths);
}
