// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-fpu: register state held live across the checkpoint. Each round loads
 * a fresh pattern into all sixteen ymm registers (xmm without AVX), two x87
 * stack slots and r8-r11, spins a few million times in an asm loop that
 * touches none of them (so the freeze almost always lands inside it), then
 * stores them back and compares. MXCSR and the x87 control word carry
 * non-default values for the whole run and are checked at the end.
 */
#include <stdio.h>
#include <string.h>

#include "wl.h"

#define SPINS 4000000L
#define MXCSR_WANT 0xff80u  /* all masked, round to zero, flush to zero */
#define X87_CW_WANT 0x0a7fu /* all masked, double precision, round up */

struct regs {
	unsigned char vec[16][32];
	unsigned char x87[2][16]; /* 10-byte extended values, padded */
	uint64_t gpr[4];
};

static void spin_avx(const struct regs *in, struct regs *out, long spins)
{
	__asm__ volatile("vmovdqu 0*32(%[in]), %%ymm0\n\t"
			 "vmovdqu 1*32(%[in]), %%ymm1\n\t"
			 "vmovdqu 2*32(%[in]), %%ymm2\n\t"
			 "vmovdqu 3*32(%[in]), %%ymm3\n\t"
			 "vmovdqu 4*32(%[in]), %%ymm4\n\t"
			 "vmovdqu 5*32(%[in]), %%ymm5\n\t"
			 "vmovdqu 6*32(%[in]), %%ymm6\n\t"
			 "vmovdqu 7*32(%[in]), %%ymm7\n\t"
			 "vmovdqu 8*32(%[in]), %%ymm8\n\t"
			 "vmovdqu 9*32(%[in]), %%ymm9\n\t"
			 "vmovdqu 10*32(%[in]), %%ymm10\n\t"
			 "vmovdqu 11*32(%[in]), %%ymm11\n\t"
			 "vmovdqu 12*32(%[in]), %%ymm12\n\t"
			 "vmovdqu 13*32(%[in]), %%ymm13\n\t"
			 "vmovdqu 14*32(%[in]), %%ymm14\n\t"
			 "vmovdqu 15*32(%[in]), %%ymm15\n\t"
			 "fldt 512+16(%[in])\n\t"
			 "fldt 512(%[in])\n\t"
			 "mov 544(%[in]), %%r8\n\t"
			 "mov 552(%[in]), %%r9\n\t"
			 "mov 560(%[in]), %%r10\n\t"
			 "mov 568(%[in]), %%r11\n\t"
			 "1: dec %[n]\n\t"
			 "jnz 1b\n\t"
			 "vmovdqu %%ymm0, 0*32(%[out])\n\t"
			 "vmovdqu %%ymm1, 1*32(%[out])\n\t"
			 "vmovdqu %%ymm2, 2*32(%[out])\n\t"
			 "vmovdqu %%ymm3, 3*32(%[out])\n\t"
			 "vmovdqu %%ymm4, 4*32(%[out])\n\t"
			 "vmovdqu %%ymm5, 5*32(%[out])\n\t"
			 "vmovdqu %%ymm6, 6*32(%[out])\n\t"
			 "vmovdqu %%ymm7, 7*32(%[out])\n\t"
			 "vmovdqu %%ymm8, 8*32(%[out])\n\t"
			 "vmovdqu %%ymm9, 9*32(%[out])\n\t"
			 "vmovdqu %%ymm10, 10*32(%[out])\n\t"
			 "vmovdqu %%ymm11, 11*32(%[out])\n\t"
			 "vmovdqu %%ymm12, 12*32(%[out])\n\t"
			 "vmovdqu %%ymm13, 13*32(%[out])\n\t"
			 "vmovdqu %%ymm14, 14*32(%[out])\n\t"
			 "vmovdqu %%ymm15, 15*32(%[out])\n\t"
			 "fstpt 512(%[out])\n\t"
			 "fstpt 512+16(%[out])\n\t"
			 "mov %%r8, 544(%[out])\n\t"
			 "mov %%r9, 552(%[out])\n\t"
			 "mov %%r10, 560(%[out])\n\t"
			 "mov %%r11, 568(%[out])\n\t"
			 "vzeroupper\n\t"
			 : [n] "+r"(spins)
			 : [in] "r"(in), [out] "r"(out)
			 : "memory", "cc", "r8", "r9", "r10", "r11", "xmm0", "xmm1", "xmm2", "xmm3",
			   "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
			   "xmm12", "xmm13", "xmm14", "xmm15");
}

static void spin_sse(const struct regs *in, struct regs *out, long spins)
{
	__asm__ volatile("movdqu 0*32(%[in]), %%xmm0\n\t"
			 "movdqu 1*32(%[in]), %%xmm1\n\t"
			 "movdqu 2*32(%[in]), %%xmm2\n\t"
			 "movdqu 3*32(%[in]), %%xmm3\n\t"
			 "movdqu 4*32(%[in]), %%xmm4\n\t"
			 "movdqu 5*32(%[in]), %%xmm5\n\t"
			 "movdqu 6*32(%[in]), %%xmm6\n\t"
			 "movdqu 7*32(%[in]), %%xmm7\n\t"
			 "movdqu 8*32(%[in]), %%xmm8\n\t"
			 "movdqu 9*32(%[in]), %%xmm9\n\t"
			 "movdqu 10*32(%[in]), %%xmm10\n\t"
			 "movdqu 11*32(%[in]), %%xmm11\n\t"
			 "movdqu 12*32(%[in]), %%xmm12\n\t"
			 "movdqu 13*32(%[in]), %%xmm13\n\t"
			 "movdqu 14*32(%[in]), %%xmm14\n\t"
			 "movdqu 15*32(%[in]), %%xmm15\n\t"
			 "fldt 512+16(%[in])\n\t"
			 "fldt 512(%[in])\n\t"
			 "mov 544(%[in]), %%r8\n\t"
			 "mov 552(%[in]), %%r9\n\t"
			 "mov 560(%[in]), %%r10\n\t"
			 "mov 568(%[in]), %%r11\n\t"
			 "1: dec %[n]\n\t"
			 "jnz 1b\n\t"
			 "movdqu %%xmm0, 0*32(%[out])\n\t"
			 "movdqu %%xmm1, 1*32(%[out])\n\t"
			 "movdqu %%xmm2, 2*32(%[out])\n\t"
			 "movdqu %%xmm3, 3*32(%[out])\n\t"
			 "movdqu %%xmm4, 4*32(%[out])\n\t"
			 "movdqu %%xmm5, 5*32(%[out])\n\t"
			 "movdqu %%xmm6, 6*32(%[out])\n\t"
			 "movdqu %%xmm7, 7*32(%[out])\n\t"
			 "movdqu %%xmm8, 8*32(%[out])\n\t"
			 "movdqu %%xmm9, 9*32(%[out])\n\t"
			 "movdqu %%xmm10, 10*32(%[out])\n\t"
			 "movdqu %%xmm11, 11*32(%[out])\n\t"
			 "movdqu %%xmm12, 12*32(%[out])\n\t"
			 "movdqu %%xmm13, 13*32(%[out])\n\t"
			 "movdqu %%xmm14, 14*32(%[out])\n\t"
			 "movdqu %%xmm15, 15*32(%[out])\n\t"
			 "fstpt 512(%[out])\n\t"
			 "fstpt 512+16(%[out])\n\t"
			 "mov %%r8, 544(%[out])\n\t"
			 "mov %%r9, 552(%[out])\n\t"
			 "mov %%r10, 560(%[out])\n\t"
			 "mov %%r11, 568(%[out])\n\t"
			 : [n] "+r"(spins)
			 : [in] "r"(in), [out] "r"(out)
			 : "memory", "cc", "r8", "r9", "r10", "r11", "xmm0", "xmm1", "xmm2", "xmm3",
			   "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
			   "xmm12", "xmm13", "xmm14", "xmm15");
}

/* A finite x87 extended value from a random word: sign, exponent near 1, mantissa bits. */
static void make_x87(unsigned char *slot, uint64_t w)
{
	uint16_t exp = (uint16_t)(0x3fff + (w & 0x3f)) | (uint16_t)((w >> 63) << 15);
	uint64_t mant = (w | (1ULL << 63)) & ~0x3fULL;

	memset(slot, 0, 16);
	memcpy(slot, &mant, 8);
	memcpy(slot + 8, &exp, 2);
}

static void make_round(struct regs *r, uint64_t seed, int vec_bytes)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 16; i++)
		wl_fill(r->vec[i], (size_t)vec_bytes, seed + (uint64_t)i);
	make_x87(r->x87[0], wl_word(seed, 100));
	make_x87(r->x87[1], wl_word(seed, 101));
	for (int i = 0; i < 4; i++)
		r->gpr[i] = wl_word(seed, 200 + (uint64_t)i);
}

static bool compare(const struct regs *in, const struct regs *out, int vec_bytes, uint64_t round)
{
	for (int i = 0; i < 16; i++) {
		if (memcmp(in->vec[i], out->vec[i], (size_t)vec_bytes) != 0) {
			int b = 0;

			while (in->vec[i][b] == out->vec[i][b])
				b++;
			wl_fail("round %llu: %s%d byte %d is %02x, expected %02x",
				(unsigned long long)round, vec_bytes == 32 ? "ymm" : "xmm", i, b,
				out->vec[i][b], in->vec[i][b]);
			return false;
		}
	}
	for (int i = 0; i < 2; i++) {
		if (memcmp(in->x87[i], out->x87[i], 10) != 0) {
			wl_fail("round %llu: x87 st(%d) changed", (unsigned long long)round, i);
			return false;
		}
	}
	for (int i = 0; i < 4; i++) {
		if (in->gpr[i] != out->gpr[i]) {
			wl_fail("round %llu: r%d is %#llx, expected %#llx",
				(unsigned long long)round, 8 + i, (unsigned long long)out->gpr[i],
				(unsigned long long)in->gpr[i]);
			return false;
		}
	}
	return true;
}

int main(void)
{
	static struct regs in, out;
	bool avx = __builtin_cpu_supports("avx");
	int vec_bytes = avx ? 32 : 16;
	unsigned int mxcsr = MXCSR_WANT, got_mxcsr;
	unsigned short cw = X87_CW_WANT, got_cw;
	uint64_t round = 0;

	wl_start("fpu", 0);
	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
	__asm__ volatile("fldcw %0" : : "m"(cw));
	wl_ready();
	while (!wl_term) {
		make_round(&in, 0xf00d0000ULL + round * 977, vec_bytes);
		memset(&out, 0xee, sizeof(out));
		if (avx)
			spin_avx(&in, &out, SPINS);
		else
			spin_sse(&in, &out, SPINS);
		if (!compare(&in, &out, vec_bytes, round))
			break;
		round++;
	}
	__asm__ volatile("stmxcsr %0" : "=m"(got_mxcsr));
	__asm__ volatile("fnstcw %0" : "=m"(got_cw));
	if ((got_mxcsr & ~0x3fu) != MXCSR_WANT)
		wl_fail("MXCSR %#x, expected %#x", got_mxcsr, MXCSR_WANT);
	if (got_cw != X87_CW_WANT)
		wl_fail("x87 control word %#x, expected %#x", got_cw, X87_CW_WANT);
	wl_note("%s, %llu rounds", avx ? "avx ymm0-15" : "sse xmm0-15 (no avx)",
		(unsigned long long)round);
	return wl_finish();
}
