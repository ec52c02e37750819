/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel functions ckpt needs that the kernel does not export to modules.
 *
 * ckpt_resolve_init() looks every one of them up once, at load, and fails
 * the load naming the first one it cannot find. Afterwards they are plain
 * typed function pointers, read-only for the rest of the module's life:
 *
 *	err = ckpt_sym.walk_page_range(mm, start, end, &ops, priv);
 *
 * The pointer types come from the kernel's own prototypes (typeof), so a
 * signature change in a future kernel breaks the build instead of the call.
 * To add one: a field here, an entry with its justification in
 * ckpt_resolve.c.
 */
#ifndef CKPT_RESOLVE_H
#define CKPT_RESOLVE_H

#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs_struct.h>
#include <linux/mm.h>
#include <linux/pagewalk.h>
#include <linux/pipe_fs_i.h>
#include <linux/cred.h>
#include <linux/posix-timers.h>
#include <linux/ptrace.h>
#include <linux/restart_block.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <asm/proto.h>
#include <asm/vdso.h>

struct ckpt_syms {
	typeof(walk_page_range) *walk_page_range;
	typeof(replace_mm_exe_file) *replace_mm_exe_file;
	typeof(create_pipe_files) *create_pipe_files;
	typeof(replace_fd) *replace_fd;
	typeof(pipe_fcntl) *pipe_fcntl;
	typeof(__d_path) *__d_path;
	typeof(set_fs_root) *set_fs_root;
	typeof(set_fs_pwd) *set_fs_pwd;
	/*
	 * __x64_sys_rt_sigreturn: no header declares the x86-64 syscall
	 * wrappers; this is the type arch/x86/entry/syscall_64.c gives them.
	 * The argument is ignored: rt_sigreturn works on current_pt_regs().
	 */
	long (*rt_sigreturn)(const struct pt_regs *unused);
	/* static in kernel/time/hrtimer.c: no prototype, this is its type. */
	long (*hrtimer_nanosleep_restart)(struct restart_block *restart);
	typeof(do_send_sig_info) *do_send_sig_info;
	typeof(do_arch_prctl_64) *do_arch_prctl_64;
	typeof(alloc_uid) *alloc_uid;
	typeof(set_cred_ucounts) *set_cred_ucounts;
	typeof(update_rlimit_cpu) *update_rlimit_cpu;
	/* A variable, not a function: fs.nr_open. */
	typeof(sysctl_nr_open) *sysctl_nr_open;
	/* static in kernel/futex/waitwake.c and fs/select.c: their type */
	long (*futex_wait_restart)(struct restart_block *restart);
	long (*do_restart_poll)(struct restart_block *restart);
	/* mm kind (ckpt_mm.c, ckpt_vdso.c) */
	typeof(map_vdso_once) *map_vdso_once;
	const struct vdso_image *vdso_image_64;	/* data, not a function */
	typeof(do_madvise) *do_madvise;
	/* __x64_sys_mprotect and __x64_sys_mlock, as rt_sigreturn above */
	long (*mprotect)(const struct pt_regs *regs);
	long (*mlock)(const struct pt_regs *regs);
};

extern struct ckpt_syms ckpt_sym;

int ckpt_resolve_init(void);

#endif /* CKPT_RESOLVE_H */
