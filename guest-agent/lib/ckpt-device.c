// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ckpt-device.h"
#include "ckpt-guest-error.h"
#include "ckpt-paths.h"
#include "ckpt_image.h"

struct _CkptDevice {
	char *path;
	int fd;
	guint64 features;
	guint32 image_version;
};

void ckpt_device_set_error(GError **error, const char *call, int errnum, const char *errbuf)
{
	if (errbuf && errbuf[0])
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_MODULE, "%s", errbuf);
	else
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_MODULE, "%s: %s", call,
			    g_strerror(errnum));
}

/* ioctl(2), retried on EINTR: no call here has done anything when it says EINTR. */
static int device_ioctl(CkptDevice *dev, unsigned long cmd, void *arg)
{
	int ret;

	do
		ret = ioctl(dev->fd, cmd, arg);
	while (ret < 0 && errno == EINTR);
	return ret;
}

CkptDevice *ckpt_device_open(const char *path, GError **error)
{
	g_autoptr(CkptDevice) dev = g_new0(CkptDevice, 1);
	char errbuf[CKPT_ERRBUF_MAX] = "";
	struct ckpt_ioc_handshake hs = {
		.size = sizeof(hs),
		.api_version = CKPT_API_VERSION,
		.errbuf = (guint64)(uintptr_t)errbuf,
		.errbuf_len = sizeof(errbuf),
	};

	dev->path = g_strdup(path ? path : CKPT_DEFAULT_DEVICE);
	dev->fd = open(dev->path, O_RDWR | O_CLOEXEC);
	if (dev->fd < 0) {
		int e = errno;

		g_set_error(error, CKPT_GUEST_ERROR,
			    e == ENOENT || e == ENODEV || e == ENXIO ? CKPT_GUEST_ERROR_NO_MODULE
								     : CKPT_GUEST_ERROR_FAILED,
			    "cannot open %s: %s%s", dev->path, g_strerror(e),
			    e == ENOENT ? " (is ckpt.ko loaded?)" : "");
		return NULL;
	}
	if (device_ioctl(dev, CKPT_IOC_HANDSHAKE, &hs) < 0) {
		int e = errno;

		ckpt_device_set_error(error, "CKPT_IOC_HANDSHAKE", e, errbuf);
		if (e == EPROTONOSUPPORT)
			(*error)->code = CKPT_GUEST_ERROR_NO_MODULE;
		g_prefix_error(error, "%s: ", dev->path);
		return NULL;
	}
	if (hs.image_version != CKPT_IMAGE_VERSION) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_NO_MODULE,
			    "%s: the module writes image format %u, this tool reads %u", dev->path,
			    hs.image_version, CKPT_IMAGE_VERSION);
		return NULL;
	}
	dev->features = hs.features;
	dev->image_version = hs.image_version;
	return g_steal_pointer(&dev);
}

void ckpt_device_close(CkptDevice *dev)
{
	if (dev->fd >= 0) {
		close(dev->fd);
		dev->fd = -1;
	}
}

void ckpt_device_free(CkptDevice *dev)
{
	if (!dev)
		return;
	ckpt_device_close(dev);
	g_free(dev->path);
	g_free(dev);
}

int ckpt_device_get_fd(const CkptDevice *dev)
{
	return dev->fd;
}

guint64 ckpt_device_get_features(const CkptDevice *dev)
{
	return dev->features;
}

guint32 ckpt_device_get_image_version(const CkptDevice *dev)
{
	return dev->image_version;
}

gboolean ckpt_device_require(const CkptDevice *dev, guint64 features, GError **error)
{
	guint64 missing = features & ~dev->features;

	if (missing) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_NO_MODULE,
			    "%s: the loaded module cannot %s (features 0x%" G_GINT64_MODIFIER
			    "x, missing 0x%" G_GINT64_MODIFIER "x)",
			    dev->path, (missing & CKPT_FEAT_CHECKPOINT) ? "checkpoint" : "restore",
			    dev->features, missing);
		return FALSE;
	}
	return TRUE;
}

gboolean ckpt_device_checkpoint(CkptDevice *dev, pid_t pid, int fd, guint64 *bytes_written,
				GError **error)
{
	char errbuf[CKPT_ERRBUF_MAX] = "";
	struct ckpt_ioc_checkpoint arg = {
		.size = sizeof(arg),
		.pid = pid,
		.fd = fd,
		.errbuf = (guint64)(uintptr_t)errbuf,
		.errbuf_len = sizeof(errbuf),
	};

	if (ioctl(dev->fd, CKPT_IOC_CHECKPOINT, &arg) < 0) {
		/*
		 * No retry on EINTR here: the image may be half written
		 * to a stream that cannot be rewound.
		 */
		ckpt_device_set_error(error, "CKPT_IOC_CHECKPOINT", errno, errbuf);
		return FALSE;
	}
	if (bytes_written)
		*bytes_written = arg.bytes_written;
	return TRUE;
}

gboolean ckpt_device_restore_begin(CkptDevice *dev, int image_fd, guint8 **tree, gsize *tree_len,
				   GError **error)
{
	/* The stream cannot be rewound: room for the largest tree at once. */
	const gsize size = CKPT_RESTORE_TREE_BUF_MAX;
	g_autofree guint8 *buf = g_malloc0(size);
	char errbuf[CKPT_ERRBUF_MAX] = "";
	struct ckpt_ioc_restore_begin arg = {
		.size = sizeof(arg),
		.fd = image_fd,
		.tree_len = (guint32)size,
		.tree_buf = (guint64)(uintptr_t)buf,
		.errbuf = (guint64)(uintptr_t)errbuf,
		.errbuf_len = sizeof(errbuf),
	};

	if (ioctl(dev->fd, CKPT_IOC_RESTORE_BEGIN, &arg) < 0) {
		ckpt_device_set_error(error, "CKPT_IOC_RESTORE_BEGIN", errno, errbuf);
		return FALSE;
	}
	if (arg.tree_len > size) {
		g_set_error(error, CKPT_GUEST_ERROR, CKPT_GUEST_ERROR_MODULE,
			    "CKPT_IOC_RESTORE_BEGIN: module says it wrote %u bytes into %zu",
			    arg.tree_len, size);
		return FALSE;
	}
	*tree_len = arg.tree_len;
	*tree = g_steal_pointer(&buf);
	return TRUE;
}

gboolean ckpt_device_restore_wait(CkptDevice *dev, gboolean release, guint64 *bytes_read,
				  GError **error)
{
	char errbuf[CKPT_ERRBUF_MAX] = "";
	struct ckpt_ioc_restore_wait arg = {
		.size = sizeof(arg),
		.flags = release ? CKPT_RESTORE_WAIT_F_RELEASE : 0,
		.errbuf = (guint64)(uintptr_t)errbuf,
		.errbuf_len = sizeof(errbuf),
	};

	/*
	 * No retry on EINTR: an interrupted wait abandons the restart (which
	 * is how a caller cancels one: a signal to the waiting thread).
	 */
	if (ioctl(dev->fd, CKPT_IOC_RESTORE_WAIT, &arg) < 0) {
		ckpt_device_set_error(error, "CKPT_IOC_RESTORE_WAIT", errno, errbuf);
		return FALSE;
	}
	if (bytes_read)
		*bytes_read = arg.bytes_read;
	return TRUE;
}
