/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * container_labels against containers.  The patterns are parsed by the
 * configuration layer (label_filter.h: pidtree-bcc's semantics, which its
 * header spells out); here they meet the containers' labels.
 */
#ifndef PIDTREE_CONTAINER_LABELS_H
#define PIDTREE_CONTAINER_LABELS_H

#include <stdbool.h>

#include "container.h"
#include "label_filter.h"

/*
 * Does c match f?  An empty filter matches nothing, as in pidtree-bcc (a
 * probe without container_labels has no filter at all: that is the caller's
 * business).  Containers of any state are judged on their labels alone.
 */
bool pt_labels_match(const struct pt_label_filter *f, const struct pt_container *c);

#endif
