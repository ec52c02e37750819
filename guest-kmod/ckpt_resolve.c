// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one place where ckpt reaches kernel functions that are not exported.
 *
 * Checkpoint/restart of a whole container from a loadable module needs a
 * handful of internals that in-tree code calls directly. Each entry of
 * ckpt_sym_table says why no exported interface serves. Everything is
 * looked up once, at load: a missing symbol fails the load with its name,
 * rather than failing some checkpoint later.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpufeature.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/stddef.h>

#include "ckpt_resolve.h"

struct ckpt_syms ckpt_sym __ro_after_init;

struct ckpt_sym_entry {
	const char *name;	/* kernel symbol */
	size_t off;		/* its field in struct ckpt_syms */
};

#define CKPT_SYM(field, symbol) \
	{ .name = symbol, .off = offsetof(struct ckpt_syms, field) }

static const struct ckpt_sym_entry ckpt_sym_table[] = {
	/*
	 * Checkpoint writes only pages that exist. The page-table walker
	 * visits present entries without faulting anything in. The exported
	 * alternative, get_user_pages_remote(), faults: reading a never
	 * touched anonymous page maps the zero page and allocates page
	 * tables, so the image would not be "only populated pages" and the
	 * container's memory would change. mincore() and /proc/PID/pagemap
	 * are userspace interfaces with no exported in-kernel entry.
	 */
	CKPT_SYM(walk_page_range, "walk_page_range"),
	/*
	 * Restart points /proc/PID/exe at the container's binary instead of
	 * the restart tool that issued the ioctl. Only exec, prctl(PR_SET_MM)
	 * and this function change mm->exe_file. It is preferred over
	 * set_mm_exe_file(), which assumes nobody else can reach the mm (exec,
	 * mmput): at restart, threads already share it. It returns -EBUSY
	 * while the old exe is still mapped, so call it once the restart
	 * tool's mappings are gone.
	 */
	CKPT_SYM(replace_mm_exe_file, "replace_mm_exe_file"),
	/*
	 * Restart re-creates each pipe once and hands its two ends (and the
	 * data that was buffered in it) to whichever tasks held them. pipe2()
	 * is a syscall that installs both ends in the caller's fd table; no
	 * exported function creates the pair of struct files.
	 */
	CKPT_SYM(create_pipe_files, "create_pipe_files"),
	/*
	 * Restart installs every file at its checkpointed fd number. The
	 * exported helpers (get_unused_fd_flags() + fd_install(), receive_fd())
	 * only take the lowest free number; replace_fd() is what dup2() uses,
	 * with fd table growth and the RLIMIT_NOFILE check.
	 */
	CKPT_SYM(replace_fd, "replace_fd"),
	/*
	 * Restart gives a re-created pipe the ring size it had (F_SETPIPE_SZ)
	 * before writing its buffered data back. fcntl() is a syscall on an
	 * fd; pipe_fcntl() is what it calls for pipes and FIFOs.
	 */
	CKPT_SYM(pipe_fcntl, "pipe_fcntl"),
	/*
	 * Checkpoint names files, cwd and root by their path below the
	 * container's root. d_path() only resolves against the caller's root,
	 * and the checkpointing tool lives in another mount namespace;
	 * __d_path() takes the root to stop at and says when a path is not
	 * below it (a file outside the container).
	 */
	CKPT_SYM(__d_path, "__d_path"),
	/*
	 * Restart puts back a task's root and cwd. chroot() and chdir() are
	 * syscalls on user pointers; these are the setters they end in, with
	 * the reference counting and the seqcount that path walks rely on.
	 */
	CKPT_SYM(set_fs_root, "set_fs_root"),
	CKPT_SYM(set_fs_pwd, "set_fs_pwd"),
	/*
	 * Restart ends by loading the checkpointed registers, FPU/xsave
	 * state, signal mask and sigaltstack. rt_sigreturn does exactly that
	 * from a signal frame on the user stack, and validates it (segment
	 * selectors, eflags, the xsave header against the CPU's features).
	 * Its pieces (restore_sigcontext, fpu__restore_sig, restore_altstack)
	 * are static or unexported; the syscall is the one entry to all of
	 * them. Use: write a struct rt_sigframe on the user stack, set
	 * current_pt_regs()->sp to its address + 8 (as if the handler's ret
	 * had popped pretcode), call, and return its result from the ioctl:
	 * it is the restored regs->ax, which the syscall exit stores back.
	 * It sets orig_ax to -1, so no syscall restart happens on that exit.
	 * A bad frame raises SIGSEGV and returns 0.
	 */
	CKPT_SYM(rt_sigreturn, "__x64_sys_rt_sigreturn"),
	/*
	 * A task frozen in nanosleep() has -ERESTART_RESTARTBLOCK pending
	 * with restart_block.fn == hrtimer_nanosleep_restart. Checkpoint
	 * compares fn with it to know the sleep can be carried over (the
	 * time left); restart points the new restart_block at it so the
	 * kernel's restart_syscall() resumes the sleep. It is static, and
	 * no exported function takes its place (hrtimer_nanosleep() starts
	 * a new sleep and writes the syscall's own restart block).
	 */
	CKPT_SYM(hrtimer_nanosleep_restart, "hrtimer_nanosleep_restart"),
	/*
	 * Thread-group pending signals are queued again on the group
	 * (shared_pending), with their siginfo. The exported senders queue
	 * on one task (send_sig_info(): PIDTYPE_PID) or take no siginfo
	 * (kill_pid()); do_send_sig_info(..., PIDTYPE_TGID) is what kill(2)
	 * ends in.
	 */
	CKPT_SYM(do_send_sig_info, "do_send_sig_info"),
	/*
	 * Each thread's TLS base (fs_base) and gs_base, set as
	 * arch_prctl(ARCH_SET_FS/ARCH_SET_GS) sets them: selector 0, then
	 * the base through WRFSBASE or the MSR, with the legacy thread.fsbase
	 * kept in step. x86_gsbase_write_cpu_inactive() and friends are not
	 * exported either; this is the syscall's body.
	 */
	CKPT_SYM(do_arch_prctl_64, "do_arch_prctl_64"),
	/*
	 * Restoring a task's uid moves it to that uid's user_struct and
	 * ucounts, as setuid() does (set_user(), set_cred_ucounts()), so
	 * RLIMIT_NPROC and the other per-user counts apply to the
	 * container's user, not to root. Neither is exported.
	 */
	CKPT_SYM(alloc_uid, "alloc_uid"),
	CKPT_SYM(set_cred_ucounts, "set_cred_ucounts"),
	/*
	 * A finite RLIMIT_CPU needs the process CPU timer armed, which
	 * do_prlimit() (static) does through this; setrlimit() runs on
	 * current's thread group only with user-space arguments.
	 */
	CKPT_SYM(update_rlimit_cpu, "update_rlimit_cpu"),
	/*
	 * RLIMIT_NOFILE may not exceed fs.nr_open (do_prlimit() refuses
	 * it). The variable is not exported and has no accessor.
	 */
	CKPT_SYM(sysctl_nr_open, "sysctl_nr_open"),
	/*
	 * As hrtimer_nanosleep_restart above, for the other two restart
	 * functions worth carrying: a timed futex wait (pthread_cond_timedwait,
	 * sem_timedwait) and poll(), which restarts through its restart block
	 * even without a timeout. Both are static; only their syscalls set
	 * them, from arguments the restart cannot pass again.
	 */
	CKPT_SYM(futex_wait_restart, "futex_wait_restart"),
	CKPT_SYM(do_restart_poll, "do_restart_poll"),
	/*
	 * A restarted task gets its vdso back at the address libc found it.
	 * map_vdso_once() is what arch_prctl(ARCH_MAP_VDSO_64) calls: it
	 * maps the vvar area and the vdso text as the kernel's own special
	 * mappings (their page faults are served from the vdso image and the
	 * timekeeping pages) and sets mm->context.vdso. Nothing exported
	 * reaches it: _install_special_mapping() is not exported and the
	 * vdso's fault handlers are static; the syscall route exists only
	 * with CONFIG_CHECKPOINT_RESTORE.
	 */
	CKPT_SYM(map_vdso_once, "map_vdso_once"),
	/*
	 * The image map_vdso_once() takes, and the bytes checkpoint and
	 * restart checksum to tell whether two kernels have the same vdso.
	 * It is data, resolved like the functions (CONFIG_KALLSYMS_ALL).
	 */
	CKPT_SYM(vdso_image_64, "vdso_image_64"),
	/*
	 * MADV_DONTFORK, MADV_DONTDUMP and MADV_WIPEONFORK change how a
	 * mapping behaves at fork and core dump; restart sets them again on
	 * the restored VMAs. do_madvise() takes the mm and splits and merges
	 * VMAs properly; the flags cannot simply be written into vm_flags.
	 */
	CKPT_SYM(do_madvise, "do_madvise"),
	/*
	 * Restart maps a VMA writable while its pages are copied in, then
	 * sets its real protection. do_mprotect_pkey() is static; the
	 * syscall (on a kernel pt_regs holding start, len, prot) is its only
	 * entry, and keeps the checks, VMA splitting and pkey handling.
	 */
	CKPT_SYM(mprotect, "__x64_sys_mprotect"),
	/*
	 * mlock()ed mappings are locked again at restart. do_mlock() is
	 * static and the syscall is its only entry (pt_regs as above).
	 */
	CKPT_SYM(mlock, "__x64_sys_mlock"),
};

typedef unsigned long (*ckpt_lookup_name_fn)(const char *name);

/*
 * kallsyms_lookup_name() itself is not exported since 5.7. Registering a
 * kprobe by symbol name makes the kprobes core resolve that name, and
 * leaves the address in kp.addr. The probe is registered disabled, so it
 * is never armed, and is unregistered at once. The other ways need more
 * than the module: System.map ships only in the -dbg package, and
 * /proc/kallsyms would need a userspace helper to pass addresses in.
 */
static ckpt_lookup_name_fn ckpt_find_lookup_name(void)
{
	struct kprobe kp = {
		.symbol_name = "kallsyms_lookup_name",
		.flags = KPROBE_FLAG_DISABLED,
	};
	ckpt_lookup_name_fn fn;
	int err;

	err = register_kprobe(&kp);
	if (err) {
		pr_err("cannot locate kallsyms_lookup_name: register_kprobe failed (%d)\n",
		       err);
		return NULL;
	}
	fn = (ckpt_lookup_name_fn)kp.addr;
	unregister_kprobe(&kp);
	return fn;
}

int ckpt_resolve_init(void)
{
	ckpt_lookup_name_fn lookup;
	size_t i;

	/*
	 * With indirect branch tracking on, a function that the kernel only
	 * calls directly has its ENDBR sealed at boot and an indirect call
	 * to it faults. None of the Debian 6.1 kernels enable it; refuse
	 * cleanly on a kernel that does.
	 */
	if (cpu_feature_enabled(X86_FEATURE_IBT)) {
		pr_err("indirect branch tracking is on; unexported functions cannot be called through pointers (boot with ibt=off)\n");
		return -EOPNOTSUPP;
	}

	lookup = ckpt_find_lookup_name();
	if (!lookup)
		return -ENOENT;

	for (i = 0; i < ARRAY_SIZE(ckpt_sym_table); i++) {
		const struct ckpt_sym_entry *e = &ckpt_sym_table[i];
		unsigned long addr = lookup(e->name);

		if (!addr) {
			pr_err("kernel symbol %s not found; this kernel cannot run ckpt\n",
			       e->name);
			return -ENOENT;
		}
		*(unsigned long *)((char *)&ckpt_sym + e->off) = addr;
	}
	return 0;
}
