#!/bin/bash
# A probe that fails to re-open on reload keeps running as before and is
# opened anew at the next reload, even when the configuration did not change
# in between (src/daemon/probes.c: the row is stale).  The failure is real:
# pidtree runs in a mount namespace of its own where the test unmounts the
# cgroup2 file system, so net_listen's UDP hooks cannot attach.
. "$(dirname "$0")/lib.sh"
require_root

CG=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
[ -n "$CG" ] || { fail "a cgroup2 mount"; finish; }
PT=$(rand_port)
PU=$(rand_port)
printf 'net_listen:\n  protocols: [tcp]\n' >"$T/probes.yml"
OUT=$T/events.json
printf '#!/bin/sh\nexec unshare -m --propagation private -- "%s" "$@"\n' "$PIDTREE" >"$T/in-ns"
chmod +x "$T/in-ns"
PIDTREE=$T/in-ns start_pidtree "$OUT" -c "$T/probes.yml" || { fail "daemon starts"; finish; }
in_ns() { nsenter -t "$PIDTREE_PID" -m -- "$@"; }
check "cgroup2 unmounted in pidtree's namespace" in_ns umount -l "$CG"
printf 'net_listen:\n  protocols: [tcp, udp]\n' >"$T/probes.yml"
reload_pidtree
check "re-open fails: the running probe is kept" \
	grep -q 'cannot open probe net_listen.*the running one is kept' "$T/pidtree.err"
check "  reported as a probe failure" grep -q 'reloaded with 1 probe failure' "$T/pidtree.err"
python3 -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(('127.0.0.1', $PU))"
python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', $PT)); s.listen()"
seen "$OUT" ".port == $PT"
check "  still reporting TCP listeners" test "$(count "$OUT" ".port == $PT")" = 1
check "  no UDP yet" test "$(count "$OUT" ".port == $PU")" = 0
check "cgroup2 mounted again" in_ns mount -t cgroup2 none "$CG"
reload_pidtree # the configuration file did not change
check "the stale probe is re-opened at the next reload" \
	grep -q 'reload: probe net_listen re-opened' "$T/pidtree.err"
python3 -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(('127.0.0.1', $PU))"
check "  and now reports UDP binds" seen "$OUT" ".port == $PU and .protocol == \"udp\""
check "SIGTERM: exit 0" stop_pidtree
finish
