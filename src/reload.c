// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Applying a new probe configuration to the running probes (see probe.h). */
#include <errno.h>
#include <string.h>

#include "log.h"
#include "probe.h"

static const struct pt_probe_desc *desc_of(enum pt_probe_kind kind)
{
	for (size_t i = 0; pt_probe_descs[i]; i++)
		if (pt_probe_descs[i]->kind == kind)
			return pt_probe_descs[i];
	return NULL;
}

static int reload_one(struct pt_probe **slot, const struct pt_shared *sh,
		      const struct pt_probe_config *old, const struct pt_probe_config *new)
{
	const struct pt_probe_desc *desc = desc_of(new->kind);
	struct pt_probe *fresh = NULL;
	int err;

	if (!desc)
		return 0;
	if (!new->present) {
		if (*slot) {
			pt_probe_destroy(*slot);
			*slot = NULL;
			pt_info("reload: probe %s closed", desc->name);
		}
		return 0;
	}
	if (*slot && old->present && !(desc->needs_reopen && desc->needs_reopen(old, new))) {
		err = pt_probe_install_filters(*slot, new);
		if (err) {
			pt_err("reload: %s keeps its previous filters", desc->name);
			return err;
		}
		if (desc->reconfigure)
			desc->reconfigure(*slot, new);
		return 0;
	}
	/* new probe, or load-time options changed: open the new one first */
	err = desc->open(&fresh, sh, new);
	if (err) {
		pt_err("reload: cannot open probe %s: %s%s", desc->name, strerror(-err),
		       *slot ? "; the running one is kept" : "");
		return err;
	}
	pt_probe_destroy(*slot);
	*slot = fresh;
	pt_info("reload: probe %s %s", desc->name, old->present ? "re-opened" : "attached");
	return 0;
}

int pt_probes_reload(struct pt_probe *probes[PT_PROBE_COUNT], const struct pt_shared *sh,
		     const struct pt_config *old, const struct pt_config *new)
{
	int failures = 0;

	for (int k = 0; k < PT_PROBE_COUNT; k++)
		if (reload_one(&probes[k], sh, &old->probes[k], &new->probes[k]))
			failures++;
	return failures;
}
