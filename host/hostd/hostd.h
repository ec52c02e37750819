/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ckpt-hostd: the host daemon behind the libvirt hook. One Hostd per
 * process; the main loop owns the domains, worker threads do the slow work
 * (agent calls, image streams) and report through the job table.
 */
#pragma once

#include <gio/gio.h>

#include "ckpt-domain.h"
#include "ckpt-store.h"
#include "hostd-job.h"

G_BEGIN_DECLS

#define HOSTD_DEFAULT_CONTROL "/run/ckpt-hostd/control.sock"

/* HOSTD_ERROR_REFUSED: the operation must stop (the hook fails it). */
#define HOSTD_ERROR (hostd_error_quark())
GQuark hostd_error_quark(void);
enum { HOSTD_ERROR_REFUSED };

typedef struct _HostdDomain HostdDomain;
typedef struct _HostdControl HostdControl;
typedef struct _HostdLibvirt HostdLibvirt;
typedef struct _HostdVsockPush HostdVsockPush;

typedef struct {
	char *store_dir;    /* NULL: the store's default */
	char *control_path; /* the control socket */
	char *vsockd_path;  /* the ckpt-vsockd program */
	char *uri;	    /* libvirt URI; NULL: no libvirt (hook events only) */
	char *compression;  /* "none" or "zstd", for stored images */
	guint agent_wait_s; /* how long a started domain's agent may take to answer */
	guint push_timeout_ms;
	guint bridge_timeout_ms; /* how long prepare waits for ckpt-vsockd's sockets */
	gboolean vsock_listen;	 /* AF_VSOCK push listeners for vhost-vsock domains */
} HostdOptions;

typedef struct {
	HostdOptions opt;
	GMainLoop *loop;
	GMainContext *main_ctx;
	CkptStore *store;
	GMutex store_lock; /* list, latest, prune, writer creation and commit */
	HostdJobTable *jobs;
	GMutex lock;	     /* domains: threads look policies up under it */
	GHashTable *domains; /* name -> HostdDomain* (main thread changes it) */
	HostdControl *control;
	HostdLibvirt *virt;
	HostdVsockPush *vsock_push;
} Hostd;

/* A domain as ckpt-hostd knows it (main thread). */
struct _HostdDomain {
	Hostd *hostd;
	char *name;
	CkptDomainConfig *config;
	gboolean running;	     /* between started and stopped */
	gboolean boot_handled;	     /* the boot work of this run was started */
	gboolean incoming;	     /* migrate/restore begin seen: no restores at started */
	struct _HostdVsockd *vsockd; /* the managed bridge, or NULL */
	struct _HostdPushListener *push;
	GHashTable *timers;   /* container name -> periodic GSource id */
	GCancellable *cancel; /* the work of the current run */
};

Hostd *hostd_new(const HostdOptions *opt, GError **error);
void hostd_free(Hostd *h);

/* A deep copy, for worker threads. */
CkptDomainConfig *hostd_config_copy(const CkptDomainConfig *c);

/*
 * Lifecycle entry points (main thread). The hook and libvirt's events
 * both arrive here; each is idempotent, so the same step seen twice
 * (hook and event) is handled once.
 */
typedef void (*HostdPrepareDone)(GError *error, gpointer user_data);
void hostd_domain_prepare(Hostd *h, CkptDomainConfig *config, HostdPrepareDone done,
			  gpointer user_data);
void hostd_domain_started(Hostd *h, CkptDomainConfig *config, gboolean restore);
void hostd_domain_stopped(Hostd *h, const char *name);
void hostd_domain_released(Hostd *h, const char *name);

/* One hook event (the control socket's "hook"); done is called once. */
void hostd_handle_hook(Hostd *h, const char *object, const char *operation,
		       const char *sub_operation, const char *xml, HostdPrepareDone done,
		       gpointer user_data);

/* For push handlers (any thread): the retention of vm's container (0: keep all). */
guint hostd_policy_keep(Hostd *h, const char *vm, const char *container);
/* For the AF_VSOCK push listener (any thread): the domain with vsock CID cid, or NULL. */
char *hostd_domain_name_by_cid(Hostd *h, guint32 cid);

G_END_DECLS
