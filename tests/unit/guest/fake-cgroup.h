/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A cgroup directory imitated with plain files (cgroup.events,
 * cgroup.freeze, cgroup.kill, cgroup.procs, cgroup.threads), for tests
 * that must not touch the machine's cgroups.
 */
#ifndef FAKE_CGROUP_H
#define FAKE_CGROUP_H

#include <sys/types.h>

#include <glib.h>

/* Creates dir (and parents) with the files of a cgroup in that state. */
void fake_cgroup_make(const char *dir, gboolean populated, gboolean frozen, gboolean freeze,
		      const pid_t *pids, guint n);
void fake_cgroup_set_events(const char *dir, gboolean populated, gboolean frozen);
/* The contents of one of its files. */
char *fake_cgroup_read(const char *dir, const char *file);

#endif /* FAKE_CGROUP_H */
