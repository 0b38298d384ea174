#!/bin/bash
# Shared by the bench scripts that run the daemon and read its programs'
# bpf_stats (kcost.sh, scale.sh).  Expects B (the build directory) and T
# (a scratch directory); sets DPID and t0 (start time, ns).

# bench_start CONF: the daemon with CONF, events to /dev/null, until ready
bench_start() {
	: >"$T/err"
	t0=$(date +%s%N)
	"$B/pidtree" -c "$1" -f /dev/null 2>"$T/err" &
	DPID=$!
	for _ in $(seq 600); do grep -q ready "$T/err" && return; sleep 0.05; done
	echo "daemon did not start"; cat "$T/err"; exit 1
}
bench_stop() { kill -TERM "$DPID"; wait "$DPID" || true; DPID=; }
# the ids of the daemon's own BPF programs (other BPF users do not count)
bench_prog_ids() {
	local f
	for f in /proc/$DPID/fd/*; do
		[ "$(readlink "$f")" = anon_inode:bpf-prog ] || continue
		sed -n 's/^prog_id:[[:space:]]*//p' "/proc/$DPID/fdinfo/${f##*/}"
	done
}
# bench_stats NAME-REGEX: "name: N ns/run over M runs" per matching program
bench_stats() {
	bpftool -j prog show | jq -r --arg ids "$(bench_prog_ids | paste -sd, -)" --arg re "$1" '
		($ids | split(",") | map(tonumber)) as $mine |
		.[] | select(.id as $i | $mine | index($i)) | select(.name | test($re)) |
		select(.run_cnt > 0) |
		"\(.name): \(.run_time_ns / .run_cnt | floor) ns/run over \(.run_cnt) runs"'
}
