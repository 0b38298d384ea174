#!/bin/bash
# pidtree beside its peers: prints figures, asserts nothing.  Needs root.
#
#   1. connect loop (bench/loadgen, N connects to a closed loopback port from
#      a DEPTH-deep tree) under each monitor, as a ratio to a no-monitor run
#      made just before it; ROUNDS rounds, the monitors' order rotated from
#      round to round; min/median/max.  Monitors: pidtree reporting every
#      connect (JSON file, every one of the N checked), pidtree filtering
#      every connect in the kernel, auditd with the usual
#      `-a always,exit -F arch=b64 -S connect` rule (Debian's rule-file
#      settings: backlog 8192, backlog_wait_time 60000), a bpftrace printf
#      on sock:inet_sock_set_state (pid, comm) and libbpf-tools tcpstates.
#      Per monitor: the events it recorded, its processes' CPU time per
#      connect, and (BPF monitors) its programs' in-kernel time per connect
#      from bpf_stats, measured in one more run with kernel.bpf_stats_enabled=1
#      (the statistics cost time themselves, so never in the ratio runs).
#   2. exec storm (bench/execstorm: fork+exec of /bin/true in a loop, the
#      shape of Sysmon for Linux's perftest): execs/s without and with
#      pidtree (the loopback filter keeps other people's connects out of
#      its userland), pidtree's CPU per 1000 execs (its process, plus its
#      exec/fork/exit programs' in-kernel time), and its CPU share at a fixed
#      rate (1600 execs/s, Sysmon's published figure, when this machine gets
#      there).
#
# CPU time of a process is the sum of its threads' time on CPU from
# /proc/PID/task/*/schedstat (nanoseconds; /proc/PID/stat's utime+stime
# count the same time in 10 ms ticks, too coarse for a 0.3 s run); auditd's
# includes the kauditd kernel thread, which moves the records to it.
#
# auditd, bpftrace and libbpf-tools are installed with apt-get when missing;
# an auditd the installation starts is stopped and its service disabled (the
# bench runs its own, with its own configuration and log under $T).  Every
# monitor is stopped, the audit rule removed and the audit and bpf_stats
# settings restored on exit, whatever happens.  A monitor that cannot run
# here (package not installable, another audit daemon registered) is
# reported as skipped.
#
# The machine may be shared: figures are noisy, which is why every ratio has
# its own baseline and the rounds are interleaved; read min and max too.
#
# Environment: ROUNDS (5) N (30000) DEPTH (10) EXECS (3000) EXEC_RATE (1600)
# MONITORS (pidtree_report pidtree_filter auditd bpftrace tcpstates).
# shellcheck disable=SC2034 # X_label, X_expect, X_progs are read as ${!name}
set -eu
B=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
ROUNDS=${ROUNDS:-5}
N=${N:-30000}
DEPTH=${DEPTH:-10}
EXECS=${EXECS:-3000}
EXEC_RATE=${EXEC_RATE:-1600}
MONITORS=${MONITORS:-pidtree_report pidtree_filter auditd bpftrace tcpstates}
# a closed port on an address of its own, so that nobody else's connects are
# counted as ours (other benchmarks use 127.0.0.1:9)
ADDR=127.88.0.1
PORT=$((40000 + $$ % 20000))

[ "$(id -u)" = 0 ] || { echo "peers.sh: needs root"; exit 1; }
T=$(mktemp -d /tmp/pidtree-peers.XXXXXX)
MPIDS= # processes of the running monitor (to stop, and whose CPU counts)
AUDIT_RULE='' AUDIT_SAVED='' BPF_STATS_SAVED='' AUDIT_LOST=0 AUDIT_LOST0=0
KAUDITD=$(pgrep -x kauditd | head -1 || true)
# pidtree's process-cache programs, by name (the exec storm's in-kernel cost)
PROC_PROGS=${PROC_PROGS:-exec|fork|exit}
BENCH_START=$(date +%s)

cleanup() {
	local p
	set +e
	[ -n "$AUDIT_RULE" ] && auditctl -d always,exit -F arch=b64 -S connect >/dev/null 2>&1
	for p in $MPIDS; do
		[ "$p" = "${KAUDITD:-}" ] && continue
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	audit_restore
	[ -n "$BPF_STATS_SAVED" ] && sysctl -q kernel.bpf_stats_enabled="$BPF_STATS_SAVED"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing

# ---- tools -----------------------------------------------------------------

auditd_pids() { pgrep -x auditd | sort || true; }

# install the peers that are missing; an auditd started by the installation
# (where the init system lets postinst start it) is stopped and its service
# disabled: the bench runs its own auditd, and leaves none running
install_peers() {
	local missing='' before after p
	command -v auditd >/dev/null || [ -x /sbin/auditd ] || missing="$missing auditd"
	command -v bpftrace >/dev/null || missing="$missing bpftrace"
	[ -x /usr/sbin/tcpstates ] || missing="$missing libbpf-tools"
	[ -n "$missing" ] || return 0
	echo "== installing$missing (apt-get)"
	before=$(auditd_pids)
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing \
		>"$T/apt.log" 2>&1; then
		apt-get update -q >>"$T/apt.log" 2>&1 || true
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing \
			>>"$T/apt.log" 2>&1 || { echo "   apt-get failed:"; tail -5 "$T/apt.log"; }
	fi
	after=$(auditd_pids)
	for p in $(comm -13 <(echo "$before") <(echo "$after")); do
		echo "   stopping the auditd ($p) the installation started"
		kill -TERM "$p" 2>/dev/null || true
	done
	case $missing in *auditd*)
		if [ -x /sbin/auditd ]; then
			deb-systemd-helper disable auditd.service >/dev/null 2>&1 || true
			update-rc.d auditd disable >/dev/null 2>&1 || true
			echo "   auditd.service disabled (installed by this bench; enable it yourself if wanted)"
		fi ;;
	esac
}

# ---- measuring -------------------------------------------------------------

# cpu_ns PID...: time on CPU of all threads of the processes, nanoseconds
cpu_ns() {
	local p f s=0 a
	for p; do
		for f in /proc/"$p"/task/*/schedstat; do
			read -r a _ 2>/dev/null <"$f" && s=$((s + a))
		done
	done
	echo $s
}

# settle PID...: until the processes are idle (< 2 ms of CPU in 0.25 s), at most 15 s
settle() {
	local a b i
	for i in $(seq 60); do
		a=$(cpu_ns "$@")
		sleep 0.25
		b=$(cpu_ns "$@")
		[ $((b - a)) -lt 2000000 ] && return 0
	done
	return 0
}

# prog_ids PID...: ids of the BPF programs the processes hold (fdinfo)
prog_ids() {
	local p
	for p; do
		grep -h '^prog_id:' /proc/"$p"/fdinfo/* 2>/dev/null | awk '{print $2}'
	done | sort -un | paste -sd, -
}

# progstat IDS: "run_time_ns run_cnt" summed over the programs
progstat() {
	bpftool -j prog show | jq -r --argjson ids "[$1]" \
		'[.[] | select(.id as $i | $ids | index($i))] |
		 "\(map(.run_time_ns // 0) | add // 0) \(map(.run_cnt // 0) | add // 0)"'
}

# progstat_each IDS: "name run_time_ns run_cnt" per program
progstat_each() {
	bpftool -j prog show | jq -r --argjson ids "[$1]" \
		'.[] | select(.id as $i | $ids | index($i)) | "\(.name) \(.run_time_ns // 0) \(.run_cnt // 0)"'
}

# summary FORMAT [SEP]: "median (min-max)" of the numbers on stdin, each
# with printf FORMAT, min and max separated by SEP (default "-")
summary() {
	sort -g | awk -v f="$1" -v sep="${2:--}" '{a[NR] = $1} END {
		if (!NR) { print "n/a"; exit }
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		printf f " (" f sep f ")\n", m, a[1], a[NR] }'
}
median() {
	sort -g | awk '{a[NR] = $1} END { if (!NR) { print 0; exit }
		print NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# Depth of this shell's own ancestry (itself .. pid 1); loadgen adds levels
# below it so that the connecting process has DEPTH ancestors in all.
mine=1 p=$$
while [ "$p" -gt 1 ]; do p=$(awk '{print $4}' /proc/"$p"/stat); mine=$((mine + 1)); done
LG_DEPTH=$((DEPTH - mine))
[ $LG_DEPTH -ge 1 ] || LG_DEPTH=1

# run1: one connect loop; sets RATE (connects/s), LEAF (its pid) and LCPU
# (the connecting process's own CPU time per connect, ns)
run1() {
	local out
	out=$("$B/bench/loadgen" -d $LG_DEPTH -n "$N" -a $ADDR -p $PORT)
	RATE=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' <<<"$out")
	LEAF=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$out")
	LCPU=$(sed -n 's/.*cpu_ns=\([0-9]*\).*/\1/p' <<<"$out")
	LCPU=$((${LCPU:-0} / N))
}

# ---- monitors ------------------------------------------------------------------
# X_start starts monitor X (its processes in MPIDS), X_drain waits until it
# has handled the loop's events, X_stop stops it; then, from its output,
# X_events prints how many of the loop's own connects it recorded (X_expect
# expected) and X_total how many connects it handled in all (anyone's: every
# monitor sees the whole host; the CPU per connect divides by this).
# X_label names it in the table, X_usable says why it cannot run here.

# stop_pid PID SIGNAL: signal, wait up to 5 s, again, then SIGTERM, SIGKILL
stop_pid() {
	local pid=$1 sig=$2 i
	for sig in "$sig" "$sig" TERM KILL; do
		kill -"$sig" "$pid" 2>/dev/null || break
		for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break 2; sleep 0.1; done
	done
	wait "$pid" 2>/dev/null || true
}

pidtree_start() {
	rm -f "$T/events.json"
	: >"$T/pidtree.err"
	"$B/pidtree" -c "$1" -f "$T/events.json" 2>"$T/pidtree.err" &
	MPIDS=$!
	for _ in $(seq 100); do grep -q ready "$T/pidtree.err" && return 0; sleep 0.1; done
	echo "pidtree did not start:"; cat "$T/pidtree.err"; return 1
}
# its exit line's counters: records lost in the ring buffer, events the
# output dropped
pidtree_stop() {
	stop_pid "$MPIDS" TERM
	MPIDS=
	PT_LOST=$(sed -n 's/.*lost records: tcp_connect=\([0-9]*\).*/\1/p' "$T/pidtree.err" | tail -1)
	PT_DROPS=$(sed -n 's|.*; outputs: json[^ ]* [0-9]* written/\([0-9]*\) lost/.*|\1|p' "$T/pidtree.err" | tail -1)
}
pidtree_events() {
	grep -F "\"$ADDR\"" "$T/events.json" 2>/dev/null | grep -c "\"port\":${PORT}[,}]" || true
}
pidtree_total() { grep -c '"probe":"tcp_connect"' "$T/events.json" 2>/dev/null || true; }
pidtree_usable() { :; }

pidtree_report_label="pidtree reporting every connect (full ancestry, JSON file)"
pidtree_report_usable() { :; }
pidtree_report_start() { pidtree_start "$T/report.yml"; }
# the JSON file lags behind the loop: wait for all N, then for pidtree to idle
pidtree_report_drain() {
	for _ in $(seq 100); do
		[ "$(pidtree_events)" -ge "$N" ] && break
		sleep 0.1
	done
	settle $MPIDS
}
pidtree_report_stop() { pidtree_stop; }
pidtree_report_events() { pidtree_events; }
pidtree_report_total() { pidtree_total; }
pidtree_report_expect=$N

pidtree_filter_label="pidtree filtering every connect in the kernel"
pidtree_filter_usable() { :; }
pidtree_filter_start() { pidtree_start "$T/filter.yml"; }
pidtree_filter_drain() { settle $MPIDS; }
pidtree_filter_stop() { pidtree_stop; }
pidtree_filter_events() { pidtree_events; }
pidtree_filter_total() { echo "$N"; } # it handles them all, in the kernel
pidtree_filter_expect=0

# auditd: a daemon of our own, with Debian's auditd.conf but the log (and an
# empty plugin directory) under $T, and Debian's audit.rules settings
audit_status() { auditctl -s 2>/dev/null | awk -v k="$1" '$1 == k {print $2}'; }
audit_restore() {
	[ -n "$AUDIT_SAVED" ] || return 0
	# shellcheck disable=SC2086
	auditctl $AUDIT_SAVED >/dev/null 2>&1 || true
	AUDIT_SAVED=
}
auditd_label="auditd, -a always,exit -F arch=b64 -S connect, backlog 8192"
auditd_usable() {
	if [ ! -x /sbin/auditd ] || ! command -v auditctl >/dev/null; then
		echo "auditd not installed"; return 1
	fi
	if [ "$(audit_status pid)" != 0 ]; then
		echo "another audit daemon is registered (pid $(audit_status pid))"; return 1
	fi
	if [ "$(audit_status enabled)" = 2 ]; then echo "audit configuration locked"; return 1; fi
	return 0
}
auditd_start() {
	local d=$T/audit pid
	rm -rf "$d"
	mkdir -p "$d/log" "$d/plugins.d"
	sed -e "s|^log_file *=.*|log_file = $d/log/audit.log|" \
	    -e "s|^plugin_dir *=.*|plugin_dir = $d/plugins.d|" /etc/audit/auditd.conf >"$d/auditd.conf"
	chmod 0640 "$d/auditd.conf"
	# the settings as found (auditd enables auditing when it starts)
	[ -n "$AUDIT_SAVED" ] ||
		AUDIT_SAVED="-e $(audit_status enabled) -b $(audit_status backlog_limit) --backlog_wait_time $(audit_status backlog_wait_time) -f $(audit_status failure)"
	/sbin/auditd -n -c "$d" >"$d/auditd.out" 2>&1 &
	pid=$!
	MPIDS="$pid ${KAUDITD:-}"
	for _ in $(seq 100); do [ "$(audit_status pid)" = "$pid" ] && break; sleep 0.05; done
	if [ "$(audit_status pid)" != "$pid" ]; then
		echo "auditd did not register:"; cat "$d/auditd.out"; return 1
	fi
	auditctl -b 8192 --backlog_wait_time 60000 -f 1 -e 1 >/dev/null
	AUDIT_LOST0=$(audit_status lost)
	AUDIT_RULE=1
	auditctl -a always,exit -F arch=b64 -S connect
}
auditd_drain() { settle $MPIDS; }
auditd_stop() {
	local pid=${MPIDS%% *}
	AUDIT_LOST=$(($(audit_status lost) - AUDIT_LOST0))
	auditctl -d always,exit -F arch=b64 -S connect
	AUDIT_RULE=
	stop_pid "$pid" TERM
	MPIDS=
	audit_restore
}
auditd_connects() { cat "$T"/audit/log/audit.log* 2>/dev/null | grep '^type=SYSCALL' | grep ' syscall=42 '; }
auditd_events() { auditd_connects | grep -c " pid=$LEAF " || true; }
auditd_total() { auditd_connects | wc -l; }
auditd_expect=$N

bpftrace_label="bpftrace printf on sock:inet_sock_set_state (pid, comm)"
bpftrace_usable() { command -v bpftrace >/dev/null || { echo "bpftrace not installed"; return 1; }; }
bpftrace_start() {
	bpftrace -e 'tracepoint:sock:inet_sock_set_state { printf("%d %s\n", pid, comm); }' \
		>"$T/bt.out" 2>"$T/bt.err" &
	MPIDS=$!
	# "Attaching" comes before the program is attached: wait for its fds too
	for _ in $(seq 300); do
		if grep -q '^Attaching' "$T/bt.out" && [ -n "$(prog_ids $MPIDS)" ]; then
			sleep 0.5
			return 0
		fi
		kill -0 $MPIDS 2>/dev/null || break
		sleep 0.1
	done
	echo "bpftrace did not start:"; cat "$T/bt.err"; return 1
}
bpftrace_drain() { settle $MPIDS; }
bpftrace_stop() { stop_pid "$MPIDS" INT; MPIDS=; }
bpftrace_events() { grep -c "^$LEAF " "$T/bt.out" || true; } # comm: "exe" (loadgen re-executes /proc/self/exe)
bpftrace_total() { grep -c '^[0-9]* ' "$T/bt.out" | awk '{print int($1 / 2)}'; }
bpftrace_expect=$((2 * N)) # CLOSE -> SYN_SENT -> CLOSE

tcpstates_label="libbpf-tools tcpstates"
tcpstates_usable() { [ -x /usr/sbin/tcpstates ] || { echo "libbpf-tools not installed"; return 1; }; }
tcpstates_start() {
	# its lines reach the file when it exits (stdio buffer): its programs
	# being attached (bpf_link fds) is the sign that it is ready
	/usr/sbin/tcpstates >"$T/ts.out" 2>"$T/ts.err" &
	MPIDS=$!
	for _ in $(seq 300); do
		if ls -l /proc/$MPIDS/fd 2>/dev/null | grep -q 'bpf_link'; then
			sleep 0.5
			return 0
		fi
		kill -0 $MPIDS 2>/dev/null || break
		sleep 0.1
	done
	echo "tcpstates did not start:"; cat "$T/ts.err"; return 1
}
tcpstates_drain() { settle $MPIDS; }
tcpstates_stop() { stop_pid "$MPIDS" INT; MPIDS=; }
tcpstates_events() { awk -v a=$ADDR -v p=$PORT -v l="$LEAF" '$2 == l && $6 == a && $7 == p' "$T/ts.out" | wc -l; }
tcpstates_total() { awk 'NR > 1' "$T/ts.out" | wc -l | awk '{print int($1 / 2)}'; }
tcpstates_expect=$((2 * N))

# ---- configuration -------------------------------------------------------------

printf 'tcp_connect:\n' >"$T/report.yml"
printf 'tcp_connect:\n  filters:\n    - subnet_name: lo\n      network: 127.0.0.0/8\n' >"$T/filter.yml"
if ss -Htln | awk '{print $4}' | grep -q ":$PORT\$"; then
	echo "peers.sh: port $PORT is in use here; run again"; exit 1
fi
install_peers
USE=
for m in $MONITORS; do
	if why=$(${m}_usable); then USE="$USE $m"; else echo "== $m skipped: $why"; eval "${m}_skipped=\$why"; fi
done
read -r -a MON <<<"$USE"
NM=${#MON[@]}

echo "== connect loop: $ROUNDS rounds x $N connects to $ADDR:$PORT (closed), tree depth $((mine + LG_DEPTH));"
echo "   each monitor against a no-monitor run just before it, monitors' order rotated per round"
run1 # warm-up, not counted
for r in $(seq "$ROUNDS"); do
	line="   round $r:"
	for i in $(seq 0 $((NM - 1))); do
		m=${MON[$(((i + r - 1) % NM))]}
		run1
		base=$RATE
		bcpu=$LCPU
		echo "$base" >>"$T/base"
		echo "$bcpu" >>"$T/base.cpu"
		${m}_start
		c0=$(cpu_ns $MPIDS)
		run1
		mon=$RATE
		${m}_drain
		c1=$(cpu_ns $MPIDS)
		${m}_stop
		ev=$(${m}_events)
		tot=$(${m}_total)
		[ "$tot" -ge 1 ] || tot=1
		awk -v a="$mon" -v b="$base" 'BEGIN {printf "%.4f\n", a / b}' >>"$T/$m.ratio"
		echo "$mon" >>"$T/$m.rate"
		echo $((LCPU - bcpu)) >>"$T/$m.added"
		echo $(((c1 - c0) / tot)) >>"$T/$m.cpu"
		echo "$ev" >>"$T/$m.events"
		echo "$tot" >>"$T/$m.total"
		# what the monitor itself says it lost
		case $m in
		auditd) echo "$AUDIT_LOST" ;;
		pidtree*) echo "${PT_LOST:-?}+${PT_DROPS:-?}" ;;
		bpftrace) sed -n 's/^Lost \([0-9]*\) events.*/\1/p' "$T/bt.out" "$T/bt.err" | awk '{n += $1} END {print n + 0}' ;;
		tcpstates) sed -n 's/^lost \([0-9]*\) events.*/\1/p' "$T/ts.err" "$T/ts.out" | awk '{n += $1} END {print n + 0}' ;;
		esac >>"$T/$m.lost"
		line="$line $m $(awk -v a="$mon" -v b="$base" 'BEGIN {printf "%.2f", a / b}')"
	done
	echo "$line"
done

# in-kernel time per connect: one more run per BPF monitor with bpf_stats on,
# over its programs on the connect path (X_progs: a regex on their names)
pidtree_report_progs=tcp_connect
pidtree_filter_progs=tcp_connect
bpftrace_progs=.
tcpstates_progs=.
BPF_STATS_SAVED=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -q kernel.bpf_stats_enabled=1
for m in "${MON[@]}"; do
	[ "$m" = auditd ] && continue
	re=${m}_progs
	${m}_start
	ids=$(prog_ids $MPIDS)
	progstat_each "$ids" >"$T/k0"
	run1
	${m}_drain
	progstat_each "$ids" >"$T/k1"
	${m}_stop
	# join: name ns_before runs_before ns_after runs_after
	read -r ns cnt <<<"$(join <(sort "$T/k0") <(sort "$T/k1") |
		awk -v re="${!re}" '$1 ~ re {ns += $4 - $2; c += $5 - $3} END {print ns + 0, c + 0}')"
	if [ "$(sysctl -n kernel.bpf_stats_enabled)" != 1 ] || [ "$cnt" -lt "$N" ]; then
		echo "n/a (bpf_stats turned off during the run?)" >"$T/$m.kernel"
	else
		awk -v ns="$ns" -v c="$cnt" -v n="$N" \
			'BEGIN {printf "%.0f ns (%.2f runs of %.0f ns)\n", ns / n, c / n, ns / c}' >"$T/$m.kernel"
	fi
done
sysctl -q kernel.bpf_stats_enabled="$BPF_STATS_SAVED"

echo
echo "without a monitor: $(summary '%.0f' <"$T/base") connects/s, the connecting process's CPU $(summary '%.0f' <"$T/base.cpu") ns per connect"
echo "(median (min-max) of all baseline runs)"
echo
echo "| monitor | connect rate vs none: median (min-max) | CPU it adds to the connecting process, per connect | loop's events it recorded, per round (expected) | connects it handled (all processes), median | its own CPU per connect handled | in-kernel per loop connect (bpf_stats) |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for m in $MONITORS; do
	label=${m}_label
	skipped=${m}_skipped
	if [ -n "${!skipped:-}" ]; then
		echo "| ${!label} | skipped: ${!skipped} | | | | | |"
		continue
	fi
	expect=${m}_expect
	evs=$(sort -n "$T/$m.events" | awk 'NR == 1 {lo = $1} {hi = $1} END {print (lo == hi ? lo : lo "-" hi)}')
	extra="; lost, as it reports: $(paste -sd' ' "$T/$m.lost")"
	cpu=$(awk '{print $1 / 1000}' "$T/$m.cpu" | summary '%.2f')
	kern=n/a
	[ -f "$T/$m.kernel" ] && kern=$(cat "$T/$m.kernel")
	echo "| ${!label} | $(summary '%.3f' <"$T/$m.ratio") | $(summary '%+.0f' ' to ' <"$T/$m.added") ns | $evs (${!expect})$extra | $(median <"$T/$m.total") | $cpu µs | $kern |"
done
cat <<'NOTE'

Added CPU: the connecting process's own user+system time per connect (getrusage) minus that of the
baseline run just before: the monitor's synchronous cost (its BPF programs, audit's syscall-exit
work, perf-buffer wake-ups), less blurred by other load than the rate is.
Recorded: pidtree reporting: JSON events written for the loop's connects; pidtree filtering: those
leaked past the filter; auditd: connect SYSCALL records in its log; bpftrace, tcpstates: output lines
(two state changes per connect).  Lost, per round, as each monitor counts it: pidtree's ring-buffer
records lost + output drops (its exit totals), the kernel's audit "lost", bpftrace's and tcpstates'
perf-buffer "lost N events".  Handled: the same for every process's connects during the run (each
monitor sees the whole host; other people's traffic adds to the loop's).  CPU: the monitor's
processes, all threads (auditd: with kauditd), per connect handled.  In-kernel: bpf_stats run time
of its programs on the connect path during one loop, per loop connect; runs per connect above 2.0
mean other traffic during that run.  auditd's own kernel cost (audit context and records built on the
audited task's syscall exit) has no counter: it shows only in the rate.
NOTE

# ---- exec storm -------------------------------------------------------------------

echo
# pidtree with the loopback filter: the connects of others on this machine
# (all to loopback) stay in the kernel, its userland sees the exec storm only
echo "== exec storm: fork+exec of /bin/true in a loop, $ROUNDS rounds x $EXECS execs, each with pidtree"
echo "   (tcp_connect with the loopback filter; its exec/fork/exit programs feed the process cache)"
echo "   against a run without it just before"
# ex1 ARGS...: one storm; prints "RATE CPU_NS_PER_EXEC" (the storm's own
# processes' CPU)
ex1() {
	"$B/bench/execstorm" "$@" | awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "=");
		v[kv[1]] = kv[2] + 0 } printf "%d %d\n", v["rate"], v["cpu_ns"] / v["execs"] }'
}
for _ in $(seq "$ROUNDS"); do
	# (what pidtree adds to the storm's own CPU, ~1 % of it, drowns in the
	# run-to-run noise of ~1 ms per exec: its bpf_stats figure below is the
	# measure of that)
	read -r brate bcpu <<<"$(ex1 -n "$EXECS")"
	pidtree_start "$T/filter.yml"
	c0=$(cpu_ns $MPIDS)
	read -r mrate _ <<<"$(ex1 -n "$EXECS")"
	settle $MPIDS
	c1=$(cpu_ns $MPIDS)
	pidtree_stop
	echo "$brate" >>"$T/ex.base"
	echo "$mrate" >>"$T/ex.mon"
	echo "$bcpu" >>"$T/ex.base.cpu"
	sed -n 's/.*lost records:.* process=\([0-9]*\).*/\1/p' "$T/pidtree.err" >>"$T/ex.lost"
	echo $(((c1 - c0) * 1000 / EXECS)) >>"$T/ex.cpu"
	awk -v a="$mrate" -v b="$brate" 'BEGIN {printf "%.4f\n", a / b}' >>"$T/ex.ratio"
done
# in-kernel, per program, and the CPU share at a fixed rate (bpf_stats on)
base_med=$(median <"$T/ex.base")
rate=$(awk -v r="$EXEC_RATE" -v b="$base_med" 'BEGIN {x = int(0.8 * b); print (r < x ? r : x)}')
BPF_STATS_SAVED=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -q kernel.bpf_stats_enabled=1
pidtree_start "$T/filter.yml"
ids=$(prog_ids $MPIDS)
progstat_each "$ids" >"$T/ex.k0"
"$B/bench/execstorm" -n "$EXECS" >/dev/null
settle $MPIDS
progstat_each "$ids" >"$T/ex.k1"
c0=$(cpu_ns $MPIDS)
fixed=$("$B/bench/execstorm" -t 5 -r "$rate")
settle $MPIDS
c1=$(cpu_ns $MPIDS)
progstat_each "$ids" >"$T/ex.k2"
stats_ok=$(sysctl -n kernel.bpf_stats_enabled)
pidtree_stop
sysctl -q kernel.bpf_stats_enabled="$BPF_STATS_SAVED"
fixed_rate=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' <<<"$fixed")
fixed_secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$fixed")

echo
echo "| exec storm | value |"
echo "| --- | --- |"
echo "| execs/s without pidtree, median (min-max) | $(summary '%.0f' <"$T/ex.base") |"
echo "| execs/s with pidtree | $(summary '%.0f' <"$T/ex.mon") |"
echo "| ratio with/without | $(summary '%.3f' <"$T/ex.ratio") |"
echo "| the storm's own CPU per exec (fork, exec, exit of /bin/true) without pidtree | $(awk '{print $1 / 1000}' "$T/ex.base.cpu" | summary '%.0f') µs |"
echo "| pidtree process CPU per 1000 execs | $(awk '{print $1 / 1e6}' "$T/ex.cpu" | summary '%.1f') ms |"
if [ "$stats_ok" = 1 ]; then
	# join: name ns_before runs_before ns_after runs_after
	join <(sort "$T/ex.k0") <(sort "$T/ex.k1") | awk -v n="$EXECS" -v re="$PROC_PROGS" '
		$1 ~ re && $5 > $3 { ns = $4 - $2; c = $5 - $3; tot += ns
			printf "| %s in-kernel | %.0f ns/run, %.2f runs per exec |\n", $1, ns / c, c / n }
		END { printf "| pidtree exec/fork/exit programs in-kernel per 1000 execs | %.1f ms |\n", tot / n / 1000
			print tot / n / 1000 >"/dev/stderr" }' 2>"$T/ex.kms"
	awk -v u="$(awk '{print $1 / 1e6}' "$T/ex.cpu" | median)" -v k="$(cat "$T/ex.kms")" \
		-v own="$(awk '{print $1 / 1e6}' "$T/ex.base.cpu" | median)" 'BEGIN {
		printf "| pidtree in all (process + in-kernel) per exec, against the storm'"'"'s own CPU per exec | %.1f µs = %.2f %% of %.0f µs |\n",
			u + k, 100 * (u + k) / (own * 1000), own * 1000
		printf "| that cost at 1600 execs/s (Sysmon'"'"'s perftest rate) | %.2f %% of one CPU |\n", (u + k) * 1600 / 1e4 }'
	k=$(join <(sort "$T/ex.k1") <(sort "$T/ex.k2") | awk -v re="$PROC_PROGS" '$1 ~ re {k += $4 - $2} END {print k + 0}')
	awk -v r="$fixed_rate" -v s="$fixed_secs" -v u=$((c1 - c0)) -v k="$k" 'BEGIN {
		printf "| pidtree CPU at %d execs/s (%.1f s): process + in-kernel | %.2f %% + %.2f %% = %.2f %% of one CPU |\n",
			r, s, u / s / 1e7, k / s / 1e7, (u + k) / s / 1e7 }'
else
	echo "| in-kernel | n/a (bpf_stats turned off during the run) |"
fi
echo "| process records lost (ring buffer), per round | $(sort -n "$T/ex.lost" | paste -sd' ' -) |"
echo
echo "(Sysmon for Linux's perftest publishes 24.7 % total CPU at 1600 execs/s for Sysmon, 8.5 % for auditd.)"
echo "peers.sh: $(($(date +%s) - BENCH_START)) s"
