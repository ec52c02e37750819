/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What ckpt-hostd asks of a domain's agent, each in its own worker thread
 * and job:
 *   - boot: wait (bounded) until the agent answers, tell it the shutdown
 *     policy (which containers to push, where), then restore the latest
 *     store image of every container marked restore-on-start;
 *   - periodic: checkpoint a container with mode leave-running into the
 *     store (reason "periodic"), then prune to its keep.
 * The workers take a copy of the domain's config; cancel ends them early
 * (the domain stopped).
 */
#pragma once

#include "hostd.h"

G_BEGIN_DECLS

void hostd_agent_boot(Hostd *h, const CkptDomainConfig *config, gboolean restore,
		      GCancellable *cancel);
void hostd_agent_periodic(Hostd *h, const CkptDomainConfig *config, const char *container,
			  GCancellable *cancel);

G_END_DECLS
