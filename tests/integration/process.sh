#!/bin/bash
# The process probe: a process stays known while any of its threads lives.
# The leader thread exiting (pthread_exit in main) must not mark the process
# exited: its children's ancestry still shows its cmdline, even after the
# process cache has been churned (a small --cache-entries reuses the slots
# of exited processes first) and /proc no longer shows a cmdline for it (the
# exited leader's mm is gone).
. "$(dirname "$0")/lib.sh"
require_root

LEADER_EXIT=$top_builddir/tests/helpers/leader_exit
P=$(rand_port)
printf 'tcp_connect:\n  includeports: [%s]\n' "$P" >"$T/probes.yml"
OUT=$T/events.json
start_pidtree "$OUT" -c "$T/probes.yml" --cache-entries 64 || { fail "daemon starts"; finish; }

mkfifo "$T/fifo"
"$LEADER_EXIT" 127.0.0.1 "$P" "$T/fifo" marker-leader-exit &
HPID=$!
exec 7<>"$T/fifo"
read -r -t 10 line <&7
check "the leader thread exited, the process lives on" test "${line:-}" = exited
check "/proc shows no cmdline for it any more" test -z "$(tr -d '\0' </proc/$HPID/cmdline)"
# churn the cache: 200 short-lived processes, more than its 64 entries
for _ in $(seq 200); do /bin/true; done
echo go >&7
wait "$HPID"
exec 7>&-
EV=$(wait_for "$OUT" ".port == $P")
check "the child's connect is reported" test -n "$EV"
if [ -n "$EV" ]; then
	echo "$EV" >"$T/ev.json"
	check "proctree[1] is the process whose leader exited" \
		test "$(jq -r '.proctree[1].pid' "$T/ev.json")" = "$HPID"
	check "its cmdline is still known" \
		test "$(jq -r '.proctree[1].cmdline' "$T/ev.json")" = \
		"$LEADER_EXIT 127.0.0.1 $P $T/fifo marker-leader-exit"
	check "no unresolved ancestor" \
		not grep -q "unresolved ancestor pid $HPID" "$T/ev.json"
fi
check "SIGTERM: exit 0" stop_pidtree
finish
