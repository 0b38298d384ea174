// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * kfloor - the floor under pidtree's in-kernel costs.
 *
 *   kfloor OBJECT EXECSTORM LOADGEN [SECONDS]
 *
 * Loads OBJECT (bench/kfloor.bpf.o) and, for each of its programs in turn,
 * attaches that one alone, runs EXECSTORM (bench/execstorm), or LOADGEN
 * (bench/loadgen: connects to the closed port 127.0.0.1:9) for the
 * kf_state_ programs, for SECONDS (default 3) while reading the ring
 * buffer as pidtree does, and prints
 * "NAME: N ns/run over M runs" from the kernel's statistics (enabled with
 * BPF_ENABLE_STATS for the run).  Prints figures, asserts nothing.  Root.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static int on_record(void *ctx, void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return 0;
}

/* PROG -t SECONDS [-p 9], the ring read every 10 ms meanwhile; 0 or -1 */
static int storm(struct ring_buffer *rb, const char *prog, const char *secs, bool connects)
{
	int status;
	pid_t pid;

	fflush(stdout); /* (not twice: the child would flush a copy) */
	pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		if (connects)
			execl(prog, prog, "-t", secs, "-p", "9", (char *)NULL);
		else
			execl(prog, prog, "-t", secs, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, WNOHANG) == 0)
		ring_buffer__poll(rb, 10);
	ring_buffer__consume(rb);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *secs = argc > 4 ? argv[4] : "3";
	struct bpf_object *obj;
	struct bpf_program *p;
	struct ring_buffer *rb;
	int stats_fd;

	if (argc < 4) {
		fprintf(stderr, "usage: kfloor OBJECT EXECSTORM LOADGEN [SECONDS]\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "kfloor: cannot load %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	rb = ring_buffer__new(bpf_object__find_map_fd_by_name(obj, "kf_ring"), on_record, NULL,
			      NULL);
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (!rb || stats_fd < 0) {
		fprintf(stderr, "kfloor: ring buffer or statistics: %s\n", strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(p, obj) {
		struct bpf_prog_info info;
		__u32 ilen = sizeof(info);
		struct bpf_link *l = bpf_program__attach(p);
		__u64 t0, n0;

		if (!l) {
			fprintf(stderr, "kfloor: attach %s: %s\n", bpf_program__name(p),
				strerror(errno));
			return 1;
		}
		memset(&info, 0, sizeof(info));
		bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &ilen);
		t0 = info.run_time_ns;
		n0 = info.run_cnt;
		bool connects = !strncmp(bpf_program__name(p), "kf_state_", 9);

		if (storm(rb, connects ? argv[3] : argv[2], secs, connects)) {
			fprintf(stderr, "kfloor: %s failed\n", connects ? argv[3] : argv[2]);
			return 1;
		}
		bpf_link__destroy(l);
		memset(&info, 0, sizeof(info));
		ilen = sizeof(info);
		bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &ilen);
		if (info.run_cnt > n0)
			printf("%s: %llu ns/run over %llu runs\n", bpf_program__name(p),
			       (unsigned long long)((info.run_time_ns - t0) / (info.run_cnt - n0)),
			       (unsigned long long)(info.run_cnt - n0));
	}
	close(stats_fd);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	return 0;
}
