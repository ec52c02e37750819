// SPDX-License-Identifier: GPL-2.0-only
#include "hostd.h"

#include "hostd-agent.h"
#include "hostd-control.h"
#include "hostd-libvirt.h"
#include "hostd-push.h"
#include "hostd-vsockd.h"

typedef struct {
	HostdDomain *d;
	char *container;
} PeriodicTimer;

static void periodic_timer_free(gpointer data)
{
	PeriodicTimer *t = data;

	g_free(t->container);
	g_free(t);
}

CkptDomainConfig *hostd_config_copy(const CkptDomainConfig *c)
{
	CkptDomainConfig *n = ckpt_domain_config_new(c->name);

	n->uuid = g_strdup(c->uuid);
	n->vsock_cid = c->vsock_cid;
	n->vsockd_uds = g_strdup(c->vsockd_uds);
	n->vsockd_vhost_user = g_strdup(c->vsockd_vhost_user);
	n->vsockd_guest_cid = c->vsockd_guest_cid;
	n->vsockd_managed = c->vsockd_managed;
	n->agent_port = c->agent_port;
	n->push_port = c->push_port;
	for (guint i = 0; i < c->containers->len; i++) {
		const CkptContainerPolicy *p = c->containers->pdata[i];
		CkptContainerPolicy *q = ckpt_container_policy_new(p->name);

		q->snapshot_on_shutdown = p->snapshot_on_shutdown;
		q->restore_on_start = p->restore_on_start;
		q->interval_s = p->interval_s;
		q->keep = p->keep;
		g_ptr_array_add(n->containers, q);
	}
	return n;
}

/* Does the domain use ckpt at all (our metadata)? Others are left alone. */
static gboolean config_wants_ckpt(const CkptDomainConfig *c)
{
	return c->vsockd_uds || c->containers->len;
}

static void domain_free(HostdDomain *d)
{
	g_hash_table_unref(d->timers);
	if (d->cancel) {
		g_cancellable_cancel(d->cancel);
		g_object_unref(d->cancel);
	}
	if (d->vsockd)
		hostd_vsockd_stop_and_free(d->vsockd);
	hostd_push_listener_free(d->push);
	ckpt_domain_config_free(d->config);
	g_free(d->name);
	g_free(d);
}

static void remove_source(gpointer id)
{
	g_source_remove(GPOINTER_TO_UINT(id));
}

static HostdDomain *domain_get(Hostd *h, const char *name)
{
	HostdDomain *d = g_hash_table_lookup(h->domains, name);

	if (d)
		return d;
	d = g_new0(HostdDomain, 1);
	d->hostd = h;
	d->name = g_strdup(name);
	d->timers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, remove_source);
	g_mutex_lock(&h->lock);
	g_hash_table_insert(h->domains, d->name, d);
	g_mutex_unlock(&h->lock);
	return d;
}

/* Takes config. */
static void domain_set_config(HostdDomain *d, CkptDomainConfig *config)
{
	CkptDomainConfig *old;

	g_mutex_lock(&d->hostd->lock);
	old = d->config;
	d->config = config;
	g_mutex_unlock(&d->hostd->lock);
	ckpt_domain_config_free(old);
}

/* The push listeners the config asks for. */
static void domain_listen(HostdDomain *d)
{
	Hostd *h = d->hostd;
	const CkptDomainConfig *c = d->config;

	if (c->vsockd_uds) {
		g_autofree char *path = g_strdup_printf("%s_%u", c->vsockd_uds, c->push_port);
		g_autoptr(GError) error = NULL;

		if (d->push && g_strcmp0(hostd_push_listener_path(d->push), path) != 0)
			g_clear_pointer(&d->push, hostd_push_listener_free);
		if (!d->push) {
			d->push = hostd_push_listener_new_unix(h, d->name, path, &error);
			if (!d->push)
				g_warning("%s: snapshots on shutdown will not be received",
					  error->message);
		}
	} else if (c->vsock_cid && h->vsock_push) {
		hostd_vsock_push_want_port(h->vsock_push, c->push_port);
	}
}

typedef struct {
	HostdPrepareDone done;
	gpointer user_data;
} PrepareWait;

/* The quark name is stringified: keep clang-format from spacing its dashes. */
// clang-format off
G_DEFINE_QUARK(hostd-error-quark, hostd_error)
// clang-format on

static void bridge_ready(GError *error, gpointer data)
{
	PrepareWait *w = data;
	g_autoptr(GError) refused = NULL;

	/* QEMU cannot start without its vhost-user socket: stop the start, say why. */
	if (error)
		refused = g_error_new(HOSTD_ERROR, HOSTD_ERROR_REFUSED, "%s", error->message);
	w->done(refused, w->user_data);
	g_free(w);
}

static void ignore_ready(GError *error, gpointer data)
{
	/* the bridge job logged it */
}

/* Starts the managed bridge the config asks for (if any); done(error) when it is up. */
static void domain_ensure_bridge(HostdDomain *d, HostdPrepareDone done, gpointer user_data)
{
	const CkptDomainConfig *c = d->config;
	Hostd *h = d->hostd;
	PrepareWait *w;

	if (!c->vsockd_managed || !c->vsockd_uds) {
		if (d->vsockd) {
			/* The metadata no longer asks for it. */
			hostd_vsockd_stop_and_free(d->vsockd);
			d->vsockd = NULL;
		}
		done(NULL, user_data);
		return;
	}
	if (!c->vsockd_vhost_user || !c->vsockd_guest_cid) {
		g_autoptr(GError) error = g_error_new(
			HOSTD_ERROR, HOSTD_ERROR_REFUSED,
			"domain %s: <ckpt:vsockd managed='yes'> needs vhost-user and guest-cid to "
			"start ckpt-vsockd",
			d->name);

		done(error, user_data);
		return;
	}
	if (d->vsockd && !hostd_vsockd_matches(d->vsockd, c->vsockd_guest_cid, c->vsockd_vhost_user,
					       c->vsockd_uds)) {
		hostd_vsockd_stop_and_free(d->vsockd);
		d->vsockd = NULL;
	}
	if (!d->vsockd)
		d->vsockd =
			hostd_vsockd_new(h->jobs, h->opt.vsockd_path, d->name, c->vsockd_guest_cid,
					 c->vsockd_vhost_user, c->vsockd_uds);
	w = g_new0(PrepareWait, 1);
	w->done = done;
	w->user_data = user_data;
	hostd_vsockd_start(d->vsockd, h->opt.bridge_timeout_ms, bridge_ready, w);
}

void hostd_domain_prepare(Hostd *h, CkptDomainConfig *config, HostdPrepareDone done,
			  gpointer user_data)
{
	HostdDomain *d;

	if (!config_wants_ckpt(config)) {
		ckpt_domain_config_free(config);
		done(NULL, user_data);
		return;
	}
	d = domain_get(h, config->name);
	domain_set_config(d, config);
	domain_listen(d);
	domain_ensure_bridge(d, done, user_data);
}

static gboolean periodic_fire(gpointer data)
{
	PeriodicTimer *t = data;
	HostdDomain *d = t->d;
	Hostd *h = d->hostd;

	if (!d->running)
		return G_SOURCE_CONTINUE;
	if (hostd_job_running(h->jobs, "periodic", d->name, t->container)) {
		g_message("domain %s: container %s: the previous periodic snapshot still runs: "
			  "skipping this one",
			  d->name, t->container);
		return G_SOURCE_CONTINUE;
	}
	hostd_agent_periodic(h, d->config, t->container, d->cancel);
	return G_SOURCE_CONTINUE;
}

static void domain_start_timers(HostdDomain *d)
{
	g_hash_table_remove_all(d->timers);
	for (guint i = 0; i < d->config->containers->len; i++) {
		const CkptContainerPolicy *p = d->config->containers->pdata[i];
		PeriodicTimer *t;
		guint id;

		if (!p->interval_s)
			continue;
		t = g_new0(PeriodicTimer, 1);
		t->d = d;
		t->container = g_strdup(p->name);
		id = g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, p->interval_s, periodic_fire, t,
						periodic_timer_free);
		g_hash_table_insert(d->timers, g_strdup(p->name), GUINT_TO_POINTER(id));
		g_message("domain %s: container %s: a snapshot every %u s, keeping %u", d->name,
			  p->name, p->interval_s, p->keep);
	}
}

void hostd_domain_started(Hostd *h, CkptDomainConfig *config, gboolean restore)
{
	HostdDomain *d = g_hash_table_lookup(h->domains, config->name);

	if (!config_wants_ckpt(config) && (!d || !d->config || !config_wants_ckpt(d->config))) {
		ckpt_domain_config_free(config);
		return;
	}
	d = domain_get(h, config->name);
	domain_set_config(d, config);
	domain_listen(d);
	if (d->config->vsockd_managed && !d->vsockd)
		domain_ensure_bridge(d, ignore_ready, NULL); /* a daemon restarted meanwhile */
	if (d->running && d->boot_handled)
		return;
	d->running = TRUE;
	d->boot_handled = TRUE;
	g_clear_object(&d->cancel);
	d->cancel = g_cancellable_new();
	g_message("domain %s: started%s", d->name,
		  restore ? "" : " (already running: no restores)");
	hostd_agent_boot(h, d->config, restore, d->cancel);
	domain_start_timers(d);
}

void hostd_domain_stopped(Hostd *h, const char *name)
{
	HostdDomain *d = g_hash_table_lookup(h->domains, name);

	if (!d || !d->running)
		return;
	g_message("domain %s: stopped", name);
	d->running = FALSE;
	d->boot_handled = FALSE;
	g_hash_table_remove_all(d->timers);
	if (d->cancel)
		g_cancellable_cancel(d->cancel);
}

void hostd_domain_released(Hostd *h, const char *name)
{
	HostdDomain *d = g_hash_table_lookup(h->domains, name);

	if (!d)
		return;
	hostd_domain_stopped(h, name);
	g_message("domain %s: released: its bridge and push listener go", name);
	g_mutex_lock(&h->lock);
	g_hash_table_steal(h->domains, name);
	g_mutex_unlock(&h->lock);
	domain_free(d);
}

static void ack(HostdPrepareDone done, gpointer user_data)
{
	done(NULL, user_data);
}

void hostd_handle_hook(Hostd *h, const char *object, const char *operation,
		       const char *sub_operation, const char *xml, HostdPrepareDone done,
		       gpointer user_data)
{
	g_autoptr(CkptDomainConfig) config = NULL;
	g_autoptr(GError) error = NULL;
	gboolean needs_xml =
		g_str_equal(operation, "prepare") || g_str_equal(operation, "started") ||
		g_str_equal(operation, "reconnect") || g_str_equal(operation, "attach");

	g_message("hook: %s %s %s", object, operation, sub_operation);
	if (needs_xml) {
		config = ckpt_domain_config_parse(xml ? xml : "", &error);
		if (!config) {
			/* Broken metadata must not keep the domain down: say why, go on. */
			g_warning("hook %s %s %s: %s: ckpt ignores this domain", object, operation,
				  sub_operation, error->message);
			done(error, user_data);
			return;
		}
	}
	if (g_str_equal(operation, "prepare") && g_str_equal(sub_operation, "begin")) {
		hostd_domain_prepare(h, g_steal_pointer(&config), done, user_data);
		return;
	}
	if (g_str_equal(operation, "started") && g_str_equal(sub_operation, "begin")) {
		HostdDomain *d = g_hash_table_lookup(h->domains, object);
		gboolean incoming = d && d->incoming;

		if (d)
			d->incoming = FALSE;
		hostd_domain_started(h, g_steal_pointer(&config), !incoming);
	} else if ((g_str_equal(operation, "reconnect") || g_str_equal(operation, "attach")) &&
		   g_str_equal(sub_operation, "begin")) {
		hostd_domain_started(h, g_steal_pointer(&config), FALSE);
	} else if ((g_str_equal(operation, "migrate") || g_str_equal(operation, "restore")) &&
		   g_str_equal(sub_operation, "begin")) {
		/*
		 * The domain comes back with its memory: its containers are in
		 * it. Remembered for its started step (the entry goes at release).
		 */
		domain_get(h, object)->incoming = TRUE;
	} else if (g_str_equal(operation, "stopped") && g_str_equal(sub_operation, "end")) {
		hostd_domain_stopped(h, object);
	} else if (g_str_equal(operation, "release") && g_str_equal(sub_operation, "end")) {
		hostd_domain_released(h, object);
	}
	ack(done, user_data);
}

guint hostd_policy_keep(Hostd *h, const char *vm, const char *container)
{
	const CkptContainerPolicy *p = NULL;
	HostdDomain *d;
	guint keep = 0;

	g_mutex_lock(&h->lock);
	d = g_hash_table_lookup(h->domains, vm);
	if (d && d->config)
		p = ckpt_domain_config_container(d->config, container);
	if (p)
		keep = p->keep;
	g_mutex_unlock(&h->lock);
	return keep;
}

char *hostd_domain_name_by_cid(Hostd *h, guint32 cid)
{
	GHashTableIter it;
	gpointer value;
	char *name = NULL;

	g_mutex_lock(&h->lock);
	g_hash_table_iter_init(&it, h->domains);
	while (!name && g_hash_table_iter_next(&it, NULL, &value)) {
		HostdDomain *d = value;

		if (d->config && d->config->vsock_cid == cid && !d->config->vsockd_uds)
			name = g_strdup(d->name);
	}
	g_mutex_unlock(&h->lock);
	return name;
}

Hostd *hostd_new(const HostdOptions *opt, GError **error)
{
	Hostd *h = g_new0(Hostd, 1);

	h->opt = *opt;
	h->main_ctx = g_main_context_ref_thread_default();
	h->loop = g_main_loop_new(h->main_ctx, FALSE);
	g_mutex_init(&h->lock);
	g_mutex_init(&h->store_lock);
	h->jobs = hostd_job_table_new(256);
	h->domains = g_hash_table_new(g_str_hash, g_str_equal);
	h->store = ckpt_store_open(opt->store_dir, error);
	if (!h->store)
		goto fail;
	if (opt->vsock_listen)
		h->vsock_push = hostd_vsock_push_new(h);
	h->control = hostd_control_new(h, opt->control_path, error);
	if (!h->control)
		goto fail;
	if (opt->uri) {
		h->virt = hostd_libvirt_new(h, opt->uri);
		hostd_libvirt_start(h->virt);
	}
	return h;
fail:
	hostd_free(h);
	return NULL;
}

void hostd_free(Hostd *h)
{
	GHashTableIter it;
	gpointer value;

	if (!h)
		return;
	hostd_libvirt_free(h->virt);
	hostd_control_free(h->control);
	g_hash_table_iter_init(&it, h->domains);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		HostdDomain *d = value;

		/* Bridges keep serving their running VMs across a daemon restart. */
		if (d->vsockd && d->running) {
			g_message("domain %s: leaving its ckpt-vsockd running", d->name);
			d->vsockd = NULL;
		}
		g_hash_table_iter_steal(&it);
		domain_free(d);
	}
	g_hash_table_unref(h->domains);
	hostd_vsock_push_free(h->vsock_push);
	if (h->store)
		ckpt_store_free(h->store);
	hostd_job_table_free(h->jobs);
	g_main_loop_unref(h->loop);
	g_main_context_unref(h->main_ctx);
	g_mutex_clear(&h->lock);
	g_mutex_clear(&h->store_lock);
	g_free(h);
}
