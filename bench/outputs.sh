#!/bin/bash
# pidtree's log outputs against their daemons' ingestion ceilings: prints
# figures, asserts nothing.  Needs root.
#
#   journald: a private systemd-journald (own mount namespace: its socket,
#   /run/log/journal and /var/log/journal are tmpfs mounts seen only by this
#   script, so the host's journal and anybody else's journald are untouched;
#   Debian's journald.conf defaults but Storage=volatile and no rate limit);
#     1. the ceiling: bench/journald_ceiling, a plain sd_journal_sendv loop
#        sending N entries with the fields pidtree sends, with and without
#        PIDTREE_EVENT_JSON; a synthetic ~900-byte event, and pidtree's own
#        event of this run (same ancestry, same sizes);
#     2. pidtree -o journald, N connects at full speed: the loop's rate,
#        entries delivered and dropped (pidtree's exit totals line, and the
#        journal), the delivered rate and its share of the ceiling.
#   syslog over TCP: a private rsyslogd (imtcp on a loopback port, records
#   written to a file), the same two measurements with bench/syslog_ceiling
#   and pidtree -o syslog:tcp://.
#
# Rates come from the daemons' own receive timestamps (journal
# __REALTIME_TIMESTAMP, rsyslog timegenerated) from the first entry to the
# last, and for rsyslog also up to the moment the last record was in its
# file.  CPU: the daemon's threads, per entry.  The machine may be shared:
# figures are noisy; the ceiling and pidtree run one after the other.
#
# Environment: N (30000) DEPTH (10) ROUNDS (3: ceiling and pidtree runs,
# alternated; the summary takes medians) QLEN (512: net.unix.max_dgram_qlen) PIDTREE_CONF (pidtree.conf for the pidtree runs, default an
# empty one: built-in defaults).
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

PIDTREE_CONF=${PIDTREE_CONF:-$T/pidtree.conf}
[ -f "$PIDTREE_CONF" ] || : >"$PIDTREE_CONF"
printf 'tcp_connect:\n' >"$T/report.yml"

# pidtree_start ARGS...: pidtree reporting every connect, until "ready"
pidtree_start() {
	: >"$T/pidtree.err"
	"$B/pidtree" -C "$PIDTREE_CONF" -c "$T/report.yml" "$@" 2>"$T/pidtree.err" &
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
# ring_lost: tcp_connect records pidtree lost in the ring buffer (its exit
# line; every process's connects, not only the loop's)
ring_lost() { sed -n 's/.*lost records: tcp_connect=\([0-9]*\).*/\1/p' "$T/pidtree.err" | tail -1; }
# the sink's exit totals: "WRITTEN LOST QUEUE_FULL" (0s when not found)
sink_totals() {
	sed -n "s/.*$1.*: \([0-9]*\) events written, \([0-9]*\) lost\( (\([0-9]*\) queue full\)\{0,1\}.*/\1 \2 \4/p" \
		"$T/pidtree.err" | tail -1 | awk '{print $1 + 0, $2 + 0, $3 + 0}'
}

# a sample of pidtree's own event for the loop's connects (the ceilings'
# like-for-like case): one JSON line and its proctree
pidtree_start -f "$T/sample.json"
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
# journald_start: a journald on an empty journal (each run starts alike)
journald_start() {
	if [ -n "$JPID" ]; then
		kill -TERM "$JPID"
		wait "$JPID" || true
	fi
	rm -rf /run/log/journal/* /run/systemd/journal
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
# med FILE: median of the numbers in FILE; row KEY LABEL: a summary row
med() { sort -g "$1" | awk '{a[NR] = $1} END {print NR ? (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) : 0}'; }
# summary_row PREFIX KEY LABEL: median rate, CPU per entry and 1/CPU of a kind of run
summary_row() {
	awk -v l="$3" -v r="$(med "$T/$1rate.$2")" -v c="$(med "$T/$1cpu.$2")" -v b="$(med "$T/$1bytes.$2")" \
		'BEGIN {printf "| %s | %d B | %.0f/s | %.1f µs | %.0f/s |\n", l, b, r, c, (c > 0 ? 1e6 / c : 0)}'
}

JC=0
# jceiling KEY LABEL ARGS...: one ceiling run, a row of the table; its rate
# is added to $T/jceil.KEY
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
	bytes=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' <<<"$out")
	st=$(sed -n 's/.* rate=\([0-9]*\).*/\1/p' <<<"$out")
	cpu=$(awk -v d=$((c1 - c0)) -v n="$cnt" 'BEGIN {print n ? d / n / 1000 : 0}')
	printf '| ceiling: %s | %s B | %d/%d | %s/s | %.1f µs | the loop: %s/s |\n' "$label" "$bytes" "$cnt" \
		"$N" "$rate" "$cpu" "$st" >>"$T/jtable"
	echo "$rate" >>"$T/jrate.$key"
	echo "$cpu" >>"$T/jcpu.$key"
	echo "$bytes" >>"$T/jbytes.$key"
}

JP=0
# jpidtree: pidtree -o journald, N connects at full speed
jpidtree() {
	local out c0 c1 lrate leaf cnt rate w l q bytes cpu
	JP=$((JP + 1))
	journald_start
	pidtree_start -o journald
	c0=$(cpu_ns $JPID)
	out=$("$B/bench/loadgen" -d $LG_DEPTH -n "$N" -a $ADDR -p $PORT)
	lrate=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' <<<"$out")
	leaf=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$out")
	settle $JPID "$PT"
	pidtree_stop
	settle $JPID
	c1=$(cpu_ns $JPID)
	read -r cnt rate <<<"$(jstats PIDTREE_PID="$leaf")"
	read -r w l q <<<"$(sink_totals 'journald sink')"
	bytes=$(jsize PIDTREE_PID="$leaf")
	cpu=$(awk -v d=$((c1 - c0)) -v n="$cnt" 'BEGIN {print n ? d / n / 1000 : 0}')
	printf '| pidtree -o journald, run %d | %s B | %d/%d | %s/s | %.1f µs | pidtree: %s written, %s lost (%s queue full), %s lost in the ring buffer; the loop: %s connects/s |\n' \
		$JP "$bytes" "$cnt" "$N" "$rate" "$cpu" "$w" "$l" "$q" "$(ring_lost)" "$lrate" >>"$T/jtable"
	echo "$rate" >>"$T/jrate.pidtree"
	echo "$cpu" >>"$T/jcpu.pidtree"
	echo "$bytes" >>"$T/jbytes.pidtree"
	# against the ceiling run just before, for pidtree's own entries
	awk -v a="$rate" -v b="$(tail -1 "$T/jrate.own")" 'BEGIN {printf "%.3f\n", b ? a / b : 0}' >>"$T/jratio"
	echo "$w $l" >>"$T/jtotals"
}

# (not "systemd-journald --version": it takes any argument for a journal namespace)
echo "== journald: private systemd-journald (systemd $(dpkg-query -W -f '${Version}' systemd 2>/dev/null || echo '?')), socket queue $QLEN datagrams"
echo "   $N entries per run; pidtree's events here: $EVSIZE bytes of JSON, depth $(jq length "$T/proctree.json")"
: >"$T/jtable"
for _ in $(seq "$ROUNDS"); do
	jceiling syn "synthetic event (~900 B), all fields"
	jceiling syn_noev "synthetic event, no PIDTREE_EVENT_JSON" -E
	jceiling syn_vary "synthetic event, all fields, a new process per entry" -u
	jceiling own_noev "pidtree's event of this run, no PIDTREE_EVENT_JSON" -E -e "$T/event.json" -P "$T/proctree.json"
	jceiling own "pidtree's event of this run, all fields" -e "$T/event.json" -P "$T/proctree.json"
	jpidtree
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
summary_row j pidtree "pidtree -o journald"
echo
echo "pidtree -o journald delivered, against the ceiling run just before it for its own entries:" \
	"$(sort -g "$T/jratio" | awk '{a[NR] = $1} END {printf "%.2f (%.2f-%.2f)", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2, a[1], a[NR]}')" \
	"of the ceiling's rate; written+lost per run: $(awk '{printf "%s%d+%d", (NR > 1 ? ", " : ""), $1, $2}' "$T/jtotals")"
echo "(journald on one free CPU: what it would take if it had a CPU to itself, from its CPU time per entry;"
echo " the ingestion rates are what it took on this machine, with whatever else ran on it)"
kill -TERM $JPID
wait $JPID || true
JPID=

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
	cpu=$(awk -v d=$((c1 - c0)) -v n="$cnt" 'BEGIN {print n ? d / n / 1000 : 0}')
	printf '| ceiling: %s | %s B | %d/%d | %s/s | %s/s | %.1f µs | the loop: %s/s |\n' "$label" "$bytes" \
		"$cnt" "$N" "$intake" "$through" "$cpu" "$st" >>"$T/stable"
	echo "$through" >>"$T/srate.$key"
	echo "$cpu" >>"$T/scpu.$key"
	echo "$bytes" >>"$T/sbytes.$key"
}

SP=0
spidtree() {
	local out c0 c1 t0 lrate leaf cnt intake through w l q bytes cpu
	SP=$((SP + 1))
	rsyslog_start
	pidtree_start -o "syslog:tcp://127.0.0.1:$SPORT"
	c0=$(cpu_ns $RPID)
	t0=$(date +%s.%N)
	out=$("$B/bench/loadgen" -d $LG_DEPTH -n "$N" -a $ADDR -p $PORT)
	lrate=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' <<<"$out")
	leaf=$(sed -n 's/.*pid=\([0-9]*\).*/\1/p' <<<"$out")
	settle $RPID "$PT"
	c1=$(cpu_ns $RPID)
	read -r cnt intake through <<<"$(sstats " pid=\"$leaf\" " "$t0")"
	pidtree_stop
	bytes=$(grep -m1 -- " pid=\"$leaf\" " "$T/rs$RS.log" | cut -d' ' -f2- | wc -c)
	rsyslog_stop
	read -r w l q <<<"$(sink_totals 'syslog sink')"
	cpu=$(awk -v d=$((c1 - c0)) -v n="$cnt" 'BEGIN {print n ? d / n / 1000 : 0}')
	bytes=$((bytes + 5)) # and the octet count
	printf '| pidtree -o syslog:tcp://, run %d | ~%d B | %d/%d | %s/s | %s/s | %.1f µs | pidtree: %s written, %s lost (%s queue full), %s lost in the ring buffer; the loop: %s connects/s |\n' \
		$SP "$bytes" "$cnt" "$N" "$intake" "$through" "$cpu" "$w" "$l" "$q" "$(ring_lost)" "$lrate" >>"$T/stable"
	echo "$through" >>"$T/srate.pidtree"
	echo "$cpu" >>"$T/scpu.pidtree"
	echo "$bytes" >>"$T/sbytes.pidtree"
	awk -v a="$through" -v b="$(tail -1 "$T/srate.own")" 'BEGIN {printf "%.3f\n", b ? a / b : 0}' >>"$T/sratio"
	echo "$w $l $lrate" >>"$T/stotals"
}

echo
echo "== syslog over TCP: private $(rsyslogd -v 2>/dev/null | awk 'NR == 1 {print $1, $2}') on 127.0.0.1:$SPORT, records to a file"
: >"$T/stable"
for _ in $(seq "$ROUNDS"); do
	sceiling syn "synthetic event (~900 B)"
	sceiling own "pidtree's event of this run" -e "$T/event.json" -P "$T/proctree.json"
	spidtree
done
echo
echo "| syslog (TCP, rsyslog) | record size | records in the file | intake rate (receive times) | through to the file | rsyslogd CPU per record | |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
cat "$T/stable"
echo
echo "| syslog, medians over $ROUNDS rounds | record size | through to the file | rsyslogd CPU per record | rsyslogd on one free CPU (1 / CPU per record) |"
echo "| --- | --- | --- | --- | --- |"
summary_row s syn "ceiling: synthetic event (~900 B)"
summary_row s own "ceiling: pidtree's event of this run"
summary_row s pidtree "pidtree -o syslog:tcp://"
echo
echo "pidtree -o syslog:tcp:// delivered, against the ceiling run just before it for its own records:" \
	"$(sort -g "$T/sratio" | awk '{a[NR] = $1} END {printf "%.2f (%.2f-%.2f)", NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2, a[1], a[NR]}')" \
	"of the ceiling's rate; written+lost (connect loop rate) per run: $(awk '{printf "%s%d+%d (%d/s)", (NR > 1 ? ", " : ""), $1, $2, $3}' "$T/stotals")"
cat <<'NOTE'
(A run that lost nothing delivered as fast as the connects came: its rate is the loop's, a lower
bound of what the output could take.  Other people's connects on this machine reach pidtree too and
are written beside the loop's: "written" counts them.)
NOTE
echo "outputs.sh: $(($(date +%s) - BENCH_START)) s"
