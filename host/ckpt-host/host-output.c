// SPDX-License-Identifier: GPL-2.0-only
#include <stdio.h>

#include "host-error.h"
#include "host-output.h"

static void print_json(JsonObject *o)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree char *text = NULL;

	json_node_set_object(node, o);
	json_generator_set_root(gen, node);
	json_generator_set_pretty(gen, TRUE);
	text = json_generator_to_data(gen, NULL);
	printf("%s\n", text);
	fflush(stdout);
}

int host_output_result(HostContext *ctx, JsonObject *result, HostHumanFunc human)
{
	if (ctx->json)
		print_json(result);
	else if (!ctx->quiet && human)
		human(ctx, result);
	fflush(stdout);
	return 0;
}

int host_output_error(HostContext *ctx, const GError *error)
{
	fprintf(stderr, "ckpt-host %s: %s\n", ctx->cmd ? ctx->cmd : "", error->message);
	if (ctx->json) {
		g_autoptr(JsonObject) o = json_object_new();
		g_autoptr(JsonObject) e = json_object_new();
		g_autofree char *klass = host_error_class(error);

		json_object_set_string_member(e, "class", klass);
		json_object_set_string_member(e, "desc", error->message);
		json_object_set_object_member(o, "error", g_steal_pointer(&e));
		print_json(o);
	}
	return 1;
}

void host_output_note(HostContext *ctx, const char *fmt, ...)
{
	va_list ap;

	if (!host_context_chatty(ctx))
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

char *host_format_bytes(guint64 b)
{
	if (b < 1024)
		return g_strdup_printf("%" G_GUINT64_FORMAT " B", b);
	if (b < 1024 * 1024)
		return g_strdup_printf("%.1f KiB", b / 1024.0);
	if (b < 1024ULL * 1024 * 1024)
		return g_strdup_printf("%.1f MiB", b / 1048576.0);
	return g_strdup_printf("%.2f GiB", b / 1073741824.0);
}

double host_mib_per_s(guint64 bytes, gint64 usec)
{
	return usec > 0 ? (double)bytes / 1048576.0 / ((double)usec / G_USEC_PER_SEC) : 0;
}

const char *host_json_str(JsonObject *o, const char *m, const char *dflt)
{
	JsonNode *n = o ? json_object_get_member(o, m) : NULL;

	return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
		       ? json_node_get_string(n)
		       : dflt;
}

gint64 host_json_int(JsonObject *o, const char *m, gint64 dflt)
{
	JsonNode *n = o ? json_object_get_member(o, m) : NULL;

	return n && JSON_NODE_HOLDS_VALUE(n) ? json_node_get_int(n) : dflt;
}

JsonObject *host_json_obj(JsonObject *o, const char *m)
{
	JsonNode *n = o ? json_object_get_member(o, m) : NULL;

	return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}
