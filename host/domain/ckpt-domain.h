/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ckpt-domain: what the host tools need to know about one libvirt domain,
 * read from its XML (virDomainGetXMLDesc output, or the XML a libvirt hook
 * gets on stdin): the name, the uuid, the <vsock> device's CID and our own
 * element in <metadata> (namespace urn:ckpt:libvirt:1, any prefix):
 *
 *   <ckpt:ckpt xmlns:ckpt="urn:ckpt:libvirt:1">
 *     <ckpt:agent port="7100"/>
 *     <ckpt:vsockd uds="/run/ckpt-vsockd/vmA.vsock" vhost-user="/run/ckpt-vsockd/vmA.vhost"
 *                  guest-cid="3" managed="yes"/>
 *     <ckpt:push port="7101"/>
 *     <ckpt:container name="web" snapshot-on-shutdown="yes" restore-on-start="yes"
 *                     interval="600" keep="3"/>
 *   </ckpt:ckpt>
 *
 * Every attribute is checked; errors name the domain and the attribute:
 *   "domain vmA: <ckpt:container interval='x'>: not a number"
 */
#pragma once

#include <glib.h>

#include "ckpt-transport.h"

G_BEGIN_DECLS

#define CKPT_DOMAIN_NAMESPACE "urn:ckpt:libvirt:1"
#define CKPT_DOMAIN_PREFIX "ckpt"
#define CKPT_DOMAIN_DEFAULT_AGENT_PORT 7100
#define CKPT_DOMAIN_DEFAULT_PUSH_PORT 7101
/* Upper bounds of the numeric policy attributes. */
#define CKPT_DOMAIN_MAX_INTERVAL_S (366 * 24 * 3600)
#define CKPT_DOMAIN_MAX_KEEP 100000

#define CKPT_DOMAIN_ERROR (ckpt_domain_error_quark())
GQuark ckpt_domain_error_quark(void);

typedef enum {
	CKPT_DOMAIN_ERROR_XML,	       /* not well-formed XML, or not a <domain> */
	CKPT_DOMAIN_ERROR_INVALID,     /* an element or attribute has a bad value */
	CKPT_DOMAIN_ERROR_NO_ENDPOINT, /* neither <vsock> nor <ckpt:vsockd uds=...> */
} CkptDomainError;

typedef struct {
	char *name;
	gboolean snapshot_on_shutdown, restore_on_start;
	guint interval_s; /* 0: no periodic snapshots */
	guint keep;	  /* 0: keep all */
} CkptContainerPolicy;

typedef struct {
	char *name, *uuid;
	guint32 vsock_cid; /* 0: no <vsock> with an address */
	char *vsockd_uds;  /* NULL: no <ckpt:vsockd> */
	char *vsockd_vhost_user;
	guint32 vsockd_guest_cid;
	gboolean vsockd_managed;
	guint32 agent_port;    /* default 7100 */
	guint32 push_port;     /* default 7101 */
	GPtrArray *containers; /* CkptContainerPolicy*, owned */
} CkptDomainConfig;

CkptDomainConfig *ckpt_domain_config_parse(const char *domain_xml, GError **error);
void ckpt_domain_config_free(CkptDomainConfig *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CkptDomainConfig, ckpt_domain_config_free)

/* A config with the defaults and no containers (for the lab, tests, tools). */
CkptDomainConfig *ckpt_domain_config_new(const char *name);

/*
 * How to reach the domain's agent: hybrid (the ckpt-vsockd socket) when the
 * metadata names one, else AF_VSOCK to the <vsock> CID, else an error.
 * out is overwritten (call ckpt_endpoint_clear() on it afterwards).
 */
gboolean ckpt_domain_config_endpoint(const CkptDomainConfig *c, CkptEndpoint *out, GError **error);

/* NULL when the metadata has no <ckpt:container name=NAME>. */
const CkptContainerPolicy *ckpt_domain_config_container(const CkptDomainConfig *c,
							const char *name);

/* A new policy for container `name` with everything off; add it to c->containers. */
CkptContainerPolicy *ckpt_container_policy_new(const char *name);
void ckpt_container_policy_free(CkptContainerPolicy *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CkptContainerPolicy, ckpt_container_policy_free)

/* TRUE if `name` is a valid container name: 1-64 of [A-Za-z0-9_.-], first alnum. */
gboolean ckpt_domain_container_name_valid(const char *name);

/*
 * The <ckpt:ckpt xmlns:ckpt="urn:ckpt:libvirt:1"> element for c, as text:
 * what virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, xml, "ckpt",
 * CKPT_DOMAIN_NAMESPACE, flags) and `virsh metadata --set` take. Ports at
 * their default are left out. Parsing a domain with it gives c back.
 */
char *ckpt_domain_config_metadata_xml(const CkptDomainConfig *c);

G_END_DECLS
