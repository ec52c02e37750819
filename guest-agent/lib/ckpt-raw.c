// SPDX-License-Identifier: GPL-2.0-only
#include <linux/futex.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "ckpt-raw.h"

void ckpt_raw_exit_group(int status)
{
	for (;;)
		ckpt_raw_syscall1(SYS_exit_group, status);
}

long ckpt_raw_clone3_run(struct clone_args *args, size_t size, int (*fn)(void *), void *arg)
{
	register long r8 __asm__("r8") = (long)fn;
	register long r9 __asm__("r9") = (long)arg;
	long ret;

	/*
	 * The child cannot return from here: with a new stack there is no
	 * frame to return to. The kernel keeps r8 and r9 across the call in
	 * both tasks, so the child finds fn and arg there.
	 */
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "and $-16, %%rsp\n\t"
			 "mov %%r9, %%rdi\n\t"
			 "call *%%r8\n\t"
			 "mov %%eax, %%edi\n\t"
			 "mov %[exit_group], %%eax\n\t"
			 "syscall\n\t"
			 "hlt\n"
			 "1:"
			 : "=a"(ret)
			 : "a"((long)SYS_clone3), "D"(args), "S"(size), "r"(r8),
			   "r"(r9), [exit_group] "i"(SYS_exit_group)
			 : "rcx", "r11", "memory");
	return ret;
}

void ckpt_raw_block_signals(void)
{
	unsigned long all = ~0UL;

	ckpt_raw_syscall4(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, sizeof(all));
}

void ckpt_raw_futex_wait(int *addr, int val, long timeout_ms)
{
	struct timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (timeout_ms % 1000) * 1000000L,
	};

	ckpt_raw_syscall4(SYS_futex, addr, FUTEX_WAIT, val, &ts);
}

void ckpt_raw_futex_wake(int *addr)
{
	ckpt_raw_syscall3(SYS_futex, addr, FUTEX_WAKE, 0x7fffffff);
}

void ckpt_raw_msg_init(CkptRawMsg *m, char *buf, size_t size)
{
	m->buf = buf;
	m->size = size;
	m->len = 0;
	if (size)
		buf[0] = '\0';
}

void ckpt_raw_msg_str(CkptRawMsg *m, const char *s)
{
	while (*s && m->len + 1 < m->size)
		m->buf[m->len++] = *s++;
	if (m->size)
		m->buf[m->len] = '\0';
}

void ckpt_raw_msg_int(CkptRawMsg *m, long v)
{
	char digits[24];
	int n = 0;
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;

	do
		digits[n++] = (char)('0' + u % 10);
	while ((u /= 10) && n < (int)sizeof(digits));
	if (v < 0)
		ckpt_raw_msg_str(m, "-");
	while (n > 0) {
		char c[2] = {digits[--n], '\0'};

		ckpt_raw_msg_str(m, c);
	}
}

void ckpt_raw_msg_errno(CkptRawMsg *m, long err)
{
	/* A lookup in a constant table: no locale, no lock, no errno. */
	const char *text = strerrordesc_np((int)-err);

	ckpt_raw_msg_str(m, ": ");
	if (text) {
		ckpt_raw_msg_str(m, text);
	} else {
		ckpt_raw_msg_str(m, "error ");
		ckpt_raw_msg_int(m, -err);
	}
}
