// SPDX-License-Identifier: GPL-2.0-only
/*
 * wl-threads: a process of five threads.
 *  - Four workers each keep a __thread value (TLS through fs_base), count in
 *    a loop and check, every round, that their TLS value and its address,
 *    gettid() and pthread_self() are what they were.
 *  - One of them waits on a condition variable (a futex wait interrupted by
 *    the checkpoint) until the main thread signals it at the end.
 *  - pthread_join needs the kernel's clear_child_tid to work after restart;
 *    each thread also checks its robust futex list head is unchanged.
 *  - The main thread checks that /proc/self/task lists exactly the five
 *    tids it recorded.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wl.h"

#define WORKERS 4

struct worker {
	int index;
	pid_t tid;
	pthread_t self;
	void *robust_head;
	uint64_t rounds;
	volatile int started;
};

static __thread uint64_t tls_value = 0x1111;
static __thread struct worker *tls_worker;
static struct worker workers[WORKERS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int woken;
/* Set by main once it has looked at /proc/self/task: workers run until then. */
static volatile int stop_workers;

static uint64_t tls_expected(int index)
{
	return 0xc0ffee00ULL + (uint64_t)index * 0x10001ULL;
}

static void *robust_head(void)
{
	void *head = NULL;
	size_t len;

	if (syscall(SYS_get_robust_list, 0, &head, &len) < 0)
		return (void *)-1;
	return head;
}

static void check_identity(struct worker *w, uint64_t *tls_addr)
{
	if (tls_value != tls_expected(w->index))
		wl_fail("worker %d: TLS value %#llx, expected %#llx", w->index,
			(unsigned long long)tls_value, (unsigned long long)tls_expected(w->index));
	if (&tls_value != tls_addr)
		wl_fail("worker %d: TLS at %p, was %p", w->index, (void *)&tls_value,
			(void *)tls_addr);
	if (tls_worker != w)
		wl_fail("worker %d: TLS pointer %p, expected %p", w->index, (void *)tls_worker,
			(void *)w);
	if (gettid() != w->tid)
		wl_fail("worker %d: tid %d, was %d", w->index, gettid(), w->tid);
	if (!pthread_equal(pthread_self(), w->self))
		wl_fail("worker %d: pthread_self changed", w->index);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	uint64_t *tls_addr = &tls_value;

	tls_value = tls_expected(w->index);
	tls_worker = w;
	w->tid = gettid();
	w->self = pthread_self();
	w->robust_head = robust_head();
	__atomic_store_n(&w->started, 1, __ATOMIC_RELEASE);

	if (w->index == 0) {
		/* The sleeper: blocked in a futex wait for the whole run. */
		pthread_mutex_lock(&lock);
		while (!woken)
			pthread_cond_wait(&wake, &lock);
		pthread_mutex_unlock(&lock);
		check_identity(w, tls_addr);
	} else {
		while (!stop_workers) {
			w->rounds++;
			check_identity(w, tls_addr);
			if (wl_failed())
				break;
			wl_sleep_ms(1);
		}
	}
	if (robust_head() != w->robust_head)
		wl_fail("worker %d: robust list head %p, was %p", w->index, robust_head(),
			w->robust_head);
	return NULL;
}

static void check_tasks(pid_t main_tid)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int found = 0, known;

	if (!d) {
		wl_fail_errno("opendir /proc/self/task");
		return;
	}
	while ((e = readdir(d))) {
		pid_t tid = atoi(e->d_name);

		if (tid <= 0)
			continue;
		known = tid == main_tid;
		for (int i = 0; i < WORKERS; i++)
			known |= tid == workers[i].tid;
		if (!known)
			wl_fail("unknown task %d in /proc/self/task", tid);
		found++;
	}
	closedir(d);
	if (found != WORKERS + 1)
		wl_fail("%d tasks in /proc/self/task, expected %d", found, WORKERS + 1);
}

int main(void)
{
	pthread_t threads[WORKERS];
	pid_t main_tid = gettid();
	uint64_t rounds = 0;

	wl_start("threads", 0);
	tls_value = 0x5a5a;
	for (int i = 0; i < WORKERS; i++) {
		workers[i].index = i;
		if (pthread_create(&threads[i], NULL, work, &workers[i]) != 0) {
			wl_fail("pthread_create %d failed", i);
			return wl_finish();
		}
	}
	for (int i = 0; i < WORKERS; i++)
		while (!__atomic_load_n(&workers[i].started, __ATOMIC_ACQUIRE))
			wl_sleep_ms(1);
	wl_ready();
	wl_wait_term();

	if (gettid() != main_tid || getpid() != main_tid)
		wl_fail("main: tid %d pid %d, was %d", gettid(), getpid(), main_tid);
	if (tls_value != 0x5a5a)
		wl_fail("main: TLS value %#llx, expected 0x5a5a", (unsigned long long)tls_value);
	check_tasks(main_tid);
	stop_workers = 1;
	pthread_mutex_lock(&lock);
	woken = 1;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < WORKERS; i++) {
		pthread_join(threads[i], NULL);
		rounds += workers[i].rounds;
	}
	wl_note("%d threads, %llu rounds", WORKERS + 1, (unsigned long long)rounds);
	return wl_finish();
}
