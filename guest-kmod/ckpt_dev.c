// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/ckpt: the misc device, its per-open state, the ioctl table and the
 * checks every call goes through.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/capability.h>
#include <linux/compat.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "ckpt.h"
#include "ckpt_cr.h"

/*
 * Every struct starts with size and flags (ckpt_args.c relies on it), and
 * its layout is the same for 32- and 64-bit callers: only fixed-width
 * fields, each at an offset that is a multiple of its size, and a size that
 * is a multiple of 8. That is what makes compat_ptr_ioctl enough.
 */
#define CKPT_CHECK_STRUCT(type)							\
	static_assert(offsetof(type, size) == 0 && offsetof(type, flags) == 4 && \
		      sizeof(type) % 8 == 0)

CKPT_CHECK_STRUCT(struct ckpt_ioc_handshake);
CKPT_CHECK_STRUCT(struct ckpt_ioc_checkpoint);
static_assert(offsetof(struct ckpt_ioc_handshake, features) % 8 == 0 &&
	      offsetof(struct ckpt_ioc_handshake, errbuf) % 8 == 0 &&
	      offsetof(struct ckpt_ioc_handshake, reserved) % 8 == 0);
static_assert(offsetof(struct ckpt_ioc_checkpoint, errbuf) % 8 == 0 &&
	      offsetof(struct ckpt_ioc_checkpoint, bytes_written) % 8 == 0 &&
	      offsetof(struct ckpt_ioc_checkpoint, reserved) % 8 == 0);

CKPT_CHECK_STRUCT(struct ckpt_ioc_restore_begin);
CKPT_CHECK_STRUCT(struct ckpt_ioc_restore_task);
CKPT_CHECK_STRUCT(struct ckpt_ioc_restore_wait);

static long ckpt_handshake(struct ckpt_file *cf, void *args,
			   struct ckpt_errctx *ctx);
static long ckpt_checkpoint(struct ckpt_file *cf, void *args,
			    struct ckpt_errctx *ctx);
static long ckpt_restore_begin(struct ckpt_file *cf, void *args,
			       struct ckpt_errctx *ctx);
static long ckpt_restore_task(struct ckpt_file *cf, void *args,
			      struct ckpt_errctx *ctx);
static long ckpt_restore_wait(struct ckpt_file *cf, void *args,
			      struct ckpt_errctx *ctx);

/* Indexed by _IOC_NR(cmd). */
static const struct ckpt_ioctl ckpt_ioctls[] = {
	[_IOC_NR(CKPT_IOC_HANDSHAKE)] = {
		.cmd = CKPT_IOC_HANDSHAKE,
		.args = CKPT_ARGS_LAYOUT(struct ckpt_ioc_handshake,
					 "CKPT_IOC_HANDSHAKE", reserved, 0,
					 CKPT_ARGS_ZERO(struct ckpt_ioc_handshake,
							reserved)),
		.before_handshake = true,
		.handler = ckpt_handshake,
	},
	[_IOC_NR(CKPT_IOC_CHECKPOINT)] = {
		.cmd = CKPT_IOC_CHECKPOINT,
		.args = CKPT_ARGS_LAYOUT(struct ckpt_ioc_checkpoint,
					 "CKPT_IOC_CHECKPOINT", reserved,
					 CKPT_CHECKPOINT_F_ALL,
					 CKPT_ARGS_ZERO(struct ckpt_ioc_checkpoint, pad),
					 CKPT_ARGS_ZERO(struct ckpt_ioc_checkpoint,
							reserved)),
		.feature = CKPT_FEAT_CHECKPOINT,
		.handler = ckpt_checkpoint,
	},
	[_IOC_NR(CKPT_IOC_RESTORE_BEGIN)] = {
		.cmd = CKPT_IOC_RESTORE_BEGIN,
		.args = CKPT_ARGS_LAYOUT(struct ckpt_ioc_restore_begin,
					 "CKPT_IOC_RESTORE_BEGIN", reserved,
					 CKPT_RESTORE_F_ALL,
					 CKPT_ARGS_ZERO(struct ckpt_ioc_restore_begin, pad),
					 CKPT_ARGS_ZERO(struct ckpt_ioc_restore_begin,
							reserved)),
		.feature = CKPT_FEAT_RESTORE,
		.handler = ckpt_restore_begin,
	},
	[_IOC_NR(CKPT_IOC_RESTORE_TASK)] = {
		.cmd = CKPT_IOC_RESTORE_TASK,
		.args = CKPT_ARGS_LAYOUT(struct ckpt_ioc_restore_task,
					 "CKPT_IOC_RESTORE_TASK", reserved, 0,
					 CKPT_ARGS_ZERO(struct ckpt_ioc_restore_task, pad),
					 CKPT_ARGS_ZERO(struct ckpt_ioc_restore_task,
							reserved)),
		.feature = CKPT_FEAT_RESTORE,
		.any_pidns = true,
		.handler = ckpt_restore_task,
	},
	[_IOC_NR(CKPT_IOC_RESTORE_WAIT)] = {
		.cmd = CKPT_IOC_RESTORE_WAIT,
		.args = CKPT_ARGS_LAYOUT(struct ckpt_ioc_restore_wait,
					 "CKPT_IOC_RESTORE_WAIT", reserved,
					 CKPT_RESTORE_WAIT_F_ALL,
					 CKPT_ARGS_ZERO(struct ckpt_ioc_restore_wait, pad),
					 CKPT_ARGS_ZERO(struct ckpt_ioc_restore_wait,
							reserved)),
		.feature = CKPT_FEAT_RESTORE,
		.handler = ckpt_restore_wait,
	},
};

/* What this module implements: the features of the calls in the table. */
static u64 ckpt_features(void)
{
	u64 features = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ckpt_ioctls); i++)
		if (ckpt_ioctls[i].handler)
			features |= ckpt_ioctls[i].feature;
	return features;
}

static long ckpt_handshake(struct ckpt_file *cf, void *args,
			   struct ckpt_errctx *ctx)
{
	struct ckpt_ioc_handshake *hs = args;

	if (hs->api_version < CKPT_API_VERSION_MIN ||
	    hs->api_version > CKPT_API_VERSION)
		return ckpt_err(ctx, -EPROTONOSUPPORT,
				"api_version %u is not supported: this module speaks %u..%u",
				hs->api_version, CKPT_API_VERSION_MIN,
				CKPT_API_VERSION);

	hs->kernel_api = CKPT_API_VERSION;
	hs->features = ckpt_features();
	hs->image_version = CKPT_IMAGE_VERSION;
	/* Pairs with smp_load_acquire() in ckpt_do_ioctl(). */
	smp_store_release(&cf->api_version, hs->api_version);
	return 0;
}

static long ckpt_checkpoint(struct ckpt_file *cf, void *args,
			    struct ckpt_errctx *ctx)
{
	return ckpt_do_checkpoint(ctx, args);
}

static long ckpt_restore_begin(struct ckpt_file *cf, void *args,
			       struct ckpt_errctx *ctx)
{
	struct ckpt_ctx *restart;
	long ret;

	mutex_lock(&cf->lock);
	if (cf->restart) {
		ret = ckpt_err(ctx, -EBUSY,
			       "this open file already coordinates a restart");
	} else {
		ret = ckpt_restart_begin(ctx, &restart, args);
		if (!ret) {
			/* Publish a whole context: pairs with smp_load_acquire(). */
			smp_store_release(&cf->restart, restart);
		}
	}
	mutex_unlock(&cf->lock);
	return ret;
}

/*
 * Called by every task of the container being restarted, from inside its
 * pid namespace, on the /dev/ckpt file it inherited from the coordinator.
 * ckpt_restart_task() checks that current is one of the tasks that restart
 * expects, with the pid, parent, group and session the image gives it.
 */
static long ckpt_restore_task(struct ckpt_file *cf, void *args,
			      struct ckpt_errctx *ctx)
{
	/* Pairs with smp_store_release() in ckpt_restore_begin(). */
	struct ckpt_ctx *restart = smp_load_acquire(&cf->restart);

	if (!restart)
		return ckpt_err(ctx, -EINVAL,
				"no restart is being coordinated on this open file");
	return ckpt_restart_task(ctx, restart);
}

static long ckpt_restore_wait(struct ckpt_file *cf, void *args,
			      struct ckpt_errctx *ctx)
{
	/* Pairs with smp_store_release() in ckpt_restore_begin(). */
	struct ckpt_ctx *restart = smp_load_acquire(&cf->restart);

	if (!restart)
		return ckpt_err(ctx, -EINVAL,
				"no restart is being coordinated on this open file");
	return ckpt_restart_wait(ctx, restart, args);
}

/*
 * Checkpoint reads every task of a container and restart rebuilds them
 * with any credentials: that is root over the whole machine, so the caller
 * must be root over the whole machine. capable() checks the initial user
 * namespace. A task in a child pid namespace cannot name the container's
 * tasks by their global pids, and may itself be inside a container.
 */
static int ckpt_check_caller(const struct ckpt_ioctl *ioc,
			     struct ckpt_errctx *ctx)
{
	if (!capable(CAP_SYS_ADMIN))
		return ckpt_err(ctx, -EPERM,
				"caller (pid %d) lacks CAP_SYS_ADMIN in the initial user namespace",
				task_tgid_vnr(current));
	if (!(ioc && ioc->any_pidns) &&
	    task_active_pid_ns(current) != &init_pid_ns)
		return ckpt_err(ctx, -EPERM,
				"caller (pid %d in its namespace) is not in the initial pid namespace",
				task_tgid_vnr(current));
	return 0;
}

/*
 * The order of the checks decides which error a caller sees when several
 * apply: a caller without the right to use /dev/ckpt learns nothing else
 * (EPERM), a caller that skipped the handshake is told so (EPROTO) before
 * anything about its arguments. The struct is fetched first only to learn
 * where the error text goes.
 */
static long ckpt_do_ioctl(struct ckpt_file *cf, const struct ckpt_ioctl *ioc,
			  unsigned int cmd, void __user *uarg,
			  struct ckpt_errctx *ctx)
{
	union ckpt_ioc_args args;
	u32 usize;
	long ret;

	if (ioc) {
		ret = ckpt_args_fetch(&ioc->args, uarg, &args, &usize, ctx);
		if (ret)
			return ret;
	}
	ret = ckpt_check_caller(ioc, ctx);
	if (ret)
		return ret;
	/* Pairs with smp_store_release() in ckpt_handshake(). */
	if (!(ioc && ioc->before_handshake) && !smp_load_acquire(&cf->api_version))
		return ckpt_err(ctx, -EPROTO,
				"%s before CKPT_IOC_HANDSHAKE on this open file",
				ioc ? ioc->args.name : "ioctl");
	/* Known only now: before the handshake, every call is EPROTO. */
	if (!ioc)
		return ckpt_err(ctx, -ENOTTY,
				"ioctl 0x%x is not a call this module knows",
				cmd);
	ret = ckpt_args_check(&ioc->args, uarg, &args, usize, ctx);
	if (ret)
		return ret;

	ret = ioc->handler(cf, &args, ctx);
	if (ret < 0 || !(_IOC_DIR(ioc->cmd) & _IOC_READ))
		return ret;
	return ckpt_args_copy_out(&ioc->args, uarg, &args, usize, ctx) ?: ret;
}

/*
 * Calls are found by type, number and direction. The size encoded in the
 * command is ignored: the struct's own size field says which version the
 * caller speaks, so a caller built against a grown struct (a different
 * _IOWR value) still reaches the same call.
 */
static const struct ckpt_ioctl *ckpt_find_ioctl(unsigned int cmd)
{
	const unsigned int mask = ~(_IOC_SIZEMASK << _IOC_SIZESHIFT);
	const struct ckpt_ioctl *ioc;

	if (_IOC_NR(cmd) >= ARRAY_SIZE(ckpt_ioctls))
		return NULL;
	ioc = &ckpt_ioctls[_IOC_NR(cmd)];
	if (!ioc->handler || (cmd & mask) != (ioc->cmd & mask))
		return NULL;
	return ioc;
}

static long ckpt_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	const struct ckpt_ioctl *ioc;
	struct ckpt_errctx ctx;
	long ret;

	/* Not ours at all (a tty ioctl from isatty(), say). */
	if (_IOC_TYPE(cmd) != CKPT_IOC_MAGIC)
		return -ENOTTY;

	ioc = ckpt_find_ioctl(cmd);
	ckpt_err_init(&ctx);
	/*
	 * A restoring task closes every fd it has, the one this call came
	 * through included, and the syscall may not hold a reference of its
	 * own (fdget's light path): keep the file alive until we return.
	 */
	get_file(file);
	ret = ckpt_err_finish(&ctx, ioc ? ioc->args.name : "ioctl",
			      ckpt_do_ioctl(file->private_data, ioc, cmd,
					    (void __user *)arg, &ctx));
	fput(file);
	return ret;
}

static int ckpt_open(struct inode *inode, struct file *file)
{
	struct ckpt_file *cf;

	cf = kzalloc(sizeof(*cf), GFP_KERNEL);
	if (!cf)
		return -ENOMEM;
	mutex_init(&cf->lock);
	file->private_data = cf;
	return nonseekable_open(inode, file);
}

static int ckpt_release(struct inode *inode, struct file *file)
{
	struct ckpt_file *cf = file->private_data;

	if (cf->restart)
		ckpt_restart_abandon(cf->restart);
	kfree(cf);
	return 0;
}

static const struct file_operations ckpt_fops = {
	.owner = THIS_MODULE,
	.open = ckpt_open,
	.release = ckpt_release,
	.unlocked_ioctl = ckpt_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

static struct miscdevice ckpt_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = CKPT_DEVICE_NAME,
	.fops = &ckpt_fops,
	.mode = 0600,
};

int ckpt_dev_init(void)
{
	int err;

	err = misc_register(&ckpt_misc);
	if (err)
		pr_err("cannot register /dev/%s: error %d\n", CKPT_DEVICE_NAME,
		       err);
	return err;
}

void ckpt_dev_exit(void)
{
	misc_deregister(&ckpt_misc);
}
