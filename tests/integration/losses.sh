#!/bin/bash
# The one loss table (src/daemon/losses.c): every row in telemetry, SIGUSR1
# and the exit line, with pidtree-bcc's "count" the sum of the rows that are
# lost events.  Made to lose for real: a udp_session map of 4 sessions and 12
# sockets sending at once (sessions not tracked in the kernel).
. "$(dirname "$0")/lib.sh"
require_root

P=$(rand_port)
PE=$(rand_port)
printf 'udp_session:\n  max_sessions: 4\n' >"$T/probes.yml"
OUT=$T/events.json
start_pidtree "$OUT" -c "$T/probes.yml" --lost-event-telemetry 1 || { fail "daemon starts"; finish; }
SENDERS=
for i in $(seq 12); do
	python3 "$NETTOOL" send --hold 2 "marker-$i" 127.0.0.1 "$P" 1 >/dev/null &
	SENDERS="$SENDERS $!"
done
# shellcheck disable=SC2086
wait $SENDERS
python3 "$NETTOOL" send marker-end 127.0.0.1 "$PE" 1 >/dev/null
seen "$OUT" ".destinations[0].port == $PE"
kill -USR1 "$PIDTREE_PID"
for _ in $(seq 100); do grep -q 'totals:' "$T/pidtree.err" && break; sleep 0.05; done
check "SIGUSR1 totals name every row" \
	grep -Eq 'totals: .*lost records: tcp_connect=0 net_listen=0 udp_session=0 udp_session_untracked=[1-9][0-9]* .*process=[0-9]+; lost in userland: udp_session_evicted=0 .*format=0 malformed_records=0; outputs: json:[^ ]* [0-9]+ written/0 lost/0 held;' "$T/pidtree.err"
check "  and what is only counted (container_labels, never accepted, DNS answers refused)" \
	grep -Eq 'totals: .*; counted: tcp_connect_container_filtered=0 net_listen_container_filtered=0 udp_session_container_filtered=0 tcp_accept_not_accepted=[0-9]+ tcp_accept_container_filtered=0 dns_unmatched=[0-9]+ dns_short=[0-9]+ net_listen_snapshot_container_filtered=0 tcp_accept_listen_drops=[0-9]+ dns_malformed=[0-9]+ dns_partial=[0-9]+ dns_unowned=[0-9]+$' "$T/pidtree.err"
check "SIGTERM: exit 0" stop_pidtree
TEL=$(jq -c 'select(.type == "lost_event_telemetry")' "$OUT" | tail -n 1)
echo "$TEL" >"$T/tel.json"
check "telemetry written" test -n "$TEL"
for k in tcp_connect net_listen udp_session udp_session_untracked udp_session_evicted process \
	tcp_accept dns dns_names_evicted outputs format malformed_records; do
	check "  telemetry: lost.$k is a number" jq -e ".lost.$k | type == \"number\"" "$T/tel.json" >/dev/null
done
check "  sessions not tracked are counted" jq -e '.lost.udp_session_untracked >= 8' "$T/tel.json" >/dev/null
check "  count = the rows that are events (all but process, and the DNS rows: names, not events)" \
	jq -e '.count == ([.lost | to_entries[] | select(.key != "process" and .key != "dns" and .key != "dns_names_evicted") | .value] | add)' "$T/tel.json" >/dev/null
check "exit line names every row" \
	grep -Eq 'exiting after events [0-9]+; lost records: .*udp_session_untracked=[1-9]' "$T/pidtree.err"
finish
