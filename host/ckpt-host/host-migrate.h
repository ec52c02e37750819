/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Two-phase migration of one container from VM A to VM B
 * (docs/migrate.md):
 *
 *   1. checkpoint on A, mode leave-frozen;
 *   2. stream A -> host -> B (a thread per side, joined by a pipe), or
 *      through the store (--via-store), the sha256 checked at every hop;
 *   3. restore on B with start frozen;
 *   4. only once B confirmed: kill on A (or thaw it, --keep-source), then
 *      thaw on B.
 *
 * Any failure before step 4, SIGINT and SIGTERM included, removes what B
 * got and makes sure the container runs on A again; the error says what
 * was done and where the container is.
 */
#pragma once

#include "host-progress.h"
#include "host-vm.h"

G_BEGIN_DECLS

typedef struct {
	const char *container;
	gboolean keep_source; /* clone: thaw on A instead of killing it */
	gboolean via_store;   /* checkpoint into the store, restore from it */
	const char *compress; /* --via-store: "zstd" or NULL */
} HostMigrateOptions;

/* The result object (timings, bytes, both jobs' results), or NULL with the error. */
JsonObject *host_migrate(HostContext *ctx, HostVm *from, HostVm *to, const HostMigrateOptions *o,
			 HostProgress *progress, GError **error);

G_END_DECLS
