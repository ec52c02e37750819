// SPDX-License-Identifier: GPL-2.0-only
/* CkptDomainConfig and CkptContainerPolicy: life cycle, lookups, and the endpoint choice. */
#include "ckpt-domain.h"

/* clang-format off: the quark name is stringified, keep its dashes unspaced */
// clang-format off
G_DEFINE_QUARK(ckpt-domain-error-quark, ckpt_domain_error)
// clang-format on

CkptContainerPolicy *ckpt_container_policy_new(const char *name)
{
	CkptContainerPolicy *p = g_new0(CkptContainerPolicy, 1);

	p->name = g_strdup(name);
	return p;
}

void ckpt_container_policy_free(CkptContainerPolicy *p)
{
	if (!p)
		return;
	g_free(p->name);
	g_free(p);
}

CkptDomainConfig *ckpt_domain_config_new(const char *name)
{
	CkptDomainConfig *c = g_new0(CkptDomainConfig, 1);

	c->name = g_strdup(name);
	c->agent_port = CKPT_DOMAIN_DEFAULT_AGENT_PORT;
	c->push_port = CKPT_DOMAIN_DEFAULT_PUSH_PORT;
	c->containers = g_ptr_array_new_with_free_func((GDestroyNotify)ckpt_container_policy_free);
	return c;
}

void ckpt_domain_config_free(CkptDomainConfig *c)
{
	if (!c)
		return;
	g_free(c->name);
	g_free(c->uuid);
	g_free(c->vsockd_uds);
	g_free(c->vsockd_vhost_user);
	g_clear_pointer(&c->containers, g_ptr_array_unref);
	g_free(c);
}

const CkptContainerPolicy *ckpt_domain_config_container(const CkptDomainConfig *c, const char *name)
{
	for (guint i = 0; i < c->containers->len; i++) {
		const CkptContainerPolicy *p = g_ptr_array_index(c->containers, i);

		if (g_strcmp0(p->name, name) == 0)
			return p;
	}
	return NULL;
}

gboolean ckpt_domain_config_endpoint(const CkptDomainConfig *c, CkptEndpoint *out, GError **error)
{
	memset(out, 0, sizeof(*out));
	/* The bridge wins: with ckpt-vsockd there is no kernel vsock to use. */
	if (c->vsockd_uds) {
		ckpt_endpoint_set_hybrid(out, c->vsockd_uds);
		return TRUE;
	}
	if (c->vsock_cid) {
		ckpt_endpoint_set_vsock(out, c->vsock_cid);
		return TRUE;
	}
	g_set_error(error, CKPT_DOMAIN_ERROR, CKPT_DOMAIN_ERROR_NO_ENDPOINT,
		    "%s: no way to reach its agent: no <vsock> device and no "
		    "<ckpt:vsockd uds=...> metadata",
		    c->name);
	return FALSE;
}

gboolean ckpt_domain_container_name_valid(const char *name)
{
	size_t len = name ? strlen(name) : 0;

	if (len < 1 || len > 64 || !g_ascii_isalnum(name[0]))
		return FALSE;
	for (size_t i = 0; i < len; i++) {
		if (!g_ascii_isalnum(name[i]) && !strchr("_.-", name[i]))
			return FALSE;
	}
	return TRUE;
}
