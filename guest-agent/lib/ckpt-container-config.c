// SPDX-License-Identifier: GPL-2.0-only
#include "ckpt-container-config.h"

#define GROUP "container"

CkptContainerConfig *ckpt_container_config_new(void)
{
	CkptContainerConfig *config = g_new0(CkptContainerConfig, 1);

	config->created = g_get_real_time();
	return config;
}

void ckpt_container_config_free(CkptContainerConfig *config)
{
	if (!config)
		return;
	g_free(config->hostname);
	g_free(config->rootfs);
	g_strfreev(config->command);
	g_free(config->image);
	g_free(config);
}

gboolean ckpt_container_config_save(const CkptContainerConfig *config, const char *path,
				    GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();

	if (config->hostname)
		g_key_file_set_string(kf, GROUP, "hostname", config->hostname);
	if (config->rootfs)
		g_key_file_set_string(kf, GROUP, "rootfs", config->rootfs);
	g_key_file_set_boolean(kf, GROUP, "log", config->log);
	if (config->command)
		g_key_file_set_string_list(kf, GROUP, "command",
					   (const char *const *)config->command,
					   g_strv_length(config->command));
	if (config->image)
		g_key_file_set_string(kf, GROUP, "image", config->image);
	g_key_file_set_int64(kf, GROUP, "created", config->created);
	return g_key_file_save_to_file(kf, path, error);
}

CkptContainerConfig *ckpt_container_config_load(const char *path, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(CkptContainerConfig) config = g_new0(CkptContainerConfig, 1);

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, error))
		return NULL;
	/* Every key is optional: a missing one is simply unknown. */
	config->hostname = g_key_file_get_string(kf, GROUP, "hostname", NULL);
	config->rootfs = g_key_file_get_string(kf, GROUP, "rootfs", NULL);
	config->log = g_key_file_get_boolean(kf, GROUP, "log", NULL);
	config->command = g_key_file_get_string_list(kf, GROUP, "command", NULL, NULL);
	config->image = g_key_file_get_string(kf, GROUP, "image", NULL);
	config->created = g_key_file_get_int64(kf, GROUP, "created", NULL);
	return g_steal_pointer(&config);
}
