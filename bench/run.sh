#!/bin/bash
# pidtree benchmark: prints figures, asserts nothing.  Needs root.
#
#   1. userland event path (bench/replay): events/s at depth 7, to JSON and
#      (-j) to the journald output's fields
#   2. connect-loop rate to a closed loopback port from a depth-7 tree:
#      without pidtree, with pidtree reporting every connect, with pidtree
#      filtering every connect in the kernel (ratios to the baseline); each
#      rate is the median of ROUNDS runs, with bpf_stats off
#   3. in-kernel cost per program from bpf_stats (run_time_ns / run_cnt),
#      measured in separate runs (bpf_stats itself costs time per run)
#   4. events/s actually written to a JSON file, and the daemon's RSS
#   5. udp_session: send() rate on a connected UDP socket with and without
#      the probe, and pt_udp_egress's cost on TCP packets and on counted
#      datagrams (bpf_stats)
set -eu
B=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
SECS=${SECS:-5}
ROUNDS=${ROUNDS:-3}
T=$(mktemp -d /tmp/pidtree-bench.XXXXXX)
DPID=
trap '[ -n "$DPID" ] && kill -KILL $DPID 2>/dev/null; sysctl -q kernel.bpf_stats_enabled=0; rm -rf "$T"' EXIT

mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
PORT=9 # discard: closed here, every connect is SYN then RST

echo "== userland path (replay, no kernel)"
"$B/bench/replay" -n 2000000 -d 7
"$B/bench/replay" -n 2000000 -d 7 -o "$T/replay.json"
"$B/bench/replay" -n 500000 -d 7 -j # the journald output's fields instead
rm -f "$T/replay.json"

# Depth of this shell's own ancestry (itself .. pid 1); loadgen adds levels
# below it so that the connecting process has DEPTH ancestors in all (or as
# few as possible when this shell already sits deeper).
DEPTH=${DEPTH:-7}
mine=1 p=$$
while [ "$p" -gt 1 ]; do p=$(awk '{print $4}' /proc/$p/stat); mine=$((mine + 1)); done
LG_DEPTH=$((DEPTH - mine))
[ $LG_DEPTH -ge 1 ] || LG_DEPTH=1
loop1() { "$B/bench/loadgen" -d $LG_DEPTH -t "$SECS" -p $PORT | sed -n 's/.*rate=\([0-9]*\).*/\1/p'; }
loop() { for _ in $(seq "$ROUNDS"); do loop1; done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

start() {
	: >"$T/err"
	"$B/pidtree" -c "$1" -f "$T/events.json" 2>"$T/err" &
	DPID=$!
	for _ in $(seq 100); do grep -q ready "$T/err" && return; sleep 0.1; done
	echo "daemon did not start"; cat "$T/err"; exit 1
}
stop() { kill -TERM $DPID; wait $DPID || true; DPID=; }
progstats() {
	bpftool -j prog show | jq -r '.[] | select(.name|test("^pt_")) | select(.run_cnt > 0) |
		"    \(.name): \(.run_time_ns / .run_cnt | floor) ns/run over \(.run_cnt) runs"'
}

printf 'tcp_connect:\n' >"$T/report.yml"
printf 'tcp_connect:\n  filters:\n    - subnet_name: lo\n      network: 127.0.0.0/8\n' >"$T/filter.yml"

echo "== connect loop, median of $ROUNDS x ${SECS}s, tree depth $((mine + LG_DEPTH)), 127.0.0.1:$PORT"
base=$(loop)
echo "no daemon:            $base connects/s"

start "$T/report.yml"
sleep 1
: >"$T/events.json"
rep=$(loop)
sleep 1
nev=$(grep -c "\"port\":$PORT," "$T/events.json" || true)
depth=$(grep "\"port\":$PORT," "$T/events.json" | head -1 | jq '.proctree | length')
rss=$(awk '/VmRSS/ {print $2}' /proc/$DPID/status)
echo "reporting every one:  $rep connects/s  ($(awk "BEGIN{printf \"%.3f\", $rep/$base}")x)"
echo "  events written:     $nev in $((SECS * ROUNDS))s = $((nev / (SECS * ROUNDS))) events/s, proctree depth $depth"
echo "  daemon RSS:         ${rss} KiB"
stop

start "$T/filter.yml"
sleep 1
: >"$T/events.json"
flt=$(loop)
sleep 1
nflt=$(grep -c "\"port\":$PORT," "$T/events.json" || true)
echo "filtering every one:  $flt connects/s  ($(awk "BEGIN{printf \"%.3f\", $flt/$base}")x), $nflt events leaked"
stop

echo "== in-kernel cost (bpf_stats on; separate ${SECS}s runs)"
sysctl -q kernel.bpf_stats_enabled=1
start "$T/report.yml"
sleep 1
: >"$T/events.json"
loop1 >/dev/null
sleep 1
nev=$(grep -c "\"port\":$PORT," "$T/events.json" || true)
echo "  reporting every connect:"
progstats
bpftool -j prog show | jq -r --argjson n "$nev" '.[] | select(.name=="pt_tcp_connect") |
	"    pt_tcp_connect per reported event: \(.run_time_ns / $n | floor) ns (all its runs / events)"'
stop
start "$T/filter.yml"
sleep 1
loop1 >/dev/null
echo "  filtering every connect:"
bpftool -j prog show | jq -r '.[] | select(.name=="pt_tcp_connect") | select(.run_cnt > 0) |
	"    pt_tcp_connect: \(.run_time_ns / .run_cnt | floor) ns/run over \(.run_cnt) runs (2 runs per connect)"'
stop
sysctl -q kernel.bpf_stats_enabled=0

# udp_session: its cgroup_skb/egress program sees every egress packet of the
# host; what it costs on packets it does not count (TCP here) and on the
# datagrams of a tracked connected socket
udp1() { "$B/bench/loadgen" -u -d $LG_DEPTH -t "$SECS" | sed -n 's/.*rate=\([0-9]*\).*/\1/p'; }
udp() { for _ in $(seq "$ROUNDS"); do udp1; done | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
egress() {
	bpftool -j prog show | jq -r --arg what "$1" '.[] | select(.name=="pt_udp_egress") | select(.run_cnt > 0) |
		"    pt_udp_egress, \($what): \(.run_time_ns / .run_cnt | floor) ns/run over \(.run_cnt) runs"'
}
printf 'udp_session:\n' >"$T/udp.yml"
echo "== udp_session: one connected socket, send() loop, median of $ROUNDS x ${SECS}s"
ubase=$(udp)
echo "no daemon:            $ubase datagrams/s"
start "$T/udp.yml"
sleep 1
urep=$(udp)
echo "udp_session counting: $urep datagrams/s  ($(awk "BEGIN{printf \"%.3f\", $urep/$ubase}")x)"
stop
echo "== udp_session in-kernel cost (bpf_stats on; separate ${SECS}s runs)"
sysctl -q kernel.bpf_stats_enabled=1
start "$T/udp.yml"
sleep 1
loop1 >/dev/null
egress "TCP connect loop (not UDP)"
stop
start "$T/udp.yml"
sleep 1
udp1 >/dev/null
egress "connected UDP datagrams (counted)"
stop
sysctl -q kernel.bpf_stats_enabled=0
