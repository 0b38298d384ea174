#!/bin/bash
# --health-check-period, as pidtree-bcc's: a probe whose program was detached
# or an output that cannot be written stops pidtree with exit status 1 after
# logging why; a queued output whose receiver is down is reported (STATUS=,
# log) while pidtree runs on; a healthy run says so in STATUS=.
. "$(dirname "$0")/lib.sh"
require_root

P=$(rand_port)
printf 'tcp_connect:\n  includeports: [%s]\n' "$P" >"$T/tcp.yml"

# -- a JSON output on a full device -------------------------------------------
"$PIDTREE" -c "$T/tcp.yml" -f /dev/full --health-check-period 1 2>"$T/full.err" &
PID=$!
for _ in $(seq 100); do grep -q ready "$T/full.err" && break; sleep 0.1; done
"$CONNECTOR" 127.0.0.1 "$P" marker-full
for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
rc=0
wait "$PID" || rc=$?
check "-f /dev/full --health-check-period 1: exit 1" test "$rc" = 1
check "  the log says why" grep -q 'health check: json /dev/full: the last write failed; exiting' "$T/full.err"

# -- a pipe whose reader is gone (no event needed) -----------------------------
rc=$(bash -c '"$1" -c "$2" -f - --health-check-period 1 2>"$3" | true; echo "${PIPESTATUS[0]}"' \
	_ "$PIDTREE" "$T/tcp.yml" "$T/pipe.err")
check "stdout a pipe whose reader exited: exit 1" test "$rc" = 1
check "  the log says why" grep -q 'health check: json <stdout>: broken' "$T/pipe.err"

# -- a probe detached from under pidtree ---------------------------------------
printf 'udp_session:\n' >"$T/udp.yml"
start_pidtree "$T/udp.json" -c "$T/udp.yml" --health-check-period 1 || fail "daemon starts (udp)"
LINK=
for f in /proc/"$PIDTREE_PID"/fd/*; do
	[ "$(readlink "$f")" = anon_inode:bpf_link ] || continue
	if grep -q 'link_type:.*cgroup' "/proc/$PIDTREE_PID/fdinfo/${f##*/}"; then
		LINK=$(sed -n 's/^link_id:[[:space:]]*//p' "/proc/$PIDTREE_PID/fdinfo/${f##*/}")
		break
	fi
done
check "one of its cgroup links found" test -n "$LINK"
bpftool link detach id "$LINK"
for _ in $(seq 50); do kill -0 "$PIDTREE_PID" 2>/dev/null || break; sleep 0.1; done
rc=0
wait "$PIDTREE_PID" || rc=$?
PIDTREE_PID=
check "a detached program: exit 1" test "$rc" = 1
check "  the log names the probe and program" \
	grep -q 'health check: udp_session: program pt_.* was detached from the cgroup2 root; exiting' "$T/pidtree.err"

# -- healthy, and a queued output whose receiver is down -----------------------
DEAD=$(rand_port) # nothing listens there
python3 "$top_srcdir/tests/helpers/notify_listen.py" "$T/notify.sock" "$T/notify.log" 600 &
BG_KILL="$BG_KILL $!"
NPID=$!
for _ in $(seq 50); do [ -S "$T/notify.sock" ] && break; sleep 0.1; done
NOTIFY_SOCKET=$T/notify.sock start_pidtree "$T/ok.json" -c "$T/tcp.yml" \
	-o "syslog:tcp://127.0.0.1:$DEAD" --health-check-period 1 || fail "daemon starts (syslog)"
"$CONNECTOR" 127.0.0.1 "$P" marker-syslog # an event: the output tries its receiver
for _ in $(seq 120); do grep -aq 'health: syslog' "$T/notify.log" && break; sleep 0.1; done
grep -a -o 'health: [^|]*' "$T/notify.log" | sort | uniq -c | sed 's/^/# /'
check "STATUS= reports the queued output that is down" \
	grep -aq "STATUS=.*health: syslog sink tcp://127.0.0.1:$DEAD: down" "$T/notify.log"
check "  and pidtree runs on" kill -0 "$PIDTREE_PID"
check "  the log says so once" test "$(grep -c 'health check: syslog' "$T/pidtree.err")" = 1
check "SIGTERM: exit 0" stop_pidtree
: >"$T/notify.log"
NOTIFY_SOCKET=$T/notify.sock start_pidtree "$T/ok2.json" -c "$T/tcp.yml" --health-check-period 1 ||
	fail "daemon starts (healthy)"
for _ in $(seq 120); do grep -aq 'health: ok' "$T/notify.log" && break; sleep 0.1; done
check "a healthy run: STATUS= says health: ok" grep -aq 'STATUS=.*health: ok' "$T/notify.log"
check "SIGTERM: exit 0 (healthy)" stop_pidtree
kill "$NPID" 2>/dev/null
finish
