// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The probe table: one row per built-in probe.  A probe is its BPF object
 * (bpf/NAME.bpf.c), its file here (src/probes/NAME.c, which defines the
 * descriptor) and its row below.  Rows give their probes record types and
 * loss counters in this order.  The process probe keeps the process cache
 * current; it is "always" on and opened before every other probe.  The
 * dns probe has no YAML key: it runs for the others (their events' names).
 */
#include "probe.h"

#include <string.h>

extern const struct pt_probe_desc pt_process_probe;
extern const struct pt_probe_desc pt_tcp_connect_probe;
extern const struct pt_probe_desc pt_net_listen_probe;
extern const struct pt_probe_desc pt_udp_session_probe;
extern const struct pt_probe_desc pt_tcp_accept_probe;
extern const struct pt_probe_desc pt_dns_probe;

const struct pt_probe_desc *const pt_probe_table[] = {
	&pt_tcp_connect_probe,
	&pt_net_listen_probe,
	&pt_udp_session_probe,
	&pt_tcp_accept_probe,
	&pt_dns_probe,
	&pt_process_probe,
	NULL,
};

const struct pt_probe_desc *pt_probe_find(const char *name)
{
	for (size_t i = 0; pt_probe_table[i]; i++)
		if (!strcmp(pt_probe_table[i]->info.name, name))
			return pt_probe_table[i];
	return NULL;
}
