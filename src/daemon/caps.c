// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "caps.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "log.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static const struct {
	int cap;
	unsigned int need; /* 0: always kept */
	const char *name;
} keep[] = {
	{ CAP_BPF, 0, "bpf" },
	{ CAP_PERFMON, 0, "perfmon" },
	{ CAP_DAC_READ_SEARCH, 0, "dac_read_search" },
	{ CAP_NET_ADMIN, PT_CAPS_CGROUP, "net_admin" },
	{ CAP_SYS_PTRACE, PT_CAPS_PROC_FDS | PT_CAPS_CONTAINERS, "sys_ptrace" },
};

static unsigned int need_now;

static bool kept(int cap)
{
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (keep[i].cap == cap && (!keep[i].need || (keep[i].need & need_now)))
			return true;
	return false;
}

int pt_drop_capabilities(unsigned int need)
{
	char names[128] = "";
	size_t off = 0;
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	int last = CAP_LAST_CAP, cap;

	need_now = need;

	/* the running kernel may know more capabilities than our headers */
	while (prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0)
		last++;
	for (cap = 0; cap <= last; cap++) {
		/*
		 * PR_CAPBSET_DROP needs CAP_SETPCAP, even for a capability
		 * already out of the set.  Under a unit whose
		 * CapabilityBoundingSet= leaves CAP_SETPCAP out, everything
		 * not kept is already out: skip those.
		 */
		if (kept(cap) || prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL) {
			int err = -errno;

			pt_err("cannot drop capability %d from the bounding set: %s", cap,
			       strerror(errno));
			return err;
		}
	}
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	for (int i = 0; i < 2; i++) {
		__u32 mask = 0;

		for (cap = 32 * i; cap < 32 * (i + 1); cap++)
			if (kept(cap))
				mask |= 1u << (cap - 32 * i);
		data[i].effective &= mask;
		data[i].permitted &= mask;
		data[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &hdr, data)) {
		int err = -errno;

		pt_err("cannot drop capabilities: %s", strerror(errno));
		return err;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		pt_warn("cannot set no_new_privs: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]) && off < sizeof(names); i++)
		if (kept(keep[i].cap))
			off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
						off ? ", " : "", keep[i].name);
	pt_dbg("capabilities dropped to %s", names);
	return 0;
}
