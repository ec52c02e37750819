/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * ckpt image format, version 1.
 *
 * This header is the one definition of the on-disk (on-wire) image. It is
 * included by the kernel module, the guest tools and the host tools, so it
 * uses only fixed-width uapi types, explicit padding and no bitfields.
 *
 * An image is a seek-free stream of records. Every record starts with a
 * struct ckpt_rec and is padded with zero bytes to an 8-byte boundary; the
 * next record starts at ALIGN(len, 8). All integers are little-endian.
 *
 * The first record is CKPT_REC_HEADER, the last is CKPT_REC_TRAILER. The
 * trailer carries the number of records before it and an xxh64 over every
 * byte before it (padding included), so a reader that streams the image can
 * tell a complete image from a truncated or damaged one.
 *
 * Shared objects (an mm shared by threads, a struct file shared by fds...)
 * are written once, tagged with an objref, and referred to by that objref
 * afterwards. An object always precedes its first reference.
 *
 * Record types with CKPT_REC_OPTIONAL set may be skipped by a reader that
 * does not know them; an unknown type without it makes the image invalid.
 * See docs/image-format.md.
 */
#ifndef CKPT_IMAGE_H
#define CKPT_IMAGE_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <linux/types.h>
#endif

/* "CKPTIMG\0" read as a little-endian u64. */
#define CKPT_IMAGE_MAGIC 0x00474d4954504b43ULL
#define CKPT_IMAGE_VERSION 1

#define CKPT_REC_ALIGN 8
#define CKPT_REC_ALIGN_UP(x) (((x) + CKPT_REC_ALIGN - 1) & ~(__u64)(CKPT_REC_ALIGN - 1))

/* Hard upper bound on one record; readers refuse anything larger. */
#define CKPT_REC_MAX_LEN (1U << 24)

/* Bit 31 of a type: readers that do not know the type may skip it. */
#define CKPT_REC_OPTIONAL 0x80000000U

enum ckpt_arch {
	CKPT_ARCH_X86_64 = 1,
};

enum ckpt_rec_type {
	CKPT_REC_HEADER = 1,
	CKPT_REC_TRAILER = 2,
	/*
	 * Container, task and per-object records are numbered from 16 on.
	 * Numbers are never reused.
	 */
	CKPT_REC_CONTAINER = 16,	/* once, after the header */
	CKPT_REC_TASK = 17,		/* the tree: one per task, in order */
	CKPT_REC_TASK_BEGIN = 18,	/* opens one task's section */
	CKPT_REC_CREDS = 19,
	CKPT_REC_MM = 20,		/* new mm objref; VMAs follow */
	CKPT_REC_VMA = 21,
	CKPT_REC_PAGES = 22,		/* page contents of the last VMA */
	CKPT_REC_FILE = 23,		/* an open file description */
	CKPT_REC_PIPE = 24,		/* a pipe and its buffered data */
	CKPT_REC_FILES = 25,		/* new fd table objref; FDs follow */
	CKPT_REC_FD = 26,
	CKPT_REC_FS = 27,		/* root, cwd, umask */
	CKPT_REC_SIGHAND = 28,		/* signal dispositions */
	CKPT_REC_SIGNAL = 29,		/* thread-group state: rlimits, timers */
	CKPT_REC_SIGINFO = 30,		/* one pending signal */
	CKPT_REC_CPU = 31,		/* registers and per-task state; last */
	CKPT_REC_XSAVE = 32,		/* FPU/SSE/AVX area, follows CPU */
	CKPT_REC_FIRST_UNUSED = 33,
};

/*
 * Object references. 0 means "none". Every objref is defined by the record
 * that carries it in its objref field before any record refers to it.
 */
typedef __u32 ckpt_objref_t;

/* Every record begins with this. len includes the header, not padding. */
struct ckpt_rec {
	__u32 type;
	__u32 len;
};

#define CKPT_UTS_LEN 65
#define CKPT_RELEASE_LEN 72

/* Header flags. */
#define CKPT_IMAGE_F_NONE 0
#define CKPT_IMAGE_F_ALL 0ULL

struct ckpt_rec_header {
	struct ckpt_rec h;
	__u64 magic;		/* CKPT_IMAGE_MAGIC */
	__u32 version;		/* CKPT_IMAGE_VERSION */
	__u32 arch;		/* enum ckpt_arch */
	__u32 page_size;
	__u32 xsave_size;	/* bytes of the xsave area per task */
	__u64 xsave_features;	/* XCR0 features present in xsave areas */
	__u64 created_ns;	/* CLOCK_REALTIME at checkpoint, ns */
	__u64 flags;		/* CKPT_IMAGE_F_*, unknown bits invalid */
	char kernel_release[CKPT_RELEASE_LEN]; /* NUL-terminated uname -r */
	__u64 reserved[4];	/* must be zero */
};

enum ckpt_csum_kind {
	CKPT_CSUM_XXH64 = 1,	/* xxh64, seed 0 */
};

struct ckpt_rec_trailer {
	struct ckpt_rec h;
	__u32 nr_records;	/* records before the trailer, header included */
	__u32 csum_kind;	/* enum ckpt_csum_kind */
	__u64 stream_len;	/* bytes before the trailer */
	__u64 csum;		/* over those bytes */
	__u64 reserved[2];	/* must be zero */
};

/* ---- container and tree ------------------------------------------------ */

struct ckpt_rec_container {
	struct ckpt_rec h;
	__u32 nr_tasks;		/* CKPT_REC_TASK records that follow */
	__u32 flags;		/* must be 0 */
	char nodename[CKPT_UTS_LEN];	/* uts namespace */
	char domainname[CKPT_UTS_LEN];
	__u8 pad[6];
	__u64 vdso_csum;	/* xxh64 of the kernel's vdso text */
	__u32 vdso_size;
	__u32 pad2;
	__u64 reserved[2];
};

/* ckpt_rec_task.flags */
#define CKPT_TASK_F_THREAD 0x1	/* not the thread-group leader */
#define CKPT_TASK_F_ALL 0x1U

/*
 * The tree. Pids are as seen inside the container's pid namespace; the
 * container's init is pid 1 with ppid 0. A task's parent comes before it.
 * Tasks that share an objref share that object (threads share mm, files,
 * fs, sighand and signal).
 */
struct ckpt_rec_task {
	struct ckpt_rec h;
	__s32 pid;
	__s32 tgid;
	__s32 ppid;		/* real parent; 0 for init */
	__s32 pgid;
	__s32 sid;
	__u32 flags;		/* CKPT_TASK_F_* */
	__u32 exit_signal;
	__u32 pad;
	ckpt_objref_t mm_ref;
	ckpt_objref_t files_ref;
	ckpt_objref_t fs_ref;
	ckpt_objref_t sighand_ref;
	ckpt_objref_t signal_ref;
	__u32 pad2;
	__u64 reserved[2];
};

/* Opens the section of the task at index task_index of the tree. */
struct ckpt_rec_task_begin {
	struct ckpt_rec h;
	__u32 task_index;
	__s32 pid;
};

#define CKPT_NGROUPS_MAX 65536

struct ckpt_rec_creds {
	struct ckpt_rec h;
	__u32 uid, euid, suid, fsuid;
	__u32 gid, egid, sgid, fsgid;
	__u32 securebits;
	__u32 ngroups;		/* __u32 gids follow, padded to 8 */
	__u64 cap_inheritable;
	__u64 cap_permitted;
	__u64 cap_effective;
	__u64 cap_bset;
	__u64 cap_ambient;
	__u64 reserved[2];
};

/* ---- memory -------------------------------------------------------------- */

#define CKPT_AUXV_WORDS 64	/* saved_auxv: (type, value) pairs */
#define CKPT_PATH_MAX 4096

struct ckpt_rec_mm {
	struct ckpt_rec h;
	ckpt_objref_t objref;
	__u32 nr_vmas;		/* CKPT_REC_VMA records that follow */
	__u64 start_code, end_code, start_data, end_data;
	__u64 start_brk, brk, start_stack;
	__u64 arg_start, arg_end, env_start, env_end;
	__u64 vdso;		/* context.vdso: the vdso text address */
	__u64 flags;		/* mm->flags bits worth keeping (dumpable...) */
	__u64 def_flags;
	__u64 saved_auxv[CKPT_AUXV_WORDS];
	__u32 exe_path_len;	/* NUL-terminated exe path follows */
	__u32 pad;
	__u64 reserved[2];
};

enum ckpt_vma_kind {
	CKPT_VMA_ANON = 1,	/* private anonymous */
	CKPT_VMA_FILE_PRIVATE = 2,
	CKPT_VMA_SHARED_ANON = 3, /* MAP_SHARED|MAP_ANONYMOUS (shmem) */
	CKPT_VMA_VDSO = 4,
	CKPT_VMA_VVAR = 5,
};

/* ckpt_rec_vma.prot: PROT_READ/WRITE/EXEC values */
/* ckpt_rec_vma.flags */
#define CKPT_VMA_F_GROWSDOWN 0x1
#define CKPT_VMA_F_DONTFORK 0x2
#define CKPT_VMA_F_DONTDUMP 0x4
#define CKPT_VMA_F_WIPEONFORK 0x8
#define CKPT_VMA_F_NORESERVE 0x10
#define CKPT_VMA_F_LOCKED 0x20
#define CKPT_VMA_F_HUGEPAGE 0x40	/* MADV_HUGEPAGE */
#define CKPT_VMA_F_NOHUGEPAGE 0x80	/* MADV_NOHUGEPAGE */
#define CKPT_VMA_F_ALL 0xffU

struct ckpt_rec_vma {
	struct ckpt_rec h;
	__u64 start;		/* page aligned, start < end <= TASK_SIZE */
	__u64 end;
	__u64 pgoff;		/* file offset in pages */
	__u32 kind;		/* enum ckpt_vma_kind */
	__u32 prot;
	__u32 flags;		/* CKPT_VMA_F_* */
	ckpt_objref_t file_ref;	/* FILE_PRIVATE: the CKPT_REC_FILE */
	ckpt_objref_t shm_ref;	/* SHARED_ANON: shared between mms */
	__u32 nr_pages_recs;	/* CKPT_REC_PAGES records that follow */
	__u64 reserved[2];
};

/*
 * nr_pages consecutive pages starting at addr, inside the VMA before it;
 * their contents follow, page_size bytes each.
 */
struct ckpt_rec_pages {
	struct ckpt_rec h;
	__u64 addr;
	__u32 nr_pages;
	__u32 pad;
};

/* ---- files -------------------------------------------------------------- */

enum ckpt_file_kind {
	CKPT_FILE_REG = 1,
	CKPT_FILE_DIR = 2,
	CKPT_FILE_CHR = 3,	/* /dev/null, zero, random, urandom */
	CKPT_FILE_FIFO = 4,	/* named pipe, by path */
	CKPT_FILE_PIPE = 5,	/* one end of an anonymous pipe */
};

struct ckpt_rec_file {
	struct ckpt_rec h;
	ckpt_objref_t objref;
	__u32 kind;		/* enum ckpt_file_kind */
	__u32 f_flags;		/* O_* as open(2) takes them */
	__u32 i_mode;		/* S_IFMT and permission bits */
	__u64 pos;
	__u32 rdev;		/* CHR: new_encode_dev() */
	ckpt_objref_t pipe_ref;	/* PIPE and FIFO: the CKPT_REC_PIPE */
	__u32 path_len;		/* NUL-terminated path follows (not PIPE) */
	__u32 pad;
	__u64 reserved[2];
};

struct ckpt_rec_pipe {
	struct ckpt_rec h;
	ckpt_objref_t objref;
	__u32 buf_size;		/* F_GETPIPE_SZ */
	__u32 data_len;		/* buffered bytes that follow */
	__u32 pad;
	__u64 reserved[1];
};

struct ckpt_rec_files {
	struct ckpt_rec h;
	ckpt_objref_t objref;
	__u32 nr_fds;		/* CKPT_REC_FD records that follow */
};

#define CKPT_FD_F_CLOEXEC 0x1
#define CKPT_FD_F_ALL 0x1U

struct ckpt_rec_fd {
	struct ckpt_rec h;
	__u32 fd;
	__u32 flags;		/* CKPT_FD_F_* */
	ckpt_objref_t file_ref;
	__u32 pad;
};

struct ckpt_rec_fs {
	struct ckpt_rec h;
	ckpt_objref_t objref;
	__u32 umask;
	__u32 root_len;		/* NUL-terminated root path, then cwd path */
	__u32 cwd_len;
};

/* ---- signals ------------------------------------------------------------- */

#define CKPT_NSIG 64

struct ckpt_sigaction {
	__u64 handler;		/* SIG_DFL 0, SIG_IGN 1, else a user address */
	__u64 flags;		/* SA_* */
	__u64 restorer;
	__u64 mask;
};

struct ckpt_rec_sighand {
	struct ckpt_rec h;
	ckpt_objref_t objref;
	__u32 pad;
	struct ckpt_sigaction action[CKPT_NSIG];
};

#define CKPT_RLIM_NLIMITS 16

struct ckpt_rlimit {
	__u64 cur;
	__u64 max;
};

struct ckpt_rec_signal {
	struct ckpt_rec h;
	ckpt_objref_t objref;
	__u32 nr_shared_pending; /* CKPT_REC_SIGINFO (shared) that follow */
	__u64 it_real_value_ns;	/* ITIMER_REAL: 0 = disarmed */
	__u64 it_real_incr_ns;
	struct ckpt_rlimit rlim[CKPT_RLIM_NLIMITS];
	__u64 reserved[2];
};

#define CKPT_SIGINFO_SIZE 128

#define CKPT_SIGINFO_SHARED 0x1	/* thread-group pending, else private */

struct ckpt_rec_siginfo {
	struct ckpt_rec h;
	__u32 flags;		/* CKPT_SIGINFO_SHARED */
	__u32 signo;
	__u8 info[CKPT_SIGINFO_SIZE];	/* struct siginfo as userspace sees it */
};

/* ---- cpu ----------------------------------------------------------------- */

/* General registers, in the order of struct user_regs_struct. */
struct ckpt_x86_64_regs {
	__u64 r15, r14, r13, r12, bp, bx, r11, r10;
	__u64 r9, r8, ax, cx, dx, si, di, orig_ax;
	__u64 ip, cs, flags, sp, ss;
	__u64 fs_base, gs_base;
	__u64 ds, es, fs, gs;
};

enum ckpt_restart_kind {
	CKPT_RESTART_NONE = 0,
	CKPT_RESTART_NANOSLEEP = 1,	/* restart_block: hrtimer sleep */
	CKPT_RESTART_POLL = 2,		/* restart_block: poll() */
	CKPT_RESTART_FUTEX = 3,		/* restart_block: futex wait, timed */
};

/* ckpt_rec_cpu.task_flags */
#define CKPT_CPU_F_NO_NEW_PRIVS 0x1	/* prctl(PR_SET_NO_NEW_PRIVS) */
#define CKPT_CPU_F_ALL 0x1U

struct ckpt_rec_cpu {
	struct ckpt_rec h;
	struct ckpt_x86_64_regs regs;
	__u64 blocked;		/* signal mask */
	__u64 sas_ss_sp;	/* sigaltstack */
	__u64 sas_ss_size;
	__u32 sas_ss_flags;
	__u32 nr_pending;	/* private CKPT_REC_SIGINFO that follow */
	__u64 clear_child_tid;
	__u64 robust_list;
	__u64 robust_list_len;
	__u32 personality;
	__u32 pdeath_signal;
	char comm[16];
	/* ERESTART_RESTARTBLOCK state for a nanosleep-family call */
	__u32 restart_kind;	/* enum ckpt_restart_kind */
	__s32 restart_clockid;
	__u64 restart_remaining_ns; /* time left when checkpointed */
	__u64 restart_rmtp;	/* user pointer for the remaining time */
	__u32 restart_type;	/* TT_NATIVE... as the kernel stores it */
	__u32 pad;
	/* rseq(2) registration (glibc registers one per thread); 0 = none */
	__u64 rseq;		/* address of the struct rseq */
	__u32 rseq_len;
	__u32 rseq_sig;
	__u32 task_flags;	/* CKPT_CPU_F_* */
	__u32 pad2;
	/*
	 * POLL and FUTEX restarts (the time left is restart_remaining_ns, on
	 * restart_clockid: MONOTONIC, or REALTIME for a FUTEX_CLOCK_REALTIME
	 * wait).
	 */
	__u64 restart_uaddr;	/* poll: the pollfd array; futex: the futex word */
	__u32 restart_arg;	/* poll: nfds; futex: the value waited for */
	__u32 restart_flags;	/* poll: 1 with a timeout; futex: the kernel's FLAGS_* */
	__u32 restart_bitset;	/* futex: the wait bitset */
	__u32 pad3;
	__u64 reserved[2];
};

/* The xsave area, in the standard (non-compacted) user format. */
struct ckpt_rec_xsave {
	struct ckpt_rec h;
	__u64 xfeatures;	/* XSTATE_BV */
	__u32 size;		/* bytes that follow */
	__u32 pad;
};

#endif /* CKPT_IMAGE_H */
