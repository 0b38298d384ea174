#!/bin/bash
# Destination names end to end: real BPF (the dns probe), real dnsmasq
# answering A, AAAA and CNAME records for test names that resolve to
# loopback addresses, clients resolving through it (getaddrinfo with a
# resolv.conf bind-mounted in a private mount namespace, and dig), then
# connecting.  A stub resolver forwarding to it (a second dnsmasq, as
# systemd-resolved on 127.0.0.53), DNS over TCP and over IPv6, TTL expiry,
# two names for one address (the receiving process's own answer wins),
# forged and replayed answers ignored, malformed answers counted, names
# kept apart per network namespace (one of the test's own, veth, dnsmasq
# inside), dns: false and [dns] enabled = no on reload.
. "$(dirname "$0")/lib.sh"
require_root
command -v dnsmasq >/dev/null || { echo "SKIP: dnsmasq not installed"; exit 77; }
command -v dig >/dev/null || { echo "SKIP: dig not installed"; exit 77; }

DNSTOOL=$top_srcdir/tests/helpers/dnstool.py
ACCEPTOR=$top_builddir/tests/helpers/acceptor
R=$((($$ % 200) + 20))
UP=127.77.$R.1     # the DNS server with the test names
STUB=127.77.$R.53  # a caching forwarder in front of it
FAKE=127.77.$R.9   # nothing listens here: the forged answers claim to be from it
FAKE2=127.77.$R.10
P=$(rand_port) PU=$(rand_port) P6=$(rand_port)
NSN=dnsint$$ VH=dnsh$$ VN=dnsn$$ HADDR=10.231.$R.1 NADDR=10.231.$R.2
DMPIDS=()

teardown() {
	kill $(jobs -p) 2>/dev/null
	for p in "${DMPIDS[@]}"; do kill "$p" 2>/dev/null; done
	ip netns pids "$NSN" 2>/dev/null | xargs -r kill 2>/dev/null
	ip link del "$VH" 2>/dev/null
	ip netns del "$NSN" 2>/dev/null
	cleanup
}
trap teardown EXIT

# dnsmasq NAME ADDR PORT [ARGS...]: a dnsmasq of the test's own, answering on ADDR:PORT
dnsmasq_start() {
	local name=$1 addr=$2 port=$3
	shift 3
	${NETNS_EXEC:-} dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
		--bind-interfaces --listen-address="$addr" --port="$port" --user=root \
		--pid-file="$T/$name.pid" --log-facility="$T/$name.log" --log-queries \
		--local-ttl=300 "$@" &
	DMPIDS+=($!)
	for _ in $(seq 50); do
		${NETNS_EXEC:-} dig +time=1 +tries=1 +short -p "$port" @"$addr" ready.dnsint.test |
			grep -q . && return 0
		sleep 0.1
	done
	echo "dnsmasq $name did not start:" >&2
	cat "$T/$name.log" >&2
	return 1
}

# The clients below exec their program, so that run() knows its pid: call
# them through run (or in a subshell), never directly.
# run CLIENT ARGS...: run a client in the background, its pid in C, and wait for it
run() {
	"$@" &
	C=$!
	wait "$C"
}
# with_resolver NS CMD...: CMD with /etc/resolv.conf naming only NS (a private mount namespace);
# its output to $RESOLVE_OUT (default none)
with_resolver() {
	local ns=$1 rc
	shift
	rc=$T/resolv-$ns.conf
	printf 'nameserver %s\noptions timeout:1 attempts:1 %s\n' "$ns" "${RESOLV_OPTS:-}" >"$rc"
	exec ${NETNS_EXEC:-} unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' \
		"$rc" "$@" >"${RESOLVE_OUT:-/dev/null}"
}
# resolve NS [OPTIONS] NAME PORT MARKER: getaddrinfo through NS, then connect (dnstool.py)
resolve() {
	local ns=$1
	shift
	with_resolver "$ns" python3 "$DNSTOOL" resolve --expect-ns "$ns" "$@"
}
# connect_to [--udp] [--bind ADDR] ADDR PORT MARKER: no lookup
connect_to() { exec ${NETNS_EXEC:-} python3 "$DNSTOOL" connect "$@"; }

# the event of pid $1 (jq filter $2 further), printed
ev_of() { wait_for "$OUT" ".pid == $1 and (${2:-true})" "${3:-10}"; }
# jq expression $2 on event $1
jf() { jq -c "$2" <<<"$1"; }

# totals COUNTER: the counter's value in a fresh SIGUSR1 totals line
totals() {
	local n
	n=$(grep -c 'totals:' "$T/pidtree.err")
	kill -USR1 "$PIDTREE_PID"
	for _ in $(seq 100); do
		[ "$(grep -c 'totals:' "$T/pidtree.err")" -gt "$n" ] && break
		sleep 0.05
	done
	grep 'totals:' "$T/pidtree.err" | tail -n 1 | sed -n "s/.* $1=\([0-9]*\).*/\1/p"
}

HOSTS=(
	--host-record=ready.dnsint.test,127.0.0.99
	--host-record=a4.dnsint.test,127.0.0.41
	--host-record=v6.dnsint.test,::1
	--cname=www.dnsint.test,edge.dnsint.test --cname=edge.dnsint.test,origin.dnsint.test
	--host-record=origin.dnsint.test,127.0.0.42
	--host-record=ttl.dnsint.test,127.0.0.43,2
	--host-record=alpha.dnsint.test,127.0.0.44 --host-record=beta.dnsint.test,127.0.0.44
	--host-record=udp.dnsint.test,127.0.0.45
	--host-record=peer.dnsint.test,127.0.0.46
	--host-record=stub.dnsint.test,127.0.0.47
	--host-record=tcp.dnsint.test,127.0.0.48
	--host-record=vc.dnsint.test,127.0.0.49
	--host-record=dig6.dnsint.test,127.0.0.50
	--host-record=off.dnsint.test,127.0.0.51
	--host-record=udpoff.dnsint.test,127.0.0.52
	--host-record=late.dnsint.test,127.0.0.53
)
dnsmasq_start up "$UP" 53 "${HOSTS[@]}" || { fail "dnsmasq starts on $UP:53"; finish; }
dnsmasq_start stub "$STUB" 53 --server="$UP" || { fail "stub dnsmasq starts on $STUB:53"; finish; }
dnsmasq_start v6 ::1 "$P6" --server="$UP" || { fail "dnsmasq starts on [::1]:$P6"; finish; }

cat >"$T/probes.yml" <<YML
tcp_connect:
  includeports: [$P]
udp_session:
  includeports: [$PU]
tcp_accept:
YML
cat >"$T/pidtree.conf" <<CONF
[dns]
min_ttl = 0
ports = 53, $P6
CONF
OUT=$T/events.json
start_pidtree "$OUT" -c "$T/probes.yml" -C "$T/pidtree.conf" || { fail "daemon starts"; finish; }
check "the dns probe is attached" grep -q 'probe dns attached' "$T/pidtree.err"

# -- A, CNAME chain, AAAA through getaddrinfo ------------------------------------
run resolve "$UP" a4.dnsint.test "$P" marker-a4
EV=$(ev_of $C '.probe == "tcp_connect"')
check "A: daddr_name of the connect (getaddrinfo)" \
	test "$(jf "$EV" '[.daddr, .daddr_name]')" = '["127.0.0.41","a4.dnsint.test"]'
check "  no CNAME chain: no daddr_cnames" test "$(jf "$EV" 'has("daddr_cnames")')" = false
check "  daddr_name right after daddr" \
	test "$(jf "$EV" 'keys_unsorted | .[index("daddr") + 1]')" = '"daddr_name"'

run resolve "$UP" www.dnsint.test "$P" marker-cname
EV=$(ev_of $C '.probe == "tcp_connect"')
check "CNAME chain: the queried name and the chain in order" \
	test "$(jf "$EV" '[.daddr, .daddr_name, .daddr_cnames]')" = \
	'["127.0.0.42","www.dnsint.test",["edge.dnsint.test","origin.dnsint.test"]]'

run resolve "$UP" --family 6 v6.dnsint.test "$P" marker-aaaa
EV=$(ev_of $C '.probe == "tcp_connect"')
check "AAAA: ::1 named" test "$(jf "$EV" '[.daddr, .daddr_name]')" = '["::1","v6.dnsint.test"]'

# -- udp_session destinations and tcp_accept peers --------------------------------
run resolve "$UP" --udp udp.dnsint.test "$PU" marker-udp
EV=$(ev_of $C '.probe == "udp_session"')
check "udp_session: the destination named" \
	test "$(jf "$EV" '.destinations[0] | [.daddr, .daddr_name, .port]')" = "[\"127.0.0.45\",\"udp.dnsint.test\",$PU]"

run resolve "$UP" peer.dnsint.test "$P" marker-peer
: >"$T/srv.out"
"$ACCEPTOR" accept 127.0.0.1 1 marker-acceptor >"$T/srv.out" & SRV=$!
for _ in $(seq 100); do [ -s "$T/srv.out" ] && break; sleep 0.05; done
SPORT=$(head -n 1 "$T/srv.out")
run connect_to --bind 127.0.0.46 127.0.0.1 "$SPORT" marker-peer-client
wait "$SRV"
EV=$(wait_for "$OUT" ".probe == \"tcp_accept\" and .port == $SPORT")
check "tcp_accept: the peer named (saddr_name)" \
	test "$(jf "$EV" '[.saddr, .saddr_name, has("daddr_name")]')" = '["127.0.0.46","peer.dnsint.test",false]'

# -- a stub resolver forwarding to the server --------------------------------------
run resolve "$STUB" stub.dnsint.test "$P" marker-stub
EV=$(ev_of $C '.probe == "tcp_connect"')
check "through a stub resolver ($STUB)" \
	test "$(jf "$EV" '[.daddr, .daddr_name]')" = '["127.0.0.47","stub.dnsint.test"]'

# -- DNS over TCP (dig +tcp, and glibc's use-vc), DNS over IPv6 (dig) -------------
dig +tcp +short @"$UP" tcp.dnsint.test >"$T/dig-tcp"
run connect_to 127.0.0.48 "$P" marker-after-dig-tcp
EV=$(ev_of $C '.probe == "tcp_connect"')
check "DNS over TCP (dig +tcp): named for the next connect" \
	test "$(jf "$EV" '[.daddr, .daddr_name]')" = '["127.0.0.48","tcp.dnsint.test"]'
RESOLV_OPTS=use-vc run resolve "$UP" vc.dnsint.test "$P" marker-vc
EV=$(ev_of $C '.probe == "tcp_connect"')
check "DNS over TCP (getaddrinfo, options use-vc)" \
	test "$(jf "$EV" '.daddr_name')" = '"vc.dnsint.test"'
dig -6 +short -p "$P6" @::1 dig6.dnsint.test >"$T/dig-v6"
run connect_to 127.0.0.50 "$P" marker-after-dig6
EV=$(ev_of $C '.probe == "tcp_connect"')
check "DNS over IPv6 to [::1]:$P6 (a [dns] ports= port)" \
	test "$(jf "$EV" '.daddr_name')" = '"dig6.dnsint.test"'

# -- TTL expiry (a 2 s TTL, [dns] min_ttl = 0) --------------------------------------
run resolve "$UP" --again 4 ttl.dnsint.test "$P" marker-ttl
ttl_events() { jq -c "select(.pid == $C and .daddr == \"127.0.0.43\") | has(\"daddr_name\")" "$OUT"; }
for _ in $(seq 100); do [ "$(ttl_events | wc -l)" -ge 2 ] && break; sleep 0.1; done
check "TTL: named within it" test "$(ttl_events | sed -n 1p)" = true
check "  unnamed after it (the same address 4 s later)" test "$(ttl_events | sed -n 2p)" = false

# -- two names for one address: the receiving process's own answer wins ------------
rm -f "$T/go-alpha"
# (the resolver prints the address once getaddrinfo returned: the answer is in)
: >"$T/alpha.out"
RESOLVE_OUT=$T/alpha.out resolve "$UP" --wait "$T/go-alpha" alpha.dnsint.test "$P" marker-alpha & CA=$!
for _ in $(seq 200); do [ -s "$T/alpha.out" ] && break; sleep 0.05; done
run resolve "$UP" beta.dnsint.test "$P" marker-beta
CB=$C
EV=$(ev_of $CB '.probe == "tcp_connect"')
check "two names: the process that resolved beta gets beta" \
	test "$(jf "$EV" '[.daddr, .daddr_name]')" = '["127.0.0.44","beta.dnsint.test"]'
touch "$T/go-alpha"; wait $CA
EV=$(ev_of $CA '.probe == "tcp_connect"')
check "  the one that resolved alpha (before beta) gets alpha" \
	test "$(jf "$EV" '.daddr_name')" = '"alpha.dnsint.test"'
run connect_to 127.0.0.44 "$P" marker-neither
EV=$(ev_of $C '.probe == "tcp_connect"')
check "  a process that resolved neither gets the newest (beta)" \
	test "$(jf "$EV" '.daddr_name')" = '"beta.dnsint.test"'
# the parent resolves alpha, then beta is resolved (the newest), then the child connects
rm -f "$T/go-fork"
: >"$T/fork.out"
RESOLVE_OUT=$T/fork.out resolve "$UP" --wait "$T/go-fork" --fork alpha.dnsint.test "$P" marker-alpha-fork & CF=$!
for _ in $(seq 200); do [ -s "$T/fork.out" ] && break; sleep 0.05; done
run resolve "$UP" beta.dnsint.test "$P" marker-beta2
touch "$T/go-fork"; wait $CF
EV=$(wait_for "$OUT" ".proctree[1].pid == $CF and .daddr == \"127.0.0.44\"")
check "  a child of the process that resolved alpha gets alpha (ancestry)" \
	test "$(jf "$EV" '.daddr_name')" = '"alpha.dnsint.test"'

# -- forged, replayed and malformed answers ----------------------------------------
UNM0=$(totals dns_unmatched) MAL0=$(totals dns_malformed)
# (the socket stays open until killed below: a slow machine must not close it early)
python3 "$DNSTOOL" query --server "$FAKE" --count 3 --info "$T/q.info" --hold 120 marker-query & Q=$!
for _ in $(seq 100); do [ -s "$T/q.info" ] && break; sleep 0.05; done
read -r QPORT ID0 ID1 ID2 <"$T/q.info"
ans() { python3 "$DNSTOOL" answer --dst "127.0.0.1:$QPORT" "$@"; }
ans --src "$FAKE:53" --id $(((ID0 + 1) % 65536)) --qname q0.dnsint.test --a 127.0.0.61 # wrong id
ans --src "$FAKE2:53" --id "$ID0" --qname q0.dnsint.test --a 127.0.0.62                # wrong server
ans --src "$FAKE:53" --id "$ID0" --qname q0.dnsint.test --a 127.0.0.63                 # the answer
ans --src "$FAKE:53" --id "$ID0" --qname q0.dnsint.test --a 127.0.0.64                 # a replay
ans --src "$FAKE:53" --id "$ID1" --qname q1.dnsint.test --a 127.0.0.65 --kind loop     # malformed
ans --src "$FAKE:53" --id "$ID2" --qname q2.dnsint.test --a 127.0.0.66 --kind short    # malformed
sleep 0.5
for a in 61 62 63 64 65 66; do
	run connect_to 127.0.0.$a "$P" marker-forged-$a
	eval "F$a=$C"
done
EV=$(ev_of "$F63" '.probe == "tcp_connect"')
check "the answer to the query: named" test "$(jf "$EV" '.daddr_name')" = '"q0.dnsint.test"'
for a in 61 62 64; do
	EV=$(ev_of "$(eval echo \$F$a)" '.probe == "tcp_connect"')
	check "forged answer (127.0.0.$a: $(case $a in 61) echo wrong id;; 62) echo wrong server;; 64) echo replay;; esac)) ignored" \
		test "$(jf "$EV" 'has("daddr_name")')" = false
done
for a in 65 66; do
	EV=$(ev_of "$(eval echo \$F$a)" '.probe == "tcp_connect"')
	check "malformed answer (127.0.0.$a) names nothing" test "$(jf "$EV" 'has("daddr_name")')" = false
done
UNM1=$(totals dns_unmatched) MAL1=$(totals dns_malformed)
check "unmatched answers counted in the kernel (+$((UNM1 - UNM0)), >= 3)" test $((UNM1 - UNM0)) -ge 3
check "malformed answers counted (+$((MAL1 - MAL0)), >= 2: loop, short)" test $((MAL1 - MAL0)) -ge 2
kill "$Q" 2>/dev/null

# -- a network namespace of the test's own --------------------------------------------
if ip netns add "$NSN" && ip link add "$VH" type veth peer name "$VN" &&
	ip link set "$VN" netns "$NSN" && ip addr add "$HADDR/30" dev "$VH" && ip link set "$VH" up &&
	ip -n "$NSN" addr add "$NADDR/30" dev "$VN" && ip -n "$NSN" link set "$VN" up &&
	ip -n "$NSN" link set lo up; then
	NETNS_EXEC="ip netns exec $NSN" dnsmasq_start inner "$NADDR" 53 \
		--host-record=ready.dnsint.test,"$NADDR" \
		--host-record=inner.dnsint.test,"$NADDR" --host-record=outer.dnsint.test,"$NADDR"
	# each side resolves its own name for the same address, and each side's
	# plain connect comes after the other side's newer answer
	NETNS_EXEC="ip netns exec $NSN" run resolve "$NADDR" inner.dnsint.test "$P" marker-inner
	EV=$(ev_of $C '.probe == "tcp_connect"')
	check "netns: a process in the namespace gets its name for $NADDR" \
		test "$(jf "$EV" '.daddr_name')" = '"inner.dnsint.test"'
	run resolve "$NADDR" outer.dnsint.test "$P" marker-outer
	EV=$(ev_of $C '.probe == "tcp_connect"')
	check "  a host process (through the veth) its own" test "$(jf "$EV" '.daddr_name')" = '"outer.dnsint.test"'
	NETNS_EXEC="ip netns exec $NSN" run connect_to "$NADDR" "$P" marker-ns-plain
	EV=$(ev_of $C '.probe == "tcp_connect"')
	check "  a connect in the namespace: the namespace's name, not the host's newer one" \
		test "$(jf "$EV" '.daddr_name')" = '"inner.dnsint.test"'
	NETNS_EXEC="ip netns exec $NSN" run resolve "$NADDR" inner.dnsint.test "$P" marker-inner2
	run connect_to "$NADDR" "$P" marker-host-plain
	EV=$(ev_of $C '.probe == "tcp_connect"')
	check "  a connect on the host: the host's name, not the namespace's newer one" \
		test "$(jf "$EV" '.daddr_name')" = '"outer.dnsint.test"'
else
	fail "set up a network namespace with a veth pair"
fi

# -- dns: false, and [dns] enabled = no, on reload ---------------------------------
cat >"$T/probes.yml" <<YML
tcp_connect:
  includeports: [$P]
  dns: false
udp_session:
  includeports: [$PU]
YML
reload_pidtree
run resolve "$UP" off.dnsint.test "$P" marker-off
EV=$(ev_of $C '.probe == "tcp_connect"')
check "dns: false: the probe's events unnamed" test "$(jf "$EV" 'has("daddr_name")')" = false
run resolve "$UP" --udp udpoff.dnsint.test "$PU" marker-udp2
EV=$(ev_of $C '.probe == "udp_session"')
check "  the other probes' still named" test "$(jf "$EV" '.destinations[0].daddr_name')" = '"udpoff.dnsint.test"'
printf '[dns]\nenabled = no\n' >"$T/pidtree.conf"
cat >"$T/probes.yml" <<YML
tcp_connect:
  includeports: [$P]
YML
reload_pidtree
check "[dns] enabled = no: the capture closed" grep -q 'reload: probe dns closed' "$T/pidtree.err"
run resolve "$UP" late.dnsint.test "$P" marker-late
EV=$(ev_of $C '.probe == "tcp_connect"')
check "  and nothing named" test "$(jf "$EV" 'has("daddr_name")')" = false

check "daemon exits 0" stop_pidtree
check "no malformed ring-buffer record" not grep -q 'malformed ring-buffer record' "$T/pidtree.err"

# -- the capture cannot run (no cgroup2 mounted, in a mount namespace of its
# own): pidtree runs without names instead of failing ---------------------------
cat >"$T/nocg.sh" <<'SH'
#!/bin/sh
exec unshare -m sh -c 'for m in $(awk "\$9 == \"cgroup2\" {print \$5}" /proc/self/mountinfo); do
	umount -l "$m"; done; exec "$0" "$@"' "$REAL_PIDTREE" "$@"
SH
chmod +x "$T/nocg.sh"
printf 'tcp_connect:\n  includeports: [%s]\n' "$P" >"$T/nocg.yml"
REAL_PIDTREE=$PIDTREE PIDTREE=$T/nocg.sh start_pidtree "$T/nocg.json" -c "$T/nocg.yml" ||
	fail "daemon starts without cgroup2"
check "no cgroup2: the dns capture is not running, with a warning" \
	grep -q 'probe dns not running' "$T/pidtree.err"
check "  and says events are not named" grep -q 'dns: the capture is not running' "$T/pidtree.err"
run resolve "$UP" late.dnsint.test "$P" marker-nocg
EV=$(wait_for "$T/nocg.json" ".pid == $C")
check "  tcp_connect still reports, unnamed" test "$(jf "$EV" '[.daddr, has("daddr_name")]')" = '["127.0.0.53",false]'
check "  daemon exits 0" stop_pidtree
finish
