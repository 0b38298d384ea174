#!/bin/bash
# net_listen end to end: TCP listeners, UDP binds, filters, port options,
# protocols, exclude_random_bind, same_namespace_only (a network namespace
# made here), IPv6, and snapshots of listeners opened before pidtree.
. "$(dirname "$0")/lib.sh"
require_root

P_TCP=$(rand_port) P_FILT=$(rand_port) P_UDP=$(rand_port) P_EXCL=$(rand_port)
P_V6=$(rand_port) P_V6U=$(rand_port) P_PRE=$(rand_port) P_NS=$(rand_port) P_END=$(rand_port)
NS=pidtree-test-$$
ip netns add "$NS" || { fail "create network namespace"; finish; }
ip -n "$NS" link set lo up
cleanup_ns() { ip netns del "$NS" 2>/dev/null; kill $(jobs -p) 2>/dev/null; cleanup; }
trap cleanup_ns EXIT

# a listener that exists before pidtree starts: only a snapshot can see it
# (it lives 30 s, longer on a slow guest: until the snapshot has seen it)
bg_listen "$T/pre" tcp 127.1.33.9 "$P_PRE" $((30 * TIME_SCALE)) marker-pre || fail "pre-existing listener"
PRE_PID=$BG_PID

cat >"$T/a.yml" <<YML
net_listen:
  protocols: [tcp, udp]
  snapshot_periodicity: 3600
  snapshot_delay: 1
  filters:
    - subnet_name: filtered
      network: 127.0.0.5
      network_mask: 255.255.255.255
  excludeports: [$P_EXCL]
YML
OUT=$T/a.json
start_pidtree "$OUT" -c "$T/a.yml" -v || { fail "daemon starts"; finish; }
# the start-up snapshot (snapshot_delay: 1) done before the live listeners:
# on a slow guest it could otherwise pick one of them up first
wait_until 20 grep -q 'net_listen: snapshot of' "$T/pidtree.err"

bg_listen "$T/l1" tcp 127.1.33.7 "$P_TCP" 0 marker-tcp; L1=$BG_PID; wait $L1
bg_listen "$T/l2" tcp 127.0.0.5 "$P_FILT" 0 marker-filtered; wait $BG_PID
bg_listen "$T/l3" udp 127.0.0.1 "$P_UDP" 0 marker-udp; L3=$BG_PID; wait $L3
bg_listen "$T/l4" udp 127.0.0.1 0 0 marker-random; wait $BG_PID
P_RANDOM=$(cat "$T/l4")
bg_listen "$T/l5" udp 127.0.0.1 "$P_EXCL" 0 marker-excl; wait $BG_PID
bg_listen "$T/l6" tcp ::1 "$P_V6" 0 marker-v6; wait $BG_PID
bg_listen "$T/l7" udp ::1 "$P_V6U" 0 marker-v6u; wait $BG_PID
ip netns exec "$NS" python3 "$NETTOOL" listen tcp 127.0.0.1 "$P_NS" 0 marker-netns >/dev/null
bg_listen "$T/l9" tcp 127.0.0.1 "$P_END" 0 marker-end; wait $BG_PID
check "sentinel listener reported" seen "$OUT" ".port == $P_END"

EV=$(wait_for "$OUT" ".port == $P_TCP")
check "TCP listener on 127.1.33.7:$P_TCP reported" test -n "$EV"
check "  laddr/port/protocol" test "$(jq -r '"\(.laddr) \(.port) \(.protocol)"' <<<"$EV")" = "127.1.33.7 $P_TCP tcp"
check "  pid and proctree[0] are the listener ($L1)" \
	test "$(jq -r '"\(.pid) \(.proctree[0].pid)"' <<<"$EV")" = "$L1 $L1"
check "  proctree[0].cmdline has its marker" \
	test "$(jq -r '.proctree[0].cmdline | endswith("marker-tcp")' <<<"$EV")" = true
check "  proctree[1] is this shell" test "$(jq -r '.proctree[1].pid' <<<"$EV")" = "$$"
check "  last ancestor is pid 1" test "$(jq -r '.proctree[-1].pid' <<<"$EV")" = 1
check "  no snapshot flag on live events" test "$(jq -r '.snapshot // "absent"' <<<"$EV")" = absent
check "listener on filtered subnet not reported" test "$(count "$OUT" ".port == $P_FILT")" = 0
check "UDP bind reported with protocol udp" \
	test "$(count "$OUT" ".port == $P_UDP and .protocol == \"udp\" and .laddr == \"127.0.0.1\" and .pid == $L3")" = 1
check "UDP bind to port 0 reported (exclude_random_bind off)" \
	test "$(count "$OUT" ".port == $P_RANDOM and .protocol == \"udp\"")" = 1
check "excludeports: UDP bind on $P_EXCL not reported" test "$(count "$OUT" ".port == $P_EXCL")" = 0
check "IPv6 TCP listener on ::1" test "$(count "$OUT" ".port == $P_V6 and .laddr == \"::1\" and .protocol == \"tcp\"")" = 1
check "IPv6 UDP bind on ::1" test "$(count "$OUT" ".port == $P_V6U and .laddr == \"::1\" and .protocol == \"udp\"")" = 1
check "listener in another netns reported (same_namespace_only off)" \
	test "$(count "$OUT" ".port == $P_NS")" = 1

SN=$(wait_for "$OUT" ".port == $P_PRE and .snapshot == true" 10)
check "snapshot reports the listener opened before pidtree" test -n "$SN"
check "  snapshot: owner pid and cmdline" \
	test "$(jq -r '"\(.pid) \(.proctree[0].cmdline | endswith("marker-pre"))"' <<<"$SN")" = "$PRE_PID true"
check "  snapshot: ancestry up to pid 1" test "$(jq -r '.proctree[-1].pid' <<<"$SN")" = 1
check "  snapshot: laddr/protocol" test "$(jq -r '"\(.laddr) \(.protocol)"' <<<"$SN")" = "127.1.33.9 tcp"
check "  snapshot: no snapshot of the filtered subnet" \
	test "$(count "$OUT" ".snapshot == true and .laddr == \"127.0.0.5\"")" = 0
check "SIGTERM: exit 0" stop_pidtree

# ---- protocols: [tcp] only; exclude_random_bind; same_namespace_only ------
P_B1=$(rand_port) P_B2=$(rand_port) P_B3=$(rand_port) P_B4=$(rand_port)
cat >"$T/b.yml" <<YML
net_listen:
  protocols: [tcp]
  same_namespace_only: true
YML
OUT=$T/b.json
start_pidtree "$OUT" -c "$T/b.yml" || { fail "daemon starts (b)"; finish; }
bg_listen "$T/b1" udp 127.0.0.1 "$P_B1" 0 marker-b-udp; wait $BG_PID
ip netns exec "$NS" python3 "$NETTOOL" listen tcp 127.0.0.1 "$P_B2" 0 marker-b-netns >/dev/null
bg_listen "$T/b3" tcp 127.0.0.1 "$P_B3" 0 marker-b-end; wait $BG_PID
check "protocols [tcp]: sentinel TCP listener reported" seen "$OUT" ".port == $P_B3"
check "protocols [tcp]: UDP bind not reported" test "$(count "$OUT" ".port == $P_B1")" = 0
check "same_namespace_only: listener in netns $NS not reported" test "$(count "$OUT" ".port == $P_B2")" = 0
check "SIGTERM: exit 0 (b)" stop_pidtree

cat >"$T/c.yml" <<YML
net_listen:
  protocols: [udp]
  exclude_random_bind: true
YML
OUT=$T/c.json
start_pidtree "$OUT" -c "$T/c.yml" || { fail "daemon starts (c)"; finish; }
bg_listen "$T/c1" udp 127.0.0.1 0 0 marker-c-random; wait $BG_PID
P_C1=$(cat "$T/c1")
bg_listen "$T/c2" udp 127.0.0.1 "$P_B4" 0 marker-c-end; wait $BG_PID
check "exclude_random_bind: explicit port reported" seen "$OUT" ".port == $P_B4 and .protocol == \"udp\""
check "exclude_random_bind: port-0 bind not reported" test "$(count "$OUT" ".port == $P_C1")" = 0
check "SIGTERM: exit 0 (c)" stop_pidtree
finish
