/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The probes' schemas from the probe table, as the daemon hands them to the loader. */
#ifndef PIDTREE_TEST_SCHEMAS_H
#define PIDTREE_TEST_SCHEMAS_H

#include <string.h>

#include "config.h"
#include "probe.h"

static inline const struct pt_probe_schema *const *schemas(void)
{
	static const struct pt_probe_schema *list[16];
	size_t n = 0;

	for (size_t i = 0; pt_probe_table[i]; i++)
		if (pt_probe_table[i]->schema.name)
			list[n++] = &pt_probe_table[i]->schema;
	list[n] = NULL;
	return list;
}

/* The identity of the built-in probe name (as its events carry it). */
static inline const struct pt_probe_info *probe_info(const char *name)
{
	const struct pt_probe_desc *d = pt_probe_find(name);

	return d ? &d->info : NULL;
}

#endif
