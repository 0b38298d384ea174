#!/bin/bash
# The process probe: a process stays known while any of its threads lives.
# The leader thread exiting (pthread_exit in main) must not mark the process
# exited: its children's ancestry still shows its cmdline, even after the
# process cache has been churned (a small --cache-entries reuses the slots
# of exited processes first) and /proc no longer shows a cmdline for it (the
# exited leader's mm is gone).  And exits, batched per CPU in the kernel,
# reach the cache within a few seconds however few processes exit (below).
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

# ---- exits: batched per CPU, drained by the tick -----------------------------
# An exit is stored in its CPU's batch (pt_exits, bpf/process.bpf.c), which
# goes into the ring when full or when the tick drains a CPU that held exits
# since the tick before.  Every exit must be sent (flushed) within three
# seconds, however few processes exit on its CPU.  With two CPUs or more
# this shell and what it runs are pinned to CPU 0 meanwhile, and each other
# CPU runs /bin/true until its batch holds an exit not sent: nothing else of
# this test exits there, so no full batch sends it instead of the drain.
exits_map() {
	local f id
	for f in /proc/$PIDTREE_PID/fdinfo/*; do
		[ "$(readlink "/proc/$PIDTREE_PID/fd/${f##*/}")" = anon_inode:bpf-map ] || continue
		id=$(sed -n 's/^map_id:[[:space:]]*//p' "$f")
		[ "$(bpftool -j map show id "$id" | jq -r .name)" = pt_exits ] && { echo "$id"; return; }
	done
}
# "cpu last flushed" per CPU
exits_state() { bpftool -j map dump id "$1" | jq -r '.[0].formatted.values[] | "\(.cpu) \(.value.last) \(.value.flushed)"'; }
usr1_exits() {
	kill -USR1 "$PIDTREE_PID"
	sleep 0.5
	grep 'process cache:' "$T/pidtree.err" | tail -n 1 | sed -n 's/.*; exits \([0-9]*\);.*/\1/p'
}
MID=$(exits_map)
check "the process probe's exit batches are a map (pt_exits)" test -n "$MID"
if [ -n "$MID" ]; then
	x0=$(usr1_exits)
	ncpu=$(exits_state "$MID" | wc -l)
	pinned=
	[ "$ncpu" -ge 2 ] && taskset -pc 0 $$ >/dev/null && pinned=1
	for c in $(seq 0 $((ncpu - 1))); do
		for _ in 1 2 3; do
			taskset -c "$c" /bin/true 2>/dev/null || break
			exits_state "$MID" | awk -v c="$c" '$1 == c && $2 != $3 { ok = 1 } END { exit !ok }' && break
		done
	done
	exits_state "$MID" >"$T/exits0"
	sleep $((3 * TIME_SCALE))
	exits_state "$MID" >"$T/exits1"
	[ -n "$pinned" ] && { taskset -pc "0-$((ncpu - 1))" $$ >/dev/null || true; }
	log "exit batches (cpu last flushed), then 3 s later:" $(cat "$T/exits0") / $(cat "$T/exits1")
	# (other processes of the host exiting there may have filled a batch
	# meanwhile: then there is less to drain, which is no failure)
	log "CPUs holding exits not sent before the wait:" \
		"$(awk '$2 != $3 { printf "%s ", $1 }' "$T/exits0")"
	check "every CPU sent them within 3 s (flushed then >= last before)" \
		awk 'NR == FNR { last[$1] = $2; next } $3 < last[$1] { bad = 1 } END { exit bad }' \
		"$T/exits0" "$T/exits1"
	x1=$(usr1_exits)
	log "exits applied to the cache: ${x0:-?} then ${x1:-?}"
	check "the cache applied exits meanwhile (SIGUSR1's process cache line)" \
		test "${x1:-0}" -gt "${x0:-0}"
fi
check "SIGTERM: exit 0" stop_pidtree
finish
