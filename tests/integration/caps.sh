#!/bin/bash
# Capabilities after start-up: each one only while a configured feature
# needs it (src/daemon/caps.h): CAP_BPF, CAP_PERFMON and CAP_DAC_READ_SEARCH
# always; CAP_NET_ADMIN with a probe on the cgroup2 root (the DNS capture of
# destination names, on whenever a probe wants names, is one); CAP_SYS_PTRACE with
# listener snapshots; never CAP_SYS_RESOURCE.  The bounding set likewise.
. "$(dirname "$0")/lib.sh"
require_root

# caps_of PID FIELD: the capability numbers set in /proc/PID/status FIELD
caps_of() {
	python3 - "$1" "$2" <<'PY'
import sys
for l in open("/proc/%s/status" % sys.argv[1]):
    if l.startswith(sys.argv[2] + ":"):
        v = int(l.split()[1], 16)
        print(" ".join(str(i) for i in range(64) if v >> i & 1))
PY
}
# expect NAME YAML WANT [CONTAINERS]: start with YAML (and [containers]
# enabled=CONTAINERS, default no), compare CapEff, CapPrm, CapBnd with WANT
expect() {
	local name=$1 want=$3 f got
	printf '%b' "$2" >"$T/$name.yml"
	printf '[containers]\nenabled = %s\ndocker_socket = none\npodman_socket = none\ncontainerd_state = none\n' \
		"${4:-no}" >"$T/$name.conf"
	start_pidtree "" -C "$T/$name.conf" -c "$T/$name.yml" -f "$T/$name.json" ||
		{ fail "$name: starts"; return; }
	for f in CapEff CapPrm CapBnd; do
		got=$(caps_of "$PIDTREE_PID" "$f")
		check "$name: $f = {$want} (got {$got})" test "$got" = "$want"
	done
	if [ "${4:-no}" != no ]; then # the runtime worker thread holds less still
		for t in /proc/"$PIDTREE_PID"/task/*; do
			[ "${t##*/}" = "$PIDTREE_PID" ] && continue
			got=$(caps_of "$PIDTREE_PID/task/${t##*/}" CapEff)
			check "$name: thread ${t##*/}: CapEff within {2 19} (got {$got})" \
				test -z "$(tr ' ' '\n' <<<"$got" | grep -vx '2\|19\|')"
		done
	fi
	check "$name: SIGTERM: exit 0" stop_pidtree
}
# numbers: 2 dac_read_search, 12 net_admin, 19 sys_ptrace, 38 perfmon, 39 bpf
expect tcp 'tcp_connect:\n  dns: false\n' "2 38 39"
expect tcp-names 'tcp_connect:\n' "2 12 38 39"
expect udp 'udp_session:\n' "2 12 38 39"
expect listen 'net_listen:\n' "2 12 38 39"
expect snapshot 'net_listen:\n  snapshot_periodicity: 60\n' "2 12 19 38 39"
# containers' /proc/PID/ns/mnt: their root keeps capabilities pidtree drops
expect containers 'tcp_connect:\n  dns: false\n' "2 19 38 39" auto
printf 'tcp_connect:\n' >"$T/nnp.yml"
start_pidtree "" -c "$T/nnp.yml" -f "$T/nnp.json" || fail "nnp: starts"
check "no_new_privs is set" grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$PIDTREE_PID/status"
check "nnp: SIGTERM: exit 0" stop_pidtree
finish
