#!/bin/bash
# Runs in the VM of tests/vm/systemd.sh, as pidtree-vmtest.service, once
# systemd (PID 1) has reached multi-user.target: what an administrator does
# with the pidtree package and checks with systemctl and journalctl.  Every
# command is printed ("$ command", its output indented below it); checks
# print "ok:" or "FAIL:" (lib.sh).
#
# Phase "install": dpkg -i, the service enabled and started by the
# maintainer scripts, systemctl status.  With REBOOT=1 the guest then
# reboots, and phase "main" (the rest: see the sections below) begins in
# boot 2 by checking that systemd started pidtree at boot; without (the
# default: a boot costs 90 s of TCG), "main" follows in the same boot.
# The phase is kept in /var/lib/pidtree-vmtest.  Then poweroff.
#
# Environment (from the unit): top_srcdir, top_builddir (snapshots of the
# trees), PIDTREE_DEB, PIDTREE_DEB_UP (the same package with a higher
# version), FLOOD (connects of each journald flood), REBOOT.  For development:
# VMTEST_SECTIONS="name ..." runs only those sections of boot 2.
set -u
cd /tmp || exit 1
# shellcheck source=tests/integration/lib.sh
. "$top_srcdir/tests/integration/lib.sh"
# shellcheck source=tests/helpers/logd.sh
. "$top_srcdir/tests/helpers/logd.sh"
LOADGEN=$top_builddir/bench/loadgen
EXAMPLE_SO=$top_builddir/tests/plugins/example.so
ACCEPTOR=$top_builddir/tests/helpers/acceptor
FLOOD=${FLOOD:-600}
REBOOT=${REBOOT:-0}
STATE=/var/lib/pidtree-vmtest
ETC=/etc/pidtree
mkdir -p "$STATE"
phase=$(cat "$STATE/phase" 2>/dev/null || echo install)

marker() { echo "PIDTREE-VM: $* uptime=$(cut -d' ' -f1 /proc/uptime)"; }
section() { printf '\n# ---- %s (uptime %s)\n' "$*" "$(cut -d' ' -f1 /proc/uptime)"; }

# run CMD...: print the command, run it, print its output indented; the
# output stays in $T/out, the status is CMD's
run() {
	local rc t=$SECONDS
	printf '$ %s\n' "$*"
	"$@" >"$T/out" 2>&1
	rc=$?
	sed 's/^/    /' "$T/out"
	[ $rc -eq 0 ] || echo "    (exit status $rc)"
	[ $((SECONDS - t)) -lt 5 ] || echo "    ($((SECONDS - t)) s)"
	return $rc
}
# sh_run 'COMMAND LINE': the same for a shell pipeline
sh_run() {
	printf '$ %s\n' "$1"
	bash -c "$1" >"$T/out" 2>&1
	local rc=$?
	sed 's/^/    /' "$T/out"
	[ $rc -eq 0 ] || echo "    (exit status $rc)"
	return $rc
}
# out_has TEXT: the last command's output holds TEXT
out_has() { grep -qF -- "$1" "$T/out"; }
# svc PROPERTY: systemctl show's value for pidtree.service
svc() { systemctl show -p "$1" --value pidtree.service; }
# wait_until TIMEOUT_S CMD...: until CMD succeeds, for TIMEOUT_S seconds of
# wall time (under TCG a jq or journalctl run alone can take a second)
wait_until() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" && return 0
		[ $SECONDS -lt "$end" ] || return 1
		sleep 0.3
	done
}
# json_match FILE FILTER: the first JSON line of FILE matching (jq select)
json_match() { jq -c "select($2)" "$1" 2>/dev/null | head -n 1 | grep .; }
# json_wait FILE FILTER TIMEOUT_S: wait for it, print it
json_wait() { wait_until "$3" json_match "$1" "$2" >/dev/null && json_match "$1" "$2"; }
json_seen() { json_wait "$@" >/dev/null; }
# entries ARGS...: how many journal entries match
entries() { journalctl -q --no-pager -o cat "$@" 2>/dev/null | wc -l; }
# own ARGS...: pidtree's own log lines of the running invocation (stderr)
own() { journalctl -q --no-pager _SYSTEMD_INVOCATION_ID="$(svc InvocationID)" _TRANSPORT=stdout "$@"; }
# event_seen PORT [TIMEOUT]: a tcp_connect entry for 127.0.0.1:PORT in the journal
event_seen() {
	wait_until "${2:-20}" eval '[ "$(entries -t pidtree PIDTREE_DADDR=127.0.0.1 PIDTREE_PORT='"$1"')" -gt 0 ]'
}
# reload: systemctl reload, then wait for pidtree's verdict in the journal
reload() {
	local n
	n=$(own -o cat | grep -c 'configuration reloaded\|reload failed')
	run systemctl reload pidtree || return 1
	wait_until 60 eval '[ "$(own -o cat | grep -c "configuration reloaded\|reload failed")" -gt '"$n"' ]'
}
# verdict_ok: pidtree's last reload verdict is a success (outputs a reload
# closes log their totals after it)
verdict_ok() { own -o cat | grep 'configuration reloaded\|reload failed' | tail -n 1 | grep -q 'configuration reloaded'; }
# connect PORT MARKER: one TCP connect to 127.0.0.1:PORT; CPID = its pid
connect() {
	printf '$ %s 127.0.0.1 %s %s\n' "$CONNECTOR" "$1" "$2"
	"$CONNECTOR" 127.0.0.1 "$1" "$2" &
	CPID=$!
	wait $CPID
}
yml() { cat >"$ETC/pidtree.yml"; printf '$ cat %s\n' "$ETC/pidtree.yml"; sed 's/^/    /' "$ETC/pidtree.yml"; }
conf() { cat >"$ETC/pidtree.conf"; printf '$ cat %s\n' "$ETC/pidtree.conf"; sed 's/^/    /' "$ETC/pidtree.conf"; }
want() { [ -z "${VMTEST_SECTIONS:-}" ] || [[ " $VMTEST_SECTIONS " == *" $1 "* ]]; }
finish_phase() {
	marker "PHASE $phase ended: $((CHECKS - FAILURES)) passed, $FAILURES failed"
	# the journal of this boot stays on the disk image for a post-mortem
	journalctl --sync
	sync
}

marker "PHASE $phase"
run systemctl is-system-running --wait

# ===========================================================================
if [ "$phase" = install ]; then
	section "install: dpkg -i, the maintainer scripts enable and start the service"
	check "no policy-rc.d forbids starting services (tests/vm/systemd.sh hides this machine's)" \
		test ! -e /usr/sbin/policy-rc.d
	check "dpkg -i $(basename "$PIDTREE_DEB")" run dpkg -i "$PIDTREE_DEB"
	check "the postinst started the service (no 'not running' note)" not out_has "not running"
	check "systemctl is-enabled pidtree: enabled" run systemctl is-enabled pidtree
	check "systemctl is-active pidtree: active" run systemctl is-active pidtree
	[ "$(svc ActiveState)" = active ] || run journalctl -b -u pidtree --no-pager
	check "systemctl status pidtree: active (running)" run systemctl status pidtree
	check "  its Status: line is pidtree's STATUS= text" \
		grep -q '^ *Status: "events [0-9]* (.*/s); lost: kernel 0' "$T/out"
	echo main >"$STATE/phase"
	finish_phase
	if [ "$REBOOT" = 1 ]; then
		marker "REBOOT"
		# (what systemctl reboot does, without asking logind, masked here)
		systemctl start --job-mode=replace-irreversibly --no-block reboot.target
		exit 0
	fi
	phase=main
	marker "PHASE $phase (same boot)"
fi

# ===========================================================================
if [ "$REBOOT" = 1 ]; then
	section "after the reboot"
	check "systemctl is-active pidtree: active (started at boot)" run systemctl is-active pidtree
	check "  started once this boot, by systemd, not restarted" \
		test "$(svc NRestarts)" = 0 -a "$(journalctl -b -q -u pidtree -o cat | grep -c '^ready$')" = 1
	run systemctl status pidtree
	[ "$(svc ActiveState)" = active ] || run journalctl -b -u pidtree --no-pager
fi

P_A=$(rand_port) P_B=$(rand_port) P_C=$(rand_port)

if want ready; then
	section "systemctl restart; a connect made right after it returns is reported"
	yml <<YML
tcp_connect:
  includeports: [$P_A]
YML
	pid1=$(svc MainPID)
	# (restart: a stop, then a start that returns once READY=1 came)
	check "systemctl restart pidtree" run systemctl restart pidtree
	[ "$(svc ActiveState)" = active ] || run journalctl --no-pager -u pidtree -n 30 -o cat
	connect "$P_A" marker-after-start
	A_PID=$CPID
	check "  the connect made as restart returned is in the journal" event_seen "$P_A"
	check "  systemctl is-active pidtree: active, a new main process" \
		eval 'run systemctl is-active pidtree && [ "$(svc MainPID)" != "$pid1" ]'
fi

if want journal; then
	section "journalctl: the event's fields, the catalog, pidtree's own log lines"
	check "journalctl -t pidtree PIDTREE_DADDR=127.0.0.1 PIDTREE_PORT=$P_A" \
		run journalctl --no-pager --all -o json -t pidtree PIDTREE_DADDR=127.0.0.1 PIDTREE_PORT="$P_A"
	EV=$(head -n 1 "$T/out")
	f() { jq -r "$1" <<<"$EV"; }
	check "  one entry" test "$(wc -l <"$T/out")" = 1
	check "  PIDTREE_PROBE=tcp_connect PIDTREE_PID=$A_PID PIDTREE_SADDR=127.0.0.1 PIDTREE_USERNAME=root" \
		test "$(f '[.PIDTREE_PROBE, .PIDTREE_PID, .PIDTREE_SADDR, .PIDTREE_USERNAME] | join(" ")')" = \
		"tcp_connect $A_PID 127.0.0.1 root"
	check "  PIDTREE_CMDLINE is the connector's" test "$(f .PIDTREE_CMDLINE)" = "$CONNECTOR 127.0.0.1 $P_A marker-after-start"
	check "  PIDTREE_PROCTREE_JSON: the connector, ..., pid 1" \
		test "$(f '.PIDTREE_PROCTREE_JSON | fromjson | "\(.[0].pid) \(.[-1].pid)"')" = "$A_PID 1"
	check "  no PIDTREE_EVENT_JSON ([journald] event_json = no, the default)" \
		test "$(f 'has("PIDTREE_EVENT_JSON")')" = false
	check "  MESSAGE_ID, PRIORITY=6, SYSLOG_IDENTIFIER=pidtree, _SYSTEMD_UNIT=pidtree.service" \
		test "$(f '[.MESSAGE_ID, .PRIORITY, .SYSLOG_IDENTIFIER, ._SYSTEMD_UNIT] | join(" ")')" = \
		"dc4cef5a2d98417a9d22e6f2a455162d 6 pidtree pidtree.service"
	check "journalctl -x: the catalog explains the entry" \
		run journalctl --no-pager -x -t pidtree PIDTREE_PORT="$P_A"
	check "  its subject, with the event's fields" out_has "Subject: Outbound TCP connection to 127.0.0.1 port $P_A by pid $A_PID"
	check "  its text" out_has "pidtree's tcp_connect probe saw a process open a TCP connection"
	check "journalctl -u pidtree _TRANSPORT=stdout: pidtree's own lines (stderr, <N> prefixes parsed)" \
		sh_run "journalctl --no-pager -u pidtree -b _TRANSPORT=stdout -o json | jq -r '\"PRIORITY=\(.PRIORITY) \(.MESSAGE)\"' | tail -n 8"
	check "  'ready' at PRIORITY=6 (info), no '<6>' left in the text" out_has "PRIORITY=6 ready"
	check "  no message carries a raw <N> prefix" not grep -q ' <[0-7]>' "$T/out"
fi

if want reload; then
	section "systemctl reload: a new filter; a broken edit keeps the old one"
	yml <<YML
tcp_connect:
  includeports: [$P_B]
YML
	check "systemctl reload pidtree (new includeports)" reload
	check "  pidtree says: configuration reloaded" verdict_ok
	connect "$P_A" marker-old-port
	connect "$P_B" marker-new-port
	check "  the new port is reported" event_seen "$P_B"
	check "  the old port no longer" test "$(entries -t pidtree PIDTREE_PORT="$P_A" PIDTREE_CMDLINE="$CONNECTOR 127.0.0.1 $P_A marker-old-port")" = 0
	yml <<YML
tcp_connect:
  includeports: [$P_C
YML
	since=$(date '+%Y-%m-%d %H:%M:%S')
	check "systemctl reload pidtree (broken YAML)" reload
	check "  the unit stays active" run systemctl is-active pidtree
	check "  the error is in the journal at priority err, with file:line" \
		sh_run "journalctl --no-pager -u pidtree -p err --since '$since' -o cat"
	check "  ... naming /etc/pidtree/pidtree.yml" out_has "$ETC/pidtree.yml:"
	check "  ... and 'reload failed'" out_has "reload failed"
	connect "$P_C" marker-broken-port
	connect "$P_B" marker-still-new
	check "  the running filter stays in force" \
		eval 'wait_until 20 eval "[ \"\$(entries -t pidtree PIDTREE_CMDLINE=\"$CONNECTOR 127.0.0.1 $P_B marker-still-new\")\" = 1 ]"'
	check "  the broken edit's port is not reported" test "$(entries -t pidtree PIDTREE_PORT="$P_C")" = 0
	yml <<YML
tcp_connect:
  includeports: [$P_A]
YML
	reload
fi

if want watchdog; then
	section "watchdog: a stopped pidtree is killed and restarted (the unit's WatchdogSec=30s)"
	wd=$(svc WatchdogUSec) pid1=$(svc MainPID) n1=$(svc NRestarts)
	up=$(( $(date +%s) - $(date -d "$(svc ActiveEnterTimestamp)" +%s) ))
	run systemctl show -p WatchdogUSec -p MainPID -p NRestarts -p ActiveEnterTimestamp pidtree
	check "  WatchdogUSec=30s" test "$wd" = 30s
	# the watchdog runs from READY=1 on: a process active for longer than
	# the period, never restarted, has been sending WATCHDOG=1
	[ "$up" -gt 35 ] || run sleep $((36 - up))
	check "  active for more than 30 s, not restarted: WATCHDOG=1 arrives" \
		test "$(svc MainPID) $(svc NRestarts)" = "$pid1 $n1"
	since=$(date '+%Y-%m-%d %H:%M:%S')
	t0=$SECONDS
	run kill -STOP "$pid1"
	check "  SIGSTOP: a new main process within 90 s" \
		wait_until 90 eval '[ "$(svc MainPID)" != "'"$pid1"'" ] && [ "$(svc MainPID)" != 0 ] && [ "$(svc ActiveState)" = active ]'
	echo "    (restarted $((SECONDS - t0)) s after SIGSTOP)"
	check "  systemd logged the watchdog timeout" \
		sh_run "journalctl --no-pager -u pidtree --since '$since' -o cat | grep -i 'watchdog timeout'"
	check "  NRestarts went up" test "$(svc NRestarts)" -gt "$n1"
	run systemctl show -p MainPID -p NRestarts -p ActiveState pidtree
fi

if want broken; then
	section "a broken configuration at start: exit 78, no restart loop"
	cp "$ETC/pidtree.yml" "$T/good.yml"
	yml <<'YML'
tcp_connect:
  includeports: [not-a-port]
YML
	since=$(date '+%Y-%m-%d %H:%M:%S')
	check "systemctl restart pidtree fails" not run systemctl restart pidtree
	check "  ExecMainStatus=78 (EX_CONFIG), Result=exit-code, ActiveState=failed" \
		test "$(svc ExecMainStatus) $(svc Result) $(svc ActiveState)" = "78 exit-code failed"
	n1=$(svc NRestarts)
	run sleep 5
	check "  5 s later (RestartSec=2s): still failed, not restarted" \
		test "$(svc ActiveState) $(svc NRestarts)" = "failed $n1"
	check "  the error is in the journal (err, file:line)" \
		sh_run "journalctl --no-pager -u pidtree -p err --since '$since' -o cat"
	check "  ... naming /etc/pidtree/pidtree.yml" out_has "$ETC/pidtree.yml:"
	run systemctl status pidtree
	cp "$T/good.yml" "$ETC/pidtree.yml"
	check "fixed: systemctl start pidtree" run systemctl start pidtree
fi

if want hardening; then
	section "every probe and output under the unit's hardening"
	P_T=$(rand_port) P_PRE=$(rand_port) P_L=$(rand_port) P_U=$(rand_port) P_COL=$(rand_port)
	P_LU=$(rand_port) P_ACC=$(rand_port) P_N=$(rand_port)
	# a DNS server of the test's own on loopback, port 53 (the dns probe's
	# default), for the destination name of a connect
	NS=127.77.9.1
	run dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
		--listen-address=$NS --port=53 --user=root --pid-file="$T/dnsmasq.pid" \
		--host-record=vm.dnsint.test,127.0.0.41
	check "dnsmasq answers on $NS:53" \
		wait_until 20 eval "dig +time=1 +tries=1 +short @$NS vm.dnsint.test | grep -qx 127.0.0.41"
	# the shipped rsyslog snippet, its placeholders replaced by a collector
	# on loopback (a second rsyslogd: the "SIEM")
	SNIPPET=/usr/share/doc/pidtree/examples/rsyslog-pidtree.conf
	check "the package ships $SNIPPET" test -f "$SNIPPET"
	sed -e "s|siem\.example\.net|127.0.0.1|g" -e "s|port=\"6514\"|port=\"$P_COL\"|g" "$SNIPPET" \
		>/etc/rsyslog.d/30-pidtree.conf
	run diff "$SNIPPET" /etc/rsyslog.d/30-pidtree.conf
	mkdir -p "$T/col"
	cat >"$T/collector.conf" <<CONF
global(workDirectory="$T/col")
module(load="imtcp")
$RSYSLOG_TEMPLATE
input(type="imtcp" address="127.0.0.1" port="$P_COL" ruleset="in")
ruleset(name="in") { action(type="omfile" file="$T/collected.log" template="rfc5424") }
CONF
	check "the collector (rsyslogd, imtcp on 127.0.0.1:$P_COL) starts" \
		start_rsyslog collector "$T/collector.conf" "$P_COL"
	check "systemctl restart rsyslog (with the snippet)" run systemctl restart rsyslog
	check "  rsyslog made /run/rsyslog/pidtree.sock" wait_until 20 test -S /run/rsyslog/pidtree.sock
	# a hostfile for sourceipmap, an external plugin
	printf '127.0.0.1 vm-loopback-name\n' >"$ETC/hosts"
	mkdir -p /usr/local/lib/pidtree/plugins
	install -m 0644 "$EXAMPLE_SO" /usr/local/lib/pidtree/plugins/example.so
	conf <<'EOF'
[daemon]
probes = pidtree.yml
extra_plugin_path = /usr/local/lib/pidtree/plugins
[output]
sink = journald, syslog:unix:/run/rsyslog/pidtree.sock, json:/var/log/pidtree/events.json, syslog
EOF
	yml <<YML
tcp_connect:
  includeports: [$P_T, $P_N]
  plugins:
    sourceipmap:
      hostfiles: [$ETC/hosts]
    loginuidmap:
    example:
      value: hello-from-the-vm
net_listen:
  protocols: [tcp, udp]
  snapshot_periodicity: 3600
  snapshot_delay: 1
  includeports: [$P_PRE, $P_L, $P_LU]
udp_session:
  includeports: [$P_U]
  session_max_duration: 2
tcp_accept:
  includeports: [$P_ACC]
YML
	# tcp_accept's perf tracepoints need kernel.perf_event_paranoid 2 or
	# less under the unit (Debian's kernel defaults to 3: pidtree(8),
	# KERNEL REQUIREMENTS); what the administrator does, persistently
	run sysctl kernel.perf_event_paranoid
	printf 'kernel.perf_event_paranoid = 2\n' >/etc/sysctl.d/60-pidtree.conf
	check "sysctl --system with /etc/sysctl.d/60-pidtree.conf: perf_event_paranoid 2" \
		eval 'sysctl --system >/dev/null && [ "$(sysctl -n kernel.perf_event_paranoid)" = 2 ]'
	# a listener older than pidtree: only a snapshot can report it
	bg_listen "$T/pre" tcp 127.1.33.9 "$P_PRE" 300 marker-pre-listener
	PRE_PID=$BG_PID
	since=$(date '+%Y-%m-%d %H:%M:%S')
	pid1=$(svc MainPID)
	check "systemctl restart pidtree (every probe, four outputs, plugins)" run systemctl restart pidtree
	# (why, when it did not start)
	[ "$(svc ActiveState)" = active ] || run journalctl --no-pager -u pidtree --since "$since" -o cat
	check "  systemctl is-active pidtree after the restart; a new main process" \
		eval 'run systemctl is-active pidtree && [ "$(svc MainPID)" != "$pid1" ]'
	run systemctl status pidtree
	JSON=/var/log/pidtree/events.json
	check "net_listen snapshot: the older listener" \
		json_seen "$JSON" ".probe == \"net_listen\" and .port == $P_PRE and .snapshot == true and .pid == $PRE_PID" 60
	sh -c "echo 4242 >/proc/self/loginuid && exec $CONNECTOR 127.0.0.1 $P_T marker-hardened" &
	T_PID=$!
	wait $T_PID
	printf '$ (loginuid 4242) %s 127.0.0.1 %s marker-hardened\n' "$CONNECTOR" "$P_T"
	bg_listen "$T/l" tcp 127.1.33.7 "$P_L" 0 marker-live-listener
	L_PID=$BG_PID
	wait "$L_PID"
	bg_listen "$T/lu" udp 127.0.0.1 "$P_LU" 0 marker-udp-bind
	LU_PID=$BG_PID
	wait "$LU_PID"
	printf '$ %s listen tcp 127.1.33.7 %s 0 ... (pid %s); listen udp 127.0.0.1 %s 0 ... (pid %s)\n' \
		"$NETTOOL" "$P_L" "$L_PID" "$P_LU" "$LU_PID"
	U_PID=$(python3 "$NETTOOL" send marker-udp 127.0.0.1 "$P_U" 3)
	printf '$ %s send marker-udp 127.0.0.1 %s 3  -> pid %s\n' "$NETTOOL" "$P_U" "$U_PID"
	# tcp_accept: a server that accepts one connection
	printf '$ ACCEPTOR_PORT=%s %s accept 127.0.0.1 1 marker-accept &\n' "$P_ACC" "$ACCEPTOR"
	ACCEPTOR_PORT=$P_ACC "$ACCEPTOR" accept 127.0.0.1 1 marker-accept >"$T/acc.out" &
	ACC_PID=$!
	wait_until 20 test -s "$T/acc.out"
	connect "$P_ACC" marker-to-acceptor
	wait "$ACC_PID"
	# dns: the name a lookup gave, on the connect that follows it
	run dig +short @$NS vm.dnsint.test
	printf '$ %s 127.0.0.41 %s marker-named\n' "$CONNECTOR" "$P_N"
	"$CONNECTOR" 127.0.0.41 "$P_N" marker-named &
	N_PID=$!
	wait "$N_PID"
	EV=$(json_wait "$JSON" ".probe == \"tcp_connect\" and .port == $P_T" 30)
	check "tcp_connect in $JSON" test -n "$EV"
	check "  sourceipmap: source_host from $ETC/hosts" test "$(jq -r .source_host <<<"$EV")" = vm-loopback-name
	check "  loginuidmap: loginuid 4242" test "$(jq -r '.proctree[0].loginuid' <<<"$EV")" = 4242
	check "  the external plugin (example.so)" grep -q hello-from-the-vm <<<"$EV"
	check "net_listen: the live listener" \
		json_seen "$JSON" ".probe == \"net_listen\" and .port == $P_L and .pid == $L_PID and .protocol == \"tcp\"" 30
	check "udp_session: the session, 3 datagrams" \
		json_seen "$JSON" ".probe == \"udp_session\" and .pid == $U_PID and .destinations[0].port == $P_U and .destinations[0].msg_count == 3" 30
	check "net_listen: the UDP bind" \
		json_seen "$JSON" ".probe == \"net_listen\" and .port == $P_LU and .pid == $LU_PID and .protocol == \"udp\"" 30
	check "tcp_accept: the accepted connection" \
		json_seen "$JSON" ".probe == \"tcp_accept\" and .port == $P_ACC and .pid == $ACC_PID" 30
	check "dns: the connect after the lookup carries daddr_name vm.dnsint.test" \
		json_seen "$JSON" ".probe == \"tcp_connect\" and .pid == $N_PID and .daddr == \"127.0.0.41\" and .daddr_name == \"vm.dnsint.test\"" 30
	check "  and in the journal, PIDTREE_DADDR_NAME" \
		wait_until 20 eval '[ "$(entries -t pidtree PIDTREE_PID='"$N_PID"' PIDTREE_DADDR_NAME=vm.dnsint.test)" = 1 ]'
	run ls -l "$JSON"
	check "  $JSON: root-owned, not world-readable" \
		test "$(stat -c '%U %A' "$JSON" | cut -c1-12)" = "root -rw-r----" -o "$(stat -c '%U %A' "$JSON")" = "root -rw-------"
	check "  every line of $JSON is JSON" jq -e . "$JSON" >/dev/null
	check "journald: the tcp_connect, with PIDTREE_SOURCE_HOST" \
		run journalctl --no-pager -o json -t pidtree PIDTREE_PORT="$P_T" PIDTREE_SOURCE_HOST=vm-loopback-name
	check "journald: the udp_session" \
		wait_until 20 eval '[ "$(entries -t pidtree PIDTREE_PROBE=udp_session PIDTREE_PID='"$U_PID"')" = 1 ]'
	check "journald: the snapshot" \
		wait_until 20 eval '[ "$(entries -t pidtree PIDTREE_PROBE=net_listen PIDTREE_PID='"$PRE_PID"')" -ge 1 ]'
	check "syslog -> guest rsyslog -> TCP collector: the tcp_connect, RFC 5424" \
		wait_file "$T/collected.log" "port=\"$P_T\"" 30
	R=$(records "$T/collected.log" ".msgid == \"tcp_connect\" and (.sd[][] | select(.[0] == \"port\") | .[1]) == \"$P_T\"")
	check "  well-formed, APP-NAME pidtree, MSG = the JSON event byte for byte" \
		test "$(jq -r '"\(.app_name) \(.msg)"' <<<"$R")" = "pidtree $EV"
	check "syslog: the udp_session and net_listen records too" \
		eval 'wait_file "$T/collected.log" "tcp_connect" 1 && wait_until 20 eval "grep -q \" udp_session \" \"$T/collected.log\" && grep -q \" net_listen \" \"$T/collected.log\""'
	run sh -c "tail -n 3 $T/collected.log | cut -c1-200"
	check "syslog to /dev/log (journald's socket, under PrivateDevices=): the record" \
		wait_until 20 eval 'journalctl -q --no-pager _TRANSPORT=syslog _SYSTEMD_UNIT=pidtree.service -o cat | grep -q "port=\"$P_T\""'
	# (but the SD-ID notice, and the slow name service one: under TCG on a
	# loaded host a user name lookup can take over 100 ms, even root's)
	check "pidtree's warnings and errors under the hardening (none but those notices)" \
		sh_run "journalctl --no-pager -u pidtree --since '$since' _TRANSPORT=stdout -p warning -o cat | grep -v 'pidtree@32473\|looking up the user name of uid [0-9]* took' | { ! grep .; }"
	run sh -c "journalctl --no-pager -u pidtree --since '$since' _TRANSPORT=stdout -o cat | head -n 30"
	kill "$PRE_PID" "$(cat "$T/dnsmasq.pid")" 2>/dev/null
	stop_rsyslog collector
	# the journal alone from here on, with room for the flood's burst
	conf <<'EOF'
[output]
sink = journald
[journald]
queue_size = 64M
EOF
	yml <<YML
tcp_connect:
  includeports: [$P_A]
YML
	check "  back to the journal alone: systemctl reload" reload
	check "  ... configuration reloaded" verdict_ok
fi

if want fleet; then
	section "many hosts: systemd-journal-upload -> systemd-journal-remote"
	P_JR=$(rand_port) P_F=$(rand_port)
	REMOTE=/var/log/journal/remote-vmtest
	mkdir -p "$REMOTE"
	chown systemd-journal-remote:systemd-journal-remote "$REMOTE"
	# the receiver, as its packaged unit runs it (user, output directory),
	# on loopback over plain HTTP (the unit's default is HTTPS with keys)
	check "systemd-journal-remote listens on 127.0.0.1:$P_JR" \
		run systemd-run --unit=vmtest-journal-remote -p User=systemd-journal-remote \
		/lib/systemd/systemd-journal-remote --listen-http=127.0.0.1:"$P_JR" --output="$REMOTE/"
	wait_until 30 eval "ss -Htln 'sport = :$P_JR' | grep -q ."
	yml <<YML
tcp_connect:
  includeports: [$P_F]
YML
	reload
	# the sender: the packaged unit, its URL in a drop-in; it starts after
	# the cursor in its state file (as it keeps it), here the journal's end
	# before the event: a host joining the fleet from now on
	cursor=$(journalctl -q -n 1 -o export | sed -n 's/^__CURSOR=//p')
	connect "$P_F" marker-fleet
	F_PID=$CPID
	check "  the event is in the local journal" event_seen "$P_F"
	mkdir -p /etc/systemd/journal-upload.conf.d /var/lib/private/systemd/journal-upload
	printf '[Upload]\nURL=http://127.0.0.1:%s\n' "$P_JR" >/etc/systemd/journal-upload.conf.d/vmtest.conf
	run cat /etc/systemd/journal-upload.conf.d/vmtest.conf
	printf 'LAST_CURSOR=%s\n' "$cursor" >/var/lib/private/systemd/journal-upload/state
	run cat /var/lib/private/systemd/journal-upload/state
	check "systemctl start systemd-journal-upload" run systemctl start systemd-journal-upload
	check "  the event arrives: journalctl -D $REMOTE -t pidtree PIDTREE_DADDR=127.0.0.1 PIDTREE_PORT=$P_F" \
		wait_until 120 eval '[ "$(journalctl -q -D "$REMOTE" -t pidtree PIDTREE_DADDR=127.0.0.1 PIDTREE_PORT='"$P_F"' -o cat 2>/dev/null | wc -l)" = 1 ]'
	run journalctl --no-pager -D "$REMOTE" -t pidtree PIDTREE_DADDR=127.0.0.1 PIDTREE_PORT="$P_F" -o verbose
	pick='with_entries(select(.key | startswith("PIDTREE_")))'
	local_f=$(journalctl -q --all -o json -t pidtree PIDTREE_PORT="$P_F" | jq -cS "$pick")
	remote_f=$(journalctl -q --all -o json -D "$REMOTE" -t pidtree PIDTREE_PORT="$P_F" | jq -cS "$pick")
	check "  every PIDTREE_* field intact ($(jq 'length' <<<"$local_f") fields)" \
		test -n "$local_f" -a "$local_f" = "$remote_f"
	check "  PIDTREE_PID is the connector's" test "$(jq -r .PIDTREE_PID <<<"$remote_f")" = "$F_PID"
	check "  _HOSTNAME pidtree-vm, _SYSTEMD_UNIT pidtree.service kept" \
		test "$(journalctl -q --all -o json -D "$REMOTE" -t pidtree PIDTREE_PORT="$P_F" | jq -r '"\(._HOSTNAME) \(._SYSTEMD_UNIT)"')" = "pidtree-vm pidtree.service"
	run systemctl stop systemd-journal-upload vmtest-journal-remote
fi

if want flood; then
	section "journald's rate limit: a flood of connects"
	# journald's own limit here is 10000 per 30 s times (k-16)/4, k the log2
	# of its file system's free bytes: about 30000 per 30 s, more than this
	# guest produces.  journald.conf's limit is made small for the test (the
	# same mechanism), so that a unit without a limit of its own runs into it.
	mkdir -p /etc/systemd/journald.conf.d
	printf '[Journal]\nRateLimitIntervalSec=5s\nRateLimitBurst=50\n' >/etc/systemd/journald.conf.d/50-vmtest.conf
	run cat /etc/systemd/journald.conf.d/50-vmtest.conf
	run systemctl restart systemd-journald
	# flood PORT N: N connects to 127.0.0.1:PORT as fast as this guest goes
	# (bench/loadgen, from a process 2 deep); prints how many were made.
	# N past journald.conf's burst (50 here) is enough: what is tested is
	# whose limit applies, not how fast journald is.
	flood() {
		"$LOADGEN" -d 2 -n "$2" -a 127.0.0.1 -p "$1" | sed -n 's/^connects=\([0-9]*\) .*/\1/p'
	}
	# settled PORT N: the journal's count for PORT, once it reaches N or
	# stops growing for 6 s (at most 300 s)
	settled() {
		local last=-1 now same=0 end=$((SECONDS + 300))
		while [ $SECONDS -lt $end ]; do
			now=$(entries -t pidtree PIDTREE_PORT="$1")
			[ "$now" -ge "$2" ] && break
			if [ "$now" = "$last" ]; then
				same=$((same + 1))
				[ $same -ge 3 ] && break
			else
				same=0
			fi
			last=$now
			sleep 2
		done
		echo "$now"
	}
	# totals: pidtree's loss totals (SIGUSR1) into $T/out
	totals() {
		systemctl kill -s USR1 pidtree
		sleep 2
		sh_run "journalctl --no-pager -u pidtree _TRANSPORT=stdout -o cat | grep 'totals:' | tail -n 1"
	}

	# A: the shipped unit, a limit of its own nothing reaches
	P_F=$(rand_port)
	yml <<YML
tcp_connect:
  includeports: [$P_F]
YML
	reload
	check "the unit's limit: LogRateLimitIntervalSec=1s LogRateLimitBurst=1000000" \
		run systemctl show -p LogRateLimitIntervalUSec -p LogRateLimitBurst pidtree
	check "  = LogRateLimitIntervalUSec=1s, LogRateLimitBurst=1000000" \
		eval 'out_has LogRateLimitIntervalUSec=1s && out_has LogRateLimitBurst=1000000'
	check "  handed to journald by PID 1 (/run/systemd/units)" \
		sh_run "ls -l /run/systemd/units/ | grep 'log-rate-limit-.*:pidtree.service'"
	since=$(date '+%Y-%m-%d %H:%M:%S')
	t0=$SECONDS
	printf '$ %s -d 2 -n %s -a 127.0.0.1 -p %s\n' "$LOADGEN" "$FLOOD" "$P_F"
	N=$(flood "$P_F" "$FLOOD")
	echo "    $N connects in $((SECONDS - t0)) s"
	got=$(settled "$P_F" "$N")
	echo "    journal entries for port $P_F: $got (after $((SECONDS - t0)) s)"
	check "  $FLOOD connects made" test "$N" -ge "$FLOOD"
	check "  every one in the journal ($got of $N)" test "$got" = "$N"
	totals
	check "  pidtree counted no loss" eval 'grep -qE "lost records:( [a-z_]+=0)* tcp_connect=0[ ;]" "$T/out" && grep -qE "outputs: journald [0-9]+ written/0 lost/" "$T/out"'
	run journalctl --no-pager -u systemd-journald --since "$since" -g 'Suppressed.*pidtree'
	check "  journald suppressed nothing of pidtree.service" not out_has "Suppressed"

	# B, the control: pidtree in a unit with LogRateLimitIntervalSec=0, as
	# one might set to turn the limit off (systemd-run: no daemon-reload,
	# costly here), beside pidtree.service (whose filter, port P_F, does not
	# report the control's connects): 0 is journald.conf's limit.
	P_G=$(rand_port)
	yml <<YML
tcp_connect:
  includeports: [$P_G]
YML
	check "  the control: pidtree in a transient unit with LogRateLimitIntervalSec=0" \
		run systemd-run --unit=pidtree-ratelimit-control -p Type=notify -p LogRateLimitIntervalSec=0 /usr/sbin/pidtree
	check "  its limit: LogRateLimitIntervalUSec=0 LogRateLimitBurst=0" \
		eval 'run systemctl show -p LogRateLimitIntervalUSec -p LogRateLimitBurst pidtree-ratelimit-control &&
		      out_has LogRateLimitIntervalUSec=0 && out_has LogRateLimitBurst=0'
	check "  PID 1 hands journald no limit for it" \
		not sh_run "ls -l /run/systemd/units/ | grep 'log-rate-limit-.*:pidtree-ratelimit-control.service'"
	since=$(date '+%Y-%m-%d %H:%M:%S')
	printf '$ %s -d 2 -n %s -a 127.0.0.1 -p %s\n' "$LOADGEN" "$FLOOD" "$P_G"
	N2=$(flood "$P_G" "$FLOOD")
	got2=$(settled "$P_G" "$N2")
	# journald reports an interval's suppression with the first message
	# after it: wait the 5 s out, then make pidtree log its totals
	run sleep 6
	run systemctl kill -s USR1 pidtree-ratelimit-control
	sleep 2
	sh_run "journalctl --no-pager -u pidtree-ratelimit-control _TRANSPORT=stdout -o cat | grep 'totals:' | tail -n 1"
	check "  pidtree counted no loss (journald took every event)" grep -qE "outputs: journald [0-9]+ written/0 lost/" "$T/out"
	echo "    journal entries for port $P_G: $got2 of $N2"
	check "  journald dropped entries ($got2 of $N2 kept)" test "$got2" -lt "$N2"
	check "  and said so: journalctl -u systemd-journald -g 'Suppressed.*pidtree'" \
		wait_until 30 eval 'run journalctl --no-pager -u systemd-journald --since "$since" -o cat -g "Suppressed.*pidtree" && out_has Suppressed'
	supp=$(sed -n 's/.*Suppressed \([0-9]*\) messages from pidtree-ratelimit-control.service.*/\1/p' "$T/out" | awk '{ n += $1 } END { print n + 0 }')
	# (pidtree's own lines count in the same limit: a few more or less)
	check "  kept + suppressed = the events ($got2 + $supp, $N2 made)" \
		test $((got2 + supp)) -ge $((N2 - 5)) -a $((got2 + supp)) -le $((N2 + 5))
	run systemctl stop pidtree-ratelimit-control
	rm -f /etc/systemd/journald.conf.d/50-vmtest.conf
	run systemctl restart systemd-journald
fi

if want security; then
	section "systemd-analyze security"
	run systemd-analyze security --no-pager pidtree.service
	score=$(sed -n 's/.*Overall exposure level for pidtree.service: \([0-9.]*\).*/\1/p' "$T/out")
	echo "    exposure: $score"
	check "  exposure level at most ${PIDTREE_MAX_EXPOSURE:-2.7} (3.2 before the unit was tightened)" \
		awk -v s="${score:-99}" -v m="${PIDTREE_MAX_EXPOSURE:-2.7}" 'BEGIN { exit !(s <= m) }'
fi

if want package; then
	section "upgrade, remove, purge"
	echo "# local change" >>"$ETC/pidtree.yml"
	sum=$(sha256sum "$ETC/pidtree.yml")
	pid1=$(svc MainPID)
	check "dpkg -i $(basename "$PIDTREE_DEB_UP") (upgrade)" run dpkg -i "$PIDTREE_DEB_UP"
	check "  version $(dpkg-deb -f "$PIDTREE_DEB_UP" Version)" \
		test "$(dpkg-query -W -f='${Version}' pidtree)" = "$(dpkg-deb -f "$PIDTREE_DEB_UP" Version)"
	check "  the modified $ETC/pidtree.yml kept" test "$(sha256sum "$ETC/pidtree.yml")" = "$sum"
	check "  the service restarted: active, a new main process" \
		test "$(svc ActiveState)" = active -a "$(svc MainPID)" != "$pid1"
	# dpkg -r / -P: what apt-get remove / purge run, without apt's package
	# lists (no repository in the guest; apt's cache rebuild costs minutes
	# of TCG)
	check "dpkg -r pidtree (remove)" run dpkg -r pidtree
	check "  the service is stopped" not run systemctl is-active pidtree
	check "  the conffiles are kept (dpkg state rc)" \
		test -f "$ETC/pidtree.yml" -a -f "$ETC/pidtree.conf" -a "$(dpkg-query -W -f='${db:Status-Abbrev}' pidtree)" = "rc "
	check "dpkg -P pidtree (purge)" run dpkg -P pidtree
	check "  the conffiles are gone" test ! -e "$ETC/pidtree.yml" -a ! -e "$ETC/pidtree.conf"
	check "  and the unit's enablement" test ! -e /etc/systemd/system/multi-user.target.wants/pidtree.service
	check "  dpkg knows no pidtree" not dpkg-query -W pidtree
fi

finish_phase
marker "DONE"
systemctl start --job-mode=replace-irreversibly --no-block poweroff.target
