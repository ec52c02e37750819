/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What /proc tells about one task, for error messages that name it:
 * "pid 12 (sleep, host pid 1234): state D in msleep".
 */
#ifndef CKPT_PROC_H
#define CKPT_PROC_H

#include <sys/types.h>

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
	pid_t pid;    /* as the caller sees it */
	pid_t ns_pid; /* in its innermost pid namespace (NSpid's last field) */
	char state;   /* R, S, D, T, Z..., '?' if unknown */
	char comm[17];
	char wchan[64]; /* where it sleeps, "" if unknown */
} CkptProcTask;

/* Reads /proc/PID/{status,wchan}. FALSE if the task is gone. */
gboolean ckpt_proc_read_task(pid_t pid, CkptProcTask *task, GError **error);

/* Parses the text of /proc/PID/status into task (pid must be set). */
gboolean ckpt_proc_parse_status(const char *text, CkptProcTask *task, GError **error);

/*
 * Whether the task sits in the cgroup v2 freezer's trap: sleeping in
 * do_freezer_trap (or get_signal, where it may be inlined).
 */
gboolean ckpt_proc_task_in_freezer(const CkptProcTask *task);

/*
 * The process's proportional set size in bytes (/proc/PID/smaps_rollup:
 * pages shared by n processes count 1/n each, so a sum over a container's
 * processes is what the container holds), or -1 if it cannot be read (the
 * process is gone, or is a kernel thread).
 */
gint64 ckpt_proc_read_pss(pid_t pid);

/* "pid 12 (sleep, host pid 1234): state D in msleep" */
char *ckpt_proc_describe(const CkptProcTask *task);

G_END_DECLS

#endif /* CKPT_PROC_H */
