/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Raw system calls and message formatting for code that runs where glibc
 * must not: in the tasks a restart creates, which may be threads made by
 * clone3(CLONE_VM|CLONE_THREAD) behind glibc's back (no TLS of their own,
 * so no errno and no lock glibc would take), or processes forked from a
 * multi-threaded caller. Nothing here allocates, locks or touches errno;
 * system calls return -errno.
 *
 * x86-64 only, like the image format.
 */
#ifndef CKPT_RAW_H
#define CKPT_RAW_H

#include <stddef.h>
#include <sys/syscall.h>

#include <linux/sched.h>

static inline long ckpt_raw_syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define ckpt_raw_syscall0(nr) ckpt_raw_syscall6((nr), 0, 0, 0, 0, 0, 0)
#define ckpt_raw_syscall1(nr, a) ckpt_raw_syscall6((nr), (long)(a), 0, 0, 0, 0, 0)
#define ckpt_raw_syscall2(nr, a, b) ckpt_raw_syscall6((nr), (long)(a), (long)(b), 0, 0, 0, 0)
#define ckpt_raw_syscall3(nr, a, b, c)                                                             \
	ckpt_raw_syscall6((nr), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define ckpt_raw_syscall4(nr, a, b, c, d)                                                          \
	ckpt_raw_syscall6((nr), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

/* Ends the whole thread group: a failed restorer dooms its restart anyway. */
__attribute__((noreturn)) void ckpt_raw_exit_group(int status);

/*
 * clone3(args); the child runs fn(arg) and exits with its return value.
 * With args->stack set the child runs on that stack (threads); without, on
 * a copy of the caller's (processes). Returns the child's tid in the
 * parent, -errno on failure; never returns in the child.
 */
long ckpt_raw_clone3_run(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);

/* Blocks every signal that can be blocked. */
void ckpt_raw_block_signals(void);

/* futex on an int shared between processes (MAP_SHARED). */
void ckpt_raw_futex_wait(int *addr, int val, long timeout_ms);
void ckpt_raw_futex_wake(int *addr);

/* A message built in a caller's buffer, always NUL-terminated. */
typedef struct {
	char *buf;
	size_t size;
	size_t len;
} CkptRawMsg;

void ckpt_raw_msg_init(CkptRawMsg *m, char *buf, size_t size);
void ckpt_raw_msg_str(CkptRawMsg *m, const char *s);
void ckpt_raw_msg_int(CkptRawMsg *m, long v);
/* ": " and the text of -err (err is a negative errno, as the calls return). */
void ckpt_raw_msg_errno(CkptRawMsg *m, long err);

#endif /* CKPT_RAW_H */
