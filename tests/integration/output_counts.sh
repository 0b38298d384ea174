#!/bin/bash
# What each output delivered, lost and still holds, counted exactly, in
# STATUS= (read from a NOTIFY_SOCKET of the test's own) and in the SIGUSR1
# line: a journald output (a real systemd-journald) that takes every event,
# and a syslog output over TCP whose collector (a real rsyslogd) is stopped:
# its queue (queue_len = 8) holds the first 8 events and drops the rest,
# which are counted; when the collector comes back the 8 held events are
# delivered and the counts say so.
. "$(dirname "$0")/lib.sh"
require_root
. "$top_srcdir/tests/helpers/logd.sh"

start_journald || { fail "systemd-journald runs"; finish; }
P=$(rand_port)
RP=$(rand_port)
N=40
HOLD=8
IDENT=pidtree-counts-$$
SYS="syslog:tcp://127.0.0.1:$RP"
collector_conf "$RP"
# the collector runs once, then is stopped: the syslog output's receiver is away
start_rsyslog collector "$T/rsyslog.conf" "$RP" || { fail "rsyslogd starts"; finish; }
stop_rsyslog collector

printf 'tcp_connect:\n  includeports: [%s]\n' "$P" >"$T/probes.yml"
cat >"$T/pidtree.conf" <<CONF
[journald]
identifier = $IDENT
[syslog]
queue_len = $HOLD
CONF

python3 "$top_srcdir/tests/helpers/notify_listen.py" "$T/notify.sock" "$T/notify.log" 600 &
BG_KILL="$BG_KILL $!"
for _ in $(seq 50); do [ -S "$T/notify.sock" ] && break; sleep 0.1; done
NOTIFY_SOCKET=$T/notify.sock start_pidtree "" -C "$T/pidtree.conf" -c "$T/probes.yml" \
	-o journald -o "$SYS" || { fail "daemon starts"; finish; }
check "READY=1 with STATUS= naming both outputs" \
	grep -aqF "READY=1|STATUS=" "$T/notify.log"
check "  ... each with nothing written yet" \
	grep -aqF "outputs: journald 0 written/0 lost/0 held, $SYS 0 written/0 lost/0 held" "$T/notify.log"

for i in $(seq 1 $N); do "$CONNECTOR" 127.0.0.1 "$P" "marker-$i"; done
check "journald took all $N events" wait_journal $N 20 -t "$IDENT" PIDTREE_PORT="$P"

# status_has TEXT TIMEOUT_S: a STATUS= line holding TEXT (one every 5 s)
status_has() {
	local i
	for i in $(seq 1 $(($2 * 10))); do
		grep -a 'STATUS=' "$T/notify.log" | grep -aqF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
# usr1_has TEXT: SIGUSR1, then the totals line it logs holds TEXT
usr1_has() {
	local n
	n=$(grep -c 'totals: ' "$T/pidtree.err")
	kill -USR1 "$PIDTREE_PID"
	for _ in $(seq 50); do
		[ "$(grep -c 'totals: ' "$T/pidtree.err")" -gt "$n" ] && break
		sleep 0.1
	done
	grep 'totals: ' "$T/pidtree.err" | tail -n 1 >"$T/usr1.line"
	grep -qF -- "$1" "$T/usr1.line"
}
LOST=$((N - HOLD))
WANT="outputs: journald $N written/0 lost/0 held, $SYS 0 written/$LOST lost/$HOLD held"
check "STATUS=: events $N, the syslog output's $LOST drops among the losses" \
	status_has "events $N (" 15
check "  ... lost: outputs $LOST" status_has "outputs $LOST, userland 0" 1
check "  ... per output: journald $N written, syslog $HOLD held and $LOST lost" status_has "$WANT" 15
check "SIGUSR1 line: the same per-output counts" usr1_has "; $WANT; unresolved ancestors"
log "$(cat "$T/usr1.line")"
check "  ... beside the loss rows" grep -q "lost in userland: .*format=0 malformed_records=0; outputs: " "$T/usr1.line"
check "the drops were logged as such" \
	wait_file "$T/pidtree.err" "syslog sink tcp://127.0.0.1:$RP: $LOST events lost so far ($LOST queue full" 15

# the collector is back: the held events go out (at the next retry, <= 10 s)
start_rsyslog collector "$T/rsyslog.conf" "$RP" || fail "rsyslogd restarts"
check "the $HOLD held events arrive" wait_file "$T/tcp.log" "marker-$HOLD\"]" 30
WANT2="outputs: journald $N written/0 lost/0 held, $SYS $HOLD written/$LOST lost/0 held"
check "STATUS=: now $HOLD written, still $LOST lost, none held" status_has "$WANT2" 15
check "SIGUSR1 line: the same" usr1_has "; $WANT2; unresolved ancestors"
check "the collector got exactly the $HOLD held events, the first ones" \
	test "$(grep -c "port=\"$P\"" "$T/tcp.log")" = $HOLD -a \
	"$(grep -c "marker-$((HOLD + 1))\"]" "$T/tcp.log")" = 0

check "SIGTERM: exit 0" stop_pidtree
check "exit: the syslog output's own totals agree" \
	grep -qF "syslog sink tcp://127.0.0.1:$RP: $HOLD events written, $LOST lost ($LOST queue full, 0 larger than the queue, 0 undeliverable, 0 not sent when closed)" "$T/pidtree.err"
check "exit: journald's too" grep -qE "journald sink: $N events written, 0 lost" "$T/pidtree.err"
check "the journal holds exactly $N entries" \
	test "$(journal_entries -t "$IDENT" PIDTREE_PORT="$P" | wc -l)" = $N
finish
