#!/bin/bash
# The shipped rsyslog snippet (conf/rsyslog-pidtree.conf), used as shipped
# with only the placeholders (collector address and port, socket path)
# replaced: a local rsyslogd with the snippet receives pidtree's RFC 5424
# records and forwards them, octet-counted over TCP, to a second rsyslogd
# acting as the collector.  The record must arrive intact: header, every SD
# parameter and the JSON message.
. "$(dirname "$0")/lib.sh"
require_root
. "$top_srcdir/tests/helpers/logd.sh"

SNIPPET=$top_srcdir/conf/rsyslog-pidtree.conf
CP=$(rand_port) # the collector's TCP port
P=$(rand_port)
mkdir -p "$T/fwd" "$T/col"

# the collector: octet-counted TCP on loopback, records written as received
cat >"$T/collector.conf" <<CONF
global(workDirectory="$T/col")
module(load="imtcp")
$RSYSLOG_TEMPLATE
input(type="imtcp" address="127.0.0.1" port="$CP" ruleset="in")
ruleset(name="in") { action(type="omfile" file="$T/collected.log" template="rfc5424") }
CONF

# the forwarder: a minimal rsyslog.conf (as Debian's, imuxsock loaded) plus the snippet
sed -e "s|siem\.example\.net|127.0.0.1|g" -e "s|port=\"6514\"|port=\"$CP\"|g" \
	-e "s|/run/rsyslog/pidtree\.sock|$T/pidtree.sock|g" "$SNIPPET" >"$T/snippet.conf"
grep -v '^#' "$SNIPPET" >"$T/orig.nc"
grep -v '^#' "$T/snippet.conf" >"$T/snippet.nc"
check "only the two lines with placeholders changed (comments aside)" \
	test "$(diff "$T/orig.nc" "$T/snippet.nc" | grep -c '^>')" = 2
cat >"$T/forwarder.conf" <<CONF
global(workDirectory="$T/fwd")
module(load="imuxsock" SysSock.Use="off")
include(file="$T/snippet.conf")
CONF
check "the snippet passes rsyslogd's configuration check" \
	rsyslogd -N1 -f "$T/forwarder.conf" 2>"$T/check.err"

start_rsyslog collector "$T/collector.conf" "$CP" || { fail "collector starts"; finish; }
start_rsyslog forwarder "$T/forwarder.conf" "$T/pidtree.sock" ||
	{ fail "forwarder starts"; finish; }

cat >"$T/probes.yml" <<YML
tcp_connect:
  includeports: [$P]
YML
OUT=$T/events.json
start_pidtree "$OUT" -c "$T/probes.yml" -o "syslog:unix:$T/pidtree.sock" ||
	{ fail "daemon starts"; finish; }
DPID=$PIDTREE_PID
# (detached: the event's tree must not depend on the harness running the test)
detached "$CONNECTOR" 127.0.0.1 "$P" marker-forward 'q"uote' 'back\slash' 'br]acket' 'caf'$'\xc3\xa9' ||
	{ fail "connector starts"; finish; }
CPID=$DETACHED_PID
wait_detached
EV=$(wait_for "$OUT" ".port == $P")
check "event reported (JSON sink)" test -n "$EV"
echo "$EV" >"$T/ev.json"
E() { jq -r "$1" "$T/ev.json"; }

check "the record reaches the collector through the forwarder" \
	wait_file "$T/collected.log" "port=\"$P\"" 30
check "every collected record is well-formed RFC 5424" well_formed "$T/collected.log"
R=$(records "$T/collected.log" ".msgid == \"tcp_connect\" and (.sd[][] | select(.[0] == \"port\") | .[1]) == \"$P\"")
check "exactly one record" test "$(grep -c . <<<"$R")" = 1
check "PRI authpriv.info = 86" test "$(jq .pri <<<"$R")" = 86
check "TIMESTAMP is the event's, to the microsecond" test "$(jq -r .timestamp <<<"$R")" = "$(E .timestamp)"
check "HOSTNAME is pidtree's host" test "$(jq -r .hostname <<<"$R")" = "$(hostname)"
check "APP-NAME pidtree" test "$(jq -r .app_name <<<"$R")" = pidtree
check "PROCID is pidtree's pid" test "$(jq -r .procid <<<"$R")" = "$DPID"
check "MSGID tcp_connect" test "$(jq -r .msgid <<<"$R")" = tcp_connect
check "SD element intact" test "$(jq -c '.sd' <<<"$R")" = "$(jq -c --arg cpid "$CPID" --arg p "$P" \
	'{"pidtree@32473": [["probe","tcp_connect"],["pid",$cpid],["user","root"],["daddr","127.0.0.1"],["saddr","127.0.0.1"],["port",$p],["cmdline",.proctree[0].cmdline]]}' "$T/ev.json")"
check "MSG is the JSON event, byte for byte" test "$(jq -r .msg <<<"$R")" = "$EV"
check "the UTF-8 BOM survives (non-ASCII MSG)" test "$(jq .bom <<<"$R")" = true
check "octet-counted framing: no record split or merged" \
	test "$(grep -c . "$T/collected.log")" = "$(wc -l <"$OUT")"
check "SIGTERM: exit 0" stop_pidtree
finish
