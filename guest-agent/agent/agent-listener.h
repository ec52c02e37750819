/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A listening socket in the main loop: AF_VSOCK on (VMADDR_CID_ANY, port)
 * or a unix socket at a path. A vsock peer whose CID is not allowed is
 * logged and closed at once, before a byte is read; everything else is
 * handed to the accept callback as a non-blocking fd.
 */
#ifndef AGENT_LISTENER_H
#define AGENT_LISTENER_H

#include <glib.h>

G_BEGIN_DECLS

/* fd is the callee's; peer describes it ("vsock CID 2 port 1034"). */
typedef void (*AgentAcceptFunc)(int fd, const char *peer, gpointer data);

typedef struct _AgentListener AgentListener;

AgentListener *agent_listener_new_vsock(guint32 port, const GArray *allow_cids,
					AgentAcceptFunc accept_func, gpointer data, GError **error);
/* Replaces a stale socket at path; the socket is 0600 (root's only). */
AgentListener *agent_listener_new_unix(const char *path, AgentAcceptFunc accept_func, gpointer data,
				       GError **error);
void agent_listener_free(AgentListener *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AgentListener, agent_listener_free)

/* Connections refused for their CID so far. */
guint agent_listener_get_n_refused(const AgentListener *l);

G_END_DECLS

#endif /* AGENT_LISTENER_H */
