#!/bin/bash
# Containers end to end: the real daemon, real podman containers (runc) and
# podman's Docker-compatible API service on a private socket.
#
# Covered: container_labels decided in the kernel for tcp_connect (a glob),
# net_listen (OR, TCP and UDP, and its /proc snapshots) and udp_session
# (AND): matching containers reported with container_name and container{},
# the others and the host dropped in the kernel (each probe's
# <probe>_container_filtered counter, read from the kernel, counts exactly
# the operations made: includeports keeps every other connection of the
# host out of the count); a container started after pidtree; one that
# exits right after connecting, its events read only after it is gone
# (pidtree frozen meanwhile), still named; the filter changed on SIGHUP,
# removed (events still name their containers) and added again (the probe
# re-opened, its map filled before it is attached); the API service
# stopped (events carry the container id without a name, pidtree keeps
# running, logs once) and restarted (names and matches again); the
# reference example configuration with its container_labels in force.
#
# Containers share the host's network namespace (--network host) and only
# talk to 127.0.0.1, or to a host in a network namespace this test creates.
. "$(dirname "$0")/lib.sh"

require_root
P=cint-$$ # every name and tag this test makes
IMAGE=localhost/$P:latest
RUNOPTS=(--runtime runc --network host --ulimit nofile=1024:1024 --ulimit nproc=4096:4096)
NETOPS=$top_builddir/tests/helpers/netops
OUT=$T/events.json
NS=$P-ns
VA=ci$$a
VB=ci$$b
SVC_PID=

for tool in podman runc busybox jq; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (.ci/install-deps)"; exit 1; }
done
[ -x "$NETOPS" ] || { echo "FAIL: $NETOPS not built (make check builds it)"; exit 1; }

ct_cleanup() {
	local c
	[ -n "$PIDTREE_PID" ] && kill -CONT "$PIDTREE_PID" 2>/dev/null
	for c in $(podman ps -a --format '{{.Names}}' 2>/dev/null | grep "^$P-"); do
		podman rm -f -t 0 "$c" >/dev/null 2>&1
	done
	podman rmi -f "$IMAGE" >/dev/null 2>&1
	[ -n "$SVC_PID" ] && kill "$SVC_PID" 2>/dev/null
	ip link del "$VA" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	cleanup
}
trap ct_cleanup EXIT

# ---- the image: busybox-static and netops ----------------------------------
mkdir -p "$T/rootfs/bin"
cp "$(command -v busybox)" "$T/rootfs/bin/busybox"
cp "$NETOPS" "$T/rootfs/netops"
for a in sh sleep true; do ln -s busybox "$T/rootfs/bin/$a"; done
tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
podman import "$T/rootfs.tar" "$IMAGE" >/dev/null 2>&1 || { echo "FAIL: podman import"; exit 1; }

run() { # run NAME [podman run options...]: a container sleeping, labelled as asked
	local name=$1
	shift
	podman run -d --name "$P-$name" "${RUNOPTS[@]}" "$@" "$IMAGE" sleep 600 >/dev/null
}
in_ct() { podman exec "$P-$1" /netops "${@:2}"; } # in_ct NAME OP ARGS...
ct_id() { podman inspect -f '{{.Id}}' "$P-$1"; }

start_service() {
	rm -f "$T/podman.sock"
	podman system service --time 0 "unix://$T/podman.sock" >>"$T/service.log" 2>&1 &
	SVC_PID=$!
	for _ in $(seq 100); do
		[ -S "$T/podman.sock" ] && return 0
		sleep 0.1
	done
	echo "podman system service did not come up:" >&2
	cat "$T/service.log" >&2
	return 1
}

# counter NAME: the daemon's count NAME (SIGUSR1 totals line, read from the kernel)
counter() {
	local n
	n=$(grep -c 'totals:' "$T/pidtree.err")
	kill -USR1 "$PIDTREE_PID"
	for _ in $(seq 100); do
		[ "$(grep -c 'totals:' "$T/pidtree.err")" -gt "$n" ] && break
		sleep 0.05
	done
	grep 'totals:' "$T/pidtree.err" | tail -n 1 | grep -o " $1=[0-9]*" | cut -d= -f2
}
# delta NAME BEFORE: how much NAME grew
delta() { echo $(($(counter "$1") - $2)); }

PT=$(rand_port)  # tcp_connect
PL=$(rand_port)  # net_listen, TCP
PB=$(rand_port)  # net_listen, UDP
PS1=$(rand_port) # net_listen snapshots: a matching container's listener
PS2=$(rand_port) # ... and another's
PU=$(rand_port)  # udp_session

cat >"$T/pidtree.conf" <<EOF
[containers]
podman_socket = $T/podman.sock
docker_socket = none
containerd_state = none
stopped_keep = 600
EOF

write_probes() { # write_probes TCP_CONNECT_LABELS (YAML list, or "" for none)
	{
		printf 'tcp_connect:\n  includeports: [%s]\n' "$PT"
		[ -n "$1" ] && printf '  container_labels: %s\n' "$1"
		cat <<EOF
net_listen:
  protocols: [tcp, udp]
  snapshot_periodicity: 2
  snapshot_delay: 1
  includeports: [$PL, $PB, $PS1, $PS2]
  container_labels: ['app=db', 'tier=front']
udp_session:
  includeports: [$PU]
  container_labels: ['app=web,tier=front']
EOF
	} >"$T/probes.yml"
}

start_service || exit 1
log "containers running before pidtree"
run web --label app=web --label tier=front
run wide --label app=wide --label tier=back
run db --label app=db --label tier=back
run plain
write_probes "['app=w*']"
start_pidtree "$OUT" -C "$T/pidtree.conf" -c "$T/probes.yml" -v || { fail "pidtree starts"; finish; }
check "start-up: the runtime listed before the probes attached" \
	grep -q "tcp_connect: container_labels match 2 running container(s)" "$T/pidtree.err"

# ---- tcp_connect: a glob ------------------------------------------------------
log "tcp_connect, container_labels: [app=w*]"
c0=$(counter tcp_connect_container_filtered)
for n in web wide db plain; do in_ct "$n" tcp 127.0.0.1 "$PT"; done
"$NETOPS" tcp 127.0.0.1 "$PT"
ev=$(wait_for "$OUT" ".probe == \"tcp_connect\" and .container_name == \"$P-web\"")
check "glob: web reported, with container_name" test -n "$ev"
check "  container{}: id, name, image, runtime" \
	jq -e --arg id "$(ct_id web)" --arg n "$P-web" --arg i "$IMAGE" \
	'.container == {id: $id, name: $n, image: $i, runtime: "podman"}' <<<"$ev" >/dev/null
check "  keys: after the probe's, before error" \
	jq -e '[keys_unsorted[]] | index("container_name") == index("port") + 1 and index("error") == index("container") + 1' <<<"$ev" >/dev/null
check "  its own process" jq -e '.proctree[0].cmdline | startswith("/netops tcp")' <<<"$ev" >/dev/null
check "glob: wide reported" seen "$OUT" ".probe == \"tcp_connect\" and .container_name == \"$P-wide\""
sleep 1
check "db, plain and the host not reported" \
	test "$(count "$OUT" ".probe == \"tcp_connect\" and .port == $PT")" = 2
check "  dropped in the kernel: 3 counted (got $(delta tcp_connect_container_filtered "$c0"))" \
	test "$(delta tcp_connect_container_filtered "$c0")" = 3

# ---- net_listen: OR, TCP and UDP --------------------------------------------------
log "net_listen, container_labels: [app=db, tier=front]"
l0=$(counter net_listen_container_filtered)
for n in db web wide plain; do in_ct "$n" listen 127.0.0.1 "$PL" 0; done
"$NETOPS" listen 127.0.0.1 "$PL" 0
for n in db plain; do in_ct "$n" bind 127.0.0.1 "$PB" 0; done
check "OR: db's listener reported" \
	seen "$OUT" ".probe == \"net_listen\" and .port == $PL and .container_name == \"$P-db\" and (.snapshot | not)"
check "OR: web's listener reported" \
	seen "$OUT" ".probe == \"net_listen\" and .port == $PL and .container_name == \"$P-web\""
check "UDP: db's bind reported" \
	seen "$OUT" ".probe == \"net_listen\" and .port == $PB and .protocol == \"udp\" and .container_name == \"$P-db\""
sleep 1
check "wide, plain and the host not reported" \
	test "$(count "$OUT" ".probe == \"net_listen\" and (.port == $PL or .port == $PB)")" = 3
check "  dropped in the kernel: 4 counted" test "$(delta net_listen_container_filtered "$l0")" = 4

log "net_listen snapshots (from /proc): the same decision"
podman exec -d "$P-db" /netops listen 127.0.0.1 "$PS1" 20 >/dev/null
podman exec -d "$P-plain" /netops listen 127.0.0.1 "$PS2" 20 >/dev/null
check "snapshot: db's listener, named" \
	seen "$OUT" ".snapshot == true and .port == $PS1 and .container_name == \"$P-db\"" 10
check "snapshot: plain's listener not reported" \
	test "$(count "$OUT" ".snapshot == true and .port == $PS2")" = 0
check "  counted" test "$(counter net_listen_snapshot_container_filtered)" -ge 1

# ---- udp_session: AND --------------------------------------------------------------
log "udp_session, container_labels: [app=web,tier=front]"
u0=$(counter udp_session_container_filtered)
for n in web wide db; do in_ct "$n" udp 127.0.0.1 "$PU" 3; done
"$NETOPS" udp 127.0.0.1 "$PU" 3
ev=$(wait_for "$OUT" ".probe == \"udp_session\" and .destinations[0].port == $PU")
check "AND: web's session reported, named" jq -e --arg n "$P-web" '.container_name == $n' <<<"$ev" >/dev/null
check "  its 3 datagrams" jq -e '.destinations == [{daddr: "127.0.0.1", port: '"$PU"', duration: .destinations[0].duration, msg_count: 3}]' <<<"$ev" >/dev/null
sleep 1
check "wide, db and the host: no session" \
	test "$(count "$OUT" ".probe == \"udp_session\" and .destinations[0].port == $PU")" = 1
check "  their 9 datagrams dropped in the kernel, before any session" \
	test "$(delta udp_session_container_filtered "$u0")" = 9

# ---- a container started after pidtree ---------------------------------------------
log "containers started after pidtree"
run west --label app=west
found=
for _ in $(seq 20); do
	in_ct west tcp 127.0.0.1 "$PT"
	if seen "$OUT" ".container_name == \"$P-west\"" 1; then found=yes; break; fi
done
check "a matching container started later is reported" test -n "$found"
run late
c0=$(counter tcp_connect_container_filtered)
in_ct late tcp 127.0.0.1 "$PT"
sleep 1
check "a non-matching one started later is not" test "$(count "$OUT" ".container_name == \"$P-late\"")" = 0
check "  counted" test "$(delta tcp_connect_container_filtered "$c0")" = 1

# ---- a container that exits right after connecting -----------------------------------
log "a container that connects and exits; its event read after it is gone"
podman run -d --rm --name "$P-brief" --label app=wbrief "${RUNOPTS[@]}" "$IMAGE" \
	sh -c "sleep 3; /netops tcp 127.0.0.1 $PT" >/dev/null
brief_id=$(ct_id brief)
sleep 1.5 # pidtree hears of its start
kill -STOP "$PIDTREE_PID"
for _ in $(seq 100); do # gone: exited and removed (--rm)
	podman container exists "$P-brief" || break
	sleep 0.1
done
sleep 1
kill -CONT "$PIDTREE_PID"
ev=$(wait_for "$OUT" ".container.id == \"$brief_id\"")
check "its event is reported, named after it" jq -e --arg n "$P-brief" '.container_name == $n' <<<"$ev" >/dev/null

# ---- the filter changed on SIGHUP ---------------------------------------------------
log "SIGHUP: tcp_connect's container_labels become [app=db]"
write_probes "['app=db']"
reload_pidtree
check "reload: the new filter in force" grep -q "reload: tcp_connect: container_labels now match 1 running" "$T/pidtree.err"
n0=$(count "$OUT" ".probe == \"tcp_connect\"")
in_ct db tcp 127.0.0.1 "$PT"
in_ct web tcp 127.0.0.1 "$PT"
check "reload: db now reported" seen "$OUT" ".probe == \"tcp_connect\" and .container_name == \"$P-db\""
sleep 1
check "reload: web no longer" test "$(count "$OUT" ".probe == \"tcp_connect\"")" = $((n0 + 1))

log "SIGHUP: container_labels removed from tcp_connect"
write_probes ""
reload_pidtree
check "reload: the probe re-opened (the filter is in its read-only data)" \
	grep -q "reload: probe tcp_connect re-opened" "$T/pidtree.err"
"$NETOPS" tcp 127.0.0.1 "$PT"
in_ct plain tcp 127.0.0.1 "$PT"
check "no filter: the host reported, without container keys" \
	seen "$OUT" ".probe == \"tcp_connect\" and .container == null and .container_name == null and .proctree[0].cmdline == \"$NETOPS tcp 127.0.0.1 $PT\""
check "no filter: events still name their container" \
	seen "$OUT" ".probe == \"tcp_connect\" and .container_name == \"$P-plain\" and .container.runtime == \"podman\""

# ---- the API service stopped and restarted -------------------------------------------
log "the API service stops"
kill "$SVC_PID"
wait "$SVC_PID" 2>/dev/null
SVC_PID=
sleep 1
run dark --label app=dark --label tier=front
dark_id=$(ct_id dark)
l0=$(counter net_listen_container_filtered)
in_ct dark tcp 127.0.0.1 "$PT"
ev=$(wait_for "$OUT" ".container.id == \"$dark_id\"")
check "down: its events carry the container id, from the cgroup" test -n "$ev"
check "  without a name" jq -e '.container_name == "" and .container.runtime == "podman"' <<<"$ev" >/dev/null
in_ct dark listen 127.0.0.1 "$PL" 0
sleep 1
check "down: it is not matched (unknown labels)" test "$(delta net_listen_container_filtered "$l0")" = 1
check "down: pidtree keeps running" kill -0 "$PIDTREE_PID"
check "down: logged once" test "$(grep -c 'API at .*retrying in the background' "$T/pidtree.err")" = 1
n0=$(count "$OUT" ".container_name == \"$P-web\"")
in_ct web tcp 127.0.0.1 "$PT"
for _ in $(seq 50); do
	[ "$(count "$OUT" ".container_name == \"$P-web\"")" -gt "$n0" ] && break
	sleep 0.1
done
check "down: containers known before are still named" \
	test "$(count "$OUT" ".container_name == \"$P-web\"")" -gt "$n0"
log "the API service comes back"
start_service
for _ in $(seq 100); do
	grep -q "API at $T/podman.sock is back" "$T/pidtree.err" && break
	sleep 0.1
done
check "back: logged" grep -q "is back" "$T/pidtree.err"
found=
for _ in $(seq 20); do
	in_ct dark tcp 127.0.0.1 "$PT"
	if seen "$OUT" ".container.id == \"$dark_id\" and .container_name == \"$P-dark\"" 1; then
		found=yes
		break
	fi
done
check "back: named again" test -n "$found"
found=
for _ in $(seq 10); do
	in_ct dark listen 127.0.0.1 "$PL" 0
	if seen "$OUT" ".probe == \"net_listen\" and .container_name == \"$P-dark\"" 1; then
		found=yes
		break
	fi
done
check "back: matched again (tier=front)" test -n "$found"

log "SIGHUP: container_labels added again: the probe re-opened with its map filled"
write_probes "['app=dark']"
reload_pidtree
check "reload: re-opened" test "$(grep -c "reload: probe tcp_connect re-opened" "$T/pidtree.err")" = 2
n0=$(count "$OUT" ".probe == \"tcp_connect\"")
d0=$(count "$OUT" ".probe == \"tcp_connect\" and .container_name == \"$P-dark\"")
in_ct dark tcp 127.0.0.1 "$PT"
in_ct web tcp 127.0.0.1 "$PT"
"$NETOPS" tcp 127.0.0.1 "$PT"
for _ in $(seq 50); do
	[ "$(count "$OUT" ".probe == \"tcp_connect\" and .container_name == \"$P-dark\"")" -gt "$d0" ] && break
	sleep 0.1
done
check "reload: dark matched at once" \
	test "$(count "$OUT" ".probe == \"tcp_connect\" and .container_name == \"$P-dark\"")" = $((d0 + 1))
sleep 1
check "reload: web and the host not" test "$(count "$OUT" ".probe == \"tcp_connect\"")" = $((n0 + 1))
check "pidtree alive" kill -0 "$PIDTREE_PID"
check "SIGTERM: exit 0" stop_pidtree

# ---- the reference example configuration -----------------------------------------------
# Its tcp_connect filters 127/8 and RFC 1918: the destination is a host in a
# network namespace of this test, at a TEST-NET-2 address of the test's own.
log "the reference example configuration: container_labels [key=value] in force"
ip netns add "$NS" || fail "create network namespace"
ip link add "$VA" type veth peer name "$VB" && ip link set "$VB" netns "$NS" || fail "veth"
NET=198.51.100.$((($$ % 60) * 4))
ip addr add "${NET%.*}.$((${NET##*.} + 1))/30" dev "$VA"
ip link set "$VA" up
ip -n "$NS" addr add "${NET%.*}.$((${NET##*.} + 2))/30" dev "$VB"
ip -n "$NS" link set "$VB" up
DST=${NET%.*}.$((${NET##*.} + 2))
run keyed --label key=value
OUT2=$T/example.json
start_pidtree "$OUT2" -C "$T/pidtree.conf" -c "$FIXTURES/config/pidtree-bcc-example.yml" ||
	{ fail "starts with the example"; finish; }
check "example: no warning about container_labels" not grep -q "container_labels" "$T/pidtree.err"
c0=$(counter tcp_connect_container_filtered)
in_ct keyed tcp "$DST" 9
in_ct plain tcp "$DST" 9
"$NETOPS" tcp "$DST" 9
check "example: key=value's connect reported" \
	seen "$OUT2" ".probe == \"tcp_connect\" and .daddr == \"$DST\" and .container_name == \"$P-keyed\""
sleep 1
check "example: the others not" test "$(count "$OUT2" ".probe == \"tcp_connect\" and .daddr == \"$DST\"")" = 1
# (at least: without includeports, the host's other non-private connects are
# dropped by container_labels too while this runs)
check "example: dropped in the kernel" test "$(delta tcp_connect_container_filtered "$c0")" -ge 2
check "example: SIGTERM: exit 0" stop_pidtree

if [ "$FAILURES" -ne 0 ]; then
	echo "---- pidtree stderr"
	tail -n 50 "$T/pidtree.err"
fi
finish
