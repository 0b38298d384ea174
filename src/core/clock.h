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
/* A boot-time stamp (ns) as wall-clock microseconds since the epoch. */
static inline uint64_t pt_boot_ns_to_real_us(uint64_t boot_ns, int64_t boot_to_real_ns)
{
	return (uint64_t)((int64_t)boot_ns + boot_to_real_ns) / 1000;
}

#endif
