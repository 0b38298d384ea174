// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness for the container layer's parsers of hostile input:
 * Docker Engine API answers, containerd bundles, /proc/PID/cgroup and
 * mountinfo text.  The first byte picks the parser, the rest is its input.
 *
 *   make fuzz-containers && tests/fuzz/fuzz_containers tests/fixtures/containers
 *
 * test_container_json also calls it on the fixtures and their mutations,
 * so that it is built and run under ASan/UBSan by make check.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apijson.h"
#include "cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data + 1;
	size_t n = size ? size - 1 : 0;
	struct pt_container c;
	struct pt_docker_event ev;
	struct pt_cgroup_match m;
	char (*ids)[PT_CONTAINER_ID_MAX];
	char a[256], b[256];
	const char *rt;
	size_t k;

	if (!size)
		return 0;
	memset(&c, 0, sizeof(c));
	switch (data[0] % 7) {
	case 0:
		pt_docker_parse_inspect(in, n, &c);
		pt_container_label(&c, "io.kubernetes.pod.name");
		pt_container_clear(&c);
		break;
	case 1:
		if (!pt_docker_parse_list(in, n, &ids, &k))
			for (size_t i = 0; i < k; i++)
				if (strlen(ids[i]) != 64)
					__builtin_trap();
		free(ids);
		break;
	case 2:
		if (!pt_docker_parse_event(in, n, &ev) && strlen(ev.attrs.id) != 64)
			__builtin_trap();
		pt_container_clear(&ev.attrs);
		break;
	case 3:
		pt_docker_parse_version(in, n, &rt, a, sizeof(a));
		break;
	case 4:
		pt_containerd_parse_spec(in, n, "k8s.io", "fuzz", &c);
		pt_container_clear(&c);
		break;
	case 5:
		if (pt_cgroup_parse(in, n, &m) && strlen(m.id) != 64)
			__builtin_trap();
		pt_cgroup_v2_path(in, n, a, sizeof(a));
		break;
	case 6:
		pt_cgroup2_mount(in, n, a, sizeof(a), b, sizeof(b));
		break;
	}
	return 0;
}
