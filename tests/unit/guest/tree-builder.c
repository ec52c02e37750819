// SPDX-License-Identifier: GPL-2.0-only
#include <signal.h>
#include <string.h>

#include "tree-builder.h"

GBytes *tree_build_edit(const TreeTask *tasks, guint n, void (*edit)(GByteArray *buf))
{
	g_autoptr(GByteArray) buf = g_byte_array_new();
	struct ckpt_rec_container c = {
		.h = {.type = CKPT_REC_CONTAINER, .len = sizeof(c)},
		.nr_tasks = n,
	};

	g_strlcpy(c.nodename, "box", sizeof(c.nodename));
	g_strlcpy(c.domainname, "example", sizeof(c.domainname));
	g_byte_array_append(buf, (const guint8 *)&c, sizeof(c));
	for (guint i = 0; i < n; i++) {
		const TreeTask *t = &tasks[i];
		guint32 base = (guint32)t->tgid * 10;
		struct ckpt_rec_task r = {
			.h = {.type = CKPT_REC_TASK, .len = sizeof(r)},
			.pid = t->pid,
			.tgid = t->tgid,
			.ppid = t->ppid,
			.pgid = t->pgid,
			.sid = t->sid,
			.flags = t->tgid != t->pid ? CKPT_TASK_F_THREAD : 0,
			.exit_signal =
				t->tgid != t->pid ? 0 : (t->exit_signal ? t->exit_signal : SIGCHLD),
			.mm_ref = t->mm_ref ? t->mm_ref : base + 1,
			.files_ref = base + 2,
			.fs_ref = base + 3,
			.sighand_ref = base + 4,
			.signal_ref = base + 5,
		};

		g_byte_array_append(buf, (const guint8 *)&r, sizeof(r));
	}
	if (edit)
		edit(buf);
	return g_byte_array_free_to_bytes(g_steal_pointer(&buf));
}

GBytes *tree_build(const TreeTask *tasks, guint n)
{
	return tree_build_edit(tasks, n, NULL);
}
