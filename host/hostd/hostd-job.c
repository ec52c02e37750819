// SPDX-License-Identifier: GPL-2.0-only
#include "hostd-job.h"

#include "agent-error.h"
#include "ckpt-domain.h"
#include "ckpt-store.h"
#include "ckpt-transport.h"

typedef struct {
	guint id;
	char *type, *domain, *container;
	char *created; /* ISO 8601 UTC */
	gint64 start_us, end_us;
	char *state; /* running, done, failed */
	char *error_class, *error_desc;
	JsonObject *result;
} HostdJob;

struct _HostdJobTable {
	GMutex lock;
	GQueue jobs; /* HostdJob*, oldest first */
	guint next_id;
	guint keep_finished;
};

static void job_free(HostdJob *j)
{
	g_free(j->type);
	g_free(j->domain);
	g_free(j->container);
	g_free(j->created);
	g_free(j->state);
	g_free(j->error_class);
	g_free(j->error_desc);
	if (j->result)
		json_object_unref(j->result);
	g_free(j);
}

HostdJobTable *hostd_job_table_new(guint keep_finished)
{
	HostdJobTable *t = g_new0(HostdJobTable, 1);

	g_mutex_init(&t->lock);
	g_queue_init(&t->jobs);
	t->next_id = 1;
	t->keep_finished = keep_finished;
	return t;
}

void hostd_job_table_free(HostdJobTable *t)
{
	if (!t)
		return;
	g_queue_clear_full(&t->jobs, (GDestroyNotify)job_free);
	g_mutex_clear(&t->lock);
	g_free(t);
}

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

guint hostd_job_start(HostdJobTable *t, const char *type, const char *domain, const char *container)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();
	HostdJob *j = g_new0(HostdJob, 1);
	guint id;

	j->type = g_strdup(type);
	j->domain = g_strdup(domain);
	j->container = g_strdup(container);
	j->created = g_date_time_format_iso8601(now);
	j->start_us = g_get_monotonic_time();
	j->state = g_strdup("running");
	g_mutex_lock(&t->lock);
	id = j->id = t->next_id++;
	g_queue_push_tail(&t->jobs, j);
	g_mutex_unlock(&t->lock);
	g_message("job %u (%s %s%s%s): started", id, type, or_dash(domain), container ? "/" : "",
		  container ? container : "");
	return id;
}

static HostdJob *find_locked(HostdJobTable *t, guint id)
{
	for (GList *l = t->jobs.head; l; l = l->next) {
		HostdJob *j = l->data;

		if (j->id == id)
			return j;
	}
	return NULL;
}

/* Forgets the oldest ended jobs beyond keep_finished. */
static void trim_locked(HostdJobTable *t)
{
	guint ended = 0;

	for (GList *l = t->jobs.head; l; l = l->next)
		ended += !g_str_equal(((HostdJob *)l->data)->state, "running");
	for (GList *l = t->jobs.head; l && ended > t->keep_finished;) {
		GList *next = l->next;
		HostdJob *j = l->data;

		if (!g_str_equal(j->state, "running")) {
			g_queue_delete_link(&t->jobs, l);
			job_free(j);
			ended--;
		}
		l = next;
	}
}

static char *describe_result(JsonObject *result)
{
	g_autoptr(JsonNode) node = NULL;

	if (!result)
		return g_strdup("{}");
	node = json_node_new(JSON_NODE_OBJECT);
	json_node_set_object(node, result);
	return json_to_string(node, FALSE);
}

void hostd_job_done(HostdJobTable *t, guint id, JsonObject *result)
{
	g_autofree char *text = describe_result(result);
	HostdJob *j;

	g_mutex_lock(&t->lock);
	j = find_locked(t, id);
	if (j) {
		j->end_us = g_get_monotonic_time();
		g_free(j->state);
		j->state = g_strdup("done");
		j->result = result ? result : json_object_new();
		result = NULL;
		g_message("job %u (%s %s%s%s): done in %" G_GINT64_FORMAT " ms: %s", id, j->type,
			  or_dash(j->domain), j->container ? "/" : "",
			  j->container ? j->container : "", (j->end_us - j->start_us) / 1000, text);
		trim_locked(t);
	}
	g_mutex_unlock(&t->lock);
	if (result)
		json_object_unref(result);
}

void hostd_job_fail(HostdJobTable *t, guint id, const GError *error)
{
	HostdJob *j;

	g_mutex_lock(&t->lock);
	j = find_locked(t, id);
	if (j) {
		j->end_us = g_get_monotonic_time();
		g_free(j->state);
		j->state = g_strdup("failed");
		j->error_class = g_strdup(hostd_error_class(error));
		j->error_desc = g_strdup(error->message);
		g_warning("job %u (%s %s%s%s): failed after %" G_GINT64_FORMAT " ms: %s", id,
			  j->type, or_dash(j->domain), j->container ? "/" : "",
			  j->container ? j->container : "", (j->end_us - j->start_us) / 1000,
			  error->message);
		trim_locked(t);
	}
	g_mutex_unlock(&t->lock);
}

gboolean hostd_job_running(HostdJobTable *t, const char *type, const char *domain,
			   const char *container)
{
	gboolean found = FALSE;

	g_mutex_lock(&t->lock);
	for (GList *l = t->jobs.head; l && !found; l = l->next) {
		HostdJob *j = l->data;

		found = g_str_equal(j->state, "running") && g_strcmp0(j->type, type) == 0 &&
			g_strcmp0(j->domain, domain) == 0 &&
			g_strcmp0(j->container, container) == 0;
	}
	g_mutex_unlock(&t->lock);
	return found;
}

static JsonObject *job_to_json(const HostdJob *j)
{
	JsonObject *o = json_object_new();
	gint64 end = j->end_us ? j->end_us : g_get_monotonic_time();

	json_object_set_int_member(o, "id", j->id);
	json_object_set_string_member(o, "type", j->type);
	if (j->domain)
		json_object_set_string_member(o, "domain", j->domain);
	else
		json_object_set_null_member(o, "domain");
	if (j->container)
		json_object_set_string_member(o, "container", j->container);
	else
		json_object_set_null_member(o, "container");
	json_object_set_string_member(o, "state", j->state);
	json_object_set_string_member(o, "created", j->created);
	json_object_set_int_member(o, "elapsed-ms", (end - j->start_us) / 1000);
	if (j->error_class) {
		JsonObject *e = json_object_new();

		json_object_set_string_member(e, "class", j->error_class);
		json_object_set_string_member(e, "desc", j->error_desc);
		json_object_set_object_member(o, "error", e);
	} else {
		json_object_set_null_member(o, "error");
	}
	if (j->result)
		json_object_set_object_member(o, "result", json_object_ref(j->result));
	else
		json_object_set_null_member(o, "result");
	return o;
}

JsonObject *hostd_job_table_list(HostdJobTable *t)
{
	JsonObject *ret = json_object_new();
	JsonArray *a = json_array_new();

	g_mutex_lock(&t->lock);
	for (GList *l = t->jobs.head; l; l = l->next)
		json_array_add_object_element(a, job_to_json(l->data));
	g_mutex_unlock(&t->lock);
	json_object_set_array_member(ret, "jobs", a);
	return ret;
}

const char *hostd_error_class(const GError *error)
{
	if (!error)
		return "failed";
	if (error->domain == AGENT_ERROR) {
		const char *name = agent_error_class_name((AgentErrorClass)error->code);

		return name ? name : "failed";
	}
	if (error->domain == CKPT_TRANSPORT_ERROR)
		return "transport";
	if (error->domain == CKPT_STORE_ERROR)
		return "store";
	if (error->domain == CKPT_DOMAIN_ERROR)
		return "config";
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return "cancelled";
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
		return "timeout";
	return "failed";
}
