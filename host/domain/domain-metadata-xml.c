// SPDX-License-Identifier: GPL-2.0-only
/*
 * The other direction: a CkptDomainConfig as our <ckpt:ckpt> metadata
 * element, built as a libxml2 tree so every value is escaped properly.
 */
#include <libxml/tree.h>

#include "ckpt-domain.h"

static void set_uint(xmlNode *n, const char *attr, guint64 v)
{
	char buf[24];

	g_snprintf(buf, sizeof(buf), "%" G_GUINT64_FORMAT, v);
	xmlNewProp(n, (const xmlChar *)attr, (const xmlChar *)buf);
}

static void set_str(xmlNode *n, const char *attr, const char *v)
{
	xmlNewProp(n, (const xmlChar *)attr, (const xmlChar *)v);
}

static void set_bool(xmlNode *n, const char *attr, gboolean v)
{
	set_str(n, attr, v ? "yes" : "no");
}

static xmlNode *child(xmlNode *root, const char *name)
{
	return xmlNewChild(root, root->ns, (const xmlChar *)name, NULL);
}

char *ckpt_domain_config_metadata_xml(const CkptDomainConfig *c)
{
	xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *root = xmlNewNode(NULL, (const xmlChar *)"ckpt");
	xmlBuffer *buf = xmlBufferCreate();
	xmlNode *n;
	char *text;

	xmlDocSetRootElement(doc, root);
	xmlSetNs(root, xmlNewNs(root, (const xmlChar *)CKPT_DOMAIN_NAMESPACE,
				(const xmlChar *)CKPT_DOMAIN_PREFIX));
	if (c->agent_port != CKPT_DOMAIN_DEFAULT_AGENT_PORT)
		set_uint(child(root, "agent"), "port", c->agent_port);
	if (c->vsockd_uds) {
		n = child(root, "vsockd");
		set_str(n, "uds", c->vsockd_uds);
		if (c->vsockd_vhost_user)
			set_str(n, "vhost-user", c->vsockd_vhost_user);
		if (c->vsockd_guest_cid)
			set_uint(n, "guest-cid", c->vsockd_guest_cid);
		set_bool(n, "managed", c->vsockd_managed);
	}
	if (c->push_port != CKPT_DOMAIN_DEFAULT_PUSH_PORT)
		set_uint(child(root, "push"), "port", c->push_port);
	for (guint i = 0; i < c->containers->len; i++) {
		const CkptContainerPolicy *p = g_ptr_array_index(c->containers, i);

		n = child(root, "container");
		set_str(n, "name", p->name);
		set_bool(n, "snapshot-on-shutdown", p->snapshot_on_shutdown);
		set_bool(n, "restore-on-start", p->restore_on_start);
		set_uint(n, "interval", p->interval_s);
		set_uint(n, "keep", p->keep);
	}
	/* format 1: one element per line, indented, as virsh shows it. */
	xmlNodeDump(buf, doc, root, 0, 1);
	text = g_strdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	xmlFreeDoc(doc);
	return text;
}
