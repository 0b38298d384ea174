// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "secure.h"

#include <errno.h>
#include <stdio.h>

#include "plugin.h"

/* One policy for every file pidtree trusts: the plugin loader's (plugin.c). */
int pt_check_trusted_path(const char *path, char *why, size_t len)
{
	char reason[4200];
	int err = pt_plugin_path_check(path, reason, sizeof(reason));

	if (err == -EPERM)
		snprintf(why, len, "refusing to trust %s", reason);
	return err == -EPERM ? -EPERM : 0;
}
