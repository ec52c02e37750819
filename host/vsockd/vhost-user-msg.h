/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vhost-user wire format: a 12-byte header (request, flags, payload size),
 * a payload in host byte order, and file descriptors in SCM_RIGHTS
 * ancillary data. Only what a vsock backend needs is spelled out.
 */
#pragma once

#include <glib.h>

enum {
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_RESET_OWNER = 4,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_LOG_BASE = 6,
	VHOST_USER_SET_LOG_FD = 7,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_SET_VRING_ERR = 14,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_GET_QUEUE_NUM = 17,
	VHOST_USER_SET_VRING_ENABLE = 18,
	VHOST_USER_GET_CONFIG = 24,
	VHOST_USER_SET_CONFIG = 25,
	VHOST_USER_RESET_DEVICE = 34,
};

/* Feature bits in GET_FEATURES (virtio) and GET_PROTOCOL_FEATURES. */
#define VHOST_USER_F_PROTOCOL_FEATURES 30
#define VHOST_USER_PROTOCOL_F_MQ 0
#define VHOST_USER_PROTOCOL_F_REPLY_ACK 3
#define VHOST_USER_PROTOCOL_F_CONFIG 9
#define VHOST_USER_PROTOCOL_F_RESET_DEVICE 13

#define VHOST_USER_VERSION 0x1u
#define VHOST_USER_VERSION_MASK 0x3u
#define VHOST_USER_REPLY 0x4u
#define VHOST_USER_NEED_REPLY 0x8u

/* SET_VRING_KICK/CALL/ERR payload: ring index, and this bit when no fd is sent. */
#define VHOST_USER_VRING_INDEX_MASK 0xffu
#define VHOST_USER_VRING_NOFD 0x100u

#define VHOST_USER_MAX_FDS 8
#define VHOST_USER_MAX_REGIONS 8
#define VHOST_USER_MAX_CONFIG 256
/* Bigger than any message we understand; larger ones end the session. */
#define VHOST_USER_MAX_PAYLOAD 4096

typedef struct __attribute__((packed)) {
	guint32 request;
	guint32 flags;
	guint32 size;
} VhostUserHeader;

typedef struct {
	guint32 index;
	guint32 num;
} VhostUserVringState;

typedef struct {
	guint32 index;
	guint32 flags;
	guint64 desc;
	guint64 used;
	guint64 avail;
	guint64 log;
} VhostUserVringAddr;

typedef struct {
	guint64 gpa;
	guint64 size;
	guint64 uva;
	guint64 mmap_offset;
} VhostUserMemRegion;

typedef struct {
	guint32 nregions;
	guint32 padding;
	VhostUserMemRegion regions[VHOST_USER_MAX_REGIONS];
} VhostUserMemTable;

typedef struct {
	guint32 offset;
	guint32 size;
	guint32 flags;
	guint8 data[VHOST_USER_MAX_CONFIG];
} VhostUserConfig;

#define VHOST_USER_CONFIG_HDR_SIZE (3 * sizeof(guint32))

typedef struct {
	VhostUserHeader hdr;
	union {
		guint64 u64;
		VhostUserVringState state;
		VhostUserVringAddr addr;
		VhostUserMemTable mem;
		VhostUserConfig config;
		guint8 raw[VHOST_USER_MAX_PAYLOAD];
	} payload;
	int fds[VHOST_USER_MAX_FDS];
	guint n_fds;
} VhostUserMsg;

/* Read one message (blocking once it has begun). 1: got one, 0: peer closed, -1: error. */
int vhost_user_msg_read(int fd, VhostUserMsg *msg, GError **error);
gboolean vhost_user_msg_reply(int fd, const VhostUserMsg *request, const void *payload,
			      guint32 size, GError **error);
/* Take the message's single fd (or -1); closes any extra ones. */
int vhost_user_msg_take_fd(VhostUserMsg *msg);
void vhost_user_msg_close_fds(VhostUserMsg *msg);
const char *vhost_user_request_name(guint32 request);
