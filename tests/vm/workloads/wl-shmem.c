// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-shmem: 1 MiB of MAP_SHARED|MAP_ANONYMOUS memory mapped before fork,
 * so the parent and the child map the same shmem object; half its pages
 * carry a pattern, the other half were never touched. After the restart
 * both check the pattern and the zero pages, then prove the mapping is
 * still shared: the parent writes a token, the child must see it and
 * answer in another page, the parent must see the answer (each waits 5 s
 * at most). A private anonymous page next to it must stay private.
 */
#include <sys/mman.h>
#include <unistd.h>

#include "wl.h"

#define LEN (1024 * 1024)
#define PAGE 4096
#define SEED 0x5a4dULL
#define TOKEN 0x70c3e11aULL
#define ANSWER 0xa45e1eadULL

static unsigned char *shm;
static volatile uint64_t *token, *answer;
static uint64_t *priv;

/* Even pages hold the pattern, odd pages stay untouched (zero). */
static void check_contents(const char *who)
{
	for (size_t p = 0; p < LEN / PAGE; p++) {
		const unsigned char *page = shm + p * PAGE;

		if (p == 0 || p == 1)
			continue; /* the token and answer pages */
		if (p % 2 == 0) {
			long bad = wl_check_fill(page, PAGE, SEED + p);

			if (bad >= 0) {
				wl_fail("%s: shared page %zu wrong at byte %ld", who, p, bad);
				return;
			}
		} else {
			for (int i = 0; i < PAGE; i++)
				if (page[i]) {
					wl_fail("%s: untouched shared page %zu not zero", who, p);
					return;
				}
		}
	}
}

static bool wait_value(volatile uint64_t *where, uint64_t want)
{
	for (int i = 0; i < 500; i++) {
		if (*where == want)
			return true;
		wl_sleep_ms(10);
	}
	return false;
}

static void child(void *arg)
{
	*priv = 2;
	*answer = 2; /* "I am here", before the checkpoint */
	wl_wait_term();
	check_contents("child");
	/* Parent's SIGTERM arrives after its own checks; then the token. */
	if (!wait_value(token, TOKEN)) {
		wl_fail("child: the parent's token never showed in the shared page (%#llx)",
			(unsigned long long)*token);
		return;
	}
	*answer = ANSWER;
	if (*priv != 2)
		wl_fail("child: private page %llu, expected 2", (unsigned long long)*priv);
}

int main(void)
{
	pid_t kid;

	wl_start("shmem", 0);
	shm = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	priv = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED || priv == MAP_FAILED) {
		wl_fail_errno("mmap");
		return wl_finish();
	}
	token = (volatile uint64_t *)shm;
	answer = (volatile uint64_t *)(shm + PAGE);
	*token = 1;
	*answer = 1;
	for (size_t p = 2; p < LEN / PAGE; p += 2)
		wl_fill(shm + p * PAGE, PAGE, SEED + p);
	*priv = 1;
	kid = wl_fork(child, NULL);
	if (!wait_value(answer, 2))
		wl_fail("the child did not start");
	wl_ready();
	wl_wait_term();

	check_contents("parent");
	kill(kid, SIGTERM);
	*token = TOKEN;
	if (!wait_value(answer, ANSWER))
		wl_fail("parent: the child's answer never showed in the shared page (%#llx)",
			(unsigned long long)*answer);
	if (*priv != 1)
		wl_fail("parent: private page %llu, expected 1", (unsigned long long)*priv);
	wl_reap(kid, "child");
	return wl_finish();
}
