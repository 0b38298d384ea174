// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ext_connect, userland half (see ext_connect.bpf.c): a network probe
 * through the external ABI, with filters (api->filters), the CONNECT shape's
 * keys (api->set_addr, set_port), a field of its own and two loss counters,
 * one of them only counted.  Built like the example probe, from the
 * installed headers' include paths only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <pidtree/probe.h>

#include "pidtree.h"
#include "ext_connect.skel.h"

#define NAME "ext_connect"

struct state {
	const struct pidtree_probe_api *api;
	struct ext_connect *skel;
	char *tag;
};

static int ec_check(const struct pidtree_probe_api *api, struct pidtree_probe_ctx *ctx,
		    const struct pidtree_arg *args)
{
	const struct pidtree_arg *t = api->plugin->arg_get(args, "tag");

	if (t && !api->plugin->arg_str(t)) {
		api->report(ctx, PIDTREE_ERR, t, "tag must be a string");
		return -EINVAL;
	}
	return 0;
}

static int ec_open(const struct pidtree_probe_api *api, struct pidtree_probe_ctx *ctx,
		   const struct pidtree_arg *args, void **out)
{
	const char *tag = api->plugin->arg_str(api->plugin->arg_get(args, "tag"));
	struct state *st = calloc(1, sizeof(*st));
	int err;

	if (!st)
		return -ENOMEM;
	*out = st;
	st->api = api;
	st->tag = strdup(tag ? tag : "none");
	if (!st->tag)
		return -ENOMEM;
	st->skel = ext_connect__open();
	if (!st->skel)
		return -errno;
	err = api->prepare(ctx, st->skel->obj);
	if (!err)
		err = ext_connect__load(st->skel);
	if (!err)
		err = api->filters(ctx, st->skel->obj, &st->skel->bss->pt_generation);
	if (!err)
		err = ext_connect__attach(st->skel);
	if (!err)
		api->log(ctx, PIDTREE_INFO, "attached (tag %s)", st->tag);
	return err;
}

static int ec_decode(void *state, uint32_t rec, const void *data, size_t len,
		     struct pidtree_event *ev, const struct pt_ancestry **tree)
{
	struct state *st = state;
	const struct pt_conn_record *r = data;

	if (rec != 0 || len < sizeof(*r))
		return -EINVAL;
	st->api->set_addr(ev, PIDTREE_FIELD_DADDR, r->family, r->daddr);
	st->api->set_addr(ev, PIDTREE_FIELD_SADDR, r->family, r->saddr);
	st->api->set_port(ev, r->dport);
	st->api->plugin->add_str(ev, "ext_tag", st->tag);
	st->api->plugin->add_int(ev, "ext_family", r->family == 10 ? 6 : 4);
	st->api->plugin->add_bool(ev, "ext_probe", true);
	*tree = &r->tree;
	return 0;
}

static void ec_close(void *state)
{
	struct state *st = state;

	ext_connect__destroy(st->skel);
	free(st->tag);
	free(st);
}

static const char *const args[] = { "tag", NULL };
static const struct pidtree_probe_loss losses[] = {
	{ NAME, "records lost (ring buffer full; raise --ringbuf-kib)", PIDTREE_LOSS_EVENTS },
	{ NAME "_filtered", "connections filtered in the kernel", PIDTREE_LOSS_COUNTED },
};

PIDTREE_PROBE(.name = NAME, .version = "test",
	      .attach = "tp_btf/inet_sock_set_state (CLOSE -> SYN_SENT)",
	      .shape = PIDTREE_SHAPE_CONNECT, .network = true, .nrecords = 1, .losses = losses,
	      .nlosses = 2, .args = args, .check = ec_check, .open = ec_open,
	      .decode = ec_decode, .close = ec_close);
