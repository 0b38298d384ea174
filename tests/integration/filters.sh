#!/bin/bash
# Subnet filters at scale: 10000 filters (IPv4 and IPv6) load, filter in the
# kernel and reload (both generations are in the maps during the switch);
# past the documented limit (PT_FILTERS_MAX, 100000) the configuration is
# refused with file:line.
. "$(dirname "$0")/lib.sh"
require_root

P=$(rand_port)
# gen FILE LAST-ADDR OFFSET: 10000 filters, the last one dropping LAST-ADDR
gen() {
	python3 - "$1" "$2" "$3" "$P" <<'PY'
import ipaddress, sys
out, last, off = sys.argv[1], sys.argv[2], int(sys.argv[3])  # argv[4]: the port
lines = ['tcp_connect:', '  includeports: [%s]' % sys.argv[4], '  filters:']
for i in range(9999):
    j = i + off
    if i % 5:
        net = ipaddress.ip_network((0x0a000000 + (j << 8), 24))
    else:
        net = ipaddress.ip_network(('fd00:%x::' % j, 64))
    lines.append('    - subnet_name: n%d\n      network: %s' % (j, net))
lines.append('    - subnet_name: last\n      network: %s/32' % last)
open(out, 'w').write('\n'.join(lines) + '\n')
PY
}
gen "$T/a.yml" 127.0.0.77 0
gen "$T/b.yml" 127.0.0.78 50000
cp "$T/a.yml" "$T/probes.yml"
check "10000 filters: --check-config accepts them" \
	"$PIDTREE" --check-config -c "$T/probes.yml"
OUT=$T/events.json
start_pidtree "$OUT" -c "$T/probes.yml" || { fail "daemon starts with 10000 filters"; finish; }
pass "daemon starts with 10000 filters"
"$CONNECTOR" 127.0.0.77 "$P" marker-a77
"$CONNECTOR" 127.0.0.78 "$P" marker-a78
"$CONNECTOR" 127.0.0.1 "$P" marker-a-end
seen "$OUT" '.proctree[0].cmdline | endswith("marker-a-end")'
# (includeports keeps other traffic of this host out of the test's events)
check "the last filter drops 127.0.0.77" test "$(count "$OUT" '.daddr == "127.0.0.77"')" = 0
check "127.0.0.78 reported" test "$(count "$OUT" '.daddr == "127.0.0.78"')" = 1

cp "$T/b.yml" "$T/probes.yml"
start=$(date +%s%N)
reload_pidtree
ms=$((($(date +%s%N) - start) / 1000000))
log "reload of 10000 filters took ${ms} ms"
check "reload with another 10000 filters succeeds" grep -q 'configuration reloaded' "$T/pidtree.err"
check "no filter load error" not grep -q 'cannot load filters' "$T/pidtree.err"
"$CONNECTOR" 127.0.0.77 "$P" marker-b77
"$CONNECTOR" 127.0.0.78 "$P" marker-b78
"$CONNECTOR" 127.0.0.1 "$P" marker-b-end
seen "$OUT" '.proctree[0].cmdline | endswith("marker-b-end")'
check "after the reload 127.0.0.77 is reported" \
	test "$(count "$OUT" '.proctree[0].cmdline | endswith("marker-b77")')" = 1
check "after the reload 127.0.0.78 is dropped" \
	test "$(count "$OUT" '.proctree[0].cmdline | endswith("marker-b78")')" = 0
# and back, twice: the maps hold the generations without leaking entries
cp "$T/a.yml" "$T/probes.yml"
reload_pidtree
cp "$T/b.yml" "$T/probes.yml"
reload_pidtree
check "two more reloads succeed" test "$(grep -c 'configuration reloaded' "$T/pidtree.err")" = 3
check "SIGTERM: exit 0" stop_pidtree

# an IPv4-mapped filter matches IPv4 connections (it is moved to the IPv4 trie)
printf 'tcp_connect:\n  includeports: [%s]\n  filters:\n    - subnet_name: m\n      network: "::ffff:127.0.0.5/128"\n' "$P" \
	>"$T/mapped.yml"
start_pidtree "$OUT" -c "$T/mapped.yml" || fail "daemon starts (mapped)"
check "IPv4-mapped filter: a warning says how it is matched" \
	grep -q "is IPv4-mapped: matched as 127.0.0.5/32" "$T/pidtree.err"
"$CONNECTOR" 127.0.0.5 "$P" marker-m5
"$CONNECTOR" 127.0.0.1 "$P" marker-m-end
seen "$OUT" '.proctree[0].cmdline | endswith("marker-m-end")'
check "IPv4-mapped filter drops the IPv4 connection" \
	test "$(count "$OUT" '.proctree[0].cmdline | endswith("marker-m5")')" = 0
check "SIGTERM: exit 0 (mapped)" stop_pidtree

python3 - "$T/big.yml" <<'PY'
import sys
lines = ['tcp_connect:', '  filters:']
for i in range(100001):
    lines.append('    - {subnet_name: n%d, network: 10.%d.%d.0/24}' % (i, i // 256 % 256, i % 256))
open(sys.argv[1], 'w').write('\n'.join(lines) + '\n')
PY
"$PIDTREE" --check-config -c "$T/big.yml" >/dev/null 2>"$T/big.err"
check "100001 filters: refused (exit 78)" test $? = 78
check "  with file:line and the limit" \
	grep -q "big.yml:3: at most 100000 subnet filters per probe, got 100001" "$T/big.err"
finish
