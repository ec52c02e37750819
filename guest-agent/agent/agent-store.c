// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>

#include "agent-error.h"
#include "agent-store.h"

#define IMAGE_SUFFIX ".img"
#define SHA_SUFFIX ".sha256"

struct _AgentStore {
	char *dir;
};

AgentStore *agent_store_new(const char *dir)
{
	AgentStore *store = g_new0(AgentStore, 1);

	store->dir = g_strdup(dir ? dir : AGENT_STORE_DEFAULT_DIR);
	return store;
}

void agent_store_free(AgentStore *store)
{
	if (!store)
		return;
	g_free(store->dir);
	g_free(store);
}

const char *agent_store_get_dir(const AgentStore *store)
{
	return store->dir;
}

gboolean agent_store_name_check(const char *name, GError **error)
{
	gsize len = strlen(name);

	if (len == 0 || len > AGENT_STORE_NAME_MAX) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
			    "image name '%s': must be 1 to %d characters", name,
			    AGENT_STORE_NAME_MAX);
		return FALSE;
	}
	if (!g_ascii_isalnum(name[0])) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
			    "image name '%s': must start with a letter or a digit", name);
		return FALSE;
	}
	for (gsize i = 0; i < len; i++) {
		char ch = name[i];

		if (!g_ascii_isalnum(ch) && ch != '_' && ch != '.' && ch != '-') {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
				    "image name '%s': character %zu is not one of A-Z a-z 0-9 _ . "
				    "- (give an absolute path for a file outside the store)",
				    name, i + 1);
			return FALSE;
		}
	}
	return TRUE;
}

static char *image_path(AgentStore *store, const char *image)
{
	g_autofree char *base = g_strconcat(image, IMAGE_SUFFIX, NULL);

	return g_build_filename(store->dir, base, NULL);
}

static char *sha_path(AgentStore *store, const char *image)
{
	g_autofree char *base = g_strconcat(image, SHA_SUFFIX, NULL);

	return g_build_filename(store->dir, base, NULL);
}

gboolean agent_store_resolve(AgentStore *store, const char *file, char **path, char **image,
			     GError **error)
{
	*path = NULL;
	*image = NULL;
	if (strchr(file, '/')) {
		if (!g_path_is_absolute(file)) {
			g_set_error(error, AGENT_ERROR, AGENT_ERROR_INVALID_ARGUMENT,
				    "file '%s': a path must be absolute (or give a store image "
				    "name)",
				    file);
			return FALSE;
		}
		*path = g_strdup(file);
		return TRUE;
	}
	if (!agent_store_name_check(file, error))
		return FALSE;
	*path = image_path(store, file);
	*image = g_strdup(file);
	return TRUE;
}

gboolean agent_store_prepare(AgentStore *store, GError **error)
{
	if (g_mkdir_with_parents(store->dir, 0700) < 0) {
		int err = errno;

		g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED,
			    "image store %s: cannot create it: %s", store->dir, g_strerror(err));
		return FALSE;
	}
	return TRUE;
}

gboolean agent_store_write_sha256(AgentStore *store, const char *image,
				  const guint8 sha256[AGENT_SHA256_LEN], GError **error)
{
	g_autofree char *path = sha_path(store, image);
	g_autofree char *hex = agent_sha256_to_hex(sha256);
	g_autofree char *text = g_strdup_printf("%s  %s" IMAGE_SUFFIX "\n", hex, image);
	g_autoptr(GError) local = NULL;

	/* g_file_set_contents writes a temporary file, fsyncs and renames it. */
	if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
				      &local)) {
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED, "image %s: %s", image,
			    local->message);
		return FALSE;
	}
	return TRUE;
}

gboolean agent_store_read_sha256(AgentStore *store, const char *image,
				 guint8 sha256[AGENT_SHA256_LEN], GError **error)
{
	g_autofree char *path = sha_path(store, image);
	g_autofree char *text = NULL;
	g_autoptr(GError) local = NULL;

	if (!g_file_get_contents(path, &text, NULL, &local)) {
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return FALSE;
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED, "image %s: %s", image,
			    local->message);
		return FALSE;
	}
	if (strlen(text) < AGENT_SHA256_LEN * 2)
		goto bad;
	text[AGENT_SHA256_LEN * 2] = '\0';
	if (agent_sha256_from_hex(text, sha256))
		return TRUE;
bad:
	g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED,
		    "image %s: %s does not start with a sha256 in hex", image, path);
	return FALSE;
}

static JsonObject *describe(AgentStore *store, const char *image, const struct stat *st)
{
	JsonObject *o = json_object_new();
	g_autoptr(GDateTime) mtime = g_date_time_new_from_unix_utc(st->st_mtime);
	g_autofree char *modified = g_date_time_format(mtime, "%Y-%m-%dT%H:%M:%SZ");
	guint8 sha[AGENT_SHA256_LEN];

	json_object_set_string_member(o, "name", image);
	json_object_set_int_member(o, "size", st->st_size);
	json_object_set_string_member(o, "modified", modified);
	if (agent_store_read_sha256(store, image, sha, NULL)) {
		g_autofree char *hex = agent_sha256_to_hex(sha);

		json_object_set_string_member(o, "sha256", hex);
	} else {
		json_object_set_null_member(o, "sha256");
	}
	return o;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

JsonArray *agent_store_list(AgentStore *store, GError **error)
{
	g_autoptr(JsonArray) list = json_array_new();
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) local = NULL;
	g_autoptr(GDir) dir = g_dir_open(store->dir, 0, &local);
	const char *entry;

	if (!dir) {
		/* No directory yet: nothing was ever stored. */
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return g_steal_pointer(&list);
		g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED, "image store %s: %s",
			    store->dir, local->message);
		return NULL;
	}
	while ((entry = g_dir_read_name(dir))) {
		if (g_str_has_suffix(entry, IMAGE_SUFFIX) && strlen(entry) > strlen(IMAGE_SUFFIX)) {
			char *name = g_strndup(entry, strlen(entry) - strlen(IMAGE_SUFFIX));

			if (agent_store_name_check(name, NULL))
				g_ptr_array_add(names, name);
			else
				g_free(name);
		}
	}
	g_ptr_array_sort(names, compare_names);
	for (guint i = 0; i < names->len; i++) {
		const char *name = g_ptr_array_index(names, i);
		g_autofree char *path = image_path(store, name);
		struct stat st;

		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			json_array_add_object_element(list, describe(store, name, &st));
	}
	return g_steal_pointer(&list);
}

gboolean agent_store_delete(AgentStore *store, const char *image, GError **error)
{
	g_autofree char *path = image_path(store, image);
	g_autofree char *sha = sha_path(store, image);

	if (unlink(path) < 0) {
		int err = errno;

		g_set_error(error, AGENT_ERROR,
			    err == ENOENT ? AGENT_ERROR_NOT_FOUND : AGENT_ERROR_FAILED,
			    "image %s: %s: %s", image, path, g_strerror(err));
		return FALSE;
	}
	if (unlink(sha) < 0 && errno != ENOENT) {
		int err = errno;

		g_set_error(error, AGENT_ERROR, AGENT_ERROR_FAILED,
			    "image %s: removed, but not its digest %s: %s", image, sha,
			    g_strerror(err));
		return FALSE;
	}
	return TRUE;
}
