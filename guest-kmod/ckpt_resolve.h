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
#include <linux/ptrace.h>

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
};

extern struct ckpt_syms ckpt_sym;

int ckpt_resolve_init(void);

#endif /* CKPT_RESOLVE_H */
