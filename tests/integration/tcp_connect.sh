#!/bin/bash
# tcp_connect end to end: real BPF, real loopback connects, JSON lines.
# Covers pidtree-bcc's integration matrix (reported, excludeports,
# except_ports, include_ports), IPv6, IPv4-mapped IPv6 and the ancestry.
. "$(dirname "$0")/lib.sh"
require_root

P_OK=$(rand_port)
P_EXCL=$(rand_port)
P_EXC=$(rand_port)
P_INC=$(rand_port)
P_V6=$(rand_port)
P_V6INC=$(rand_port)
P_MAPPED=$(rand_port)
P_END=$(rand_port)

cat >"$T/probes.yml" <<YML
---
_filters: &filters
  - subnet_name: except
    network: 127.0.0.2
    network_mask: 255.255.255.255
    description: "drop all to 127.0.0.2 except one port"
    except_ports: [$P_EXC]
  - subnet_name: include
    network: 127.0.0.3/32
    description: "drop only one port to 127.0.0.3"
    include_ports: ["$P_INC-$P_INC"]
  - subnet_name: v6
    network: "::1"
    network_mask: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
    include_ports: [$P_V6INC]
tcp_connect:
  filters: *filters
  excludeports: [$P_EXCL]
YML

OUT=$T/events.json
start_pidtree "$OUT" -c "$T/probes.yml" || { fail "daemon starts"; finish; }

# -- a connect that must appear, with its ancestry --------------------------
"$CONNECTOR" 127.0.0.1 "$P_OK" marker-ok &
CPID=$!
wait $CPID
EV=$(wait_for "$OUT" ".port == $P_OK and .daddr == \"127.0.0.1\"")
check "connect to 127.0.0.1:$P_OK reported" test -n "$EV"
if [ -n "$EV" ]; then
	echo "$EV" >"$T/ev_ok.json"
	j() { jq -r "$1" "$T/ev_ok.json"; }
	check "probe is tcp_connect" test "$(j .probe)" = tcp_connect
	check "pid is the connector ($CPID)" test "$(j .pid)" = "$CPID"
	check "proctree[0] is the connector" test "$(j '.proctree[0].pid')" = "$CPID"
	check "proctree[0].cmdline" test "$(j '.proctree[0].cmdline')" = "$CONNECTOR 127.0.0.1 $P_OK marker-ok"
	check "proctree[0].username is root" test "$(j '.proctree[0].username')" = root
	check "proctree[1] is this shell ($$)" test "$(j '.proctree[1].pid')" = "$$"
	check "proctree[1].cmdline names this script" \
		bash -c "jq -r '.proctree[1].cmdline' '$T/ev_ok.json' | grep -q tcp_connect.sh"
	check "last ancestor is pid 1" test "$(j '.proctree[-1].pid')" = 1
	check "saddr is 127.0.0.1" test "$(j .saddr)" = 127.0.0.1
	check "error is empty" test "$(j .error)" = ""
	check "timestamp format" bash -c "jq -r .timestamp '$T/ev_ok.json' | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$'"
	check "every ancestor has pid, cmdline, username" \
		test "$(j '[.proctree[] | select((.pid|type)=="number" and (.cmdline|type)=="string" and (.username|type)=="string")] | length')" = "$(j '.proctree | length')"
	check "proctree[2] is this shell's parent ($PPID)" test "$(j '.proctree[2].pid')" = "$PPID"
fi

# -- dropped in the kernel ----------------------------------------------------
"$CONNECTOR" 127.0.0.1 "$P_EXCL" marker-excl
"$CONNECTOR" 127.0.0.2 $((P_EXC + 1)) marker-exc-other
"$CONNECTOR" 127.0.0.3 "$P_INC" marker-inc
"$CONNECTOR" ::1 "$P_V6INC" marker-v6inc
# -- reported -----------------------------------------------------------------
"$CONNECTOR" 127.0.0.2 "$P_EXC" marker-exc
"$CONNECTOR" 127.0.0.3 $((P_INC + 1)) marker-inc-other
"$CONNECTOR" ::1 "$P_V6" marker-v6
"$CONNECTOR" ::ffff:127.0.0.1 "$P_MAPPED" marker-mapped
# sentinel: once it is seen, every earlier record has been handled
"$CONNECTOR" 127.0.0.1 "$P_END" marker-end
check "sentinel reported" seen "$OUT" ".port == $P_END"

check "excludeports: port $P_EXCL dropped" test "$(count "$OUT" ".port == $P_EXCL")" = 0
check "except_ports: other port to 127.0.0.2 dropped" \
	test "$(count "$OUT" ".daddr == \"127.0.0.2\" and .port == $((P_EXC + 1))")" = 0
check "except_ports: excepted port to 127.0.0.2 reported" \
	test "$(count "$OUT" ".daddr == \"127.0.0.2\" and .port == $P_EXC")" = 1
check "include_ports: included port to 127.0.0.3 dropped" \
	test "$(count "$OUT" ".daddr == \"127.0.0.3\" and .port == $P_INC")" = 0
check "include_ports: other port to 127.0.0.3 reported" \
	test "$(count "$OUT" ".daddr == \"127.0.0.3\" and .port == $((P_INC + 1))")" = 1
check "IPv6 include_ports on ::1 dropped" test "$(count "$OUT" ".port == $P_V6INC")" = 0
check "IPv6 connect to ::1 reported" \
	test "$(count "$OUT" ".daddr == \"::1\" and .saddr == \"::1\" and .port == $P_V6")" = 1
check "IPv6 event carries its cmdline" \
	test "$(count "$OUT" ".port == $P_V6 and (.proctree[0].cmdline | endswith(\"marker-v6\"))")" = 1
check "IPv4-mapped IPv6 reported as IPv4" \
	test "$(count "$OUT" ".daddr == \"127.0.0.1\" and .port == $P_MAPPED")" = 1
check "every line is valid JSON" bash -c "jq -e . '$OUT' >/dev/null"

check "SIGTERM: exit status 0" stop_pidtree
check "no warnings or errors logged" no_warnings "$T/pidtree.err"
finish
