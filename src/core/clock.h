/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Clocks.  BPF records carry CLOCK_BOOTTIME (bpf_ktime_get_boot_ns); events
 * carry wall-clock time.  The offset between the two changes when the clock
 * is set, so it is read again for every batch of records.
 */
#ifndef PIDTREE_CLOCK_H
#define PIDTREE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Nanoseconds of clock id. */
uint64_t pt_clock_ns(clockid_t id);
/* CLOCK_REALTIME - CLOCK_BOOTTIME, in ns. */
int64_t pt_boot_to_real_ns(void);
/*
 * A boot-time stamp (ns) as wall-clock microseconds since the epoch.  A
 * record taken before the clock was set back past it (its sum is before
 * 1970) is the epoch, not a date 584,000 years ahead; a sum past 2^64 ns
 * saturates.  Unsigned arithmetic: no signed overflow whatever the inputs.
 */
static inline uint64_t pt_boot_ns_to_real_us(uint64_t boot_ns, int64_t boot_to_real_ns)
{
	uint64_t off;

	if (boot_to_real_ns < 0) {
		off = -(uint64_t)boot_to_real_ns;
		return boot_ns > off ? (boot_ns - off) / 1000 : 0;
	}
	off = (uint64_t)boot_to_real_ns;
	return boot_ns > UINT64_MAX - off ? UINT64_MAX / 1000 : (boot_ns + off) / 1000;
}

#endif
