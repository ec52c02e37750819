// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parsing a libvirt domain XML into a CkptDomainConfig. XPath finds the
 * pieces; each of our elements then has its attributes checked one by one,
 * and anything unknown in our namespace is refused (a typo in a policy must
 * not silently turn it off). Elements and attributes of other namespaces are
 * none of our business and are ignored.
 */
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "domain-attr.h"

#define MAX_VSOCK_PORT (G_MAXUINT32 - 1) /* -1U is VMADDR_PORT_ANY */
#define MAX_CID (G_MAXUINT32 - 1)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathContext, xmlXPathFreeContext)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathObject, xmlXPathFreeObject)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt)

static gboolean parse_port_element(const AttrCtx *a, guint32 *port, GError **error)
{
	static const char *const known[] = {"port", NULL};

	return domain_attrs_known(a, known, error) &&
	       domain_attr_u32(a, "port", 1, MAX_VSOCK_PORT, port, error);
}

static gboolean parse_vsockd(AttrCtx *a, CkptDomainConfig *c, GError **error)
{
	static const char *const known[] = {"uds", "vhost-user", "guest-cid", "managed", NULL};

	if (!domain_attrs_known(a, known, error) ||
	    !domain_attr_path(a, "uds", TRUE, TRUE, &c->vsockd_uds, error) ||
	    !domain_attr_path(a, "vhost-user", FALSE, TRUE, &c->vsockd_vhost_user, error) ||
	    !domain_attr_u32(a, "guest-cid", 3, MAX_CID, &c->vsockd_guest_cid, error) ||
	    !domain_attr_bool(a, "managed", &c->vsockd_managed, error))
		return FALSE;
	/* ckpt-hostd can only start the bridge if it knows both sockets and the CID. */
	if (c->vsockd_managed && !c->vsockd_vhost_user)
		return domain_attr_fail(a, "vhost-user", NULL, error,
					"missing (required with managed='yes')");
	if (c->vsockd_managed && !c->vsockd_guest_cid)
		return domain_attr_fail(a, "guest-cid", NULL, error,
					"missing (required with managed='yes')");
	return TRUE;
}

static gboolean parse_container(AttrCtx *a, CkptDomainConfig *c, GError **error)
{
	static const char *const known[] = {
		"name", "snapshot-on-shutdown", "restore-on-start", "interval", "keep", NULL};
	g_autofree char *name = domain_attr_get(a, "name");
	g_autoptr(CkptContainerPolicy) p = NULL;
	guint32 interval = 0, keep = 0;

	if (!name)
		return domain_attr_fail(a, "name", NULL, error, "missing");
	if (!ckpt_domain_container_name_valid(name))
		return domain_attr_fail(
			a, "name", name, error,
			"not a container name (1-64 of A-Za-z0-9_.-, starting with a "
			"letter or digit)");
	if (ckpt_domain_config_container(c, name)) {
		g_set_error(error, CKPT_DOMAIN_ERROR, CKPT_DOMAIN_ERROR_INVALID,
			    "domain %s: <ckpt:container name='%s'> appears twice", a->domain, name);
		return FALSE;
	}
	a->container_name = name;
	if (!domain_attrs_known(a, known, error))
		return FALSE;
	p = ckpt_container_policy_new(name);
	if (!domain_attr_bool(a, "snapshot-on-shutdown", &p->snapshot_on_shutdown, error) ||
	    !domain_attr_bool(a, "restore-on-start", &p->restore_on_start, error) ||
	    !domain_attr_u32(a, "interval", 0, CKPT_DOMAIN_MAX_INTERVAL_S, &interval, error) ||
	    !domain_attr_u32(a, "keep", 0, CKPT_DOMAIN_MAX_KEEP, &keep, error))
		return FALSE;
	p->interval_s = interval;
	p->keep = keep;
	g_ptr_array_add(c->containers, g_steal_pointer(&p));
	return TRUE;
}

/* Our <ckpt:ckpt> element: each child in our namespace, in document order. */
static gboolean parse_ckpt_element(xmlNode *root, CkptDomainConfig *c, GError **error)
{
	gboolean seen_agent = FALSE, seen_vsockd = FALSE, seen_push = FALSE;

	for (xmlNode *n = root->children; n; n = n->next) {
		AttrCtx a = {.domain = c->name, .node = n};
		g_autofree char *element = NULL;
		const char *local = (const char *)n->name;
		gboolean *seen = NULL;
		gboolean ok;

		if (n->type != XML_ELEMENT_NODE || !n->ns ||
		    g_strcmp0((const char *)n->ns->href, CKPT_DOMAIN_NAMESPACE) != 0)
			continue;
		element = g_strdup_printf(CKPT_DOMAIN_PREFIX ":%s", local);
		a.element = element;
		if (g_str_equal(local, "agent"))
			seen = &seen_agent;
		else if (g_str_equal(local, "vsockd"))
			seen = &seen_vsockd;
		else if (g_str_equal(local, "push"))
			seen = &seen_push;
		else if (!g_str_equal(local, "container")) {
			g_set_error(error, CKPT_DOMAIN_ERROR, CKPT_DOMAIN_ERROR_INVALID,
				    "domain %s: <%s>: unknown element in the " CKPT_DOMAIN_NAMESPACE
				    " metadata (known: agent, vsockd, push, container)",
				    c->name, element);
			return FALSE;
		}
		if (seen && *seen) {
			g_set_error(error, CKPT_DOMAIN_ERROR, CKPT_DOMAIN_ERROR_INVALID,
				    "domain %s: <%s> appears twice", c->name, element);
			return FALSE;
		}
		if (seen)
			*seen = TRUE;
		if (seen == &seen_agent)
			ok = parse_port_element(&a, &c->agent_port, error);
		else if (seen == &seen_push)
			ok = parse_port_element(&a, &c->push_port, error);
		else if (seen == &seen_vsockd)
			ok = parse_vsockd(&a, c, error);
		else
			ok = parse_container(&a, c, error);
		if (!ok)
			return FALSE;
	}
	return TRUE;
}

static xmlXPathObject *xpath_nodes(xmlXPathContext *xp, const char *expr)
{
	xmlXPathObject *o = xmlXPathEvalExpression((const xmlChar *)expr, xp);

	/* Our expressions are constants: failing to compile one is a bug here. */
	g_assert(o && o->type == XPATH_NODESET);
	return o;
}

static guint xpath_count(xmlXPathObject *o)
{
	return o->nodesetval ? (guint)o->nodesetval->nodeNr : 0;
}

static char *xpath_text(xmlXPathContext *xp, const char *expr)
{
	g_autoptr(xmlXPathObject) o = xpath_nodes(xp, expr);
	xmlChar *content;
	char *text;

	if (xpath_count(o) == 0)
		return NULL;
	content = xmlNodeGetContent(o->nodesetval->nodeTab[0]);
	text = g_strstrip(g_strdup((const char *)content));
	xmlFree(content);
	return text;
}

static gboolean parse_vsock_device(xmlXPathContext *xp, CkptDomainConfig *c, GError **error)
{
	g_autoptr(xmlXPathObject) o = xpath_nodes(xp, "/domain/devices/vsock");
	g_autoptr(xmlXPathObject) cid = NULL;
	AttrCtx a = {.domain = c->name, .element = "vsock><cid"};

	if (xpath_count(o) > 1) {
		g_set_error(error, CKPT_DOMAIN_ERROR, CKPT_DOMAIN_ERROR_INVALID,
			    "domain %s: more than one <vsock> device", c->name);
		return FALSE;
	}
	cid = xpath_nodes(xp, "/domain/devices/vsock/cid");
	if (xpath_count(cid) == 0)
		return TRUE;
	/* An inactive domain with <cid auto='yes'/> has no address yet: 0. */
	a.node = cid->nodesetval->nodeTab[0];
	return domain_attr_u32(&a, "address", 3, MAX_CID, &c->vsock_cid, error);
}

static xmlDoc *read_xml(const char *domain_xml, GError **error)
{
	static gsize initialized;
	g_autoptr(xmlParserCtxt) ctxt = NULL;
	xmlDoc *doc;
	xmlError *e;

	/* libxml2's lazy global setup is not thread-safe; ckpt-hostd parses from threads. */
	if (g_once_init_enter(&initialized)) {
		xmlInitParser();
		g_once_init_leave(&initialized, 1);
	}
	ctxt = xmlNewParserCtxt();

	g_assert(ctxt);
	/* NONET and no entity substitution: the XML may come from a guest owner. */
	doc = xmlCtxtReadMemory(ctxt, domain_xml, (int)strlen(domain_xml), "domain.xml", NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc)
		return doc;
	e = xmlCtxtGetLastError(ctxt);
	g_set_error(error, CKPT_DOMAIN_ERROR, CKPT_DOMAIN_ERROR_XML,
		    "domain XML: not well-formed at line %d: %s", e ? e->line : 0,
		    e && e->message ? g_strstrip(e->message) : "parse error");
	return NULL;
}

CkptDomainConfig *ckpt_domain_config_parse(const char *domain_xml, GError **error)
{
	g_autoptr(xmlDoc) doc = NULL;
	g_autoptr(xmlXPathContext) xp = NULL;
	g_autoptr(xmlXPathObject) ours = NULL;
	g_autoptr(CkptDomainConfig) c = NULL;
	g_autofree char *name = NULL;
	xmlNode *root;

	if (strlen(domain_xml) > G_MAXINT) {
		g_set_error(error, CKPT_DOMAIN_ERROR, CKPT_DOMAIN_ERROR_XML,
			    "domain XML: too large (%zu bytes)", strlen(domain_xml));
		return NULL;
	}
	doc = read_xml(domain_xml, error);
	if (!doc)
		return NULL;
	root = xmlDocGetRootElement(doc);
	if (!root || root->ns || !g_str_equal((const char *)root->name, "domain")) {
		g_set_error(error, CKPT_DOMAIN_ERROR, CKPT_DOMAIN_ERROR_XML,
			    "domain XML: the root element is <%s>, not <domain>",
			    root ? (const char *)root->name : "");
		return NULL;
	}
	xp = xmlXPathNewContext(doc);
	g_assert(xp);
	/* The document may use any prefix for our namespace; XPath uses "c". */
	xmlXPathRegisterNs(xp, (const xmlChar *)"c", (const xmlChar *)CKPT_DOMAIN_NAMESPACE);

	name = xpath_text(xp, "/domain/name");
	if (!name || !*name) {
		g_set_error(error, CKPT_DOMAIN_ERROR, CKPT_DOMAIN_ERROR_XML,
			    "domain XML: no <name>");
		return NULL;
	}
	c = ckpt_domain_config_new(name);
	c->uuid = xpath_text(xp, "/domain/uuid");
	if (!parse_vsock_device(xp, c, error))
		return NULL;

	ours = xpath_nodes(xp, "/domain/metadata/c:ckpt");
	if (xpath_count(ours) > 1) {
		g_set_error(error, CKPT_DOMAIN_ERROR, CKPT_DOMAIN_ERROR_INVALID,
			    "domain %s: more than one <" CKPT_DOMAIN_PREFIX
			    ":ckpt> element in <metadata>",
			    c->name);
		return NULL;
	}
	if (xpath_count(ours) == 1 && !parse_ckpt_element(ours->nodesetval->nodeTab[0], c, error))
		return NULL;
	return g_steal_pointer(&c);
}
