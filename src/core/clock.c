// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "clock.h"

uint64_t pt_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int64_t pt_boot_to_real_ns(void)
{
	return (int64_t)pt_clock_ns(CLOCK_REALTIME) - (int64_t)pt_clock_ns(CLOCK_BOOTTIME);
}
