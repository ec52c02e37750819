// SPDX-License-Identifier: GPL-2.0-only
/*
 * The files kind: a task's fd table (CKPT_REC_FILES, then one CKPT_REC_FD
 * per open fd with its close-on-exec bit), written once per table; threads
 * share it.
 *
 * The section is: the FILE and PIPE records of files not seen before (in
 * fd order), FILES, the FDs. A struct file held by several fds, or by
 * several processes after fork, is one FILE object, so it is one struct
 * file again after restart and its offset stays shared.
 *
 * Restart empties current's table (the restart tool's own fds: the core
 * holds its own references to the image and to /dev/ckpt) and installs
 * every file at its number.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fcntl.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/rcupdate.h>
#include <linux/resource.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "ckpt_cr.h"
#include "ckpt_file.h"
#include "ckpt_resolve.h"

/* One open fd of a frozen task, with a reference to its file. */
struct ckpt_fd_ent {
	struct file *file;
	u32 fd;
	u32 flags;		/* CKPT_FD_F_* */
	u32 file_ref;
};

struct ckpt_fd_list {
	struct ckpt_fd_ent *ents;
	u32 nr;
};

static void ckpt_fd_list_free(struct ckpt_fd_list *l)
{
	u32 i;

	for (i = 0; i < l->nr; i++)
		fput(l->ents[i].file);
	kvfree(l->ents);
	l->ents = NULL;
	l->nr = 0;
}

/*
 * Fill at most cap entries from files; returns how many fds are open (more
 * than cap: call again with more room). Under file_lock, so only
 * references are taken.
 */
static u32 ckpt_fd_list_fill(struct files_struct *files,
			     struct ckpt_fd_ent *ents, u32 cap)
{
	struct fdtable *fdt;
	unsigned int fd;
	u32 n = 0;

	spin_lock(&files->file_lock);
	fdt = files_fdtable(files);
	for (fd = find_first_bit(fdt->open_fds, fdt->max_fds); fd < fdt->max_fds;
	     fd = find_next_bit(fdt->open_fds, fdt->max_fds, fd + 1)) {
		/* Reserved by get_unused_fd_flags() but not installed yet. */
		struct file *file = files_lookup_fd_locked(files, fd);

		if (!file)
			continue;
		if (n < cap) {
			ents[n].file = get_file(file);
			ents[n].fd = fd;
			ents[n].flags = close_on_exec(fd, fdt) ? CKPT_FD_F_CLOEXEC : 0;
			ents[n].file_ref = 0;
		}
		n++;
	}
	spin_unlock(&files->file_lock);
	return n;
}

/*
 * Every open fd of t. t is frozen, so its table only changes if it dies;
 * task_lock() keeps the table alive while it is read (exit_files() takes
 * it before dropping the table).
 */
static int ckpt_fd_list_get(struct ckpt_ctx *ctx, struct task_struct *t,
			    struct ckpt_fd_list *l)
{
	u32 cap = 0, n;

	l->ents = NULL;
	l->nr = 0;
	for (;;) {
		task_lock(t);
		n = t->files ? ckpt_fd_list_fill(t->files, l->ents, cap) : 0;
		l->nr = min(n, cap);
		task_unlock(t);
		if (n <= cap)
			return 0;
		ckpt_fd_list_free(l);
		cap = n + 8;
		l->ents = kvmalloc_array(cap, sizeof(*l->ents), GFP_KERNEL);
		if (!l->ents)
			return ckpt_err(ctx->err, -ENOMEM,
					"no memory for a table of %u fds", n);
	}
}

static struct files_struct *ckpt_task_files(struct task_struct *t)
{
	struct files_struct *files;

	task_lock(t);
	files = t->files;
	task_unlock(t);
	return files;
}

/* ---- checkpoint ------------------------------------------------------------ */

/*
 * Every fd must hold something restorable. Threads restart with
 * CLONE_FILES, so a thread with its own table (unshare(CLONE_FILES))
 * cannot be rebuilt; sharing between processes is refused by the core.
 */
static int ckpt_files_precheck(struct ckpt_ctx *ctx, struct task_struct *t)
{
	pid_t pid = ckpt_vpid(ctx, t);
	struct files_struct *files = ckpt_task_files(t);
	struct ckpt_fd_list l;
	u32 i;
	int err;

	if (!files)
		return ckpt_err(ctx->err, -ESRCH, "pid %d has no fd table (exiting?)",
				pid);
	if (files != ckpt_task_files(t->group_leader))
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"pid %d: a thread with its own fd table (unshare(CLONE_FILES)) is not supported",
				pid);
	/* Its leader's precheck looked at the table already. */
	if (!thread_group_leader(t))
		return 0;

	err = ckpt_fd_list_get(ctx, t, &l);
	if (err)
		return err;
	for (i = 0; i < l.nr; i++) {
		err = ckpt_file_precheck(ctx, l.ents[i].file);
		if (err) {
			ckpt_err_prefix(ctx->err, "pid %d fd %u", pid, l.ents[i].fd);
			break;
		}
	}
	ckpt_fd_list_free(&l);
	return err;
}

static int ckpt_files_write(struct ckpt_ctx *ctx, u32 objref,
			    struct ckpt_fd_list *l)
{
	struct ckpt_rec_files files = {
		.objref = objref,
		.nr_fds = l->nr,
	};
	u32 i;
	int err;

	/* Objects first: they precede their references. */
	for (i = 0; i < l->nr; i++) {
		err = ckpt_file_checkpoint_ref(ctx, l->ents[i].file,
					       &l->ents[i].file_ref);
		if (err) {
			ckpt_err_prefix(ctx->err, "fd %u", l->ents[i].fd);
			return err;
		}
	}
	err = ckpt_write_rec(ctx, CKPT_REC_FILES, &files, sizeof(files));
	for (i = 0; !err && i < l->nr; i++) {
		struct ckpt_rec_fd fd = {
			.fd = l->ents[i].fd,
			.flags = l->ents[i].flags,
			.file_ref = l->ents[i].file_ref,
		};

		err = ckpt_write_rec(ctx, CKPT_REC_FD, &fd, sizeof(fd));
	}
	return err;
}

static int ckpt_files_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct files_struct *files = ckpt_task_files(t);
	struct ckpt_fd_list l;
	bool first;
	u32 objref;
	int err;

	if (!files)
		return ckpt_err(ctx->err, -ESRCH, "no fd table (exiting?)");
	objref = ckpt_obj_checkpoint(ctx, files, CKPT_OBJ_FILES, &first);
	if (!objref)
		return -ENOMEM;
	if (!first)
		return 0;
	err = ckpt_fd_list_get(ctx, t, &l);
	if (err)
		return err;
	if (ckpt_task_files(t) != files)
		err = ckpt_err(ctx->err, -ESRCH, "fd table went away (exiting?)");
	if (!err)
		err = ckpt_files_write(ctx, objref, &l);
	ckpt_fd_list_free(&l);
	return err;
}

/* ---- restart ---------------------------------------------------------------- */

/* Close every fd of current: what is left of the restart tool's. */
static void ckpt_files_close_all(void)
{
	unsigned int fd = 0;

	for (;;) {
		struct file *file;

		rcu_read_lock();
		file = task_lookup_next_fd_rcu(current, &fd);
		rcu_read_unlock();
		if (!file)
			break;
		close_fd(fd);
		fd++;
	}
}

/*
 * replace_fd() refuses numbers at or above RLIMIT_NOFILE, but rlimits are
 * restored later (signal kind), and a process may hold fds above a limit
 * it lowered afterwards. Lift the limit while installing; *saved gets the
 * limit to put back.
 */
static void ckpt_files_lift_nofile(unsigned int fd, struct rlimit *saved,
				   bool *lifted)
{
	struct task_struct *leader = current->group_leader;
	struct rlimit *rlim = current->signal->rlim + RLIMIT_NOFILE;

	task_lock(leader);
	if (fd >= rlim->rlim_cur) {
		if (!*lifted)
			*saved = *rlim;
		*lifted = true;
		rlim->rlim_cur = (unsigned long)fd + 1;
		if (rlim->rlim_max < rlim->rlim_cur)
			rlim->rlim_max = rlim->rlim_cur;
	}
	task_unlock(leader);
}

static void ckpt_files_restore_nofile(struct rlimit *saved, bool lifted)
{
	struct task_struct *leader = current->group_leader;

	if (!lifted)
		return;
	task_lock(leader);
	current->signal->rlim[RLIMIT_NOFILE] = *saved;
	task_unlock(leader);
}

/* Read one FD record and install its file at its number. */
static int ckpt_files_restore_fd(struct ckpt_ctx *ctx, s64 *prev,
				 struct rlimit *saved, bool *lifted)
{
	struct ckpt_rec_fd rec;
	struct file *file;
	int err;

	err = ckpt_read_rec(ctx, CKPT_REC_FD, &rec, sizeof(rec)) ?:
	      ckpt_check_zero(ctx, &rec.pad, sizeof(rec.pad), "pad");
	if (err)
		return err;
	if (rec.flags & ~CKPT_FD_F_ALL)
		return ckpt_rec_err(ctx, -EINVAL, "unknown flags 0x%x", rec.flags);
	if (rec.fd > INT_MAX || (s64)rec.fd <= *prev)
		return ckpt_rec_err(ctx, -EINVAL,
				    "fd %u out of order (after %lld) or out of range",
				    rec.fd, *prev);
	*prev = rec.fd;
	file = ckpt_obj_fetch(ctx, rec.file_ref, CKPT_OBJ_FILE);
	if (IS_ERR(file))
		return PTR_ERR(file);

	ckpt_files_lift_nofile(rec.fd, saved, lifted);
	/* Takes its own reference; the object hash keeps ours. */
	err = ckpt_sym.replace_fd(rec.fd, file,
				  rec.flags & CKPT_FD_F_CLOEXEC ? O_CLOEXEC : 0);
	if (err < 0)
		return ckpt_rec_err(ctx, err,
				    "cannot install file objref %u as fd %u (error %d%s)",
				    rec.file_ref, rec.fd, err,
				    err == -EMFILE ? ": above fs.nr_open" : "");
	return 0;
}

static int ckpt_files_restore_new(struct ckpt_ctx *ctx, u32 objref)
{
	struct ckpt_rec_files rec;
	struct rlimit saved;
	bool lifted = false;
	s64 prev = -1;
	u32 i;
	int err;

	err = ckpt_file_restore_objects(ctx) ?:
	      ckpt_read_rec(ctx, CKPT_REC_FILES, &rec, sizeof(rec));
	if (err)
		return err;
	if (rec.objref != objref)
		return ckpt_rec_err(ctx, -EINVAL,
				    "objref %u where the task's files objref %u belongs",
				    rec.objref, objref);

	ckpt_files_close_all();
	for (i = 0; i < rec.nr_fds; i++) {
		err = ckpt_files_restore_fd(ctx, &prev, &saved, &lifted);
		if (err)
			break;
	}
	ckpt_files_restore_nofile(&saved, lifted);
	if (err)
		return err;
	/* Identity only: threads check they share it; current keeps it alive. */
	return ckpt_obj_add(ctx, objref, CKPT_OBJ_FILES, current->files, NULL);
}

static int ckpt_files_restore(struct ckpt_ctx *ctx)
{
	u32 objref = ckpt_cur_task(ctx)->files_ref;
	struct files_struct *files;

	if (!ckpt_obj_known(ctx, objref))
		return ckpt_files_restore_new(ctx, objref);
	files = ckpt_obj_fetch(ctx, objref, CKPT_OBJ_FILES);
	if (IS_ERR(files))
		return PTR_ERR(files);
	if (files != current->files)
		return ckpt_rec_err(ctx, -EINVAL,
				    "files objref %u is shared with an earlier task, but this task was not created with CLONE_FILES",
				    objref);
	return 0;
}

const struct ckpt_task_kind ckpt_files_kind = {
	.name = "files",
	.precheck = ckpt_files_precheck,
	.checkpoint = ckpt_files_checkpoint,
	.restore = ckpt_files_restore,
};
