#!/bin/bash
# tcp_accept's cost, and container_labels' (bpf_stats: run_time_ns / run_cnt
# of this daemon's own programs, their ids from /proc/PID/fdinfo):
#   - an accept loop (tests/helpers/acceptor accepting N connections that
#     bench/loadgen makes to it on 127.0.0.1) without pidtree, with
#     tcp_accept reporting every accept, and with tcp_accept filtering every
#     accept in the kernel (includeports: another port): accepts per second,
#     and the in-kernel ns per accept, of the accept(2) hook and in all (the
#     hook on every TCP state change included, over the accepts made);
#   - tcp_connect dropping every connect by container_labels (the host is
#     in no container) against dropping it by includeports: ns per connect.
# Prints figures, asserts nothing.  Needs root.  N=5000 connections per run,
# each run in a network namespace of its own (loopback only: the hooks are
# the host's, pidtree sees every namespace), so that no run meets the
# TIME_WAIT sockets of the one before.  (The acceptor's backlog used to be
# 64: whenever the accepting task fell behind, a SYN was dropped and its
# connect waited out a 1 s retransmission, and a few of those made the
# rates up to 30 times too low.)
set -eu
B=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
N=${N:-5000}
RUN=0
T=$(mktemp -d /tmp/pidtree-accept.XXXXXX)
DPID=
NS=
trap '[ -n "$DPID" ] && kill -KILL $DPID 2>/dev/null; [ -n "$NS" ] && ip netns del "$NS"; sysctl -q kernel.bpf_stats_enabled=0; rm -rf "$T"' EXIT
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing

. "$(dirname "$0")/lib.sh"

P=$((20000 + $$ % 20000))
OTHER=$((P + 1))

# fresh_ns: NS, a new network namespace with only loopback, up (the last one gone)
fresh_ns() {
	[ -n "$NS" ] && ip netns del "$NS"
	RUN=$((RUN + 1))
	NS=pidtree-bench-$$-$RUN
	ip netns add "$NS"
	ip -n "$NS" link set lo up
}
# in_ns CMD...: CMD in NS
in_ns() { ip netns exec "$NS" "$@"; }
# accept_loop: N connects to an acceptor on P; prints "RATE" (accepts/s)
accept_loop() {
	local t0 t1
	fresh_ns
	ACCEPTOR_PORT=$P in_ns "$B/tests/helpers/acceptor" accept 127.0.0.1 "$N" >"$T/acc.out" &
	local apid=$!
	for _ in $(seq 100); do [ -s "$T/acc.out" ] && break; sleep 0.05; done
	t0=$(date +%s%N)
	in_ns "$B/bench/loadgen" -d 1 -n "$N" -a 127.0.0.1 -p "$P" >/dev/null
	wait "$apid"
	t1=$(date +%s%N)
	echo $((N * 1000000000 / (t1 - t0)))
}
# prog_sum NAME-REGEX: run_time_ns summed over the daemon's matching programs
prog_sum() {
	bpftool -j prog show | jq -r --arg ids "$(bench_prog_ids | paste -sd, -)" --arg re "$1" '
		($ids | split(",") | map(tonumber)) as $mine |
		[.[] | select(.id as $i | $mine | index($i)) | select(.name | test($re)) |
		 .run_time_ns // 0] | add // 0'
}
measure() { # measure CONF WHAT PROG-REGEX [pidtree args...]: one run under bpf_stats
	local conf=$1 what=$2 re=$3 rate
	shift 3
	bench_start "$conf" "$@"
	sysctl -q kernel.bpf_stats_enabled=1
	accept_loop >"$T/rate"
	rate=$(cat "$T/rate")
	echo "== $what: $rate accepts/s"
	bench_stats "$re" | sed 's/^/    /'
	echo "    in all: $(($(prog_sum "$re") / N)) ns per accept ($N accepts)"
	sysctl -q kernel.bpf_stats_enabled=0
	bench_stop
}

printf 'tcp_accept:\n  includeports: [%s]\n' "$P" >"$T/report.yml"
printf 'tcp_accept:\n  includeports: [%s]\n' "$OTHER" >"$T/filter.yml"

accept_loop >"$T/rate"
echo "== accept loop without pidtree: $(cat "$T/rate") accepts/s"
measure "$T/report.yml" "tcp_accept reporting every accept" '^pt_accept'
measure "$T/filter.yml" "tcp_accept filtering every accept (includeports)" '^pt_accept'

# container_labels against includeports, on tcp_connect's connects to P (no
# listener: refused, the SYN was sent).  No runtime answers on the socket
# given: the filter is in force all the same, and the host matches nothing.
printf '[containers]\npodman_socket = %s/none.sock\ndocker_socket = none\ncontainerd_state = none\n' \
	"$T" >"$T/pidtree.conf"
printf "tcp_connect:\n  container_labels: ['pidtree-bench=nomatch']\n" >"$T/ct.yml"
printf 'tcp_connect:\n  includeports: [%s]\n' "$OTHER" >"$T/ports.yml"
for c in ct ports; do
	if [ $c = ct ]; then
		what="tcp_connect dropping every connect by container_labels"
		bench_start "$T/ct.yml" -C "$T/pidtree.conf"
	else
		what="tcp_connect dropping every connect by includeports"
		bench_start "$T/ports.yml"
	fi
	sysctl -q kernel.bpf_stats_enabled=1
	fresh_ns
	out=$(in_ns "$B/bench/loadgen" -d 1 -n "$N" -a 127.0.0.1 -p "$P")
	echo "== $what: ${out%% pid=*}"
	bench_stats '^pt_tcp_connect$' | sed 's/^/    /'
	echo "    in all: $(($(prog_sum '^pt_tcp_connect$') / N)) ns per connect ($N connects)"
	sysctl -q kernel.bpf_stats_enabled=0
	bench_stop
done
