// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "ckpt-checkpoint.h"
#include "ckpt-device.h"
#include "ckpt-guest-error.h"

static const char *const mode_names[] = {
	[CKPT_CHECKPOINT_STOP] = "stop",
	[CKPT_CHECKPOINT_LEAVE_RUNNING] = "leave-running",
	[CKPT_CHECKPOINT_LEAVE_FROZEN] = "leave-frozen",
};

const char *ckpt_checkpoint_mode_name(CkptCheckpointMode mode)
{
	return (guint)mode < G_N_ELEMENTS(mode_names) ? mode_names[mode] : "?";
}

gboolean ckpt_checkpoint_mode_parse(const char *text, CkptCheckpointMode *mode, GError **error)
{
	for (guint i = 0; i < G_N_ELEMENTS(mode_names); i++) {
		if (g_strcmp0(text, mode_names[i]) == 0) {
			*mode = (CkptCheckpointMode)i;
			return TRUE;
		}
	}
	g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_INVALID,
		    "checkpoint mode '%s': expected stop, leave-running or leave-frozen", text);
	return FALSE;
}

/*
 * Puts the container back as it was after a failure in *error: it keeps
 * running unless it was frozen before.
 */
static void roll_back(CkptContainer *c, gboolean was_frozen, GError **error)
{
	g_autoptr(GError) thaw_error = NULL;
	char *msg;

	if (was_frozen || ckpt_container_thaw(c, &thaw_error))
		return;
	msg = g_strdup_printf("%s (and thawing it again failed: %s)", (*error)->message,
			      thaw_error->message);
	g_free((*error)->message);
	(*error)->message = msg;
}

gboolean ckpt_container_checkpoint(CkptContainer *c, int fd, const CkptCheckpointOptions *o,
				   CkptCheckpointResult *result, GCancellable *cancellable,
				   GError **error)
{
	const char *name = ckpt_container_get_name(c);
	gint64 timeout = o->freeze_timeout_ms > 0 ? o->freeze_timeout_ms : CKPT_DEFAULT_TIMEOUT_MS;
	g_autoptr(CkptDevice) dev = NULL;
	g_autoptr(GError) local = NULL;
	CkptContainerStatus st;
	gboolean was_frozen;
	gint64 t0;

	memset(result, 0, sizeof(*result));
	if (!ckpt_container_require_live(c, &st, error))
		return FALSE;
	/* The user's freeze (cgroup.freeze 1) is theirs to undo, not ours. */
	was_frozen = st.state == CKPT_CONTAINER_FROZEN || st.state == CKPT_CONTAINER_FREEZING;

	/* A missing module must not cost the container a freeze. */
	dev = ckpt_device_open(ckpt_container_get_paths(c)->device, error);
	if (!dev || !ckpt_device_require(dev, CKPT_FEAT_CHECKPOINT, error)) {
		ckpt_prefix_container(error, name);
		return FALSE;
	}

	t0 = g_get_monotonic_time();
	if (!ckpt_container_freeze(c, timeout, cancellable, error))
		return FALSE;
	result->freeze_us = g_get_monotonic_time() - t0;

	/* Read again once frozen: the tree cannot change any more. */
	if (!ckpt_container_require_live(c, &st, &local))
		goto fail;
	result->nr_tasks = st.nr_tasks;
	if (!st.init_pid) {
		g_set_error(&local, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_STATE,
			    "its init is gone (no pid 1 in its cgroup)");
		goto fail;
	}
	t0 = g_get_monotonic_time();
	if (!ckpt_device_checkpoint(dev, st.init_pid, fd, &result->bytes, &local))
		goto fail;
	result->write_us = g_get_monotonic_time() - t0;
	/* Cancelled during the write: the image is whole, but not wanted. */
	if (g_cancellable_set_error_if_cancelled(cancellable, &local))
		goto fail;
	t0 = g_get_monotonic_time();
	if (o->commit && !o->commit(o->commit_data, result, &local))
		goto fail;
	result->commit_us = g_get_monotonic_time() - t0;

	switch (o->mode) {
	case CKPT_CHECKPOINT_STOP:
		if (!ckpt_container_kill(c, timeout, NULL, error)) {
			g_prefix_error(error, "image written, but stopping the container failed: ");
			return FALSE;
		}
		return TRUE;
	case CKPT_CHECKPOINT_LEAVE_RUNNING:
		if (!ckpt_container_thaw(c, error)) {
			g_prefix_error(error, "image written, but: ");
			return FALSE;
		}
		return TRUE;
	case CKPT_CHECKPOINT_LEAVE_FROZEN:
		return TRUE;
	}
	return TRUE;

fail:
	roll_back(c, was_frozen, &local);
	g_propagate_prefixed_error(error, g_steal_pointer(&local),
				   "container %s: checkpoint: ", name);
	return FALSE;
}
