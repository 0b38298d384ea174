// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dns probe (bpf/dns.bpf.c): the DNS answers this host's processes receive
 * to the queries they sent, for the daemon's name table (src/daemon/
 * names.c, with src/dns), which names the addresses of other probes' events.
 *
 * Not a YAML probe (pidtree-bcc has none like it): it runs when [dns]
 * enabled = yes in pidtree.conf (the default) and at least one configured
 * probe wants its events named (its dns: key is not false); the daemon
 * derives its configuration, the [dns] options, into pt_config.dns.  Its
 * ports and its table of queries in flight are fixed at load: a change of
 * either re-opens it.
 *
 * Records go through handle(): checked (the capture's length fields are
 * the kernel's, but nothing read from the ring is trusted), then handed to
 * the emitter's dns_answer().
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "dns.h"
#include "dns.skel.h"
#include "dns_opts.h"
#include "probe.h"
#include "util.h"

#define NAME "dns"

_Static_assert(PT_DNS_MAX_PORTS == PT_DNS_PORTS_MAX, "bpf/dns.h and core/dns_opts.h agree");

static void destroy_skel(void *skel)
{
	pt_dns__destroy(skel);
}

static const struct pt_dns_opts *opts_of(const struct pt_probe_config *pc)
{
	return pc->opts;
}

static int attach_all(struct pt_dns *skel)
{
	const struct pt_cgroup_prog progs[] = {
		{ skel->progs.pt_dns_connect4, &skel->links.pt_dns_connect4 },
		{ skel->progs.pt_dns_connect6, &skel->links.pt_dns_connect6 },
		{ skel->progs.pt_dns_egress, &skel->links.pt_dns_egress },
		{ skel->progs.pt_dns_ingress, &skel->links.pt_dns_ingress },
	};

	return pt_attach_cgroup_all(NAME, progs, ARRAY_SIZE(progs));
}

static int dns_open(struct pt_probe *p, const struct pt_probe_env *env,
		    const struct pt_probe_config *pc)
{
	const struct pt_dns_opts *o = opts_of(pc);
	struct pt_dns *skel;
	int err;

	skel = pt_dns__open();
	if (!skel)
		return pt_probe_fail(p, "open its BPF object", -errno);
	p->skel = skel;
	p->destroy_skel = destroy_skel;
	skel->rodata->pt_consts = p->consts;
	memcpy((void *)skel->rodata->pt_dns_ports, o->ports, sizeof(o->ports));
	err = bpf_map__set_max_entries(skel->maps.pt_dns_pending, o->pending_entries);
	if (err)
		return pt_probe_fail(p, "size the table of queries in flight (pending_entries)", err);
	err = pt_probe_prepare(p, env, pc, skel->skeleton);
	if (err)
		return err;
	err = pt_dns__load(skel);
	if (err)
		return pt_probe_fail(p, "load its BPF programs", err);
	return attach_all(skel); /* failures logged there */
}

static int dns_handle(struct pt_probe *p, unsigned int rec, const void *data, size_t len,
		      const struct pt_emitter *em)
{
	const struct pt_dns_record *r = data;
	struct pt_dns_answer a;

	if (rec != PT_DNS_REC_ANSWER || len < offsetof(struct pt_dns_record, payload))
		return -EINVAL;
	if (r->cap_len > PT_DNS_CAP || r->cap_len > len - offsetof(struct pt_dns_record, payload) ||
	    r->cap_len > r->msg_len)
		return -EINVAL;
	a.ts_ns = r->hdr.ts_ns;
	a.netns = r->netns;
	a.tgid = (r->hdr.flags & PT_DNS_F_NO_OWNER) ? 0 : r->tgid;
	a.payload = r->payload;
	a.caplen = r->cap_len;
	a.msglen = r->msg_len;
	if (em->dns_answer)
		em->dns_answer(em->ctx, &a);
	return 0;
}

static bool dns_needs_reopen(const struct pt_probe_config *old, const struct pt_probe_config *new)
{
	return !pt_dns_opts_same_capture(opts_of(old), opts_of(new));
}

static unsigned int features(const struct pt_probe_config *pc)
{
	return PT_FEAT_CGROUP_SOCK | PT_FEAT_CGROUP_MOUNT;
}

static const struct pt_probe_config *derived_config(const struct pt_config *cfg)
{
	return &cfg->dns;
}

static const struct pt_loss_def losses[] = {
	[PT_DNS_LOSS_RING] = { NAME, "DNS answers lost (ring buffer full; raise --ringbuf-kib)",
			       PT_LOST_RECORDS },
	[PT_DNS_LOSS_UNMATCHED] = { NAME "_unmatched",
				    "DNS answers to no query sent from this host (ignored)",
				    PT_COUNTED },
	[PT_DNS_LOSS_SHORT] = { NAME "_short", "DNS-port packets too short for a DNS header",
				PT_COUNTED },
};

const struct pt_probe_desc pt_dns_probe = {
	.info = { .name = NAME, .shape = PT_SHAPE_PROCESS },
	.derived_config = derived_config,
	.optional = true,
	.attach = "cgroup_skb/egress (queries), cgroup_skb/ingress (answers), cgroup/connect4, "
		  "cgroup/connect6 (DNS over TCP) (on the cgroup2 root)",
	.nrecords = 1,
	.losses = losses,
	.nlosses = 3,
	.features = features,
	.open = dns_open,
	.handle = dns_handle,
	.needs_reopen = dns_needs_reopen,
};
