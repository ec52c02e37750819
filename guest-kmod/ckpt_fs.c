// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fs kind: a task's root, cwd and umask (CKPT_REC_FS), and the one
 * rule for every path in the image: it is relative to the container's
 * root.
 *
 * At checkpoint the container's root is the root of its init. At restart
 * it is the root every restoring task was given by the coordinator (which
 * chroots or pivots into the container's root filesystem as `ckpt run`
 * did); kinds that open files run before this one, which may move a
 * task's root elsewhere (a chroot inside the container).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dcache.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/namei.h>
#include <linux/path.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/stat.h>

#include "ckpt_cr.h"
#include "ckpt_file.h"
#include "ckpt_resolve.h"

/* ---- paths ------------------------------------------------------------------- */

/* t's root or cwd (referenced); -ESRCH if t has no fs any more. */
static int ckpt_task_fs_path(struct task_struct *t, struct path *p, bool cwd)
{
	int err = -ESRCH;

	task_lock(t);
	if (t->fs) {
		if (cwd)
			get_fs_pwd(t->fs, p);
		else
			get_fs_root(t->fs, p);
		err = 0;
	}
	task_unlock(t);
	return err;
}

/* A name for path in messages, as the checkpointing process sees it. */
static const char *ckpt_path_name(const struct path *path, char *buf, int len)
{
	char *p = d_path(path, buf, len);

	return IS_ERR(p) ? "(unnamed)" : p;
}

char *ckpt_container_path(struct ckpt_ctx *ctx, const struct path *path,
			  const char *what)
{
	struct path root;
	char *buf, *p;
	int err;

	buf = kmalloc(CKPT_PATH_MAX, GFP_KERNEL);
	if (!buf) {
		ckpt_err(ctx->err, -ENOMEM, "%s: no memory for its path", what);
		return ERR_PTR(-ENOMEM);
	}
	/* d_path() names a deleted file "... (deleted)". */
	if (d_unlinked(path->dentry)) {
		err = ckpt_err(ctx->err, -EOPNOTSUPP,
			       "%s %s: deleted files not supported", what,
			       ckpt_path_name(path, buf, CKPT_PATH_MAX));
		goto fail;
	}
	/* The tree puts the container's init first. */
	err = ckpt_task_fs_path(ctx->tasks[0], &root, false);
	if (err) {
		ckpt_err(ctx->err, err, "pid 1 has no root directory (exiting?)");
		goto fail;
	}
	/*
	 * d_path() resolves against the root of the caller, the checkpointing
	 * tool, whose mount namespace is not the container's; __d_path()
	 * takes the root to stop at and tells when path is not below it.
	 */
	p = ckpt_sym.__d_path(path, &root, buf, CKPT_PATH_MAX);
	path_put(&root);
	if (!p) {
		err = ckpt_err(ctx->err, -EOPNOTSUPP,
			       "%s %s is outside the container's root: not supported",
			       what, ckpt_path_name(path, buf, CKPT_PATH_MAX));
		goto fail;
	}
	if (IS_ERR(p)) {
		err = ckpt_err(ctx->err, -ENAMETOOLONG,
			       "%s: path longer than %d bytes", what, CKPT_PATH_MAX - 1);
		goto fail;
	}
	memmove(buf, p, strlen(p) + 1);
	return buf;
fail:
	kfree(buf);
	return ERR_PTR(err);
}

/* ---- checkpoint --------------------------------------------------------------- */

/*
 * Threads restart with CLONE_FS, so a thread that gave itself its own root
 * and cwd (unshare(CLONE_FS)) cannot be rebuilt. Sharing between processes
 * is refused by the core (ckpt_check_sharing()).
 */
static int ckpt_fs_precheck(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct fs_struct *fs, *leader_fs;
	struct path root, cwd;
	char *p;
	int err;

	task_lock(t);
	fs = t->fs;
	task_unlock(t);
	task_lock(t->group_leader);
	leader_fs = t->group_leader->fs;
	task_unlock(t->group_leader);
	if (!fs)
		return ckpt_err(ctx->err, -ESRCH, "pid %d has no fs (exiting?)",
				ckpt_vpid(ctx, t));
	if (fs != leader_fs)
		return ckpt_err(ctx->err, -EOPNOTSUPP,
				"pid %d: a thread with its own root and cwd (unshare(CLONE_FS)) is not supported",
				ckpt_vpid(ctx, t));
	/* Its leader's precheck looked at the paths already. */
	if (!thread_group_leader(t))
		return 0;

	err = ckpt_task_fs_path(t, &root, false);
	if (err)
		return ckpt_err(ctx->err, err, "pid %d has no fs (exiting?)",
				ckpt_vpid(ctx, t));
	err = ckpt_task_fs_path(t, &cwd, true);
	if (err) {
		path_put(&root);
		return ckpt_err(ctx->err, err, "pid %d has no fs (exiting?)",
				ckpt_vpid(ctx, t));
	}
	p = ckpt_container_path(ctx, &root, "root");
	if (!IS_ERR(p)) {
		kfree(p);
		p = ckpt_container_path(ctx, &cwd, "cwd");
	}
	path_put(&root);
	path_put(&cwd);
	if (IS_ERR(p)) {
		ckpt_err_prefix(ctx->err, "pid %d", ckpt_vpid(ctx, t));
		return PTR_ERR(p);
	}
	kfree(p);
	return 0;
}

static int ckpt_fs_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t)
{
	struct ckpt_rec_fs rec = {};
	char *root = NULL, *cwd = NULL, *tail = NULL;
	struct path root_path, cwd_path;
	struct fs_struct *fs;
	bool first, same;
	u32 objref;
	int err;

	task_lock(t);
	fs = t->fs;
	task_unlock(t);
	if (!fs)
		return ckpt_err(ctx->err, -ESRCH, "no fs (exiting?)");
	objref = ckpt_obj_checkpoint(ctx, fs, CKPT_OBJ_FS, &first);
	if (!objref)
		return -ENOMEM;
	if (!first)
		return 0;

	/* t is frozen: only its exit could change t->fs. */
	task_lock(t);
	same = t->fs == fs;
	if (same) {
		get_fs_root(fs, &root_path);
		get_fs_pwd(fs, &cwd_path);
		rec.umask = READ_ONCE(fs->umask) & 0777;
	}
	task_unlock(t);
	if (!same)
		return ckpt_err(ctx->err, -ESRCH, "fs went away (exiting?)");

	root = ckpt_container_path(ctx, &root_path, "root");
	cwd = IS_ERR(root) ? NULL : ckpt_container_path(ctx, &cwd_path, "cwd");
	path_put(&root_path);
	path_put(&cwd_path);
	if (IS_ERR(root) || IS_ERR(cwd)) {
		err = PTR_ERR(IS_ERR(root) ? root : cwd);
		goto out;
	}

	rec.objref = objref;
	rec.root_len = strlen(root) + 1;
	rec.cwd_len = strlen(cwd) + 1;
	tail = kmalloc(rec.root_len + rec.cwd_len, GFP_KERNEL);
	if (!tail) {
		err = ckpt_err(ctx->err, -ENOMEM, "no memory for the fs record");
		goto out;
	}
	memcpy(tail, root, rec.root_len);
	memcpy(tail + rec.root_len, cwd, rec.cwd_len);
	err = ckpt_write_rec_tail(ctx, CKPT_REC_FS, &rec, sizeof(rec), tail,
				  rec.root_len + rec.cwd_len);
out:
	kfree(tail);
	if (!IS_ERR_OR_NULL(root))
		kfree(root);
	if (!IS_ERR_OR_NULL(cwd))
		kfree(cwd);
	return err;
}

/* ---- restart ------------------------------------------------------------------- */

/*
 * A directory by its path relative to current's root, which is still the
 * container's root: this kind moves it, and runs last of the kinds that
 * open files.
 */
static int ckpt_fs_lookup(struct ckpt_ctx *ctx, const char *name,
			  const char *what, struct path *path)
{
	int err;

	if (name[0] != '/')
		return ckpt_rec_err(ctx, -EINVAL, "%s \"%s\" is not absolute",
				    what, name);
	err = kern_path(name, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, path);
	if (err)
		return ckpt_rec_err(ctx, err, "%s %s: cannot look it up (error %d)",
				    what, name, err);
	return 0;
}

static int ckpt_fs_restore_new(struct ckpt_ctx *ctx, u32 objref)
{
	struct fs_struct *fs = current->fs;
	struct path root_path, cwd_path;
	struct ckpt_rec_fs rec;
	char *root, *cwd;
	u32 tail;
	int err;

	err = ckpt_read_rec_tail(ctx, CKPT_REC_FS, &rec, sizeof(rec), &tail);
	if (err)
		return err;
	if (rec.objref != objref)
		return ckpt_rec_err(ctx, -EINVAL,
				    "objref %u where the task's fs objref %u belongs",
				    rec.objref, objref);
	if (rec.umask & ~0777)
		return ckpt_rec_err(ctx, -EINVAL, "umask 0%o has bits beyond 0777",
				    rec.umask);
	if ((u64)rec.root_len + rec.cwd_len != tail)
		return ckpt_rec_err(ctx, -EINVAL,
				    "root_len %u + cwd_len %u, but %u bytes follow",
				    rec.root_len, rec.cwd_len, tail);
	root = ckpt_read_path(ctx, rec.root_len);
	if (IS_ERR(root))
		return PTR_ERR(root);
	cwd = ckpt_read_path(ctx, rec.cwd_len);
	if (IS_ERR(cwd)) {
		kfree(root);
		return PTR_ERR(cwd);
	}
	err = ckpt_read_rec_end(ctx);
	if (!err)
		err = ckpt_fs_lookup(ctx, root, "root", &root_path);
	if (!err) {
		err = ckpt_fs_lookup(ctx, cwd, "cwd", &cwd_path);
		if (err)
			path_put(&root_path);
	}
	kfree(root);
	kfree(cwd);
	if (err)
		return err;

	/*
	 * chdir() and chroot() take user pointers and check permissions the
	 * restorer has anyway; these are the setters they end in.
	 */
	ckpt_sym.set_fs_pwd(fs, &cwd_path);
	ckpt_sym.set_fs_root(fs, &root_path);
	path_put(&root_path);
	path_put(&cwd_path);
	xchg(&fs->umask, rec.umask);
	/* Identity only: threads check they share it; current keeps it alive. */
	return ckpt_obj_add(ctx, objref, CKPT_OBJ_FS, fs, NULL);
}

static int ckpt_fs_restore(struct ckpt_ctx *ctx)
{
	u32 objref = ckpt_cur_task(ctx)->fs_ref;
	struct fs_struct *fs;

	if (!ckpt_obj_known(ctx, objref))
		return ckpt_fs_restore_new(ctx, objref);
	fs = ckpt_obj_fetch(ctx, objref, CKPT_OBJ_FS);
	if (IS_ERR(fs))
		return PTR_ERR(fs);
	if (fs != current->fs)
		return ckpt_rec_err(ctx, -EINVAL,
				    "fs objref %u is shared with an earlier task, but this task was not created with CLONE_FS",
				    objref);
	return 0;
}

const struct ckpt_task_kind ckpt_fs_kind = {
	.name = "fs",
	.precheck = ckpt_fs_precheck,
	.checkpoint = ckpt_fs_checkpoint,
	.restore = ckpt_fs_restore,
};
