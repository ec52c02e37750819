// SPDX-License-Identifier: GPL-2.0-only
/*
 * The object hash: shared objects are written once and referred to by
 * objref afterwards.
 *
 * Checkpoint maps a kernel pointer (an mm, a struct file...) to the objref
 * it was given when first seen. Restart maps an objref to the object it
 * was rebuilt as, and owns one reference to it until the operation ends.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/slab.h>

#include "ckpt_cr.h"
#include "ckpt_objhash.h"

struct ckpt_obj {
	struct hlist_node by_ptr;
	struct hlist_node by_ref;
	void *ptr;
	u32 objref;
	enum ckpt_obj_kind kind;
	bool written;		/* checkpoint: its records are out */
	void (*release)(void *ptr);
};

static const char *const ckpt_obj_names[] = {
	[CKPT_OBJ_MM] = "mm",
	[CKPT_OBJ_FILES] = "files",
	[CKPT_OBJ_FS] = "fs",
	[CKPT_OBJ_SIGHAND] = "sighand",
	[CKPT_OBJ_SIGNAL] = "signal",
	[CKPT_OBJ_FILE] = "file",
	[CKPT_OBJ_PIPE] = "pipe",
	[CKPT_OBJ_SHM] = "shm",
};

const char *ckpt_obj_kind_name(enum ckpt_obj_kind kind)
{
	if (kind < ARRAY_SIZE(ckpt_obj_names) && ckpt_obj_names[kind])
		return ckpt_obj_names[kind];
	return "unknown";
}

void ckpt_objhash_init(struct ckpt_ctx *ctx)
{
	hash_init(ctx->obj_by_ptr);
	hash_init(ctx->obj_by_ref);
	ctx->next_objref = 1;
}

void ckpt_objhash_release(struct ckpt_ctx *ctx)
{
	struct ckpt_obj *obj;
	struct hlist_node *tmp;
	int bkt;

	hash_for_each_safe(ctx->obj_by_ref, bkt, tmp, obj, by_ref) {
		hash_del(&obj->by_ref);
		if (!hlist_unhashed(&obj->by_ptr))
			hash_del(&obj->by_ptr);
		if (obj->release)
			obj->release(obj->ptr);
		kfree(obj);
	}
}

static struct ckpt_obj *ckpt_obj_by_ref(struct ckpt_ctx *ctx, u32 objref)
{
	struct ckpt_obj *obj;

	hash_for_each_possible(ctx->obj_by_ref, obj, by_ref, objref)
		if (obj->objref == objref)
			return obj;
	return NULL;
}

static struct ckpt_obj *ckpt_obj_lookup_add(struct ckpt_ctx *ctx, void *ptr,
					    enum ckpt_obj_kind kind)
{
	struct ckpt_obj *obj;

	hash_for_each_possible(ctx->obj_by_ptr, obj, by_ptr, (unsigned long)ptr)
		if (obj->ptr == ptr && obj->kind == kind)
			return obj;

	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj) {
		ckpt_err(ctx->err, -ENOMEM, "no memory for the object hash");
		return NULL;
	}
	obj->ptr = ptr;
	obj->kind = kind;
	obj->objref = ctx->next_objref++;
	hash_add(ctx->obj_by_ptr, &obj->by_ptr, (unsigned long)ptr);
	hash_add(ctx->obj_by_ref, &obj->by_ref, obj->objref);
	return obj;
}

u32 ckpt_obj_assign(struct ckpt_ctx *ctx, void *ptr, enum ckpt_obj_kind kind)
{
	struct ckpt_obj *obj;

	if (!ptr)
		return 0;
	obj = ckpt_obj_lookup_add(ctx, ptr, kind);
	return obj ? obj->objref : 0;
}

u32 ckpt_obj_checkpoint(struct ckpt_ctx *ctx, void *ptr,
			enum ckpt_obj_kind kind, bool *first)
{
	struct ckpt_obj *obj = ckpt_obj_lookup_add(ctx, ptr, kind);

	if (!obj)
		return 0;
	*first = !obj->written;
	obj->written = true;
	return obj->objref;
}

int ckpt_obj_add(struct ckpt_ctx *ctx, u32 objref, enum ckpt_obj_kind kind,
		 void *ptr, void (*release)(void *ptr))
{
	struct ckpt_obj *obj;

	if (!objref || ckpt_obj_by_ref(ctx, objref)) {
		if (release)
			release(ptr);
		return ckpt_rec_err(ctx, -EINVAL, "objref %u (%s) %s", objref,
				    ckpt_obj_kind_name(kind),
				    objref ? "defined twice" : "is zero");
	}
	obj = kzalloc(sizeof(*obj), GFP_KERNEL);
	if (!obj) {
		if (release)
			release(ptr);
		return ckpt_rec_err(ctx, -ENOMEM, "no memory for objref %u", objref);
	}
	obj->ptr = ptr;
	obj->kind = kind;
	obj->objref = objref;
	obj->release = release;
	INIT_HLIST_NODE(&obj->by_ptr);
	hash_add(ctx->obj_by_ref, &obj->by_ref, objref);
	return 0;
}

void *ckpt_obj_fetch(struct ckpt_ctx *ctx, u32 objref, enum ckpt_obj_kind kind)
{
	struct ckpt_obj *obj = ckpt_obj_by_ref(ctx, objref);

	if (!obj) {
		ckpt_rec_err(ctx, -EINVAL, "objref %u (%s) not defined", objref,
			     ckpt_obj_kind_name(kind));
		return ERR_PTR(-EINVAL);
	}
	if (obj->kind != kind) {
		ckpt_rec_err(ctx, -EINVAL, "objref %u is a %s, not a %s", objref,
			     ckpt_obj_kind_name(obj->kind),
			     ckpt_obj_kind_name(kind));
		return ERR_PTR(-EINVAL);
	}
	return obj->ptr;
}

bool ckpt_obj_known(struct ckpt_ctx *ctx, u32 objref)
{
	return objref && ckpt_obj_by_ref(ctx, objref);
}
