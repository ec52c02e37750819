// SPDX-License-Identifier: GPL-2.0-only
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "hostd-libvirt.h"

#define RECONNECT_S 5
#define TICK_MS 500 /* how soon the event thread sees quit */

struct _HostdLibvirt {
	Hostd *h;
	char *uri;
	GThread *thread;
	gint quit;
	gint conn_dead;
	/* the event thread's own */
	virConnectPtr conn;
	int callback_id;
	gint64 next_attempt;
	gboolean warned;
};

typedef struct {
	Hostd *h;
	char *name;
	CkptDomainConfig *config; /* NULL for stopped */
	gboolean restore;
} Event;

static void event_free(gpointer data)
{
	Event *e = data;

	g_free(e->name);
	if (e->config)
		ckpt_domain_config_free(e->config);
	g_free(e);
}

static gboolean deliver(gpointer data)
{
	Event *e = data;

	if (e->config)
		hostd_domain_started(e->h, g_steal_pointer(&e->config), e->restore);
	else
		hostd_domain_stopped(e->h, e->name);
	return G_SOURCE_REMOVE;
}

static void post(HostdLibvirt *v, const char *name, CkptDomainConfig *config, gboolean restore)
{
	Event *e = g_new0(Event, 1);

	e->h = v->h;
	e->name = g_strdup(name);
	e->config = config;
	e->restore = restore;
	g_main_context_invoke_full(v->h->main_ctx, G_PRIORITY_DEFAULT, deliver, e, event_free);
}

static CkptDomainConfig *domain_config(virDomainPtr dom)
{
	g_autoptr(GError) error = NULL;
	char *xml = virDomainGetXMLDesc(dom, 0);
	CkptDomainConfig *c;

	if (!xml) {
		g_warning("domain %s: virDomainGetXMLDesc: %s", virDomainGetName(dom),
			  virGetLastErrorMessage());
		return NULL;
	}
	c = ckpt_domain_config_parse(xml, &error);
	free(xml);
	if (!c)
		g_warning("%s: ckpt ignores this domain", error->message);
	return c;
}

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
	HostdLibvirt *v = opaque;
	const char *name = virDomainGetName(dom);

	if (event == VIR_DOMAIN_EVENT_STARTED) {
		CkptDomainConfig *c = domain_config(dom);

		/* Only a boot starts the containers from the store; a restored or
		 * migrated domain brought them back with its memory. */
		if (c)
			post(v, name, c, detail == VIR_DOMAIN_EVENT_STARTED_BOOTED);
	} else if (event == VIR_DOMAIN_EVENT_STOPPED) {
		post(v, name, NULL, FALSE);
	}
	return 0;
}

static void on_close(virConnectPtr conn, int reason, void *opaque)
{
	HostdLibvirt *v = opaque;

	g_atomic_int_set(&v->conn_dead, 1);
}

static void adopt_running(HostdLibvirt *v)
{
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(v->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);

	if (n < 0) {
		g_warning("libvirt %s: listing the running domains: %s", v->uri,
			  virGetLastErrorMessage());
		return;
	}
	for (int i = 0; i < n; i++) {
		CkptDomainConfig *c = domain_config(doms[i]);

		if (c)
			post(v, virDomainGetName(doms[i]), c, FALSE);
		virDomainFree(doms[i]);
	}
	free(doms);
}

static void try_connect(HostdLibvirt *v)
{
	v->next_attempt = g_get_monotonic_time() + RECONNECT_S * G_USEC_PER_SEC;
	v->conn = virConnectOpen(v->uri);
	if (!v->conn) {
		if (!v->warned)
			g_warning("libvirt %s: %s: retrying every %d s (hook events still work)",
				  v->uri, virGetLastErrorMessage(), RECONNECT_S);
		v->warned = TRUE;
		return;
	}
	v->warned = FALSE;
	g_atomic_int_set(&v->conn_dead, 0);
	virConnectRegisterCloseCallback(v->conn, on_close, v, NULL);
	v->callback_id =
		virConnectDomainEventRegisterAny(v->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
						 VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), v, NULL);
	if (v->callback_id < 0)
		g_warning("libvirt %s: lifecycle events: %s", v->uri, virGetLastErrorMessage());
	g_message("libvirt %s: connected", v->uri);
	adopt_running(v);
}

static void drop_connection(HostdLibvirt *v)
{
	if (!v->conn)
		return;
	if (v->callback_id >= 0)
		virConnectDomainEventDeregisterAny(v->conn, v->callback_id);
	virConnectUnregisterCloseCallback(v->conn, on_close);
	virConnectClose(v->conn);
	v->conn = NULL;
	v->callback_id = -1;
}

static void tick(int timer, void *opaque)
{
	/* Only wakes virEventRunDefaultImpl so the loop sees quit and reconnects. */
}

static gpointer event_thread(gpointer data)
{
	HostdLibvirt *v = data;
	int timer = virEventAddTimeout(TICK_MS, tick, v, NULL);

	while (!g_atomic_int_get(&v->quit)) {
		if (v->conn && g_atomic_int_get(&v->conn_dead)) {
			g_warning("libvirt %s: connection lost: reconnecting", v->uri);
			drop_connection(v);
		}
		if (!v->conn && g_get_monotonic_time() >= v->next_attempt)
			try_connect(v);
		if (virEventRunDefaultImpl() < 0)
			g_warning("libvirt event loop: %s", virGetLastErrorMessage());
	}
	drop_connection(v);
	if (timer >= 0)
		virEventRemoveTimeout(timer);
	return NULL;
}

static void silence_libvirt(void *data, virErrorPtr err)
{
	/* Errors are reported where they are met, with their domain named. */
}

HostdLibvirt *hostd_libvirt_new(Hostd *h, const char *uri)
{
	HostdLibvirt *v = g_new0(HostdLibvirt, 1);

	v->h = h;
	v->uri = g_strdup(uri);
	v->callback_id = -1;
	virSetErrorFunc(NULL, silence_libvirt);
	virEventRegisterDefaultImpl();
	return v;
}

void hostd_libvirt_start(HostdLibvirt *v)
{
	v->thread = g_thread_new("hostd-libvirt", event_thread, v);
}

void hostd_libvirt_free(HostdLibvirt *v)
{
	if (!v)
		return;
	g_atomic_int_set(&v->quit, 1);
	if (v->thread)
		g_thread_join(v->thread);
	g_free(v->uri);
	g_free(v);
}
