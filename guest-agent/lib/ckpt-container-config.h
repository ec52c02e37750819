/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How a container was started, kept in its state directory (STATE/config,
 * a key file) for `ckpt list` and for the agent. Only informative: the
 * running container is described by its cgroup, and a restart takes its
 * state from the image.
 */
#ifndef CKPT_CONTAINER_CONFIG_H
#define CKPT_CONTAINER_CONFIG_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
	char *hostname;
	char *rootfs;	/* NULL: the guest's root */
	gboolean log;	/* stdout and stderr go to STATE/log */
	char **command; /* argv of `ckpt run`; NULL after a restart */
	char *image;	/* the image a restart read ("-" for stdin) */
	gint64 created; /* CLOCK_REALTIME, microseconds */
} CkptContainerConfig;

CkptContainerConfig *ckpt_container_config_new(void);
void ckpt_container_config_free(CkptContainerConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CkptContainerConfig, ckpt_container_config_free)

gboolean ckpt_container_config_save(const CkptContainerConfig *config, const char *path,
				    GError **error);
CkptContainerConfig *ckpt_container_config_load(const char *path, GError **error);

G_END_DECLS

#endif /* CKPT_CONTAINER_CONFIG_H */
