/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#include "labels.h"

#include <fnmatch.h>

/* a pattern the configuration accepts is one a container label can hold */
_Static_assert(PT_LABEL_FILTER_KEY_MAX == PT_LABEL_KEY_MAX, "label name bounds differ");
_Static_assert(PT_LABEL_FILTER_VALUE_MAX == PT_LABEL_VALUE_MAX, "label value bounds differ");

static bool entry_match(const struct pt_label_entry *e, const struct pt_container *c)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		const char *v = pt_container_label(c, e->terms[i].key);

		/* no FNM_PATHNAME / FNM_PERIOD: '*' crosses '/' and leading
		 * dots, and FNM_NOESCAPE: '\' is literal, as Python's fnmatch */
		if (!v || fnmatch(e->terms[i].glob, v, FNM_NOESCAPE))
			return false;
	}
	return e->n > 0;
}

bool pt_labels_match(const struct pt_label_filter *f, const struct pt_container *c)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (entry_match(&f->v[i], c))
			return true;
	return false;
}
