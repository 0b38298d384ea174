# shellcheck shell=bash
# Helpers for pidtree's integration tests.  Sourced by each test script.
#
# Tests run as root, load the real BPF programs and make real connections,
# only ever to loopback (127.0.0.0/8, ::1) or to hosts in network namespaces
# the test creates itself.

set -u

top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
PIDTREE=${PIDTREE:-$top_builddir/pidtree}
CONNECTOR=$top_builddir/tests/helpers/connector
FIXTURES=$top_srcdir/tests/fixtures

T=$(mktemp -d /tmp/pidtree-test.XXXXXX)
PIDTREE_PID=
BG_KILL= # background helpers (listeners, servers) to stop at exit
FAILURES=0
CHECKS=0

cleanup() {
	if [ -n "$PIDTREE_PID" ] && kill -0 "$PIDTREE_PID" 2>/dev/null; then
		kill -KILL "$PIDTREE_PID" 2>/dev/null
	fi
	# shellcheck disable=SC2086
	[ -n "$BG_KILL" ] && kill $BG_KILL 2>/dev/null
	if [ "$FAILURES" -eq 0 ] || [ -z "${KEEP_TMP:-}" ]; then
		rm -rf "$T"
	fi
}
trap cleanup EXIT

log() { printf '# %s\n' "$*"; }

# pass/fail WHAT: one check that passed or failed
fail() {
	printf 'FAIL: %s\n' "$*"
	CHECKS=$((CHECKS + 1))
	FAILURES=$((FAILURES + 1))
}

pass() {
	printf 'ok: %s\n' "$*"
	CHECKS=$((CHECKS + 1))
}

# check DESCRIPTION COMMAND... : run a command, count it as one check
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: needs root to load BPF programs"
		exit 77
	fi
	mountpoint -q /sys/kernel/tracing 2>/dev/null || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true
	mountpoint -q /sys/fs/bpf 2>/dev/null || mount -t bpf bpf /sys/fs/bpf 2>/dev/null || true
}

# A port nobody uses (TCP or UDP), below the ephemeral range so that no
# socket the test opens later is given it by the kernel, and never handed out
# twice in one script (rand_port runs in $(...) subshells: remembered in a file).
rand_port() {
	local p lo span
	lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	span=$((lo - 10000))
	[ "$span" -gt 1000 ] || span=20000
	while :; do
		p=$((10000 + (RANDOM * 32768 + RANDOM) % span))
		grep -qx "$p" "$T/.ports" 2>/dev/null && continue
		ss -Htuan "sport = :$p" 2>/dev/null | grep -q . && continue
		echo "$p" >>"$T/.ports"
		echo "$p"
		return
	done
}

# start_pidtree OUT ARGS... : start the daemon writing JSON lines to OUT and
# wait until it reports ready (stderr in $T/pidtree.err).  OUT "" = no -f:
# ARGS choose the outputs.
start_pidtree() {
	local out=$1
	shift
	if [ -n "$out" ]; then
		: >"$out"
		set -- -f "$out" "$@"
	fi
	# emptied here, not by the shell's redirection in the background: the
	# loop below must not see the previous run's "ready"
	: >"$T/pidtree.err"
	"$PIDTREE" "$@" 2>>"$T/pidtree.err" &
	PIDTREE_PID=$!
	local i
	for i in $(seq 1 200); do
		if grep -q 'ready' "$T/pidtree.err" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$PIDTREE_PID" 2>/dev/null; then
			echo "pidtree exited during start-up:" >&2
			cat "$T/pidtree.err" >&2
			PIDTREE_PID=
			return 1
		fi
		sleep 0.1
	done
	echo "pidtree not ready after 20 s:" >&2
	cat "$T/pidtree.err" >&2
	return 1
}

# reload_pidtree: SIGHUP, and wait until the daemon logs the reload's outcome
# (accepted or failed)
reload_pidtree() {
	local n
	n=$(grep -c 'configuration reloaded\|reload failed' "$T/pidtree.err")
	kill -HUP "$PIDTREE_PID"
	for _ in $(seq 100); do
		[ "$(grep -c 'configuration reloaded\|reload failed' "$T/pidtree.err")" -gt "$n" ] && return
		sleep 0.05
	done
}

# not CMD...: CMD fails (for check)
not() { ! "$@"; }

# stop_pidtree: SIGTERM, expect exit status 0
stop_pidtree() {
	local rc=0
	[ -n "$PIDTREE_PID" ] || return 1
	kill -TERM "$PIDTREE_PID"
	wait "$PIDTREE_PID" || rc=$?
	PIDTREE_PID=
	return $rc
}

# wait_for OUT JQ-FILTER [TIMEOUT_S]: wait until a line of OUT matches
# (jq -e select(...)).  Prints the first matching event.
wait_for() {
	local out=$1 filter=$2 timeout=${3:-10} i
	for i in $(seq 1 $((timeout * 10))); do
		if jq -c "select($filter)" "$out" 2>/dev/null | head -n 1 | grep -q .; then
			jq -c "select($filter)" "$out" | head -n 1
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# seen OUT JQ-FILTER [TIMEOUT_S]: wait_for without output, for check
seen() { wait_for "$@" >/dev/null; }

# count OUT JQ-FILTER: number of events matching
count() {
	jq -c "select($2)" "$1" 2>/dev/null | wc -l
}

finish() {
	echo "$((CHECKS - FAILURES)) passed, $FAILURES failed"
	[ "$FAILURES" -eq 0 ]
	exit $?
}

NETTOOL=$top_srcdir/tests/helpers/nettool.py

# bg_listen OUTFILE ARGS...: nettool.py listen ARGS in the background; waits
# until it has bound and printed its port into OUTFILE.  Sets BG_PID.
bg_listen() {
	local out=$1 i
	shift
	: >"$out"
	python3 "$NETTOOL" listen "$@" >"$out" &
	BG_PID=$!
	for i in $(seq 1 100); do
		[ -s "$out" ] && return 0
		sleep 0.05
	done
	return 1
}

# detached CMD [ARG...]: runs CMD outside this script's process tree.  It is
# started through setsid -f and waits until its parent is no longer setsid, so
# by the time it execs CMD it hangs off pid 1 (or the nearest subreaper).
# Its events then have a short tree that does not depend on what runs the
# test: under make check the ancestors include make's recipe shells, whose
# cmdlines (every test's log name) make an event longer than a syslog
# record, and such an event is rightly refitted.  Sets DETACHED_PID (CMD's
# pid: it is exec'd); wait_detached waits until it has exited.
detached() {
	local f=$T/detached.pid i
	rm -f "$f"
	# shellcheck disable=SC2016
	setsid -f sh -c 'ppid() { set -- $(cat /proc/$$/stat); echo "$4"; }
		echo $$ >"$0.new" && mv "$0.new" "$0"
		while [ "$(cat /proc/$(ppid)/comm 2>/dev/null)" = setsid ]; do sleep 0.01; done
		exec "$@"' "$f" "$@" </dev/null
	for i in $(seq 1 500); do
		[ -s "$f" ] && break
		sleep 0.01
	done
	DETACHED_PID=$(cat "$f" 2>/dev/null)
	[ -n "$DETACHED_PID" ]
}
# wait_detached: until DETACHED_PID has exited (gone, or a zombie of a
# parent that does not reap; it is not this shell's child to wait for)
wait_detached() {
	local i st
	for i in $(seq 1 1000); do
		st=$(sed 's/^.*) \(.\).*/\1/' "/proc/$DETACHED_PID/stat" 2>/dev/null) || return 0
		[ -z "$st" ] || [ "$st" = Z ] && return 0
		sleep 0.02
	done
	return 1
}
