/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The workload protocol (docs/testing-cr.md), shared by every wl-* program.
 *
 * A workload runs as a container's init (ckpt run NAME -- wl-foo). It
 * builds its state, calls wl_ready() (DIR/NAME.ready appears, DIR being
 * $WL_DIR or /tmp/wl), then works until SIGTERM. Then it verifies everything
 * and wl_finish() writes "PASS NAME" or "FAIL NAME (why)" to
 * DIR/NAME.result, atomically (the scenario only ever sees a whole line).
 *
 * Failures are appended to DIR/NAME.detail as they happen, by whichever
 * process of the workload sees them, so a failing child's reason reaches the
 * result without any state shared across the checkpoint.
 */
#ifndef WL_H
#define WL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Set by the default SIGTERM handler: time to verify and report. */
extern volatile sig_atomic_t wl_term;

/*
 * Sets up DIR and the workload's name, removes stale files from an earlier
 * run, installs the SIGTERM handler with sa_flags (0: blocking calls fail
 * with EINTR; SA_RESTART: they restart).
 */
void wl_start(const char *name, int term_sa_flags);
void wl_ready(void);
/* DIR/NAME.progress := n, for scenarios checking that a workload still runs. */
void wl_progress(uint64_t n);

/* DIR/NAME.SUFFIX written into buf; returns buf. */
const char *wl_path(const char *suffix, char *buf, size_t len);
const char *wl_dir(void);

__attribute__((format(printf, 1, 2))) void wl_fail(const char *fmt, ...);
/* Fails with fmt and the current errno's text. */
__attribute__((format(printf, 1, 2))) void wl_fail_errno(const char *fmt, ...);
/* Extra text for the PASS line ("PASS counter (n=123)"). */
__attribute__((format(printf, 1, 2))) void wl_note(const char *fmt, ...);
bool wl_failed(void);

/* Writes the result file; returns the exit status for main(). */
int wl_finish(void);

/* Runs fn(arg) in a child that exits 0, or 1 if it recorded a failure. */
pid_t wl_fork(void (*fn)(void *arg), void *arg);
/*
 * Like wl_fork, but returns only once the child called wl_child_ready()
 * (or died), so the parent says ready after its children set up.
 */
pid_t wl_fork_sync(void (*fn)(void *arg), void *arg);
void wl_child_ready(void);
/* waitpid(pid) and fail unless it exited 0. */
void wl_reap(pid_t pid, const char *what);

/* Waits for SIGTERM, in 100 ms sleeps. */
void wl_wait_term(void);
void wl_sleep_ms(unsigned int ms);
uint64_t wl_mono_ns(void);

/*
 * Active time: CLOCK_MONOTONIC minus the gaps a ticker process sees, i.e.
 * minus the time the container spent checkpointed and not running. Lets
 * timing checks (nanosleep, itimer) hold across a checkpoint, a restart
 * and even a different boot. wl_clock_gaps() counts the gaps seen.
 */
void wl_clock_start(void);
uint64_t wl_active_ns(void);
unsigned int wl_clock_gaps(void);

/* Deterministic contents: a 64-bit word for (seed, index), and a hash. */
uint64_t wl_word(uint64_t seed, uint64_t index);
void wl_fill(void *buf, size_t len, uint64_t seed);
/* Byte offset of the first byte differing from wl_fill(seed), or -1. */
long wl_check_fill(const void *buf, size_t len, uint64_t seed);
uint64_t wl_hash(const void *buf, size_t len);

#endif
