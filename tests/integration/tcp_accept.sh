#!/bin/bash
# tcp_accept end to end: real BPF, real loopback connections.  The accepting
# process's ancestry (a pre-forked child of the listener's creator), IPv4 and
# IPv6, accept(2) and accept4(2) with SOCK_NONBLOCK, keys in the direction of
# the connection, the peer's subnet filtered, excludeports on the local
# port, and connections never accepted counted, not reported.
. "$(dirname "$0")/lib.sh"
require_root

ACCEPTOR=$top_builddir/tests/helpers/acceptor
# the servers' ports, known in advance: only they are reported (includeports
# keeps the rest of this host's traffic out of the test); excludeports takes
# one of them out
PORTS=
for i in 1 2 3 4 5 6 7; do eval "P$i=$(rand_port)"; PORTS="$PORTS${PORTS:+, }$(eval echo \$P$i)"; done
P_EXCL=$(rand_port)
P_PLUG=$(rand_port)
cat >"$T/probes.yml" <<YML
tcp_accept:
  filters:
    - subnet_name: peer
      network: 127.0.0.3/32
  includeports: [$PORTS]
YML
OUT=$T/events.json
start_pidtree "$OUT" -c "$T/probes.yml" || { fail "daemon starts"; finish; }

# client ADDR PORT [SRC]: one connect from SRC (a loopback address), then close
client() {
	python3 -c "
import socket, sys
fam = socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET
s = socket.socket(fam)
if len(sys.argv) > 3: s.bind((sys.argv[3], 0))
s.connect((sys.argv[1], int(sys.argv[2])))
print(s.getsockname()[1]); s.close()" "$@"
}
# server PORT MODE ADDR N MARKER: start acceptor, wait for its port in $T/srv.out
server() {
	: >"$T/srv.out"
	ACCEPTOR_PORT=$1 "$ACCEPTOR" "$2" "$3" "$4" "$5" >"$T/srv.out" &
	SRV=$!
	wait_until 5 test -s "$T/srv.out"
	SPORT=$(head -n 1 "$T/srv.out")
}

# -- a pre-forked server: the listener's creator forks, the child accepts ---
server "$P1" fork 127.0.0.1 1 marker-fork
CPORT=$(client 127.0.0.1 "$SPORT" 127.0.0.2)
wait "$SRV"
CHILD=$(sed -n 2p "$T/srv.out")
EV=$(wait_for "$OUT" ".probe == \"tcp_accept\" and .port == $SPORT")
check "accepted connection reported" test -n "$EV"
if [ -n "$EV" ]; then
	echo "$EV" >"$T/ev.json"
	j() { jq -r "$1" "$T/ev.json"; }
	check "pid is the accepting child ($CHILD)" test "$(j .pid)" = "$CHILD"
	check "proctree[0] is the child" test "$(j '.proctree[0].pid')" = "$CHILD"
	check "proctree[1] is the listener's creator ($SRV)" test "$(j '.proctree[1].pid')" = "$SRV"
	check "proctree[1].cmdline" test "$(j '.proctree[1].cmdline')" = "$ACCEPTOR fork 127.0.0.1 1 marker-fork"
	check "saddr is the remote peer" test "$(j .saddr)" = 127.0.0.2
	check "sport is the peer's port" test "$(j .sport)" = "$CPORT"
	check "daddr is the local address" test "$(j .daddr)" = 127.0.0.1
	check "port is the service port" test "$(j .port)" = "$SPORT"
	check "error is empty" test "$(j .error)" = ""
fi

# -- IPv6, accept4 with SOCK_NONBLOCK ------------------------------------------
server "$P2" accept4 ::1 1 marker-v6
client ::1 "$SPORT" >/dev/null
wait "$SRV"
EV=$(wait_for "$OUT" ".probe == \"tcp_accept\" and .port == $SPORT")
check "IPv6 accept4(SOCK_NONBLOCK) reported" test -n "$EV"
check "  addresses are IPv6" test "$(jq -r '.saddr + " " + .daddr' <<<"$EV")" = "::1 ::1"
check "  pid is the acceptor ($SRV)" test "$(jq -r .pid <<<"$EV")" = "$SRV"

# -- an IPv4 peer on a dual-stack listener is IPv4 --------------------------
server "$P3" accept :: 1 marker-dual
client 127.0.0.1 "$SPORT" >/dev/null
wait "$SRV"
EV=$(wait_for "$OUT" ".probe == \"tcp_accept\" and .port == $SPORT")
check "IPv4-mapped peer reported as IPv4" test "$(jq -r .saddr <<<"$EV")" = 127.0.0.1

# -- the peer's subnet filtered; excludeports on the local port ---------------
server "$P4" accept 127.0.0.1 1 marker-filtered
client 127.0.0.1 "$SPORT" 127.0.0.3 >/dev/null
wait "$SRV"
FPORT=$SPORT
server "$P5" accept 127.0.0.1 1 marker-sentinel
client 127.0.0.1 "$SPORT" >/dev/null
wait "$SRV"
seen "$OUT" ".probe == \"tcp_accept\" and .port == $SPORT"
check "a peer in a filtered subnet is not reported" \
	test "$(count "$OUT" ".port == $FPORT")" = 0

# -- a server that never accepts: counted, not reported ------------------------
server "$P7" none 127.0.0.1 60 marker-never
for _ in 1 2 3 4 5; do client 127.0.0.1 "$SPORT" >/dev/null; done
NPORT=$SPORT
kill "$SRV" 2>/dev/null
wait "$SRV" 2>/dev/null
sleep 0.5
check "connections never accepted are not reported" test "$(count "$OUT" ".port == $NPORT")" = 0
kill -USR1 "$PIDTREE_PID"
wait_until 5 grep -q 'totals:' "$T/pidtree.err"
N=$(sed -n 's/.*totals:.*tcp_accept_not_accepted=\([0-9]*\).*/\1/p' "$T/pidtree.err" | tail -n 1)
check "  they are counted (tcp_accept_not_accepted=${N:-?})" test "${N:-0}" -ge 5
check "SIGTERM: exit 0" stop_pidtree

# -- excludeports on the local port (a run of its own: includeports wins over it)
printf 'tcp_accept:\n  excludeports: [%s]\n' "$P_EXCL" >"$T/excl.yml"
start_pidtree "$OUT" -c "$T/excl.yml" || fail "daemon starts (excludeports)"
python3 -c "
import socket, sys
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(('127.0.0.1', int(sys.argv[1]))); l.listen()
c = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
a, _ = l.accept(); a.close(); c.close()" "$P_EXCL"
server 0 accept 127.0.0.1 1 marker-sentinel3
client 127.0.0.1 "$SPORT" >/dev/null
wait "$SRV"
seen "$OUT" ".probe == \"tcp_accept\" and .port == $SPORT"
check "excludeports: the local port excluded" test "$(count "$OUT" ".port == $P_EXCL")" = 0
check "  another port reported" test "$(count "$OUT" ".port == $SPORT")" = 1
check "SIGTERM: exit 0 (excludeports)" stop_pidtree

# -- plugins apply to tcp_accept's events (the example plugin, loaded from a
# root-owned directory, adds its field; the built-in loginuidmap runs on the
# ancestry without disturbing the event)
mkdir -p "$T/plugins" && chmod 755 "$T" "$T/plugins"
install -m 644 "$top_builddir/tests/plugins/example.so" "$T/plugins/"
printf 'tcp_accept:
  includeports: [%s]
  plugins:
    example:
      value: on-accept
    loginuidmap:
' \
	"$P_PLUG" >"$T/plug.yml"
start_pidtree "$OUT" -c "$T/plug.yml" --extra-plugin-path "$T/plugins" || fail "daemon starts (plugins)"
server "$P_PLUG" accept 127.0.0.1 1 marker-plugin
client 127.0.0.1 "$SPORT" >/dev/null
wait "$SRV"
EV=$(wait_for "$OUT" ".probe == \"tcp_accept\" and .port == $SPORT")
check "plugins: the accept is reported" test -n "$EV"
check "plugins: the example plugin's field on it" test "$(jq -r .example_field <<<"$EV")" = on-accept
check "plugins: the event's own keys survive them" \
	test "$(jq -r '[.saddr, .daddr, (.port | tostring)] | join(" ")' <<<"$EV")" = "127.0.0.1 127.0.0.1 $SPORT"
check "SIGTERM: exit 0 (plugins)" stop_pidtree
finish
