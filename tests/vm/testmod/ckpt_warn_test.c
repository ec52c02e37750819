// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test-only module: loading it prints a kernel WARN and nothing else.
 *
 * The VM harness's self-test loads it to prove that a WARN on the guest
 * console fails the run, even when the scenario itself reports PASS.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/init.h>
#include <linux/module.h>

static int __init ckpt_warn_test_init(void)
{
	WARN(1, "deliberate warning: the harness must fail this run\n");
	return 0;
}

static void __exit ckpt_warn_test_exit(void)
{
}

module_init(ckpt_warn_test_init);
module_exit(ckpt_warn_test_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Triggers a kernel WARN at load, to test the VM harness");
MODULE_AUTHOR("ckpt project");
