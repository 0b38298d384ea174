#!/bin/bash
# In-kernel cost of the dns probe (destination names), from bpf_stats
# (run_time_ns / run_cnt of pt_dns_egress and pt_dns_ingress), beside two
# empty cgroup_skb programs attached at the same time: the floor any
# cgroup_skb program costs here (dispatch and the statistics' own clock
# reads).  Prints figures, asserts nothing.  Needs root, clang, bpftool,
# dnsmasq; loopback traffic only.
#   1. packets that are not DNS: UDP datagrams to loopback (bench/loadgen -u),
#      TCP connects to a closed loopback port (bench/loadgen)
#   2. DNS over UDP: queries to a dnsmasq on 127.77.0.1:53 and their answers;
#      each program sees as many DNS packets (the client's query on egress,
#      the answer on ingress: the slow path) as packets that are not
#      (dnsmasq's side: not from or to a DNS port, the fast path), so the
#      cost per DNS packet is (time - fast runs x the fast cost of 1) / DNS
#      packets.  And the daemon's CPU time per answer (ring read, libresolv
#      parse, name table insert), from /proc/PID/stat.
set -eu
B=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
S=${top_srcdir:-$B}
SECS=${SECS:-3}
CLANG=${CLANG:-clang}
T=$(mktemp -d /tmp/pidtree-dnsbench.XXXXXX)
PIN=/sys/fs/bpf/pt-dnsbench-$$
CG=
DPID= DMPID=
PREV=$(cat /proc/sys/kernel/bpf_stats_enabled)
finish() {
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$DMPID" ] && kill "$DMPID" 2>/dev/null
	if [ -n "$CG" ]; then
		for p in pt_bench_empty_eg:egress pt_bench_empty_in:ingress; do
			bpftool cgroup detach "$CG" "${p#*:}" pinned "$PIN/${p%:*}" 2>/dev/null || true
		done
	fi
	rm -rf "$PIN" "$T"
	sysctl -q kernel.bpf_stats_enabled="$PREV"
}
trap finish EXIT

CG=$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)
"$CLANG" -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$S/bpf" -c "$S/bench/empty_skb.bpf.c" \
	-o "$T/empty.bpf.o"
bpftool prog loadall "$T/empty.bpf.o" "$PIN"
bpftool cgroup attach "$CG" egress pinned "$PIN/pt_bench_empty_eg" multi
bpftool cgroup attach "$CG" ingress pinned "$PIN/pt_bench_empty_in" multi

dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
	--listen-address=127.77.0.1 --port=53 --user=root --pid-file="$T/dm.pid" \
	--log-facility="$T/dm.log" --local-ttl=300 --cache-size=0 \
	--host-record=bench.dnsint.test,127.0.0.77 &
DMPID=$!
printf 'tcp_connect:\n  filters:\n    - subnet_name: lo\n      network: 127.0.0.0/8\n' >"$T/p.yml"
"$B/pidtree" -c "$T/p.yml" -f "$T/events.json" 2>"$T/err" &
DPID=$!
for _ in $(seq 100); do grep -q ready "$T/err" && break; sleep 0.1; done
grep -q ready "$T/err" || { cat "$T/err"; exit 1; }

# NAME RUNS NS for each program of interest
snap() {
	bpftool -j prog show | jq -r '.[] | select(.name | test("^(pt_dns_egress|pt_dns_ingress|pt_bench_empty_eg|pt_bench_empty_in)$")) | "\(.name) \(.run_cnt // 0) \(.run_time_ns // 0)"' | sort
}
delta() { join "$1" "$2" | awk '{printf "%s %d %d\n", $1, $4 - $2, $5 - $3}'; }
sysctl -q kernel.bpf_stats_enabled=1

echo "== packets that are not DNS (UDP to loopback, ${SECS}s)"
snap >"$T/a"
"$B/bench/loadgen" -u -d 1 -t "$SECS" >/dev/null
snap >"$T/b"
delta "$T/a" "$T/b" >"$T/fast"
awk '{printf "    %-20s %6.1f ns/run over %d runs\n", $1, $2 ? $3 / $2 : 0, $2}' "$T/fast"

echo "== packets that are not DNS (TCP connects to a closed loopback port: SYN, RST; ${SECS}s)"
snap >"$T/a"
"$B/bench/loadgen" -d 1 -t "$SECS" -p 9 >/dev/null
snap >"$T/b"
delta "$T/a" "$T/b" | awk '{printf "    %-20s %6.1f ns/run over %d runs\n", $1, $2 ? $3 / $2 : 0, $2}'

echo "== DNS over UDP (queries to dnsmasq and their answers, ${SECS}s)"
cpu() { awk '{print $14 + $15}' "/proc/$DPID/stat"; }
C0=$(cpu)
snap >"$T/a"
python3 - "$SECS" >"$T/nq" <<'PY'
import os, socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("127.77.0.1", 53))
s.settimeout(1)
q = b"\x05bench\x06dnsint\x04test\x00\x00\x01\x00\x01"
n, end = 0, time.time() + float(sys.argv[1])
while time.time() < end:
    s.send(struct.pack("!HHHHHH", n & 0xffff, 0x0100, 1, 0, 0, 0) + q)
    try:
        s.recv(512)
        n += 1
    except OSError:
        pass
print(n)
PY
snap >"$T/b"
N=$(cat "$T/nq")
sleep 0.5 # the daemon reads the ring at least every 50 ms
C1=$(cpu)
delta "$T/a" "$T/b" >"$T/slow"
echo "    $N queries answered; the daemon used $(( (C1 - C0) * 1000 / $(getconf CLK_TCK) )) ms of CPU:" \
	"$(awk -v c=$((C1 - C0)) -v hz="$(getconf CLK_TCK)" -v n="$N" 'BEGIN { printf "%.2f", n ? c / hz * 1e6 / n : 0 }') us per answer" \
	"(ring read, parse, name table)"
join "$T/fast" "$T/slow" | awk -v n="$N" '
	{ fast = $2 ? $3 / $2 : 0; all = $4 ? $5 / $4 : 0
	  printf "    %-20s %6.1f ns/run over %d runs", $1, all, $4
	  if ($1 ~ /^pt_dns/ && n > 0 && $4 >= n) printf "; per DNS packet %.0f ns", ($5 - ($4 - n) * fast) / n
	  printf "\n" }'
kill -USR1 "$DPID"
sleep 0.5
grep 'totals:' "$T/err" | tail -n 1 | grep -o 'dns[a-z_]*=[0-9]*' | tr '\n' ' '
echo
