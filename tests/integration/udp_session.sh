#!/bin/bash
# udp_session end to end: destinations and message counts per socket,
# filters and port options on destinations, IPv6, connected sockets,
# idle expiry, ancestry taken at session start; and the safety net: with
# pidtree loaded and its session map full, UDP and TCP traffic still flows.
. "$(dirname "$0")/lib.sh"
require_root

P1=$(rand_port) P2=$(rand_port) P3=$(rand_port) P4=$(rand_port) P_EXCL=$(rand_port)
P6=$(rand_port) P7=$(rand_port) P8=$(rand_port) P9=$(rand_port) P_END=$(rand_port)
PM1=$(rand_port) PM2=$(rand_port) PM3=$(rand_port) PM4=$(rand_port)
trap 'kill $(jobs -p) 2>/dev/null; cleanup' EXIT

send() { python3 "$NETTOOL" send "$@"; }

cat >"$T/a.yml" <<YML
udp_session:
  session_max_duration: 2
  filters:
    - subnet_name: filtered
      network: 127.0.0.9/32
  excludeports: [$P_EXCL]
YML
OUT=$T/a.json
start_pidtree "$OUT" -c "$T/a.yml" || { fail "daemon starts"; finish; }

# a UDP server for the connected socket (so no ICMP errors interrupt sends);
# the sinks live until the test ends (killed at exit): a slow machine (a
# TCG guest) may take minutes to get to the sends
python3 "$NETTOOL" udpsink 127.0.0.1 "$P7" 3600 >"$T/sink7" &
for _ in $(seq 300); do grep -q ready "$T/sink7" && break; sleep 0.1; done
for m in "127.0.0.1 $PM1" "127.0.0.1 $PM2" "::1 $PM3" "::1 $PM4"; do
	python3 "$NETTOOL" udpsink $m 3600 >"$T/sink-${m##* }" &
done
for m in $PM1 $PM2 $PM3 $PM4; do
	for _ in $(seq 300); do grep -q ready "$T/sink-$m" && break; sleep 0.1; done
done

S1=$(send marker-two-dests 127.0.0.1 "$P1" 3 127.0.0.2 "$P2" 2)
send marker-filtered 127.0.0.9 "$P3" 4 >/dev/null
S3=$(send marker-mixed 127.0.0.9 "$P3" 1 127.0.0.1 "$P4" 2)
send marker-excl 127.0.0.1 "$P_EXCL" 2 >/dev/null
S5=$(send marker-v6 ::1 "$P6" 2)
S6=$(send --connect marker-connected 127.0.0.1 "$P7" 4)
S7=$(send --fork marker-fork 127.0.0.1 "$P8" 1)
S_CS4=$(send --connect-first marker-conn-sendto 127.0.0.1 "$PM1" 3 127.0.0.1 "$PM2" 2)
S_CS6=$(send --connect-first marker-conn-sendto6 ::1 "$PM3" 2 ::1 "$PM4" 5)
S_END=$(send marker-end 127.0.0.1 "$P_END" 1)
check "sentinel session reported" seen "$OUT" ".destinations[0].port == $P_END"

EV=$(wait_for "$OUT" ".destinations[0].port == $P1")
check "one event for a socket with two destinations" \
	test "$(count "$OUT" "any(.destinations[]?; .port == $P1)")" = 1
check "  probe and pid ($S1)" test "$(jq -r '"\(.probe) \(.pid) \(.proctree[0].pid)"' <<<"$EV")" = "udp_session $S1 $S1"
check "  3 datagrams to 127.0.0.1:$P1" \
	test "$(jq -c '.destinations[0] | [.daddr, .port, .msg_count]' <<<"$EV")" = "[\"127.0.0.1\",$P1,3]"
check "  2 datagrams to 127.0.0.2:$P2" \
	test "$(jq -c '.destinations[1] | [.daddr, .port, .msg_count]' <<<"$EV")" = "[\"127.0.0.2\",$P2,2]"
check "  durations are numbers >= 0" \
	test "$(jq '[.destinations[].duration | select(type == "number" and . >= 0)] | length' <<<"$EV")" = 2
check "  proctree[0] is the sender with its marker" \
	test "$(jq -r '.proctree[0].cmdline | endswith("marker-two-dests 127.0.0.1 '"$P1"' 3 127.0.0.2 '"$P2"' 2")' <<<"$EV")" = true
check "  proctree[1] is this shell, last is pid 1" \
	test "$(jq -r '"\(.proctree[1].pid) \(.proctree[-1].pid)"' <<<"$EV")" = "$$ 1"
check "  error empty" test "$(jq -r .error <<<"$EV")" = ""
check "filtered destination only: no event" \
	bash -c "! grep -q marker-filtered '$OUT'"
EV=$(wait_for "$OUT" ".pid == $S3")
check "mixed: only the unfiltered destination" \
	test "$(jq -c '[.destinations[] | [.daddr, .port, .msg_count]]' <<<"$EV")" = "[[\"127.0.0.1\",$P4,2]]"
check "excludeports: no event" bash -c "! grep -q marker-excl '$OUT'"
check "IPv6 destination ::1" \
	test "$(count "$OUT" ".pid == $S5 and .destinations[0].daddr == \"::1\" and .destinations[0].msg_count == 2")" = 1
check "connected socket: 4 datagrams counted" \
	test "$(count "$OUT" ".pid == $S6 and .destinations[0].port == $P7 and .destinations[0].msg_count == 4")" = 1
EV=$(wait_for "$OUT" ".pid == $S_CS4")
check "connected socket, send() + sendto() to its peer + sendto() elsewhere: each datagram once" \
	test "$(jq -c '[.destinations[] | [.daddr, .port, .msg_count]]' <<<"$EV")" = "[[\"127.0.0.1\",$PM1,6],[\"127.0.0.1\",$PM2,2]]"
EV=$(wait_for "$OUT" ".pid == $S_CS6")
check "  the same over IPv6" \
	test "$(jq -c '[.destinations[] | [.daddr, .port, .msg_count]]' <<<"$EV")" = "[[\"::1\",$PM3,4],[\"::1\",$PM4,5]]"
EV=$(wait_for "$OUT" ".destinations[0].port == $P8")
check "ancestry from the sender that started the session (child $S7, closed by its parent)" \
	test "$(jq -r '"\(.pid) \(.proctree[0].pid)"' <<<"$EV")" = "$S7 $S7"
check "  the child's parent is the process that closed the socket" \
	test "$(jq -r '.proctree[1].cmdline | endswith("marker-fork 127.0.0.1 '"$P8"' 1")' <<<"$EV")" = true

# idle expiry: the socket stays open, silent, beyond session_max_duration
S9=$(send --hold 5 marker-idle 127.0.0.1 "$P9" 1)
EV=$(wait_for "$OUT" ".pid == $S9" 10)
check "idle session flushed with session_max_duration_exceeded" \
	test "$(jq -r .error <<<"$EV")" = session_max_duration_exceeded
check "  idle session: its destination" test "$(jq -r '.destinations[0].port' <<<"$EV")" = "$P9"
sleep 1
check "  idle session: no second event at close" test "$(count "$OUT" ".pid == $S9")" = 1
check "SIGTERM: exit 0" stop_pidtree

# ---- includeports -----------------------------------------------------------
P10=$(rand_port) P11=$(rand_port)
printf 'udp_session:\n  includeports: [%s]\n' "$P10" >"$T/b.yml"
OUT=$T/b.json
start_pidtree "$OUT" -c "$T/b.yml" || { fail "daemon starts (b)"; finish; }
S=$(send marker-inc 127.0.0.1 "$P11" 2 127.0.0.1 "$P10" 3)
EV=$(wait_for "$OUT" ".pid == $S")
check "includeports: only the included port" \
	test "$(jq -c '[.destinations[] | [.port, .msg_count]]' <<<"$EV")" = "[[$P10,3]]"
check "SIGTERM: exit 0 (b)" stop_pidtree

# ---- safety: traffic flows with pidtree loaded and its session map full ----
PS=$(rand_port) PT=$(rand_port) PB=$(rand_port)
cat >"$T/c.yml" <<YML
udp_session:
  max_sessions: 2
net_listen:
  protocols: [tcp, udp]
tcp_connect:
YML
OUT=$T/c.json
start_pidtree "$OUT" -c "$T/c.yml" || { fail "daemon starts (c)"; finish; }
# (until the 50 datagrams are there, or at most 120 s; the listener lives
# 30 s: both longer on a slow guest, where the ten senders take that long)
python3 "$NETTOOL" udpsink 127.0.0.1 "$PS" $((120 * TIME_SCALE)) 50 >"$T/sinkc" &
SINK=$!
bg_listen "$T/tl" tcp 127.0.0.1 "$PT" $((30 * TIME_SCALE)) marker-safety-listen
for _ in $(seq 300); do grep -q ready "$T/sinkc" && break; sleep 0.1; done
# 10 sockets at once (held open): more than the 2 the map can track
for i in $(seq 1 10); do send --hold 2 marker-safe-$i 127.0.0.1 "$PS" 5 >/dev/null & done
sleep 0.5
check "TCP connect succeeds with pidtree loaded" \
	python3 -c "import socket; socket.create_connection(('127.0.0.1', $PT), 2).close()"
check "UDP bind succeeds with pidtree loaded" \
	python3 -c "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', $PB))"
wait $SINK
check "all 50 datagrams arrived although the session map was full" test "$(tail -n 1 "$T/sinkc")" = 50
# (the count is logged on the daemon's next 1 s tick)
check "sessions not tracked were counted" \
	wait_until 5 grep -q 'udp_session: .* sessions not tracked' "$T/pidtree.err"
check "SIGTERM: exit 0 (c)" stop_pidtree
finish
