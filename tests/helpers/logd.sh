# shellcheck shell=bash
# Real log daemons for the sink tests: systemd-journald and rsyslogd, started
# and stopped by the tests themselves.  Sourced after lib.sh.

RFC5424=$top_srcdir/tests/helpers/rfc5424.py
JOURNALD_BIN=${JOURNALD_BIN:-/lib/systemd/systemd-journald}
JOURNAL_SOCKET=/run/systemd/journal/socket
JOURNALD_PID=

journald_running() {
	pgrep -x systemd-journal >/dev/null && [ -S "$JOURNAL_SOCKET" ]
}

# start_journald: use the running journald, or start one standalone (it
# creates /run/systemd/journal/socket itself).  Tests that need journald are
# serialised by a lock held until the script exits, so two of them never
# start, or stop, a journald under each other.
start_journald() {
	local i
	if [ -z "${JOURNALD_LOCKED:-}" ]; then
		# flock(1) locks the open file: open it once, or we wait for ourselves
		exec 8>/run/pidtree-test-journald.lock
		flock 8
		JOURNALD_LOCKED=1
	fi
	if journald_running; then
		log "using the running systemd-journald"
		return 0
	fi
	if [ -z "${JOURNALD_STARTED:-}" ]; then
		# remembered once: what to remove when the test is over
		JOURNALD_STARTED=1
		JOURNAL_NEW_DIRS=
		[ -d /run/systemd/journal ] || JOURNAL_NEW_DIRS="/run/systemd/journal"
		[ -d /run/log/journal ] || JOURNAL_NEW_DIRS="$JOURNAL_NEW_DIRS /run/log/journal"
	fi
	if [ ! -x "$JOURNALD_BIN" ]; then
		echo "no $JOURNALD_BIN: install the Debian package systemd" >&2
		return 1
	fi
	rm -f "$JOURNAL_SOCKET" # stale, from a journald that is gone
	"$JOURNALD_BIN" >"$T/journald.log" 2>&1 &
	JOURNALD_PID=$!
	for i in $(seq 1 100); do
		[ -S "$JOURNAL_SOCKET" ] && journalctl -n 0 >/dev/null 2>&1 && return 0
		kill -0 "$JOURNALD_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "systemd-journald did not start:" >&2
	cat "$T/journald.log" >&2
	return 1
}

# stop_journald: stop the journald this test started (if any) and remove the
# sockets it left, so the host looks as before.
stop_journald() {
	[ -n "$JOURNALD_PID" ] || return 0
	kill -CONT "$JOURNALD_PID" 2>/dev/null
	kill -TERM "$JOURNALD_PID" 2>/dev/null
	wait "$JOURNALD_PID" 2>/dev/null
	JOURNALD_PID=
	rm -f /run/systemd/journal/socket /run/systemd/journal/stdout \
		/run/systemd/journal/dev-log /run/systemd/journal/io.systemd.journal
}

# restart_journald: stop the journald this test started and start a new one.
restart_journald() {
	stop_journald && start_journald
}

# journal_entries JOURNALCTL-ARGS...: the matching entries as JSON lines,
# every field shown whatever its size (--all).
journal_entries() {
	journalctl --no-pager --all -o json "$@" 2>/dev/null
}

# wait_journal N TIMEOUT_S JOURNALCTL-ARGS...: until at least N entries match
wait_journal() {
	local n=$1 timeout=$2 i
	shift 2
	for i in $(seq 1 $((timeout * 10))); do
		[ "$(journal_entries "$@" | wc -l)" -ge "$n" ] && return 0
		sleep 0.1
	done
	return 1
}

# ---- rsyslog ------------------------------------------------------------------

# The template a collector writes: the RFC 5424 record as received, one line.
RSYSLOG_TEMPLATE='template(name="rfc5424" type="string" string="<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% %APP-NAME% %PROCID% %MSGID% %STRUCTURED-DATA% %msg%\n")'

# collector_conf PORT: $T/rsyslog.conf for a collector receiving on
# 127.0.0.1:PORT (imtcp and imudp) and on the unix socket $T/log.sock, each
# input's records written as received to $T/tcp.log, udp.log and unix.log.
collector_conf() {
	local port=$1
	mkdir -p "$T/rs"
	cat >"$T/rsyslog.conf" <<CONF
global(workDirectory="$T/rs" maxMessageSize="64k")
module(load="imuxsock" SysSock.Use="off")
module(load="imtcp")
module(load="imudp")
$RSYSLOG_TEMPLATE
input(type="imtcp" address="127.0.0.1" port="$port" ruleset="tcp")
input(type="imudp" address="127.0.0.1" port="$port" ruleset="udp")
input(type="imuxsock" Socket="$T/log.sock" UseSpecialParser="off" ParseHostname="on"
      UseSysTimeStamp="off" IgnoreTimestamp="off" RateLimit.Interval="0" ruleset="unix")
ruleset(name="tcp") { action(type="omfile" file="$T/tcp.log" template="rfc5424") }
ruleset(name="udp") { action(type="omfile" file="$T/udp.log" template="rfc5424") }
ruleset(name="unix") { action(type="omfile" file="$T/unix.log" template="rfc5424") }
CONF
}

# start_rsyslog NAME CONF [WAIT...]: rsyslogd -n -f CONF in the background,
# its pid in RSYSLOG_PIDS[NAME]; waits for each WAIT: a TCP port number to
# listen on 127.0.0.1, or a unix socket path to exist.
declare -A RSYSLOG_PIDS
start_rsyslog() {
	local name=$1 conf=$2 w i ok
	shift 2
	rm -f "$T/rsyslog-$name.pid"
	rsyslogd -n -f "$conf" -i "$T/rsyslog-$name.pid" >>"$T/rsyslog-$name.log" 2>&1 &
	RSYSLOG_PIDS[$name]=$!
	for i in $(seq 1 100); do
		ok=1
		for w in "$@"; do
			case $w in
			/*) [ -S "$w" ] || ok= ;;
			*) ss -Htln "sport = :$w" 2>/dev/null | grep -q . || ok= ;;
			esac
		done
		[ -n "$ok" ] && return 0
		kill -0 "${RSYSLOG_PIDS[$name]}" 2>/dev/null || break
		sleep 0.05
	done
	echo "rsyslogd $name did not start:" >&2
	cat "$T/rsyslog-$name.log" >&2
	return 1
}

# stop_rsyslog NAME: SIGTERM (rsyslog writes out what it received) and wait
stop_rsyslog() {
	local pid=${RSYSLOG_PIDS[$1]:-}
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	RSYSLOG_PIDS[$1]=
}

stop_all_logd() {
	local n
	for n in "${!RSYSLOG_PIDS[@]}"; do
		stop_rsyslog "$n"
	done
	stop_journald
	# a journald started here leaves the host as it found it
	# shellcheck disable=SC2086
	[ -n "${JOURNALD_STARTED:-}" ] && [ -n "$JOURNAL_NEW_DIRS" ] && rm -rf $JOURNAL_NEW_DIRS
	return 0
}

# records FILE JQ-FILTER: parse FILE's RFC 5424 records (every one must be
# well formed) and print those matching, one JSON object per line
records() {
	python3 "$RFC5424" "$1" | jq -c "select($2)"
}

# well_formed FILE: every record of FILE parses as RFC 5424
well_formed() {
	python3 "$RFC5424" "$1" >/dev/null
}

# jq_true FILTER JSON-TEXT: the JSON parses and FILTER is true for it
jq_true() {
	[ -n "$2" ] && jq -e "$1" >/dev/null 2>&1 <<<"$2"
}

# sd_param RECORD-JSON NAME: the first value of SD parameter NAME
sd_param() {
	jq -r --arg n "$2" '[.sd[][] | select(.[0] == $n)][0][1] // empty' <<<"$1"
}

# wait_file FILE GREP-PATTERN [TIMEOUT_S]: until a line of FILE matches
wait_file() {
	local f=$1 pat=$2 timeout=${3:-10} i
	for i in $(seq 1 $((timeout * 10))); do
		grep -qF -- "$pat" "$f" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# log daemons go before lib.sh's cleanup removes $T
trap 'stop_all_logd; cleanup' EXIT
