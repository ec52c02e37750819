/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A scripted agent on a unix socket, in a thread of the test: the real
 * ckpt-agent cannot stream an image without the module, so ckpt-host's
 * transfers (checkpoint, restore, migrate, their failures) are tested
 * against this one. It speaks the same protocol (newline JSON, tokens,
 * stream-attach, frames, trailer, OK/FAIL verdict, status marker) over
 * the agent library's own framing code, and keeps its containers in
 * memory: a container's "memory" is the byte string a checkpoint sends
 * and a restore must bring back. It also answers ckpt-vsockd's CONNECT
 * handshake, so a libvirt domain's metadata can name it as a bridge.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _FakeAgent FakeAgent;

FakeAgent *fake_agent_new(const char *socket_path);
void fake_agent_free(FakeAgent *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FakeAgent, fake_agent_free)

/* A running container whose image is `image`. */
void fake_agent_add(FakeAgent *a, const char *name, GBytes *image);
/* "running", "frozen", or NULL when there is none. */
char *fake_agent_state(FakeAgent *a, const char *name);
/* Its image (NULL when there is none). */
GBytes *fake_agent_image(FakeAgent *a, const char *name);

/* Faults: a restore fails after its trailer (the module's error); a checkpoint stream stops. */
void fake_agent_fail_restore(FakeAgent *a, gboolean fail);
void fake_agent_drop_checkpoint_after(FakeAgent *a, guint64 bytes);
/* A restore stream is cut after `bytes` (the VM died): no reply, nothing created. */
void fake_agent_drop_restore_after(FakeAgent *a, guint64 bytes);
/* A checkpoint stream stops after `bytes` until the host goes away; stalled once it did. */
void fake_agent_stall_checkpoint_after(FakeAgent *a, guint64 bytes);
gboolean fake_agent_stalled(FakeAgent *a);
/* Restores that were refused on their checksum or cut short (nothing was created). */
guint fake_agent_refused_restores(FakeAgent *a);

G_END_DECLS
