/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside ckpt-domain: reading and checking the unqualified attributes of
 * one of our metadata elements, with errors in one form:
 *   "domain vmA: <ckpt:container name='web' interval='x'>: not a number"
 */
#pragma once

#include <libxml/tree.h>

#include "ckpt-domain.h"

typedef struct {
	const char *domain;	    /* for messages */
	const char *element;	    /* "ckpt:agent" */
	const char *container_name; /* set while checking a <ckpt:container> */
	xmlNode *node;
} AttrCtx;

/* Set a CKPT_DOMAIN_ERROR_INVALID about `attr` (value NULL: the attribute is absent); FALSE. */
gboolean domain_attr_fail(const AttrCtx *a, const char *attr, const char *value, GError **error,
			  const char *fmt, ...) G_GNUC_PRINTF(5, 6);
/* The attribute's value (g_free it), or NULL. */
char *domain_attr_get(const AttrCtx *a, const char *attr);
/* Refuse unqualified attributes that are not in `known` (NULL-terminated). */
gboolean domain_attrs_known(const AttrCtx *a, const char *const *known, GError **error);
/* Absent attributes leave *out alone. */
gboolean domain_attr_uint(const AttrCtx *a, const char *attr, guint64 min, guint64 max,
			  guint64 *out, GError **error);
gboolean domain_attr_u32(const AttrCtx *a, const char *attr, guint64 min, guint64 max, guint32 *out,
			 GError **error);
/* yes or no. */
gboolean domain_attr_bool(const AttrCtx *a, const char *attr, gboolean *out, GError **error);
/* An absolute path; unix_socket: it must also fit in sun_path. */
gboolean domain_attr_path(const AttrCtx *a, const char *attr, gboolean required,
			  gboolean unix_socket, char **out, GError **error);
