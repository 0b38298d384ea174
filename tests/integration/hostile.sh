#!/bin/bash
# Hostile command lines through every sink at once: newline, CR, ESC, '"',
# '\', ']', '=', invalid UTF-8, a forged journald field, a 128 KiB argument,
# and valid characters that mislead a reader: C1 controls (U+0085 ends a
# line for many readers), U+2028/U+2029 and the bidirectional formatting
# characters (U+202E in the program's own name: "invoice<RLO>fdp.exe" shows
# as "invoiceexe.pdf").  Each sink must write exactly one well-formed record for the
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
event_json = yes
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
# valid UTF-8 that must not reach a reader as it is (bytes spelled out: the
# test's locale may not be UTF-8)
NEL=$'\xc2\x85' LS=$'\xe2\x80\xa8' PS=$'\xe2\x80\xa9' RLO=$'\xe2\x80\xae'
LRI=$'\xe2\x81\xa6' ALM=$'\xd8\x9c' RLM=$'\xe2\x80\x8f' FFFD=$'\xef\xbf\xbd'
UNSAFE=("c1:a${NEL}b" "ls:a${LS}b" "ps:a${PS}b" "rlo:${RLO}txt" "lri:${LRI}x" "alm:${ALM}x"
	"rlm:${RLM}x")
# the connector under a name that reads "invoiceexe.pdf"
EVIL=$T/invoice${RLO}fdp.exe
cp "$CONNECTOR" "$EVIL"
# unsafe_free FILE: no C1 control, U+2028/9 or bidi control in FILE (read as
# UTF-8, invalid bytes aside)
unsafe_free() {
	python3 -c '
import sys
t = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
bad = [hex(ord(c)) for c in t if 0x80 <= ord(c) <= 0x9f or ord(c) in
       (0x2028, 0x2029, 0x61c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
        0x2066, 0x2067, 0x2068, 0x2069)]
sys.exit(1 if bad else 0)' "$1"
}
# py_lines FILE: the lines of FILE as str.splitlines() counts them (it also
# breaks at U+0085, U+2028, U+2029, as many line-oriented readers do)
py_lines() {
	python3 -c 'import sys; print(len(open(sys.argv[1], "rb").read().decode("utf-8", "replace").splitlines()))' "$1"
}
# (detached: under make check the ancestors are make's recipe shells, whose
# kilobyte cmdlines would leave the event's own cmdline cut to fit field_max)
detached "$EVIL" 127.0.0.1 "$P" 'nl:a'$'\n''b' 'cr:a'$'\r''b' 'esc:'$'\e''[31mred' 'quote:"' \
	'backslash:\' 'bracket:]' 'equals:a=b' 'invalid:'$'\xff\xfe\xc3' \
	'inject:'$'\n''PIDTREE_INJECTED=1' "${UNSAFE[@]}" "big:$BIG" || fail "the connector starts"
CPID=$DETACHED_PID
wait_detached

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
	'bracket:]' 'equals:a=b' 'invalid:'$'\xff\xfe\xc3' 'inject:'$'\n''PIDTREE_INJECTED=1' \
	"${UNSAFE[@]}" "invoice${RLO}fdp.exe"; do
	check "journald: PIDTREE_CMDLINE holds $(printf %q "$m") byte for byte" \
		grep -qaF -- "$m" "$T/cmdline.bin"
done
jbytes PIDTREE_EVENT_JSON >"$T/event.json"
check "journald: PIDTREE_EVENT_JSON is valid JSON" jq_true . "$(cat "$T/event.json")"
check "journald: PIDTREE_EVENT_JSON within field_max" test "$(wc -c <"$T/event.json")" -le 1024
check "journald: PIDTREE_EVENT_JSON says what was cut" jq_true '.error | contains("cut to")' "$(cat "$T/event.json")"
check "journald: PIDTREE_EVENT_JSON without raw C1, U+2028/9 or bidi controls" unsafe_free "$T/event.json"
check "journald: PIDTREE_EVENT_JSON has them as JSON escapes" \
	grep -qF 'invoice\u202efdp.exe' "$T/event.json"
check "journald: ... and they decode to the original characters" \
	jq_true ".proctree[0].cmdline | contains(\"invoice${RLO}fdp.exe\")" "$(cat "$T/event.json")"
jbytes PIDTREE_PROCTREE_JSON >"$T/proctree.json"
check "journald: PIDTREE_PROCTREE_JSON is valid JSON" jq_true '.[0].pid' "$(cat "$T/proctree.json")"
jbytes MESSAGE >"$T/message.txt"
check "journald: MESSAGE is one line without control characters" \
	test "$(tr -d '\040-\176\200-\377' <"$T/message.txt" | wc -c)" = 0
check "journald: MESSAGE without raw C1, U+2028/9 or bidi controls" unsafe_free "$T/message.txt"
check "journald: MESSAGE shows the program's U+202E escaped" \
	grep -qF 'invoice\u202efdp.exe' "$T/message.txt"
check "journald: MESSAGE is one line for str.splitlines()" test "$(py_lines "$T/message.txt")" = 1

# ---- syslog: TCP, UDP, unix -------------------------------------------------------
for tr in tcp udp unix; do
	check "$tr: the record arrives" wait_file "$T/$tr.log" "port=\"$P\""
	check "$tr: exactly one line, one record" test "$(grep -c . "$T/$tr.log")" = 1
	check "$tr: one line for str.splitlines() (no U+0085, U+2028, U+2029)" \
		test "$(py_lines "$T/$tr.log")" = 1
	check "$tr: no raw C1, U+2028/9 or bidi control in the record" unsafe_free "$T/$tr.log"
	check "$tr: well-formed RFC 5424" well_formed "$T/$tr.log"
	R=$(records "$T/$tr.log" true)
	check "$tr: record within max_size" test "$(jq .len <<<"$R")" -le 2048
	check "$tr: MSG is valid JSON" jq_true . "$(jq -r .msg <<<"$R")"
	check "$tr: MSG says what was cut" jq_true '.error | contains("cut to")' "$(jq -r .msg <<<"$R")"
	# (MSG is cut to max_size: the first ones only)
	check "$tr: MSG has the JSON escapes" grep -qF 'invoice\u202efdp.exe 127.0.0.1' <<<"$(jq -r .msg <<<"$R")"
	check "$tr: ... of each" grep -qF 'c1:a\u0085b ls:a\u2028b ps:a\u2029b' <<<"$(jq -r .msg <<<"$R")"
	C=$(sd_param "$R" cmdline)
	for m in 'quote:"' 'backslash:\' 'bracket:]' 'equals:a=b' 'nl:a'$'\uFFFD''b' \
		'cr:a'$'\uFFFD''b' 'esc:'$'\uFFFD''[31mred' 'invalid:'$'\uFFFD\uFFFD\uFFFD' \
		"c1:a${FFFD}b" "ls:a${FFFD}b" "ps:a${FFFD}b" "rlo:${FFFD}txt" "lri:${FFFD}x" \
		"alm:${FFFD}x" "rlm:${FFFD}x" "invoice${FFFD}fdp.exe"; do
		check "$tr: SD cmdline holds $(printf %q "$m")" grep -qF -- "$m" <<<"$C"
	done
	check "$tr: SD cmdline cut with the marker" test "${C: -3}" = "..."
done
check "pidtree still running" kill -0 "$PIDTREE_PID"
check "SIGTERM: exit 0" stop_pidtree

# ---- the JSON sink, with the same corpus; journald with its default fields ------
# (event_json = no: no PIDTREE_EVENT_JSON; the other JSON field still fits)
printf '[journald]\nidentifier = %s-default\nfield_max = 1024\n' "$IDENT" >"$T/default.conf"
start_pidtree "$OUT" -C "$T/default.conf" -c "$T/probes.yml" -o journald ||
	{ fail "daemon starts (JSON)"; finish; }
"$EVIL" 127.0.0.1 "$P" 'nl:a'$'\n''b' 'esc:'$'\e''x' 'quote:"' 'backslash:\' \
	'invalid:'$'\xff\xfe\xc3' "${UNSAFE[@]}" "big:$BIG"
check "json: the event arrives" seen "$OUT" ".port == $P"
check "json: exactly one line" test "$(wc -l <"$OUT")" = 1
check "json: the line is valid JSON" jq_true . "$(cat "$OUT")"
check "json: one line for str.splitlines() (no U+0085, U+2028, U+2029)" test "$(py_lines "$OUT")" = 1
check "json: no raw C1, U+2028/9 or bidi control in the line" unsafe_free "$OUT"
check "json: they are there as JSON escapes" \
	grep -qF 'invoice\u202efdp.exe 127.0.0.1' "$OUT"
check "json: ... all of them" grep -qF 'c1:a\u0085b ls:a\u2028b ps:a\u2029b rlo:\u202etxt lri:\u2066x alm:\u061cx rlm:\u200fx' "$OUT"
CMD=$(jq -r '.proctree[0].cmdline' "$OUT")
check "json: newline and ESC restored by the JSON escapes" \
	grep -qF "nl:a"$'\n'"b esc:"$'\e'"x quote:\" backslash:\\ invalid:"$'\uFFFD\uFFFD\uFFFD'" c1:a${NEL}b ls:a${LS}b ps:a${PS}b rlo:${RLO}txt lri:${LRI}x alm:${ALM}x rlm:${RLM}x big:AAAA" <<<"$CMD"
check "json: the 128 KiB argument is cut with the marker" test "${CMD: -3}" = "..."
check "json: cut at the cmdline limit (4096)" test "${#CMD}" -le 4096
check "journald, event_json = no: the entry arrives" wait_journal 1 10 -t "$IDENT-default" PIDTREE_PORT="$P"
journal_entries -t "$IDENT-default" PIDTREE_PORT="$P" >"$T/jd.json"
check "journald, event_json = no: exactly one entry" test "$(wc -l <"$T/jd.json")" = 1
check "journald, event_json = no: no PIDTREE_EVENT_JSON" test "$(jq 'has("PIDTREE_EVENT_JSON")' "$T/jd.json")" = false
check "journald, event_json = no: no forged field" test "$(jq 'has("PIDTREE_INJECTED")' "$T/jd.json")" = false
jbytes PIDTREE_PROCTREE_JSON >"$T/proctree.json"
check "journald, event_json = no: PIDTREE_PROCTREE_JSON is valid JSON within field_max" \
	test "$(jq -r '.[0].pid' "$T/proctree.json")" = "$(jq -r .pid "$OUT")" -a "$(wc -c <"$T/proctree.json")" -le 1024
check "journald, event_json = no: PIDTREE_PROCTREE_JSON without raw C1, U+2028/9 or bidi controls" \
	unsafe_free "$T/proctree.json"
check "SIGTERM: exit 0 (JSON)" stop_pidtree
finish
