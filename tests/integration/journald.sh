#!/bin/bash
# journald sink against a real systemd-journald (started here when none is
# running): entries read back with journalctl and checked field by field, a
# newline in a cmdline cannot create a field, journalctl -x explains the
# entry with conf/pidtree.catalog, a journald restart only delays events, and
# a stopped journald never stalls the event loop (bounded queue, losses
# counted, shutdown not blocked).
. "$(dirname "$0")/lib.sh"
require_root
. "$top_srcdir/tests/helpers/logd.sh"

start_journald || { fail "systemd-journald runs"; finish; }

P=$(rand_port)
P6=$(rand_port)
PDOWN=$(rand_port)
PFLOOD=$(rand_port)
PSENT=$(rand_port)
PNOEV=$(rand_port)
cat >"$T/probes.yml" <<YML
tcp_connect:
  includeports: [$P, $P6, $PDOWN, $PFLOOD, $PSENT, $PNOEV]
YML
# event_json = yes first (PIDTREE_EVENT_JSON checked against the JSON
# output), the default after a reload; at most 32 events queued (the stall
# test below counts on it)
cat >"$T/pidtree.conf" <<CONF
[journald]
event_json = yes
queue_len = 32
CONF

OUT=$T/events.json
start_pidtree "$OUT" -C "$T/pidtree.conf" -c "$T/probes.yml" -o journald ||
	{ fail "daemon starts"; finish; }

# ---- one event, field by field ----------------------------------------------
"$CONNECTOR" 127.0.0.1 "$P" marker-journald $'line one\nPIDTREE_INJECTED=1' &
CPID=$!
wait $CPID
EV=$(wait_for "$OUT" ".port == $P")
check "event reported (JSON sink)" test -n "$EV"
echo "$EV" >"$T/ev.json"
check "journal entry written" wait_journal 1 10 -t pidtree PIDTREE_PORT="$P"
journal_entries -t pidtree PIDTREE_PORT="$P" >"$T/jd.json"
check "exactly one journal entry" test "$(wc -l <"$T/jd.json")" = 1
# the writer thread (src/sinks/queue.c) runs 5 nice levels below the event
# loop, which empties the ring buffer: field 19 of /proc/PID/task/TID/stat
nice_of() { sed 's/.*) //' "$1" | awk '{ print $17 }'; }
MAIN_NICE=$(nice_of "/proc/$PIDTREE_PID/stat")
NICES=$(for f in /proc/"$PIDTREE_PID"/task/*/stat; do nice_of "$f"; done | sort -n | paste -sd' ')
log "threads' nice values: $NICES (the process: $MAIN_NICE)"
check "the journald writer thread runs at nice +5 below the event loop" \
	grep -qw "$((MAIN_NICE + 5))" <<<"$NICES"
J() { jq -r "$1" "$T/jd.json"; }
E() { jq -r "$1" "$T/ev.json"; }
check "SYSLOG_IDENTIFIER=pidtree" test "$(J .SYSLOG_IDENTIFIER)" = pidtree
check "PRIORITY=6" test "$(J .PRIORITY)" = 6
check "MESSAGE_ID is tcp_connect's" test "$(J .MESSAGE_ID)" = dc4cef5a2d98417a9d22e6f2a455162d
check "PIDTREE_PROBE" test "$(J .PIDTREE_PROBE)" = tcp_connect
check "PIDTREE_PID is the connector" test "$(J .PIDTREE_PID)" = "$CPID"
check "PIDTREE_DADDR" test "$(J .PIDTREE_DADDR)" = 127.0.0.1
check "PIDTREE_SADDR" test "$(J .PIDTREE_SADDR)" = 127.0.0.1
check "PIDTREE_PORT" test "$(J .PIDTREE_PORT)" = "$P"
check "PIDTREE_USERNAME" test "$(J .PIDTREE_USERNAME)" = root
check "PIDTREE_UID" test "$(J .PIDTREE_UID)" = 0
check "PIDTREE_TIMESTAMP is the event's" test "$(J .PIDTREE_TIMESTAMP)" = "$(E .timestamp)"
check "PIDTREE_CMDLINE holds the newline as is" \
	test "$(J .PIDTREE_CMDLINE)" = "$CONNECTOR 127.0.0.1 $P marker-journald line one
PIDTREE_INJECTED=1"
check "the newline did not create a field" test "$(J 'has("PIDTREE_INJECTED")')" = false
check "no PIDTREE_LADDR / PIDTREE_PROTOCOL for tcp_connect" \
	test "$(J '[has("PIDTREE_LADDR"), has("PIDTREE_PROTOCOL")] | any')" = false
check "PIDTREE_PROCTREE_JSON parses and is the event's proctree" \
	test "$(J .PIDTREE_PROCTREE_JSON | jq -cS .)" = "$(E .proctree | jq -cS .)"
check "PIDTREE_EVENT_JSON parses and is the JSON event" \
	test "$(J .PIDTREE_EVENT_JSON | jq -cS .)" = "$(jq -cS . "$T/ev.json")"
check "MESSAGE is one line" test "$(J .MESSAGE | wc -l)" = 1
check "MESSAGE summarises probe, destination, process, user, tree (as the text output)" \
	grep -qF "tcp_connect 127.0.0.1:$P $CONNECTOR 127.0.0.1 $P marker-journald line one\\nPIDTREE_INJECTED=1[$CPID] root <- " <<<"$(J .MESSAGE)"
check "journalctl -t pidtree PIDTREE_DADDR=127.0.0.1 finds it" \
	test "$(journal_entries -t pidtree PIDTREE_DADDR=127.0.0.1 PIDTREE_PID="$CPID" | wc -l)" = 1

# ---- event_json = no (the default): the same entry without PIDTREE_EVENT_JSON --
printf '[journald]\nqueue_len = 32\n' >"$T/pidtree.conf"
reload_pidtree
check "reload: the journald output re-opened with the new settings" \
	grep -q 'output journald opened' "$T/pidtree.err"
"$CONNECTOR" 127.0.0.1 "$PNOEV" marker-journald $'line one\nPIDTREE_INJECTED=1' &
CPID2=$!
wait $CPID2
EV2=$(wait_for "$OUT" ".port == $PNOEV")
check "event_json = no: journal entry written" wait_journal 1 10 -t pidtree PIDTREE_PORT="$PNOEV"
journal_entries -t pidtree PIDTREE_PORT="$PNOEV" >"$T/jd2.json"
check "event_json = no: no PIDTREE_EVENT_JSON" test "$(jq 'has("PIDTREE_EVENT_JSON")' "$T/jd2.json")" = false
check "event_json = no: PIDTREE_PROCTREE_JSON is the event's proctree" \
	test "$(jq -r .PIDTREE_PROCTREE_JSON "$T/jd2.json" | jq -cS .)" = "$(jq -cS .proctree <<<"$EV2")"
# the fields pidtree wrote (not journald's own _ and __ ones): the same set, but one
own_fields() { jq -r 'keys[] | select(startswith("_") | not)' "$1" | sort | tr '\n' ' '; }
check "event_json = no: every other field as with event_json = yes" \
	test "$(own_fields "$T/jd2.json")" = "$(own_fields "$T/jd.json" | sed 's/PIDTREE_EVENT_JSON //')"
check "event_json = no: the entry is smaller by about the JSON event" \
	test "$(jq -r '[to_entries[] | select(.key | startswith("_") | not) | .value | tostring | length] | add' "$T/jd2.json")" -lt \
	"$(($(jq -r '[to_entries[] | select(.key | startswith("_") | not) | .value | tostring | length] | add' "$T/jd.json") - $(wc -c <"$T/ev.json") + 40))"

# ---- IPv6 ----------------------------------------------------------------------
"$CONNECTOR" ::1 "$P6" marker-journald-v6
check "IPv6 event: journalctl -t pidtree PIDTREE_DADDR=::1 finds it" \
	wait_journal 1 10 -t pidtree PIDTREE_DADDR=::1 PIDTREE_PORT="$P6"

# ---- the catalog: journalctl -x explains the entry ----------------------------
# compiled under a test root; journalctl -x reads the host's database path,
# so the test database is bind-mounted there in a private mount namespace
ROOT=$T/root
mkdir -p "$ROOT/usr/lib/systemd/catalog"
cp "$top_srcdir/conf/pidtree.catalog" "$ROOT/usr/lib/systemd/catalog/"
check "catalog compiles (journalctl --update-catalog)" journalctl --root="$ROOT" --update-catalog
journalctl --root="$ROOT" --list-catalog >"$T/catalog.txt" 2>&1
for id in dc4cef5a2d98417a9d22e6f2a455162d 8c7192b4f258416ab76370ba47c2c383 \
	8f263f34531546fca7a8a14acae3bf87; do
	check "catalog has $id" grep -q "^$id pidtree: " "$T/catalog.txt"
done
mkdir -p /var/lib/systemd/catalog
unshare -m sh -c "mount --bind '$ROOT/var/lib/systemd/catalog' /var/lib/systemd/catalog &&
	journalctl --no-pager -x -t pidtree PIDTREE_PORT=$P" >"$T/x.txt" 2>&1
check "journalctl -x explains the entry, with its fields" \
	grep -qF "Subject: Outbound TCP connection to 127.0.0.1 port $P by pid $CPID" "$T/x.txt"

# ---- pidtree's own log under systemd: each line at its priority ---------------
# systemd connects stderr to a journald stream and names it in JOURNAL_STREAM;
# systemd-cat makes such a stream here (it does not set the variable itself)
printf '[daemon]\nbogus_key = 1\n' >"$T/warn.conf"
SELF=pidtree-selflog-$$
systemd-cat -t "$SELF" sh -c 'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec "$@"' sh \
	"$PIDTREE" -v -C "$T/warn.conf" -c "$T/probes.yml" -o json:/dev/null &
SPID=$!
check "own log: the ready line reaches the journal" \
	wait_journal 1 20 -t "$SELF" MESSAGE="ready"
kill -TERM "$SPID" 2>/dev/null
wait "$SPID"
check "own log: a warning at PRIORITY=4, without the prefix" \
	test "$(journal_entries -t "$SELF" PRIORITY=4 | jq -r .MESSAGE | grep -c "^$T/warn.conf:2: unknown key 'bogus_key'")" = 1
check "own log: info at PRIORITY=6" \
	test "$(journal_entries -t "$SELF" PRIORITY=6 | jq -r .MESSAGE | grep -c '^probe tcp_connect attached$')" = 1
check "own log: -v debug lines at PRIORITY=7" \
	test "$(journal_entries -t "$SELF" PRIORITY=7 | jq -r .MESSAGE | grep -c '^process cache: ')" = 1
check "own log: no line kept a '<N>' or 'pidtree: ' prefix" \
	test "$(journal_entries -t "$SELF" | jq -r .MESSAGE | grep -c '^<[0-7]>\|^pidtree: ')" = 0

if [ -z "$JOURNALD_PID" ]; then
	log "journald not started by this test: restart and stall checks skipped"
	stop_pidtree
	finish
fi

# ---- journald restart: events wait, then arrive ------------------------------
kill -TERM "$JOURNALD_PID"
wait "$JOURNALD_PID" 2>/dev/null
JOURNALD_PID=
for i in 1 2 3; do "$CONNECTOR" 127.0.0.1 "$PDOWN" marker-down-$i; done
check "events while journald is down reach the JSON sink" seen "$OUT" ".port == $PDOWN and (.proctree[0].cmdline | endswith(\"marker-down-3\"))"
check "pidtree keeps running without journald" kill -0 "$PIDTREE_PID"
start_journald || fail "journald restarts"
check "after the restart the held events arrive" wait_journal 3 30 -t pidtree PIDTREE_PORT="$PDOWN"
check "the outage was logged" grep -q "journald sink: cannot deliver (.*); holding events and retrying" "$T/pidtree.err"
check "the recovery was logged" wait_file "$T/pidtree.err" "journald sink: delivering again" 5

# ---- a stalled journald: the loop goes on, losses are counted ---------------
QLEN=$(cat /proc/sys/net/unix/max_dgram_qlen 2>/dev/null || echo 512)
NFLOOD=$((QLEN + 32 + 50))
kill -STOP "$JOURNALD_PID"
for i in $(seq 1 "$NFLOOD"); do "$CONNECTOR" 127.0.0.1 "$PFLOOD" f$i; done
"$CONNECTOR" 127.0.0.1 "$PSENT" marker-sentinel
check "event loop not stalled by a stopped journald (sentinel in the JSON sink)" \
	seen "$OUT" ".port == $PSENT" 10
check "all $NFLOOD flood events in the JSON sink" test "$(count "$OUT" ".port == $PFLOOD")" = "$NFLOOD"
check "losses reported while journald is stalled" \
	wait_file "$T/pidtree.err" "journald sink: " 5
check "loss report counts queue-full drops" grep -Eq "journald sink: [0-9]+ events lost so far \([0-9]+ queue full" "$T/pidtree.err"
# SIGTERM while journald is still stopped: bounded drain, exit 0
START=$(date +%s)
DPID=$PIDTREE_PID
check "SIGTERM with journald stalled: exit 0" stop_pidtree
check "... within the drain deadline" test $(($(date +%s) - START)) -le 6
check "... saying records were not delivered" grep -q "journald sink: receiver not responding" "$T/pidtree.err"
# two journald outputs in this run (the reload replaced the first): their
# exit lines together account for every event
grep -E "journald sink: [0-9]+ events written, [0-9]+ lost" "$T/pidtree.err" >"$T/summaries"
while read -r LINE; do log "$LINE"; done <"$T/summaries"
check "two journald outputs summed up (one closed by the reload)" test "$(wc -l <"$T/summaries")" = 2
WRITTEN=$(sed -E 's/.*: ([0-9]+) events written.*/\1/' "$T/summaries" | awk '{ s += $1 } END { print s + 0 }')
LOST=$(sed -E 's/.* ([0-9]+) lost.*/\1/' "$T/summaries" | awk '{ s += $1 } END { print s + 0 }')
LAST_LOST=$(tail -n 1 "$T/summaries" | sed -E 's/.* ([0-9]+) lost.*/\1/')
TOTAL=$(wc -l <"$OUT")
check "final summaries: written + lost = every event ($TOTAL)" test "$((WRITTEN + LOST))" = "$TOTAL"
check "final summary: some lost" test "$LAST_LOST" -gt 0
kill -CONT "$JOURNALD_PID"
wait_journal "$WRITTEN" 10 -t pidtree _PID="$DPID"
check "journal holds exactly the $WRITTEN events counted as written" \
	test "$(journal_entries -t pidtree _PID="$DPID" | wc -l)" = "$WRITTEN"
finish
