/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Builds the buffer CKPT_IOC_RESTORE_BEGIN returns (a CONTAINER record and
 * TASK records) from a compact table, for the restore tree and restorer
 * tests.
 */
#ifndef TREE_BUILDER_H
#define TREE_BUILDER_H

#include <glib.h>

#include "ckpt_image.h"

typedef struct {
	gint32 pid, tgid, ppid, pgid, sid;
	guint32 exit_signal;
	/* 0: derived from tgid, so that threads share and processes do not */
	guint32 mm_ref;
} TreeTask;

/* A tree buffer for tasks[0..n); a task is a thread when tgid != pid. */
GBytes *tree_build(const TreeTask *tasks, guint n);

/* The same, with the buffer's bytes handed to edit first. */
GBytes *tree_build_edit(const TreeTask *tasks, guint n, void (*edit)(GByteArray *buf));

#endif /* TREE_BUILDER_H */
