// SPDX-License-Identifier: GPL-2.0-only
/* `ckpt thaw NAME`: let a frozen container run again. */
#include "ckpt-cmd.h"
#include "cmd-util.h"

int ckpt_cmd_thaw(int argc, char **argv)
{
	g_auto(GStrv) args = NULL;
	const GOptionEntry entries[] = {
		{G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, NULL},
		{NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	g_autoptr(GOptionContext) octx = g_option_context_new("NAME");
	g_autoptr(GError) error = NULL;
	g_autoptr(CkptContainer) c = NULL;

	g_option_context_set_summary(octx, "Thaw container NAME (after `ckpt freeze`, "
					   "`ckpt checkpoint --leave-frozen`\nor "
					   "`ckpt restart --frozen`).");
	g_option_context_add_main_entries(octx, entries, NULL);
	if (!ckpt_cmd_parse(octx, &argc, &argv))
		return CKPT_EXIT_USAGE;
	if (!args || !args[0] || args[1])
		return ckpt_cmd_usage("expected exactly one NAME");
	c = ckpt_cmd_open_container(args[0], TRUE, &error);
	if (!c || !ckpt_container_thaw(c, &error))
		return ckpt_cmd_fail(error);
	return 0;
}
