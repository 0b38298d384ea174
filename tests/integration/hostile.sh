#!/bin/bash
# Hostile command lines through every sink at once: newline, CR, ESC, '"',
# '\', ']', '=', invalid UTF-8, a forged journald field and a 128 KiB
# argument.  Each sink must write exactly one well-formed record for the
# event: valid JSON (RFC 8259), parseable RFC 5424 with escaped SD over TCP,
# UDP and a unix socket, intact journald fields; values over the configured
# limits are cut with a "..." marker and the JSON stays valid.
. "$(dirname "$0")/lib.sh"
require_root
. "$top_srcdir/tests/helpers/logd.sh"

start_journald || { fail "systemd-journald runs"; finish; }
RP=$(rand_port)
P=$(rand_port)
IDENT=pidtree-hostile-$$
collector_conf "$RP"
start_rsyslog collector "$T/rsyslog.conf" "$RP" "$T/log.sock" || { fail "rsyslogd starts"; finish; }

cat >"$T/probes.yml" <<YML
tcp_connect:
  includeports: [$P]
YML
# small limits, so that every sink has to cut
cat >"$T/pidtree.conf" <<CONF
[output]
sink = journald, syslog:tcp://127.0.0.1:$RP, syslog:udp://127.0.0.1:$RP, syslog:unix:$T/log.sock
[journald]
identifier = $IDENT
field_max = 1024
[syslog]
max_size = 2048
CONF
OUT=$T/events.json
: >"$OUT"
# the four outputs of pidtree.conf (the most there can be); the JSON sink
# is checked in a second run below
start_pidtree "" -C "$T/pidtree.conf" -c "$T/probes.yml" || { fail "daemon starts"; finish; }

# the longest argument exec accepts: 128 KiB (MAX_ARG_STRLEN) with its NUL
BIG=$(head -c $((131072 - 1 - 4)) /dev/zero | tr '\0' A)
"$CONNECTOR" 127.0.0.1 "$P" 'nl:a'$'\n''b' 'cr:a'$'\r''b' 'esc:'$'\e''[31mred' 'quote:"' \
	'backslash:\' 'bracket:]' 'equals:a=b' 'invalid:'$'\xff\xfe\xc3' \
	'inject:'$'\n''PIDTREE_INJECTED=1' "big:$BIG" &
CPID=$!
wait $CPID

# ---- journald -----------------------------------------------------------------
check "journald: the entry arrives" wait_journal 1 10 -t "$IDENT" PIDTREE_PORT="$P"
journal_entries -t "$IDENT" PIDTREE_PORT="$P" >"$T/jd.json"
check "journald: exactly one entry" test "$(wc -l <"$T/jd.json")" = 1
check "journald: no forged field" test "$(jq 'has("PIDTREE_INJECTED")' "$T/jd.json")" = false
check "journald: PIDTREE_PID" test "$(jq -r .PIDTREE_PID "$T/jd.json")" = "$CPID"
# journalctl -o json gives non-UTF-8 / non-printable values as byte arrays
jbytes() {
	python3 -c '
import json, sys
v = json.loads(open(sys.argv[1]).readline())[sys.argv[2]]
sys.stdout.buffer.write(bytes(v) if isinstance(v, list) else v.encode())' "$T/jd.json" "$1"
}
jbytes PIDTREE_CMDLINE >"$T/cmdline.bin"
check "journald: PIDTREE_CMDLINE cut to field_max with the marker" \
	test "$(wc -c <"$T/cmdline.bin")" -le 1024 -a "$(tail -c 3 "$T/cmdline.bin")" = "..."
for m in 'nl:a'$'\n''b' 'cr:a'$'\r''b' 'esc:'$'\e''[31mred' 'quote:"' 'backslash:\' \
	'bracket:]' 'equals:a=b' 'invalid:'$'\xff\xfe\xc3' 'inject:'$'\n''PIDTREE_INJECTED=1'; do
	check "journald: PIDTREE_CMDLINE holds $(printf %q "$m") byte for byte" \
		grep -qaF -- "$m" "$T/cmdline.bin"
done
jbytes PIDTREE_EVENT_JSON >"$T/event.json"
check "journald: PIDTREE_EVENT_JSON is valid JSON" jq_true . "$(cat "$T/event.json")"
check "journald: PIDTREE_EVENT_JSON within field_max" test "$(wc -c <"$T/event.json")" -le 1024
check "journald: PIDTREE_EVENT_JSON says what was cut" jq_true '.error | contains("cut to")' "$(cat "$T/event.json")"
jbytes PIDTREE_PROCTREE_JSON >"$T/proctree.json"
check "journald: PIDTREE_PROCTREE_JSON is valid JSON" jq_true '.[0].pid' "$(cat "$T/proctree.json")"
jbytes MESSAGE >"$T/message.txt"
check "journald: MESSAGE is one line without control characters" \
	test "$(tr -d '\040-\176\200-\377' <"$T/message.txt" | wc -c)" = 0

# ---- syslog: TCP, UDP, unix -------------------------------------------------------
for tr in tcp udp unix; do
	check "$tr: the record arrives" wait_file "$T/$tr.log" "port=\"$P\""
	check "$tr: exactly one line, one record" test "$(grep -c . "$T/$tr.log")" = 1
	check "$tr: well-formed RFC 5424" well_formed "$T/$tr.log"
	R=$(records "$T/$tr.log" true)
	check "$tr: record within max_size" test "$(jq .len <<<"$R")" -le 2048
	check "$tr: MSG is valid JSON" jq_true . "$(jq -r .msg <<<"$R")"
	check "$tr: MSG says what was cut" jq_true '.error | contains("cut to")' "$(jq -r .msg <<<"$R")"
	C=$(sd_param "$R" cmdline)
	for m in 'quote:"' 'backslash:\' 'bracket:]' 'equals:a=b' 'nl:a'$'\uFFFD''b' \
		'cr:a'$'\uFFFD''b' 'esc:'$'\uFFFD''[31mred' 'invalid:'$'\uFFFD\uFFFD\uFFFD'; do
		check "$tr: SD cmdline holds $(printf %q "$m")" grep -qF -- "$m" <<<"$C"
	done
	check "$tr: SD cmdline cut with the marker" test "${C: -3}" = "..."
done
check "pidtree still running" kill -0 "$PIDTREE_PID"
check "SIGTERM: exit 0" stop_pidtree

# ---- the JSON sink, with the same corpus ---------------------------------------
start_pidtree "$OUT" -c "$T/probes.yml" || { fail "daemon starts (JSON)"; finish; }
"$CONNECTOR" 127.0.0.1 "$P" 'nl:a'$'\n''b' 'esc:'$'\e''x' 'quote:"' 'backslash:\' \
	'invalid:'$'\xff\xfe\xc3' "big:$BIG"
check "json: the event arrives" seen "$OUT" ".port == $P"
check "json: exactly one line" test "$(wc -l <"$OUT")" = 1
check "json: the line is valid JSON" jq_true . "$(cat "$OUT")"
CMD=$(jq -r '.proctree[0].cmdline' "$OUT")
check "json: newline and ESC restored by the JSON escapes" \
	grep -qF "nl:a"$'\n'"b esc:"$'\e'"x quote:\" backslash:\\ invalid:"$'\uFFFD\uFFFD\uFFFD'" big:AAAA" <<<"$CMD"
check "json: the 128 KiB argument is cut with the marker" test "${CMD: -3}" = "..."
check "json: cut at the cmdline limit (4096)" test "${#CMD}" -le 4096
check "SIGTERM: exit 0 (JSON)" stop_pidtree
finish
