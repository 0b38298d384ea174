#!/bin/bash
# pidtree at scale: prints figures, asserts nothing.  Needs root.
#
#   1. 10000 subnet filters against 1: pt_tcp_connect's in-kernel cost per
#      filtered connect (bpf_stats; the LPM trie lookup does not grow with
#      the number of filters), the start-up time and the SIGHUP reload time
#      (to "configuration reloaded" in the log) of each
#   2. process churn: bench/execstorm forks and execs /bin/true for
#      CHURN_SECS (default 600) or CHURN_EXECS processes (default 100000),
#      whichever ends first, with the daemon's process cache following
#      every exec, fork and exit; the daemon's RSS sampled every
#      SAMPLE_SECS (default 30), and the growth from the first sample after
#      the cache filled to the last one
set -eu
B=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
SECS=${SECS:-3}
CHURN_SECS=${CHURN_SECS:-600}
CHURN_EXECS=${CHURN_EXECS:-100000}
SAMPLE_SECS=${SAMPLE_SECS:-30}
T=$(mktemp -d /tmp/pidtree-scale.XXXXXX)
DPID=
trap '[ -n "$DPID" ] && kill -KILL $DPID 2>/dev/null; sysctl -q kernel.bpf_stats_enabled=0; rm -rf "$T"' EXIT
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
. "$(dirname "$0")/lib.sh"
reload() {
	local n t0
	n=$(grep -c 'configuration reloaded' "$T/err" || true)
	t0=$(date +%s%N)
	kill -HUP $DPID
	for _ in $(seq 600); do
		[ "$(grep -c 'configuration reloaded' "$T/err")" -gt "$n" ] && { ms "$t0"; return; }
		sleep 0.01
	done
	echo "no reload"
}
rss() { awk '/^VmRSS/ {print $2}' /proc/$DPID/status; }

# gen FILE N OFFSET: N filters (4 in 5 IPv4 /24 in 10/8, 1 in 5 IPv6 /64),
# the last one 127.0.0.0/8, so that the bench's own connects are filtered
gen() {
	python3 - "$@" <<'PY'
import ipaddress, sys
out, n, off = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lines = ['tcp_connect:', '  filters:']
for i in range(n - 1):
    j = i + off
    if i % 5:
        net = ipaddress.ip_network((0x0a000000 + (j << 8), 24))
    else:
        net = ipaddress.ip_network(('fd00:%x::' % j, 64))
    lines.append('    - {subnet_name: n%d, network: "%s"}' % (j, net))
lines.append('    - {subnet_name: lo, network: 127.0.0.0/8}')
open(out, 'w').write('\n'.join(lines) + '\n')
PY
}

echo "== subnet filters: cost per filtered connect, start-up and reload"
for n in 1 10000; do
	gen "$T/a.yml" $n 0
	gen "$T/b.yml" $n 50000
	cp "$T/a.yml" "$T/conf.yml"
	bench_start "$T/conf.yml"
	up=$(ms "$t0")
	sysctl -q kernel.bpf_stats_enabled=1
	"$B/bench/loadgen" -t "$SECS" -p 9 >/dev/null
	cost=$(bench_stats '^pt_tcp_connect$' | sed 's/^[^:]*: //')
	sysctl -q kernel.bpf_stats_enabled=0
	cp "$T/b.yml" "$T/conf.yml"
	r1=$(reload)
	cp "$T/a.yml" "$T/conf.yml"
	r2=$(reload)
	printf '%6d filters: filtered connect %s; start-up %s ms; reloads %s ms, %s ms\n' \
		$n "$cost" "$up" "$r1" "$r2"
	bench_stop
done

echo "== process churn: up to $CHURN_EXECS processes or ${CHURN_SECS}s, RSS every ${SAMPLE_SECS}s"
gen "$T/conf.yml" 1 0
bench_start "$T/conf.yml"
echo "    RSS at start: $(rss) KiB"
"$B/bench/execstorm" -n "$CHURN_EXECS" -t "$CHURN_SECS" >"$T/storm" 2>&1 &
SPID=$!
end=$((SECONDS + CHURN_SECS))
: >"$T/rss"
while kill -0 $SPID 2>/dev/null; do
	sleep "$SAMPLE_SECS"
	r=$(rss)
	echo "$r" >>"$T/rss"
	echo "    +$((SECONDS - end + CHURN_SECS))s: $r KiB"
done
wait $SPID 2>/dev/null || true
echo "    storm: $(cat "$T/storm")"
awk 'NR == 1 {first = $1} {if ($1 > max) max = $1; last = $1}
	END {if (NR) printf "    RSS max %d KiB; last %d KiB; growth after the first sample %d KiB\n",
		max, last, last - first}' "$T/rss"
bench_stop
