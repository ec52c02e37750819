// SPDX-License-Identifier: GPL-2.0-only
/* Attribute checks for our metadata elements (see domain-attr.h). */
#include <sys/un.h>

#include "domain-attr.h"

gboolean domain_attr_fail(const AttrCtx *a, const char *attr, const char *value, GError **error,
			  const char *fmt, ...)
{
	g_autofree char *why = NULL;
	g_autofree char *named = NULL;
	va_list ap;

	va_start(ap, fmt);
	why = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (a->container_name && g_strcmp0(attr, "name") != 0)
		named = g_strdup_printf(" name='%s'", a->container_name);
	if (value)
		g_set_error(error, CKPT_DOMAIN_ERROR, CKPT_DOMAIN_ERROR_INVALID,
			    "domain %s: <%s%s %s='%s'>: %s", a->domain, a->element,
			    named ? named : "", attr, value, why);
	else
		g_set_error(error, CKPT_DOMAIN_ERROR, CKPT_DOMAIN_ERROR_INVALID,
			    "domain %s: <%s%s>: attribute %s: %s", a->domain, a->element,
			    named ? named : "", attr, why);
	return FALSE;
}

/* The unqualified attribute `attr`, or NULL; g_free() it. */
char *domain_attr_get(const AttrCtx *a, const char *attr)
{
	xmlChar *v = xmlGetNoNsProp(a->node, (const xmlChar *)attr);
	char *copy = v ? g_strdup((const char *)v) : NULL;

	xmlFree(v);
	return copy;
}

/* Refuse unqualified attributes that are not in `known` (NULL-terminated). */
gboolean domain_attrs_known(const AttrCtx *a, const char *const *known, GError **error)
{
	for (xmlAttr *p = a->node->properties; p; p = p->next) {
		if (p->ns)
			continue;
		if (!g_strv_contains(known, (const char *)p->name)) {
			g_autofree char *list = g_strjoinv(", ", (char **)known);

			return domain_attr_fail(a, (const char *)p->name, NULL, error,
						"unknown attribute (known: %s)", list);
		}
	}
	return TRUE;
}

gboolean domain_attr_uint(const AttrCtx *a, const char *attr, guint64 min, guint64 max,
			  guint64 *out, GError **error)
{
	g_autofree char *v = domain_attr_get(a, attr);
	g_autoptr(GError) local = NULL;

	if (!v)
		return TRUE;
	if (!g_ascii_string_to_unsigned(v, 10, min, max, out, &local)) {
		if (g_error_matches(local, G_NUMBER_PARSER_ERROR,
				    G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS))
			return domain_attr_fail(a, attr, v, error,
						"out of range (%" G_GUINT64_FORMAT
						"-%" G_GUINT64_FORMAT ")",
						min, max);
		return domain_attr_fail(a, attr, v, error, "not a number");
	}
	return TRUE;
}

gboolean domain_attr_u32(const AttrCtx *a, const char *attr, guint64 min, guint64 max, guint32 *out,
			 GError **error)
{
	guint64 v = *out;

	if (!domain_attr_uint(a, attr, min, max, &v, error))
		return FALSE;
	*out = (guint32)v;
	return TRUE;
}

gboolean domain_attr_bool(const AttrCtx *a, const char *attr, gboolean *out, GError **error)
{
	g_autofree char *v = domain_attr_get(a, attr);

	if (!v)
		return TRUE;
	if (g_str_equal(v, "yes"))
		*out = TRUE;
	else if (g_str_equal(v, "no"))
		*out = FALSE;
	else
		return domain_attr_fail(a, attr, v, error, "expected yes or no");
	return TRUE;
}

/* An absolute path; unix_socket: it must also fit in sun_path. */
gboolean domain_attr_path(const AttrCtx *a, const char *attr, gboolean required,
			  gboolean unix_socket, char **out, GError **error)
{
	g_autofree char *v = domain_attr_get(a, attr);

	if (!v) {
		if (required)
			return domain_attr_fail(a, attr, NULL, error, "missing");
		return TRUE;
	}
	if (!g_path_is_absolute(v))
		return domain_attr_fail(a, attr, v, error, "not an absolute path");
	if (unix_socket && strlen(v) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
		return domain_attr_fail(a, attr, v, error,
					"too long for a Unix socket path (max %zu bytes)",
					sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1);
	g_free(*out);
	*out = g_steal_pointer(&v);
	return TRUE;
}
