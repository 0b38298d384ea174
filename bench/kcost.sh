#!/bin/bash
# In-kernel cost per run of each of pidtree's own BPF programs (bpf_stats:
# run_time_ns / run_cnt), measured on this daemon's programs only (their ids
# from /proc/PID/fdinfo), so other BPF users of the host do not count.
#   - tcp_connect reporting every connect, at tree depth DEPTH (default 10)
#   - tcp_connect filtering every connect in the kernel
#   - exec, fork and exit, under a fork+exec storm of /bin/true
#   - the floor under those (bench/kfloor, when built): an empty program
#     on the same tracepoints, and each part of a process record alone
# Prints figures, asserts nothing.  Needs root.
set -eu
B=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
SECS=${SECS:-3}
DEPTH=${DEPTH:-10}
T=$(mktemp -d /tmp/pidtree-kcost.XXXXXX)
DPID=
trap '[ -n "$DPID" ] && kill -KILL $DPID 2>/dev/null; sysctl -q kernel.bpf_stats_enabled=0; rm -rf "$T"' EXIT
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing

. "$(dirname "$0")/lib.sh"

mine=1 p=$$
while [ "$p" -gt 1 ]; do p=$(awk '{print $4}' /proc/$p/stat); mine=$((mine + 1)); done
LG=$((DEPTH - mine))
[ $LG -ge 1 ] || LG=1

printf 'tcp_connect:\n' >"$T/report.yml"
printf 'tcp_connect:\n  filters:\n    - {subnet_name: all4, network: 0.0.0.0/0}\n    - {subnet_name: all6, network: "::/0"}\n' >"$T/filter.yml"

echo "== tcp_connect, reporting every connect (tree depth $((mine + LG)))"
bench_start "$T/report.yml"
sysctl -q kernel.bpf_stats_enabled=1
"$B/bench/loadgen" -d $LG -t "$SECS" -p 9 >/dev/null
bench_stats '^pt_tcp_connect$' | sed 's/^/    /'
sysctl -q kernel.bpf_stats_enabled=0
bench_stop

echo "== tcp_connect, filtering every connect in the kernel"
bench_start "$T/filter.yml"
sysctl -q kernel.bpf_stats_enabled=1
"$B/bench/loadgen" -d $LG -t "$SECS" -p 9 >/dev/null
bench_stats '^pt_tcp_connect$' | sed 's/^/    /'
sysctl -q kernel.bpf_stats_enabled=0
bench_stop

echo "== process records under a fork+exec storm of /bin/true (bench/execstorm)"
bench_start "$T/filter.yml"
sysctl -q kernel.bpf_stats_enabled=1
"$B/bench/execstorm" -t "$SECS" >/dev/null
bench_stats '^pt_(exec|fork|exit)$' | sed 's/^/    /'
sysctl -q kernel.bpf_stats_enabled=0
bench_stop

if [ -x "$B/bench/kfloor" ] && [ -f "$B/bench/kfloor.bpf.o" ]; then
	echo "== the floor under them, each alone under the same load (bench/kfloor): an empty"
	echo "   program, the new image's argv read, a ring buffer write of an exec's and an exit's"
	echo "   size (exec storm); an empty program on inet_sock_set_state (connect loop)"
	"$B/bench/kfloor" "$B/bench/kfloor.bpf.o" "$B/bench/execstorm" "$B/bench/loadgen" "$SECS" |
		sed 's/^/    /'
fi
