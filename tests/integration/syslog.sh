#!/bin/bash
# RFC 5424 sink against a real rsyslogd (its own configuration, loopback
# only): the same event over TCP (octet counting), UDP and a unix datagram
# socket, each record parsed strictly (tests/helpers/rfc5424.py) and checked
# against the JSON event; then the collector is stopped and restarted
# mid-stream: pidtree keeps running, reconnects, later events arrive and the
# events lost meanwhile are counted exactly.
. "$(dirname "$0")/lib.sh"
require_root
. "$top_srcdir/tests/helpers/logd.sh"

RP=$(rand_port) # the collector: TCP and UDP
P=$(rand_port)
PDOWN=$(rand_port)
PEND=$(rand_port)
collector_conf "$RP"
start_rsyslog collector "$T/rsyslog.conf" "$RP" "$T/log.sock" ||
	{ fail "rsyslogd starts"; finish; }

cat >"$T/probes.yml" <<YML
tcp_connect:
  includeports: [$P, $PDOWN, $PEND]
YML
cat >"$T/pidtree.conf" <<CONF
[syslog]
facility = local3
severity = notice
app_name = pidtree-test
hostname = test-host.example
queue_len = 4
CONF
OUT=$T/events.json
start_pidtree "$OUT" -C "$T/pidtree.conf" -c "$T/probes.yml" \
	-o "syslog:tcp://127.0.0.1:$RP" -o "syslog:udp://127.0.0.1:$RP" \
	-o "syslog:unix:$T/log.sock" || { fail "daemon starts"; finish; }
DPID=$PIDTREE_PID
check "the example SD-ID is announced as such" grep -q "SD-ID pidtree@32473 uses 32473, RFC 5612's documentation example" "$T/pidtree.err"

# (detached: the event's tree must not depend on the harness running the test)
detached "$CONNECTOR" 127.0.0.1 "$P" marker-syslog 'q"uote' 'back\slash' 'br]acket' 'a=b' ||
	{ fail "connector starts"; finish; }
CPID=$DETACHED_PID
wait_detached
EV=$(wait_for "$OUT" ".port == $P")
check "event reported (JSON sink)" test -n "$EV"
echo "$EV" >"$T/ev.json"
E() { jq -r "$1" "$T/ev.json"; }

for tr in tcp udp unix; do
	check "$tr: record arrives" wait_file "$T/$tr.log" "port=\"$P\""
	check "$tr: every record is well-formed RFC 5424" well_formed "$T/$tr.log"
	R=$(records "$T/$tr.log" ".sd[\"pidtree@32473\"] | any(.[0] == \"port\" and .[1] == \"$P\")")
	check "$tr: exactly one record for the event" test "$(grep -c . <<<"$R")" = 1
	check "$tr: PRI local3.notice = 157" test "$(jq .pri <<<"$R")" = 157
	check "$tr: TIMESTAMP is the event's" test "$(jq -r .timestamp <<<"$R")" = "$(E .timestamp)"
	check "$tr: HOSTNAME from pidtree.conf" test "$(jq -r .hostname <<<"$R")" = test-host.example
	check "$tr: APP-NAME from pidtree.conf" test "$(jq -r .app_name <<<"$R")" = pidtree-test
	check "$tr: PROCID is pidtree's pid" test "$(jq -r .procid <<<"$R")" = "$DPID"
	check "$tr: MSGID is the probe" test "$(jq -r .msgid <<<"$R")" = tcp_connect
	check "$tr: one SD element, the example SD-ID" test "$(jq -c '.sd | keys' <<<"$R")" = '["pidtree@32473"]'
	check "$tr: SD probe" test "$(sd_param "$R" probe)" = tcp_connect
	check "$tr: SD pid" test "$(sd_param "$R" pid)" = "$CPID"
	check "$tr: SD user" test "$(sd_param "$R" user)" = root
	check "$tr: SD daddr" test "$(sd_param "$R" daddr)" = 127.0.0.1
	check "$tr: SD saddr" test "$(sd_param "$R" saddr)" = 127.0.0.1
	check "$tr: SD cmdline, '\"' '\\' ']' '=' escaped and restored" \
		test "$(sd_param "$R" cmdline)" = "$(E '.proctree[0].cmdline')"
	check "$tr: SD param names in order" test "$(jq -c '[.sd[][][0]]' <<<"$R")" = \
		'["probe","pid","user","daddr","saddr","port","cmdline"]'
	check "$tr: MSG is the JSON event" test "$(jq -r .msg <<<"$R" | jq -cS .)" = "$(jq -cS . "$T/ev.json")"
	check "$tr: escaping on the wire" grep -qF 'q\"uote back\\slash br\]acket a=b"]' "$T/$tr.log"
done

# ---- the collector stops and comes back ------------------------------------------
stop_rsyslog collector
NDOWN=12
for i in $(seq 1 $NDOWN); do "$CONNECTOR" 127.0.0.1 "$PDOWN" marker-down-$i; done
check "events while the collector is down reach the JSON sink" \
	seen "$OUT" ".port == $PDOWN and (.proctree[0].cmdline | endswith(\"marker-down-$NDOWN\"))"
check "pidtree keeps running without its collector" kill -0 "$PIDTREE_PID"
# (the writer thread notices when it next sends: wait for it)
check "the outage is logged" \
	wait_file "$T/pidtree.err" "syslog sink tcp://127.0.0.1:$RP: cannot deliver (" 15
check "  ... and says events are held for a retry" \
	grep -q "syslog sink tcp://127.0.0.1:$RP: cannot deliver (.*); holding events and retrying" "$T/pidtree.err"
check "losses are reported while it lasts" \
	wait_file "$T/pidtree.err" "syslog sink tcp://127.0.0.1:$RP: " 5
check "loss report names the queue-full drops" grep -Eq "syslog sink tcp://127.0.0.1:$RP: [0-9]+ events lost so far \([0-9]+ queue full" "$T/pidtree.err"
start_rsyslog collector "$T/rsyslog.conf" "$RP" "$T/log.sock" || fail "rsyslogd restarts"
# the queue kept the oldest events (the newest were dropped): they go first,
# at the next retry (backoff up to 10 s)
check "tcp: the events held in the queue arrive after the restart" \
	wait_file "$T/tcp.log" "marker-down-1\"]" 30
check "unix: the events held in the queue arrive after the restart" \
	wait_file "$T/unix.log" "marker-down-1\"]" 30
"$CONNECTOR" 127.0.0.1 "$PEND" marker-end
check "tcp: after the restart later events arrive (reconnect)" wait_file "$T/tcp.log" "port=\"$PEND\"" 30
check "unix: after the restart later events arrive" wait_file "$T/unix.log" "port=\"$PEND\"" 30
check "the recovery is logged" wait_file "$T/pidtree.err" "syslog sink tcp://127.0.0.1:$RP: delivering again" 5
check "SIGTERM: exit 0" stop_pidtree
stop_rsyslog collector
TOTAL=$(wc -l <"$OUT")
for tr in tcp unix; do
	case $tr in
	tcp) name="tcp://127.0.0.1:$RP" ;;
	unix) name="unix:$T/log.sock" ;;
	esac
	LINE=$(grep -F "syslog sink $name: " "$T/pidtree.err" | grep -E "events written" | tail -n 1)
	log "$LINE"
	W=$(sed -E 's/.*: ([0-9]+) events written.*/\1/' <<<"$LINE")
	L=$(sed -nE 's/.* ([0-9]+) lost.*/\1/p' <<<"$LINE")
	L=${L:-0}
	check "$tr: some events lost while the collector was down" test "$L" -gt 0
	check "$tr: written + lost = every event ($TOTAL)" test "$((W + L))" = "$TOTAL"
	check "$tr: the collector holds exactly the $W records counted as written" \
		test "$(grep -c . "$T/$tr.log")" = "$W"
	check "$tr: every record still well-formed" well_formed "$T/$tr.log"
done
finish
