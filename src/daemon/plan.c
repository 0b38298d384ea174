// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* -p: the probe plan (programs, attach points, filters, plugins, outputs). */
#include <stdio.h>

#include "daemon.h"
#include "filter.h"

static void print_line(void *ctx, const char *s)
{
	printf("    %s\n", s);
}

void pt_daemon_print_plan(struct daemon *d)
{
	const char *specs[PT_MAX_OUTPUTS];
	int nspecs;

	printf("ancestry: up to %lu ancestors per event, cmdlines up to %lu bytes\n",
	       d->opt.max_depth, d->opt.cmdline_max);
	for (size_t i = 0; i < d->nrows; i++) {
		const struct pt_probe_desc *desc = d->rows[i];
		const struct pt_probe_config *pc = pt_daemon_probe_config(d, i, &d->cfg);
		struct pt_filter_plan plan;

		if (!pt_daemon_probe_wanted(d, i, &d->cfg))
			continue;
		if (desc->always) {
			printf("%s: always on, via %s\n", desc->info.name, desc->attach);
			continue;
		}
		if (!desc->schema.name) { /* dns: runs for the other probes */
			printf("probe %s:\n  attach: %s\n", desc->info.name, desc->attach);
			pt_naming_describe(d);
			continue;
		}
		printf("probe %s:\n", desc->info.name);
		if (desc->origin)
			printf("  from: %s\n", desc->origin);
		printf("  attach: %s\n", desc->attach);
		if (desc->schema.network && printf("  filters:\n") &&
		    pt_filter_compile(&pc->filter, 0, &plan) == 0) {
			pt_filter_describe(&plan, print_line, NULL);
			pt_filter_plan_free(&plan);
		}
		if (pc->containers.n) {
			char labels[4096];

			pt_label_filter_format(&pc->containers, labels, sizeof(labels));
			printf("  container_labels (in the kernel, by mount namespace): %s\n", labels);
		}
		if (pc->nplugins) {
			printf("  plugins:\n");
			pt_plugins_describe(d->plugins, desc->info.name, print_line, NULL);
		}
	}
	nspecs = pt_outputs_specs(d, &d->settings, specs);
	for (int i = 0; i < nspecs; i++)
		printf("output: %s\n", specs[i]);
}
