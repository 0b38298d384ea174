// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Probes pidtree must refuse (tests/integration/extprobes.sh,
 * tests/unit/test_extprobe.c), one per build: -DBAD_ABI gives a descriptor
 * of an ABI version pidtree does not have (as bad_abi.so), -DNO_SYMBOL no
 * descriptor at all (as no_symbol.so).
 */
#include <errno.h>

#include <pidtree/probe.h>

#ifdef BAD_ABI
static int nop_open(const struct pidtree_probe_api *api, struct pidtree_probe_ctx *ctx,
		    const struct pidtree_arg *args, void **state)
{
	return -ENOSYS;
}

static int nop_decode(void *state, uint32_t rec, const void *data, size_t len,
		      struct pidtree_event *ev, const struct pt_ancestry **tree)
{
	return -EINVAL;
}

static void nop_close(void *state)
{
}

static const struct pidtree_probe_loss losses[] = {
	{ "bad_abi", "records lost", PIDTREE_LOSS_EVENTS },
};

/* everything right but the version */
PIDTREE_PROBE_EXPORT const struct pidtree_probe pidtree_probe = {
	.abi_version = PIDTREE_PROBE_ABI_VERSION + 98,
	.size = sizeof(struct pidtree_probe),
	.name = "bad_abi",
	.attach = "nothing",
	.nrecords = 1,
	.losses = losses,
	.nlosses = 1,
	.open = nop_open,
	.decode = nop_decode,
	.close = nop_close,
};
#endif

#ifdef NO_SYMBOL
/* a descriptor under another name: pidtree looks for "pidtree_probe" only */
PIDTREE_PROBE_EXPORT const int pidtree_probe_v1 = 1;
#endif
