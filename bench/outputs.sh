#!/bin/bash
# pidtree's log outputs against their daemons' ingestion ceilings: prints
# figures, asserts nothing.  Needs root.
#
#   journald: a private systemd-journald (own mount namespace: its socket,
#   /run/log/journal and /var/log/journal are tmpfs mounts seen only by this
#   script, so the host's journal and anybody else's journald are untouched;
#   Debian's journald.conf defaults but Storage=volatile and no rate limit);
#     1. the ceiling: bench/journald_ceiling, a plain sd_journal_sendv loop
#        sending N entries with the fields pidtree sends: with and without
#        PIDTREE_EVENT_JSON (pidtree's [journald] event_json = yes / the
#        default no), and without PIDTREE_PROCTREE_JSON either (what that
#        field costs); a synthetic ~900-byte event, and pidtree's own event
#        of this run (same ancestry, same sizes);
#     2. a burst: pidtree -o journald (built-in defaults: a 64 MiB queue),
#        N connects at full speed: the loop's rate, entries delivered and
#        dropped (pidtree's exit totals line, and the journal), the
#        delivered rate and its share of the ceiling for the same fields,
#        with event_json = no and = yes;
#     3. a backlog: the same N events held by pidtree while no journald
#        runs (queue_size = 1G), then journald started: how fast pidtree's
#        writer delivers when it always has an entry to send, the like for
#        like of the ceiling loop.
#   syslog over TCP: a private rsyslogd (imtcp on a loopback port, records
#   written to a file), the same measurements with bench/syslog_ceiling (one
#   record per write, and 64 per write as pidtree's writer sends a backlog:
#   rsyslog's real ceiling) and pidtree -o syslog:tcp:// (burst, then
#   backlog with the collector started late).
#
# Rates come from the daemons' own receive timestamps (journal
# __REALTIME_TIMESTAMP, rsyslog timegenerated) from the first entry to the
# last, and for rsyslog also up to the moment the last record was in its
# file.  CPU: the daemon's threads, per entry.  The machine may be shared:
# figures are noisy; the ceiling and pidtree run one after the other.
# pidtree reports the loop's connects only (includeports: the loop's port),
# so that other connects on the machine do not reach its outputs.
#
# Environment: N (30000) DEPTH (10) ROUNDS (3: ceiling and pidtree runs,
# alternated; the summary takes medians) QLEN (512: net.unix.max_dgram_qlen).
set -eu
B=${top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
N=${N:-30000}
DEPTH=${DEPTH:-10}
ROUNDS=${ROUNDS:-3}
ADDR=127.89.0.1
PORT=$((40000 + $$ % 20000))  # the connects' (closed) port
SPORT=$((20000 + $$ % 20000)) # rsyslog's

[ "$(id -u)" = 0 ] || { echo "outputs.sh: needs root"; exit 1; }
# everything below runs in mount and network namespaces of its own: the
# daemons' sockets, the journal files and the loopback traffic are seen by
# nobody else (pidtree's probes still see the whole host)
if [ -z "${PIDTREE_OUTPUTS_NS:-}" ]; then
	PIDTREE_OUTPUTS_NS=1 exec unshare -m -n --propagation private bash "$0" "$@"
fi
ip link set lo up
# journald's socket queue: 512 datagrams, as systemd sets it at boot on
# every systemd host (the kernel's default is 10); per network namespace
QLEN=${QLEN:-512}
sysctl -q net.unix.max_dgram_qlen="$QLEN"

T=$(mktemp -d /tmp/pidtree-outputs.XXXXXX)
PIDS='' JPID=''
BENCH_START=$(date +%s)
cleanup() {
	local p
	set +e
	for p in $PIDS $JPID; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
JOURNALD_BIN=${JOURNALD_BIN:-/lib/systemd/systemd-journald}
[ -x "$JOURNALD_BIN" ] || { echo "outputs.sh: no $JOURNALD_BIN (Debian package systemd)"; exit 1; }
command -v rsyslogd >/dev/null || { echo "outputs.sh: no rsyslogd (Debian package rsyslog)"; exit 1; }

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

# settle PID...: until the processes are idle (< 2 ms of CPU in 0.25 s), at
# most 20 s; cheaper than polling the journal or the file, which would
# compete with the daemon being measured
settle() {
	local a b
	for _ in $(seq 80); do
		a=$(cpu_ns "$@")
		sleep 0.25
		b=$(cpu_ns "$@")
		[ $((b - a)) -lt 2000000 ] && return 0
	done
	return 0
}

# Depth of this shell's ancestry; loadgen adds the rest (as run.sh does)
mine=1 p=$$
while [ "$p" -gt 1 ]; do p=$(awk '{print $4}' /proc/"$p"/stat); mine=$((mine + 1)); done
LG_DEPTH=$((DEPTH - mine))
[ $LG_DEPTH -ge 1 ] || LG_DEPTH=1

# pidtree.conf of each kind of run: built-in defaults; event_json; a queue
# that holds a whole backlog (1 GiB: at most ~3 KiB x N)
: >"$T/pt-default.conf"
printf '[journald]\nevent_json = yes\n' >"$T/pt-ev.conf"
printf '[journald]\nqueue_size = 1G\n[syslog]\nqueue_size = 1G\n' >"$T/pt-hold.conf"
printf '[journald]\nqueue_size = 1G\nevent_json = yes\n' >"$T/pt-hold-ev.conf"
printf 'tcp_connect:\n  includeports: [%s]\n' "$PORT" >"$T/report.yml"

# pidtree_start CONF ARGS...: pidtree reporting the loop's connects, until "ready"
pidtree_start() {
	local conf=$1
	shift
	: >"$T/pidtree.err"
	"$B/pidtree" -C "$conf" -c "$T/report.yml" "$@" 2>"$T/pidtree.err" &
	PT=$!
	PIDS="$PIDS $PT"
	for _ in $(seq 100); do grep -q ready "$T/pidtree.err" && return 0; sleep 0.1; done
	echo "pidtree did not start:"; cat "$T/pidtree.err"; exit 1
}
pidtree_stop() {
	kill -TERM "$PT"
	wait "$PT" || true
	PIDS=${PIDS/ $PT/}
}
# ring_lost: tcp_connect records pidtree lost in the ring buffer (its exit line)
ring_lost() { sed -n 's/.*lost records: tcp_connect=\([0-9]*\).*/\1/p' "$T/pidtree.err" | tail -1; }
# sink_totals NAME: the sink's exit totals, "WRITTEN LOST QUEUE_FULL PEAK_MIB"
sink_totals() {
	grep -F "$1: " "$T/pidtree.err" | grep -E 'events written, [0-9]+ lost' | tail -1 |
		sed -E 's/.*: ([0-9]+) events written, ([0-9]+) lost( \(([0-9]+) queue full)?.* at most ([0-9.]+) (K|M)iB queued.*/\1:\2:\4:\5:\6/' |
		awk -F: '{printf "%d %d %d %.1f\n", $1, $2, $3, $5 == "K" ? $4 / 1024 : $4}'
}
# held OUTPUT: the events that output still holds, from the SIGUSR1 line
held() {
	local n
	n=$(grep -c 'totals: ' "$T/pidtree.err")
	kill -USR1 "$PT"
	for _ in $(seq 100); do
		[ "$(grep -c 'totals: ' "$T/pidtree.err")" -gt "$n" ] && break
		sleep 0.05
	done
	grep 'totals: ' "$T/pidtree.err" | tail -1 |
		sed -n "s|.*; outputs: .*$1 [0-9]* written/[0-9]* lost/\([0-9]*\) held.*|\1|p"
}
# wait_held OUTPUT N: until the output holds N events (at most 120 s)
wait_held() {
	for _ in $(seq 240); do
		[ "$(held "$1")" = "$2" ] && return 0
		sleep 0.5
	done
	echo "outputs.sh: $1 still holds $(held "$1") events" >&2
}

# a sample of pidtree's own event for the loop's connects (the ceilings'
# like-for-like case): one JSON line and its proctree
pidtree_start "$T/pt-default.conf" -f "$T/sample.json"
"$B/bench/loadgen" -d $LG_DEPTH -n 1 -a $ADDR -p $PORT >/dev/null
for _ in $(seq 50); do grep -q "\"$ADDR\"" "$T/sample.json" && break; sleep 0.1; done
pidtree_stop
grep -F "\"$ADDR\"" "$T/sample.json" | head -1 >"$T/event.json"
jq -c .proctree "$T/event.json" >"$T/proctree.json"
EVSIZE=$(($(wc -c <"$T/event.json") - 1))

# ---- journald ----------------------------------------------------------------

mount -t tmpfs -o size=2g,mode=0755 pidtree-bench /run/systemd
mount -t tmpfs -o size=2g,mode=0755 pidtree-bench /run/log
mount -t tmpfs -o mode=0755 pidtree-bench /var/log/journal
cat >"$T/journald.conf" <<'CONF'
[Journal]
Storage=volatile
RuntimeMaxUse=1G
RateLimitBurst=0
ForwardToSyslog=no
CONF
mount --bind "$T/journald.conf" /etc/systemd/journald.conf
# journald_stop: no journald, no socket
journald_stop() {
	if [ -n "$JPID" ]; then
		kill -TERM "$JPID"
		wait "$JPID" || true
	fi
	JPID=
	rm -rf /run/log/journal/* /run/systemd/journal
}
# journald_start: a journald on an empty journal (each run starts alike)
journald_start() {
	journald_stop
	"$JOURNALD_BIN" >"$T/journald.log" 2>&1 &
	JPID=$!
	for _ in $(seq 100); do
		[ -S /run/systemd/journal/socket ] && journalctl -n 0 >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "systemd-journald did not start:"; cat "$T/journald.log"; exit 1
}

# jstats MATCH...: "COUNT RATE" of the matching entries, RATE from journald's
# receive timestamps of the first and the last
jstats() {
	journalctl --no-pager -o short-unix "$@" 2>/dev/null | awk '/^[0-9]/ {
		if (!n++) f = $1; l = $1 } END { printf "%d %.0f\n", n, (n > 1 && l > f ? (n - 1) / (l - f) : 0) }'
}
# jsize MATCH...: bytes of one matching entry's fields (NAME=value, no trusted _ fields)
jsize() {
	journalctl --no-pager -o json -n 1 --all "$@" 2>/dev/null |
		jq '[to_entries[] | select(.key | startswith("_") | not) |
			(.key | length) + 1 + (.value | if type == "array" then length else tostring | length end)] | add'
}
# med FILE: median of the numbers in FILE
med() { sort -g "$1" | awk '{a[NR] = $1} END {print NR ? (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) : 0}'; }
# medrange FILE: "median (min-max)" of the ratios in FILE
medrange() {
	sort -g "$1" | awk '{a[NR] = $1} END {if (NR) printf "%.2f (%.2f-%.2f)", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2, a[1], a[NR]; else printf "-"}'
}
# summary_row PREFIX KEY LABEL: median rate, CPU per entry and 1/CPU of a kind of run
summary_row() {
	[ -s "$T/$1rate.$2" ] || return 0
	awk -v l="$3" -v r="$(med "$T/$1rate.$2")" -v c="$(med "$T/$1cpu.$2")" -v b="$(med "$T/$1bytes.$2")" \
		'BEGIN {printf "| %s | %d B | %.0f/s | %.1f µs | %.0f/s |\n", l, b, r, c, (c > 0 ? 1e6 / c : 0)}'
}
# ratio A B: A / B to 3 places
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f\n", b ? a / b : 0}'; }
percpu() { awk -v d="$1" -v n="$2" 'BEGIN {print n ? d / n / 1000 : 0}'; }
# keep P KEY RATE CPU BYTES BASE TOTALS: one pidtree run's figures for the
# summaries, into $T/Prate.KEY, Pcpu, Pbytes, Ptotals, and Pratio: RATE
# against the last line of $T/BASE (the ceiling run of the same round)
keep() {
	echo "$3" >>"$T/$1rate.$2"
	echo "$4" >>"$T/$1cpu.$2"
	echo "$5" >>"$T/$1bytes.$2"
	ratio "$3" "$(tail -1 "$T/$6")" >>"$T/$1ratio.$2"
	echo "$7" >>"$T/$1totals.$2"
}

JC=0
# jceiling KEY LABEL ARGS...: one ceiling run, a row of the table; its rate
# is added to $T/jrate.KEY
jceiling() {
	local key=$1 label=$2 id out c0 c1 st cnt rate bytes cpu
	shift 2
	JC=$((JC + 1))
	id=jceil$JC
	journald_start
	c0=$(cpu_ns $JPID)
	out=$("$B/bench/journald_ceiling" -n "$N" -t $id "$@")
	settle $JPID
	c1=$(cpu_ns $JPID)
	read -r cnt rate <<<"$(jstats -t $id)"
	# as stored (jsize), like pidtree's rows: the loop's own count (bytes=)
	# is of the fields it sent, without journald's view of them
	bytes=$(jsize -t $id)
	st=$(sed -n 's/.* rate=\([0-9]*\).*/\1/p' <<<"$out")
	cpu=$(percpu $((c1 - c0)) "$cnt")
	printf '| ceiling: %s | %s B | %d/%d | %s/s | %.1f µs | the loop: %s/s |\n' "$label" "$bytes" "$cnt" \
		"$N" "$rate" "$cpu" "$st" >>"$T/jtable"
	echo "$rate" >>"$T/jrate.$key"
	echo "$cpu" >>"$T/jcpu.$key"
	echo "$bytes" >>"$T/jbytes.$key"
}

# jpidtree KEY CONF CEILING LABEL: pidtree -o journald, N connects at full
# speed; its delivered rate against the ceiling run of this round for the
# same fields ($T/jrate.CEILING)
jpidtree() {
	local key=$1 conf=$2 ceil=$3 label=$4 out c0 c1 lrate leaf cnt rate w l q mib bytes cpu
	journald_start
	pidtree_start "$conf" -o journald
	c0=$(cpu_ns $JPID)
	out=$("$B/bench/loadgen" -d $LG_DEPTH -n "$N" -a $ADDR -p $PORT)
	lrate=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' <<<"$out")
	leaf=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$out")
	settle $JPID "$PT"
	pidtree_stop
	settle $JPID
	c1=$(cpu_ns $JPID)
	read -r cnt rate <<<"$(jstats PIDTREE_PID="$leaf")"
	read -r w l q mib <<<"$(sink_totals 'journald sink')"
	bytes=$(jsize PIDTREE_PID="$leaf")
	cpu=$(percpu $((c1 - c0)) "$cnt")
	printf '| %s | %s B | %d/%d | %s/s | %.1f µs | pidtree: %s written, %s lost (%s queue full), at most %s MiB queued, %s lost in the ring buffer; the loop: %s connects/s |\n' \
		"$label" "$bytes" "$cnt" "$N" "$rate" "$cpu" "$w" "$l" "$q" "$mib" "$(ring_lost)" "$lrate" >>"$T/jtable"
	keep j "$key" "$rate" "$cpu" "$bytes" "jrate.$ceil" "$w+$l"
}

# jbacklog KEY CONF CEILING LABEL: the N events held by pidtree while no
# journald runs, then journald started: the writer's delivery rate
jbacklog() {
	local key=$1 conf=$2 ceil=$3 label=$4 out c0 c1 leaf cnt rate w l q mib bytes cpu
	journald_stop
	pidtree_start "$conf" -o journald
	out=$("$B/bench/loadgen" -d $LG_DEPTH -n "$N" -a $ADDR -p $PORT)
	leaf=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$out")
	settle "$PT"
	journald_start
	c0=$(cpu_ns $JPID)
	wait_held journald 0
	settle $JPID
	c1=$(cpu_ns $JPID)
	pidtree_stop
	read -r cnt rate <<<"$(jstats PIDTREE_PID="$leaf")"
	read -r w l q mib <<<"$(sink_totals 'journald sink')"
	bytes=$(jsize PIDTREE_PID="$leaf")
	cpu=$(percpu $((c1 - c0)) "$cnt")
	printf '| %s | %s B | %d/%d | %s/s | %.1f µs | pidtree: %s written, %s lost, %s MiB held, %s lost in the ring buffer |\n' \
		"$label" "$bytes" "$cnt" "$N" "$rate" "$cpu" "$w" "$l" "$mib" "$(ring_lost)" >>"$T/jtable"
	keep j "$key" "$rate" "$cpu" "$bytes" "jrate.$ceil" "$w+$l"
}

# (not "systemd-journald --version": it takes any argument for a journal namespace)
echo "== journald: private systemd-journald (systemd $(dpkg-query -W -f '${Version}' systemd 2>/dev/null || echo '?')), socket queue $QLEN datagrams"
echo "   $N entries per run; pidtree's events here: $EVSIZE bytes of JSON, depth $(jq length "$T/proctree.json")"
echo "   load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
: >"$T/jtable"
OWN=(-e "$T/event.json" -P "$T/proctree.json")
for _ in $(seq "$ROUNDS"); do
	jceiling syn "synthetic event (~900 B), all fields"
	jceiling syn_noev "synthetic event, no PIDTREE_EVENT_JSON" -E
	jceiling syn_vary "synthetic event, all fields, a new process per entry" -u
	jceiling own "pidtree's event of this run, all fields" "${OWN[@]}"
	jceiling own_noev "pidtree's event of this run, no PIDTREE_EVENT_JSON" -E "${OWN[@]}"
	jceiling own_min "pidtree's event of this run, no PIDTREE_EVENT_JSON, no PIDTREE_PROCTREE_JSON" -E -T "${OWN[@]}"
	jpidtree burst "$T/pt-default.conf" own_noev "pidtree -o journald, burst (defaults: event_json = no)"
	jpidtree burst_ev "$T/pt-ev.conf" own "pidtree -o journald, burst, event_json = yes"
	jbacklog backlog "$T/pt-hold.conf" own_noev "pidtree -o journald, backlog (event_json = no)"
	jbacklog backlog_ev "$T/pt-hold-ev.conf" own "pidtree -o journald, backlog, event_json = yes"
done
echo
echo "| journald | entry size (fields) | entries in the journal | ingestion rate (journal timestamps) | journald CPU per entry | |"
echo "| --- | --- | --- | --- | --- | --- |"
cat "$T/jtable"
echo
echo "| journald, medians over $ROUNDS rounds | entry size | ingestion rate | journald CPU per entry | journald on one free CPU (1 / CPU per entry) |"
echo "| --- | --- | --- | --- | --- |"
summary_row j syn "ceiling: synthetic event (~900 B), all fields"
summary_row j syn_noev "ceiling: synthetic event, no PIDTREE_EVENT_JSON"
summary_row j syn_vary "ceiling: synthetic event, a new process per entry"
summary_row j own "ceiling: pidtree's event of this run, all fields"
summary_row j own_noev "ceiling: pidtree's event of this run, no PIDTREE_EVENT_JSON"
summary_row j own_min "ceiling: pidtree's event, no PIDTREE_EVENT_JSON, no PIDTREE_PROCTREE_JSON"
summary_row j burst "pidtree -o journald, burst (event_json = no)"
summary_row j burst_ev "pidtree -o journald, burst, event_json = yes"
summary_row j backlog "pidtree -o journald, backlog (event_json = no)"
summary_row j backlog_ev "pidtree -o journald, backlog, event_json = yes"
echo
echo "pidtree -o journald's delivered rate against the ceiling run of the same round for the same fields, median (min-max):"
echo "  burst, event_json = no:    $(medrange "$T/jratio.burst"); written+lost per run: $(paste -sd' ' "$T/jtotals.burst")"
echo "  burst, event_json = yes:   $(medrange "$T/jratio.burst_ev"); written+lost per run: $(paste -sd' ' "$T/jtotals.burst_ev")"
echo "  backlog, event_json = no:  $(medrange "$T/jratio.backlog"); written+lost per run: $(paste -sd' ' "$T/jtotals.backlog")"
echo "  backlog, event_json = yes: $(medrange "$T/jratio.backlog_ev"); written+lost per run: $(paste -sd' ' "$T/jtotals.backlog_ev")"
echo "(journald on one free CPU: what it would take if it had a CPU to itself, from its CPU time per entry;"
echo " the ingestion rates are what it took on this machine, with whatever else ran on it.  A burst"
echo " shares the CPUs with the connect loop; a backlog is delivered with nothing else running.)"
journald_stop

# ---- syslog over TCP (rsyslog) -----------------------------------------------------

RS=0
# rsyslog_start: a collector on 127.0.0.1:$SPORT writing every record, with
# its receive time, to $T/rs$RS.log
rsyslog_start() {
	RS=$((RS + 1))
	mkdir -p "$T/rs$RS.work"
	cat >"$T/rs$RS.conf" <<CONF
global(workDirectory="$T/rs$RS.work")
module(load="imtcp")
template(name="bench" type="string" string="%timegenerated:::date-unixtimestamp%.%timegenerated:::date-subseconds% <%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% %APP-NAME% %PROCID% %MSGID% %STRUCTURED-DATA% %msg%\n")
input(type="imtcp" address="127.0.0.1" port="$SPORT" ruleset="bench")
ruleset(name="bench") { action(type="omfile" file="$T/rs$RS.log" template="bench") }
CONF
	rsyslogd -n -f "$T/rs$RS.conf" -i "$T/rs$RS.pid" >"$T/rs$RS.out" 2>&1 &
	RPID=$!
	PIDS="$PIDS $RPID"
	for _ in $(seq 100); do
		ss -Htln "sport = :$SPORT" | grep -q . && return 0
		kill -0 $RPID 2>/dev/null || break
		sleep 0.05
	done
	echo "rsyslogd did not start:"; cat "$T/rs$RS.out"; exit 1
}
rsyslog_stop() {
	kill -TERM "$RPID"
	wait "$RPID" || true
	PIDS=${PIDS/ $RPID/}
}
# sstats PATTERN START: "COUNT INTAKE_RATE THROUGH_RATE": the rate from the
# first to the last receive time, and from START to the file's last write
sstats() {
	local end
	end=$(stat -c %.9Y "$T/rs$RS.log")
	grep -- "$1" "$T/rs$RS.log" | awk -v s="$2" -v e="$end" '{ if (!n++) f = $1; l = $1 }
		END { printf "%d %.0f %.0f\n", n, (n > 1 && l > f ? (n - 1) / (l - f) : 0), (e > s ? n / (e - s) : 0) }'
}

# sceiling KEY LABEL ARGS...: as jceiling
sceiling() {
	local key=$1 label=$2 out c0 c1 t0 cnt intake through bytes st cpu
	shift 2
	rsyslog_start
	c0=$(cpu_ns $RPID)
	t0=$(date +%s.%N)
	out=$("$B/bench/syslog_ceiling" -p $SPORT -n "$N" "$@")
	settle $RPID
	c1=$(cpu_ns $RPID)
	read -r cnt intake through <<<"$(sstats ' tcp_connect ' "$t0")"
	rsyslog_stop
	bytes=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' <<<"$out")
	st=$(sed -n 's/.* rate=\([0-9]*\).*/\1/p' <<<"$out")
	cpu=$(percpu $((c1 - c0)) "$cnt")
	printf '| ceiling: %s | %s B | %d/%d | %s/s | %s/s | %.1f µs | the loop: %s/s |\n' "$label" "$bytes" \
		"$cnt" "$N" "$intake" "$through" "$cpu" "$st" >>"$T/stable"
	echo "$through" >>"$T/srate.$key"
	echo "$intake" >>"$T/sintake.$key"
	echo "$cpu" >>"$T/scpu.$key"
	echo "$bytes" >>"$T/sbytes.$key"
}

SNAME="syslog:tcp://127.0.0.1:$SPORT"
# srecord_size LEAF: bytes of one of the loop's records with its octet count
srecord_size() {
	local b
	b=$(grep -m1 -- " pid=\"$1\" " "$T/rs$RS.log" | cut -d' ' -f2- | wc -c)
	echo $((b + 5))
}

# spidtree: pidtree -o syslog:tcp://, N connects at full speed
spidtree() {
	local out c0 c1 t0 lrate leaf cnt intake through w l q mib bytes cpu
	rsyslog_start
	pidtree_start "$T/pt-default.conf" -o "$SNAME"
	c0=$(cpu_ns $RPID)
	t0=$(date +%s.%N)
	out=$("$B/bench/loadgen" -d $LG_DEPTH -n "$N" -a $ADDR -p $PORT)
	lrate=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' <<<"$out")
	leaf=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$out")
	settle $RPID "$PT"
	c1=$(cpu_ns $RPID)
	read -r cnt intake through <<<"$(sstats " pid=\"$leaf\" " "$t0")"
	pidtree_stop
	bytes=$(srecord_size "$leaf")
	rsyslog_stop
	read -r w l q mib <<<"$(sink_totals "syslog sink tcp://127.0.0.1:$SPORT")"
	cpu=$(percpu $((c1 - c0)) "$cnt")
	printf '| pidtree -o syslog:tcp://, burst | ~%d B | %d/%d | %s/s | %s/s | %.1f µs | pidtree: %s written, %s lost (%s queue full), at most %s MiB queued, %s lost in the ring buffer; the loop: %s connects/s |\n' \
		"$bytes" "$cnt" "$N" "$intake" "$through" "$cpu" "$w" "$l" "$q" "$mib" "$(ring_lost)" "$lrate" >>"$T/stable"
	keep s burst "$through" "$cpu" "$bytes" srate.own "$w+$l ($lrate/s)"
}

# sbacklog: the N records held by pidtree while no collector listens, then
# rsyslogd started: the writer's delivery rate (receive times)
sbacklog() {
	local out c0 c1 t0 leaf cnt intake through w l q mib bytes cpu
	pidtree_start "$T/pt-hold.conf" -o "$SNAME"
	out=$("$B/bench/loadgen" -d $LG_DEPTH -n "$N" -a $ADDR -p $PORT)
	leaf=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$out")
	settle "$PT"
	rsyslog_start
	c0=$(cpu_ns $RPID)
	t0=$(date +%s.%N)
	wait_held "$SNAME" 0
	settle $RPID
	c1=$(cpu_ns $RPID)
	read -r cnt intake through <<<"$(sstats " pid=\"$leaf\" " "$t0")"
	pidtree_stop
	bytes=$(srecord_size "$leaf")
	rsyslog_stop
	read -r w l q mib <<<"$(sink_totals "syslog sink tcp://127.0.0.1:$SPORT")"
	cpu=$(percpu $((c1 - c0)) "$cnt")
	printf '| pidtree -o syslog:tcp://, backlog | ~%d B | %d/%d | %s/s | (%s/s) | %.1f µs | pidtree: %s written, %s lost, %s MiB held, %s lost in the ring buffer |\n' \
		"$bytes" "$cnt" "$N" "$intake" "$through" "$cpu" "$w" "$l" "$mib" "$(ring_lost)" >>"$T/stable"
	keep s backlog "$intake" "$cpu" "$bytes" sintake.own_batch "$w+$l"
}

echo
echo "== syslog over TCP: private $(rsyslogd -v 2>/dev/null | awk 'NR == 1 {print $1, $2}') on 127.0.0.1:$SPORT, records to a file"
: >"$T/stable"
for _ in $(seq "$ROUNDS"); do
	sceiling syn "synthetic event (~900 B)"
	sceiling own "pidtree's event of this run" "${OWN[@]}"
	sceiling own_batch "pidtree's event of this run, 64 records per write" -b 64 "${OWN[@]}"
	spidtree
	sbacklog
done
echo
echo "| syslog (TCP, rsyslog) | record size | records in the file | intake rate (receive times) | through to the file | rsyslogd CPU per record | |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
cat "$T/stable"
echo
echo "| syslog, medians over $ROUNDS rounds | record size | through to the file (backlog: intake) | rsyslogd CPU per record | rsyslogd on one free CPU (1 / CPU per record) |"
echo "| --- | --- | --- | --- | --- |"
summary_row s syn "ceiling: synthetic event (~900 B)"
summary_row s own "ceiling: pidtree's event of this run"
summary_row s own_batch "ceiling: pidtree's event, 64 records per write"
summary_row s burst "pidtree -o syslog:tcp://, burst"
summary_row s backlog "pidtree -o syslog:tcp://, backlog"
echo
echo "pidtree -o syslog:tcp:// against the ceiling run of the same round for its own records, median (min-max):"
echo "  burst (through to the file): $(medrange "$T/sratio.burst"); written+lost (connect loop rate) per run: $(paste -sd' ' "$T/stotals.burst")"
echo "  backlog (intake, receive times), against the ceiling writing 64 records at a time as pidtree does:"
echo "    $(medrange "$T/sratio.backlog") (ceiling intake $(med "$T/sintake.own_batch")/s; one record per write: $(med "$T/sintake.own")/s); written+lost per run: $(paste -sd' ' "$T/stotals.backlog")"
cat <<'NOTE'
(A burst that lost nothing delivered as fast as the connects came: its rate is the loop's, a lower
bound of what the output could take; the backlog run measures the writer itself.)
NOTE
echo "outputs.sh: $(($(date +%s) - BENCH_START)) s; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
