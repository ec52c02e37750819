// SPDX-License-Identifier: GPL-2.0-only
/*
 * ckpt: checkpoint and restart of whole containers, as a loadable module for
 * stock kernels. Load and unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>

#include "ckpt.h"
#include "ckpt_resolve.h"

/*
 * Everything /dev/ckpt relies on is set up first; the device is registered
 * last, because from then on ioctls can arrive. Each step that holds a
 * resource gets a label that undoes it, in reverse order.
 */
static int __init ckpt_init(void)
{
	int err;

	/* Holds nothing on failure: only addresses are looked up. */
	err = ckpt_resolve_init();
	if (err)
		goto err_out;

	err = ckpt_dev_init();
	if (err)
		goto err_out;

	pr_info("loaded: /dev/%s, API version %d, image version %d\n",
		CKPT_DEVICE_NAME, CKPT_API_VERSION, CKPT_IMAGE_VERSION);
	return 0;

err_out:
	return err;
}

static void __exit ckpt_exit(void)
{
	ckpt_dev_exit();
	pr_info("unloaded\n");
}

module_init(ckpt_init);
module_exit(ckpt_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Checkpoint and restart of whole containers");
MODULE_AUTHOR("ckpt project");
