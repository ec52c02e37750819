// SPDX-License-Identifier: GPL-2.0-only
/*
 * The creds kind: user and group ids, supplementary groups, capabilities
 * and securebits of each task (CREDS record, gids as its tail).
 *
 * Restart builds a new cred from the restorer's (prepare_creds()), as the
 * set*id() calls do, and commits it. It runs after the files and memory
 * kinds, so those open and map with the restorer's privileges. Only the
 * initial user namespace is supported (the checkpoint refuses others), so
 * ids are stored as they are there.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/sched/coredump.h>
#include <linux/sched/user.h>
#include <linux/securebits.h>
#include <linux/slab.h>
#include <linux/uidgid.h>

#include "ckpt_cr.h"
#include "ckpt_resolve.h"

static_assert(CKPT_NGROUPS_MAX == NGROUPS_MAX);
static_assert(_KERNEL_CAPABILITY_U32S == 2);

#define CKPT_CAP_VALID_MASK (BIT_ULL(CAP_LAST_CAP + 1) - 1)

static u64 ckpt_cap_to_u64(kernel_cap_t cap)
{
	return (u64)cap.cap[1] << 32 | cap.cap[0];
}

static kernel_cap_t ckpt_cap_from_u64(u64 v)
{
	kernel_cap_t cap;

	cap.cap[0] = lower_32_bits(v);
	cap.cap[1] = upper_32_bits(v);
	return cap;
}

static int ckpt_creds_checkpoint(struct ckpt_ctx *ctx, struct task_struct *t)
{
	const struct cred *cred = get_task_cred(t);
	struct user_namespace *ns = &init_user_ns;
	const struct group_info *gi = cred->group_info;
	struct ckpt_rec_creds *rec;
	u32 *gids = NULL;
	int i, err;

	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (gi->ngroups)
		gids = kvmalloc_array(gi->ngroups, sizeof(*gids), GFP_KERNEL);
	if (!rec || (gi->ngroups && !gids)) {
		err = ckpt_err(ctx->err, -ENOMEM, "no memory for the creds record");
		goto out;
	}
	rec->uid = from_kuid_munged(ns, cred->uid);
	rec->euid = from_kuid_munged(ns, cred->euid);
	rec->suid = from_kuid_munged(ns, cred->suid);
	rec->fsuid = from_kuid_munged(ns, cred->fsuid);
	rec->gid = from_kgid_munged(ns, cred->gid);
	rec->egid = from_kgid_munged(ns, cred->egid);
	rec->sgid = from_kgid_munged(ns, cred->sgid);
	rec->fsgid = from_kgid_munged(ns, cred->fsgid);
	rec->securebits = cred->securebits;
	rec->ngroups = gi->ngroups;
	for (i = 0; i < gi->ngroups; i++)
		gids[i] = from_kgid_munged(ns, gi->gid[i]);
	rec->cap_inheritable = ckpt_cap_to_u64(cred->cap_inheritable);
	rec->cap_permitted = ckpt_cap_to_u64(cred->cap_permitted);
	rec->cap_effective = ckpt_cap_to_u64(cred->cap_effective);
	rec->cap_bset = ckpt_cap_to_u64(cred->cap_bset);
	rec->cap_ambient = ckpt_cap_to_u64(cred->cap_ambient);
	err = ckpt_write_rec_tail(ctx, CKPT_REC_CREDS, rec, sizeof(*rec), gids,
				  gi->ngroups * sizeof(*gids));
out:
	kvfree(gids);
	kfree(rec);
	put_cred(cred);
	return err;
}

static int ckpt_creds_check(struct ckpt_ctx *ctx, const struct ckpt_rec_creds *rec,
			    u32 tail)
{
	const u32 ids[] = { rec->uid, rec->euid, rec->suid, rec->fsuid,
			    rec->gid, rec->egid, rec->sgid, rec->fsgid };
	const u64 caps[] = { rec->cap_inheritable, rec->cap_permitted,
			     rec->cap_effective, rec->cap_bset, rec->cap_ambient };
	size_t i;
	int err;

	err = ckpt_check_zero(ctx, rec->reserved, sizeof(rec->reserved), "reserved");
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(ids); i++)
		if (ids[i] == (u32)-1)
			return ckpt_rec_err(ctx, -EINVAL, "id %zu is -1 (invalid)", i);
	if (rec->ngroups > CKPT_NGROUPS_MAX)
		return ckpt_rec_err(ctx, -EINVAL, "%u groups, at most %u",
				    rec->ngroups, CKPT_NGROUPS_MAX);
	if (tail != rec->ngroups * sizeof(u32))
		return ckpt_rec_err(ctx, -EINVAL, "%u groups but a %u-byte tail",
				    rec->ngroups, tail);
	for (i = 0; i < ARRAY_SIZE(caps); i++)
		if (caps[i] & ~CKPT_CAP_VALID_MASK)
			return ckpt_rec_err(ctx, -EINVAL,
					    "capability set %zu 0x%llx has bits above CAP_LAST_CAP",
					    i, caps[i]);
	if (rec->cap_effective & ~rec->cap_permitted)
		return ckpt_rec_err(ctx, -EINVAL,
				    "effective capabilities 0x%llx not within permitted 0x%llx",
				    rec->cap_effective, rec->cap_permitted);
	/* cap_ambient_invariant_ok(); exec WARNs on creds that break it. */
	if (rec->cap_ambient & ~(rec->cap_permitted & rec->cap_inheritable))
		return ckpt_rec_err(ctx, -EINVAL,
				    "ambient capabilities 0x%llx not within permitted and inheritable",
				    rec->cap_ambient);
	if (rec->securebits & ~(SECURE_ALL_BITS | SECURE_ALL_LOCKS))
		return ckpt_rec_err(ctx, -EINVAL, "unknown securebits 0x%x",
				    rec->securebits);
	return 0;
}

/* The supplementary groups from the record's tail, sorted as setgroups() does. */
static struct group_info *ckpt_read_groups(struct ckpt_ctx *ctx, u32 n)
{
	struct group_info *gi = groups_alloc(n);
	u32 i;
	int err;

	if (!gi) {
		ckpt_err(ctx->err, -ENOMEM, "no memory for %u groups", n);
		return ERR_PTR(-ENOMEM);
	}
	BUILD_BUG_ON(sizeof(gi->gid[0]) != sizeof(u32));
	err = ckpt_read_data(ctx, gi->gid, n * sizeof(u32));
	if (err)
		goto fail;
	for (i = 0; i < n; i++) {
		u32 raw = *(u32 *)&gi->gid[i];

		gi->gid[i] = make_kgid(&init_user_ns, raw);
		if (!gid_valid(gi->gid[i])) {
			err = ckpt_rec_err(ctx, -EINVAL, "group %u is -1 (invalid)", i);
			goto fail;
		}
	}
	groups_sort(gi);
	return gi;
fail:
	put_group_info(gi);
	return ERR_PTR(err);
}

/* The ids of rec into new, with the per-user accounting setuid() does. */
static int ckpt_set_ids(struct ckpt_ctx *ctx, struct cred *new,
			const struct ckpt_rec_creds *rec)
{
	struct user_namespace *ns = &init_user_ns;
	struct user_struct *user;

	new->uid = make_kuid(ns, rec->uid);
	new->euid = make_kuid(ns, rec->euid);
	new->suid = make_kuid(ns, rec->suid);
	new->fsuid = make_kuid(ns, rec->fsuid);
	new->gid = make_kgid(ns, rec->gid);
	new->egid = make_kgid(ns, rec->egid);
	new->sgid = make_kgid(ns, rec->sgid);
	new->fsgid = make_kgid(ns, rec->fsgid);
	new->securebits = rec->securebits;
	new->cap_inheritable = ckpt_cap_from_u64(rec->cap_inheritable);
	new->cap_permitted = ckpt_cap_from_u64(rec->cap_permitted);
	new->cap_effective = ckpt_cap_from_u64(rec->cap_effective);
	new->cap_bset = ckpt_cap_from_u64(rec->cap_bset);
	new->cap_ambient = ckpt_cap_from_u64(rec->cap_ambient);

	/* set_user(): RLIMIT_NPROC and friends count per real uid. */
	if (!uid_eq(new->uid, new->user->uid)) {
		user = ckpt_sym.alloc_uid(new->uid);
		if (!user)
			return ckpt_err(ctx->err, -ENOMEM, "no memory for uid %u",
					rec->uid);
		free_uid(new->user);
		new->user = user;
	}
	if (ckpt_sym.set_cred_ucounts(new))
		return ckpt_err(ctx->err, -ENOMEM, "no memory for uid %u's counts",
				rec->uid);
	return 0;
}

static int ckpt_creds_restore(struct ckpt_ctx *ctx)
{
	struct ckpt_rec_creds rec;
	struct group_info *gi;
	struct mm_struct *mm = current->mm;
	struct cred *new;
	u32 tail;
	int dumpable = 0;
	int err;

	err = ckpt_read_rec_tail(ctx, CKPT_REC_CREDS, &rec, sizeof(rec), &tail) ?:
	      ckpt_creds_check(ctx, &rec, tail);
	if (err)
		return err;
	gi = ckpt_read_groups(ctx, rec.ngroups);
	if (IS_ERR(gi))
		return PTR_ERR(gi);
	err = ckpt_read_rec_end(ctx);
	if (err)
		goto out_groups;

	new = prepare_creds();
	if (!new) {
		err = ckpt_err(ctx->err, -ENOMEM, "no memory for new creds");
		goto out_groups;
	}
	set_groups(new, gi);
	err = ckpt_set_ids(ctx, new, &rec);
	if (err) {
		abort_creds(new);
		goto out_groups;
	}
	/*
	 * commit_creds() makes the mm non-dumpable (suid_dumpable) when the
	 * ids or capabilities change, as they do from the restorer's; the
	 * mm kind restored the container's own dumpable mode, so keep it.
	 */
	if (mm)
		dumpable = get_dumpable(mm);
	commit_creds(new);
	if (mm)
		set_mask_bits(&mm->flags, MMF_DUMPABLE_MASK, dumpable);
out_groups:
	put_group_info(gi);
	return err;
}

const struct ckpt_task_kind ckpt_creds_kind = {
	.name = "creds",
	.checkpoint = ckpt_creds_checkpoint,
	.restore = ckpt_creds_restore,
};
