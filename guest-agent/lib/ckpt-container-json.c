// SPDX-License-Identifier: GPL-2.0-only
#include "ckpt-container-json.h"

static void add_string_or_null(JsonBuilder *b, const char *key, const char *value)
{
	json_builder_set_member_name(b, key);
	if (value)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

static void add_config(JsonBuilder *b, const CkptContainerConfig *config)
{
	g_autofree char *created = NULL;

	add_string_or_null(b, "hostname", config ? config->hostname : NULL);
	add_string_or_null(b, "rootfs", config ? config->rootfs : NULL);
	json_builder_set_member_name(b, "log");
	json_builder_add_boolean_value(b, config && config->log);
	json_builder_set_member_name(b, "command");
	if (config && config->command) {
		json_builder_begin_array(b);
		for (char **a = config->command; *a; a++)
			json_builder_add_string_value(b, *a);
		json_builder_end_array(b);
	} else {
		json_builder_add_null_value(b);
	}
	add_string_or_null(b, "image", config ? config->image : NULL);
	if (config && config->created) {
		g_autoptr(GDateTime) dt =
			g_date_time_new_from_unix_utc(config->created / G_USEC_PER_SEC);

		if (dt)
			created = g_date_time_format_iso8601(dt);
	}
	add_string_or_null(b, "created", created);
}

JsonNode *ckpt_container_to_json(CkptContainer *c, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(CkptContainerConfig) config = NULL;
	CkptContainerStatus st;
	gint64 memory;

	if (!ckpt_container_get_status(c, &st, error))
		return NULL;
	/* A damaged config only loses the informative keys. */
	config = ckpt_container_load_config(c, NULL);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, ckpt_container_get_name(c));
	json_builder_set_member_name(b, "state");
	json_builder_add_string_value(b, ckpt_container_state_name(st.state));
	json_builder_set_member_name(b, "init_pid");
	if (st.init_pid)
		json_builder_add_int_value(b, st.init_pid);
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "nr_processes");
	json_builder_add_int_value(b, st.nr_processes);
	json_builder_set_member_name(b, "nr_tasks");
	json_builder_add_int_value(b, st.nr_tasks);
	json_builder_set_member_name(b, "memory");
	memory = st.state == CKPT_CONTAINER_STOPPED ? -1 : ckpt_container_get_memory(c);
	if (memory >= 0)
		json_builder_add_int_value(b, memory);
	else
		json_builder_add_null_value(b);
	add_config(b, config);
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
