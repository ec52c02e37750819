// SPDX-License-Identifier: GPL-2.0-only
/*
 * `ckpt-host images [list [--vm VM] [--container NAME]] | show ID | rm ID |
 * prune --keep N [--vm VM] [--container NAME]`: the host's image store.
 */
#include <stdio.h>
#include <string.h>

#include "host-cmd.h"
#include "host-error.h"
#include "host-output.h"

static JsonArray *metas_to_array(GPtrArray *metas)
{
	JsonArray *a = json_array_new();

	for (guint i = 0; i < metas->len; i++)
		json_array_add_element(a, ckpt_image_meta_to_json(metas->pdata[i]));
	return a;
}

static void print_table(JsonArray *a)
{
	printf("%-40s %-10s %-14s %10s %10s %-5s %-9s %s\n", "ID", "VM", "CONTAINER", "SIZE",
	       "STORED", "ZSTD", "REASON", "CREATED");
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *m = json_array_get_object_element(a, i);
		g_autofree char *size = host_format_bytes((guint64)host_json_int(m, "size", 0));
		g_autofree char *stored =
			host_format_bytes((guint64)host_json_int(m, "stored-size", 0));

		printf("%-40s %-10s %-14s %10s %10s %-5s %-9s %s\n", host_json_str(m, "id", "?"),
		       host_json_str(m, "vm", "?"), host_json_str(m, "container", "?"), size,
		       stored,
		       g_strcmp0(host_json_str(m, "compression", ""), "zstd") == 0 ? "yes" : "no",
		       host_json_str(m, "reason", "?"), host_json_str(m, "created", "?"));
	}
}

static void human_list(HostContext *ctx, JsonObject *r)
{
	JsonArray *images = json_object_get_array_member(r, "images");

	if (json_array_get_length(images) == 0) {
		printf("no images in %s\n", host_json_str(r, "store", "?"));
		return;
	}
	print_table(images);
}

static void human_show(HostContext *ctx, JsonObject *r)
{
	JsonObject *m = host_json_obj(r, "image");
	GList *names = json_object_get_members(m);

	for (GList *l = names; l; l = l->next) {
		JsonNode *n = json_object_get_member(m, l->data);

		if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING)
			printf("%-12s %s\n", (const char *)l->data, json_node_get_string(n));
		else if (JSON_NODE_HOLDS_VALUE(n))
			printf("%-12s %" G_GINT64_FORMAT "\n", (const char *)l->data,
			       json_node_get_int(n));
		else
			printf("%-12s -\n", (const char *)l->data);
	}
	printf("%-12s %s\n", "dir", host_json_str(r, "store", "?"));
	g_list_free(names);
}

static void human_rm(HostContext *ctx, JsonObject *r)
{
	printf("removed %s\n", host_json_str(host_json_obj(r, "image"), "id", "?"));
}

static void human_prune(HostContext *ctx, JsonObject *r)
{
	JsonArray *a = json_object_get_array_member(r, "removed");

	printf("removed %u image%s, kept the newest %" G_GINT64_FORMAT " per VM and container\n",
	       json_array_get_length(a), json_array_get_length(a) == 1 ? "" : "s",
	       host_json_int(r, "keep", 0));
	for (guint i = 0; i < json_array_get_length(a); i++)
		printf("  %s\n", host_json_str(json_array_get_object_element(a, i), "id", "?"));
}

int host_cmd_images(HostContext *ctx, int argc, char **argv)
{
	g_auto(GStrv) ops = NULL;
	g_autofree char *vm = NULL;
	g_autofree char *container = NULL;
	gint keep = -1;
	const GOptionEntry entries[] = {
		{"vm", 0, 0, G_OPTION_ARG_STRING, &vm, "list, prune: only this VM's images", "VM"},
		{"container", 0, 0, G_OPTION_ARG_STRING, &container,
		 "list, prune: only this container's images", "NAME"},
		{"keep", 'k', 0, G_OPTION_ARG_INT, &keep,
		 "prune: keep the newest N per VM and container", "N"},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) result = json_object_new();
	g_autoptr(GPtrArray) metas = NULL;
	g_autoptr(CkptImageMeta) meta = NULL;
	const char *sub;
	CkptStore *store;
	guint nops;

	if (!host_cmd_parse(ctx, argc, argv, entries, 0, 2, &ops))
		return 2;
	nops = g_strv_length(ops);
	sub = nops ? ops[0] : "list";
	if (!((strcmp(sub, "list") == 0 && nops <= 1) || (strcmp(sub, "prune") == 0 && nops == 1) ||
	      ((strcmp(sub, "show") == 0 || strcmp(sub, "rm") == 0) && nops == 2))) {
		fprintf(stderr,
			"ckpt-host images: expected list, show ID, rm ID or prune --keep N\n");
		return 2;
	}
	if (strcmp(sub, "prune") == 0 && keep < 0) {
		fprintf(stderr, "ckpt-host images prune: --keep N is required (N >= 0)\n");
		return 2;
	}
	store = host_context_store(ctx, &error);
	if (!store)
		return host_output_error(ctx, error);
	json_object_set_string_member(result, "store", ckpt_store_dir(store));
	if (strcmp(sub, "list") == 0) {
		metas = ckpt_store_list(store, vm, container, &error);
		if (!metas)
			return host_output_error(ctx, error);
		json_object_set_array_member(result, "images", metas_to_array(metas));
		return host_output_result(ctx, result, human_list);
	}
	if (strcmp(sub, "prune") == 0) {
		metas = ckpt_store_prune(store, vm, container, (guint)keep, &error);
		if (!metas)
			return host_output_error(ctx, error);
		json_object_set_int_member(result, "keep", keep);
		json_object_set_array_member(result, "removed", metas_to_array(metas));
		return host_output_result(ctx, result, human_prune);
	}
	meta = ckpt_store_lookup(store, ops[1], &error);
	if (!meta)
		return host_output_error(ctx, error);
	json_object_set_member(result, "image", ckpt_image_meta_to_json(meta));
	if (strcmp(sub, "show") == 0)
		return host_output_result(ctx, result, human_show);
	if (!ckpt_store_remove(store, meta->id, &error))
		return host_output_error(ctx, error);
	return host_output_result(ctx, result, human_rm);
}
