#!/bin/bash
# Closing outputs whose receiver is dead.  Three syslog outputs to unix
# sockets nobody serves hold their events (retrying with backoff); each
# gets PT_SINK_DRAIN_MS (2 s) to deliver them when it is closed.  A reload
# that drops them must not stop the event loop for 3 x 2 s: they drain in
# the background while events go on, and their losses reach the totals.
# At exit they drain at the same time: about 2 s in all, not 2 s each, and
# the exit line, logged after that drain, counts what it lost.
. "$(dirname "$0")/lib.sh"
require_root

P=$(rand_port)
OUT=$T/events.json
cat >"$T/probes.yml" <<YML
tcp_connect:
  includeports: [$P]
YML
dead_conf() {
	cat >"$T/pidtree.conf" <<CONF
[output]
sink = json:$OUT, syslog:unix:$T/dead1.sock, syslog:unix:$T/dead2.sock, syslog:unix:$T/dead3.sock
CONF
}
json_conf() {
	printf '[output]\nsink = json:%s\n' "$OUT" >"$T/pidtree.conf"
}
ms() { date +%s%3N; }
# in_log PATTERN [TIMEOUT_S]: until pidtree's log has a line holding PATTERN
in_log() {
	local i
	for i in $(seq $((${2:-5} * 10))); do
		grep -qF -- "$1" "$T/pidtree.err" && return 0
		sleep 0.1
	done
	return 1
}
# written_by MARKER DEADLINE_MS: the event ending with MARKER is in the JSON
# output before the clock (ms) reaches DEADLINE_MS
written_by() {
	while [ "$(ms)" -lt "$2" ]; do
		count "$OUT" ".proctree[0].cmdline | endswith(\"$1\")" | grep -qx 1 && return 0
		sleep 0.05
	done
	return 1
}
# reloaded_after N: ms until the N-th "configuration reloaded" line
wait_reloads() {
	local i
	for i in $(seq 200); do
		[ "$(grep -c 'configuration reloaded' "$T/pidtree.err")" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

dead_conf
: >"$OUT"
start_pidtree "" -C "$T/pidtree.conf" -c "$T/probes.yml" || { fail "daemon starts"; finish; }
for i in 1 2 3 4 5; do "$CONNECTOR" 127.0.0.1 "$P" "held-$i"; done
check "events reach the JSON output" seen "$OUT" '.proctree[0].cmdline | endswith("held-5")'
check "the dead outputs hold them (outage logged)" \
	in_log "syslog sink unix:$T/dead3.sock: cannot deliver"

# ---- a reload that closes them: the loop goes on ------------------------------
json_conf
T0=$(ms)
kill -HUP "$PIDTREE_PID"
"$CONNECTOR" 127.0.0.1 "$P" during-drain
check "an event made right after SIGHUP is written within 1.5 s" \
	written_by during-drain $((T0 + 1500))
check "the reload is done" wait_reloads 1
T1=$(ms)
log "reload with 3 dead outputs: $((T1 - T0)) ms"
check "the reload does not wait for the dead outputs ($((T1 - T0)) ms < 1500)" \
	test $((T1 - T0)) -lt 1500
check "the closed outputs say what they did not deliver" \
	in_log "syslog sink unix:$T/dead1.sock: 0 events written, 5 lost" 6
sleep 0.5
kill -USR1 "$PIDTREE_PID"
check "their 15 lost events are in the totals" in_log "closed outputs 15 lost"

# ---- exit: every output drains at the same time --------------------------------
dead_conf
reload_pidtree
for i in 1 2 3; do "$CONNECTOR" 127.0.0.1 "$P" "at-exit-$i"; done
seen "$OUT" '.proctree[0].cmdline | endswith("at-exit-3")'
sleep 0.5
T0=$(ms)
check "SIGTERM: exit 0" stop_pidtree
T1=$(ms)
log "exit with 3 dead outputs: $((T1 - T0)) ms"
check "exit drains the 3 dead outputs at once ($((T1 - T0)) ms < 4000)" test $((T1 - T0)) -lt 4000
for k in 1 2 3; do
	check "... dead$k.sock says what it did not deliver" \
		test "$(grep -c "syslog sink unix:$T/dead$k.sock: 0 events written, 3 lost" "$T/pidtree.err")" = 1
done
check "the exit line counts the drain's losses, per output" \
	grep -q "exiting after events [0-9]*;.*outputs: json:$OUT [0-9]* written/0 lost/0 held, syslog:unix:$T/dead1.sock 0 written/3 lost/0 held, syslog:unix:$T/dead2.sock 0 written/3 lost/0 held, syslog:unix:$T/dead3.sock 0 written/3 lost/0 held, closed outputs 15 lost;" "$T/pidtree.err"
finish
