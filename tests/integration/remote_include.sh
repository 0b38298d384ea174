#!/bin/bash
# Remote includes end to end: "!include https://..." served by local HTTP and
# HTTPS servers on 127.0.0.1 (tests/helpers/include_server.py; a CA and
# certificates made here with openssl), the real daemon, real connects.
#
#  1. the include (with nested relative includes) loads, its filters are in
#     force, the copies are cached (0700 directory, 0600 files)
#  2. SIGHUP: conditional requests (304), then a changed copy applied; one
#     reload per SIGHUP, after the documents were fetched again
#  3. invalid YAML at reload: URL:line, running configuration and cache kept
#  4. a shorter remote_include_interval= via SIGHUP, a change applied alone
#  4b. the CA file under the trusted-file policy, read again at each fetch
#     and used from the SIGHUP that sets it (the documents fetched again:
#     two reloads): another CA's refused by the server's certificate; an
#     ACL entry granting write to uid 65534, or a symlink that uid 65534
#     owns: the fetch is refused with the reason, the copies in force are
#     kept; through a root-owned symlink it works
#  5. server down at reload: running configuration kept, warning naming URL
#     (once: still down at the next SIGHUP is not said again)
#  6. a slow server: the loop keeps serving (events, WATCHDOG=1) while the
#     SIGHUP reload waits for the documents; SIGTERM is served at once
#  7. server down at start: cached copy used with a warning; no cache: 78
#  8. --check-config: accepts http and https; refuses 404, oversized (with
#     and without Content-Length), invalid YAML and values (URL:line), an
#     unknown CA (system store), a wrong host name, an https -> http
#     redirect, file: from a remote document, a cycle across URLs, a cache
#     directory or a CA file others can write; writes no cache
#  8b. remote_include_ca= is used instead of the system store, not beside
#     it (a mount namespace puts the test CA in /etc/ssl/certs)
#  9. the start-up wait is bounded (20 s) and falls back to the cache
. "$(dirname "$0")/lib.sh"
require_root
SERVER=$top_srcdir/tests/helpers/include_server.py
SRV_PIDS=()
trap 'for p in "${SRV_PIDS[@]}"; do kill "$p" 2>/dev/null; done; kill $(jobs -p) 2>/dev/null; cleanup' EXIT
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

command -v openssl >/dev/null || { fail "openssl is installed"; finish; }
command -v setfacl >/dev/null || { fail "setfacl is installed (package acl)"; finish; }

# ---- certificates ----------------------------------------------------------
TLS=$T/tls
mkdir -p "$TLS"
(
	cd "$TLS" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
		-subj /CN=pidtree-remote-include-test-CA \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
	# a CA that signed nothing the servers present
	openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days 2 \
		-subj /CN=pidtree-remote-include-test-other-CA \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
	for n in good:IP:127.0.0.1 wrong:DNS:wrong-name.invalid; do
		name=${n%%:*} san=${n#*:}
		openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$name"
		printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" >"$name.ext"
		openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out "$name.pem" -days 2 -extfile "$name.ext"
	done
) >"$T/openssl.log" 2>&1 || { cat "$T/openssl.log"; fail "test certificates made"; finish; }

# ---- servers ---------------------------------------------------------------
WWW=$T/www
mkdir -p "$WWW/p/lists"
HP=$(rand_port) SP=$(rand_port) WP=$(rand_port)
# serve NAME PORT [CERT]: start (or restart) a server; NAME_PID is set
serve() {
	local name=$1 port=$2 cert=${3:-} pid i
	rm -f "$T/$name.out"
	if [ -n "$cert" ]; then
		python3 "$SERVER" "$WWW" "$port" "$T/$name.log" "$TLS/$cert.pem" "$TLS/$cert.key" >"$T/$name.out" 2>&1 &
	else
		python3 "$SERVER" "$WWW" "$port" "$T/$name.log" >"$T/$name.out" 2>&1 &
	fi
	pid=$!
	SRV_PIDS+=("$pid")
	printf -v "${name}_PID" %s "$pid"
	for i in $(seq 100); do grep -q ready "$T/$name.out" && return 0; sleep 0.05; done
	return 1
}
unserve() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
serve http "$HP" || { fail "http server starts"; finish; }
serve https "$SP" good || { fail "https server starts"; finish; }
serve wrong "$WP" wrong || { fail "https server (wrong name) starts"; finish; }
BASE=https://127.0.0.1:$SP

A=$(rand_port) B=$(rand_port) C=$(rand_port) D=$(rand_port) E=$(rand_port) S=$(rand_port)
# drop_port PORT: the remote filter list drops that port to 127.0.0.2
drop_port() {
	printf -- '- subnet_name: remote\n  network: 127.0.0.2/32\n  include_ports: [%s]\n' "$1" \
		>"$WWW/p/lists/filters.yml.tmp"
	mv "$WWW/p/lists/filters.yml.tmp" "$WWW/p/lists/filters.yml"
}
# includeports: only the test's own ports are reported (the host may be busy);
# E is left out of the list
printf 'filters: !include lists/filters.yml\nincludeports: !include ../ports.yml\n' >"$WWW/p/tcp.yml"
printf '[%s, %s, %s, %s, %s]\n' "$A" "$B" "$C" "$D" "$S" >"$WWW/ports.yml"
drop_port "$A"
printf 'tcp_connect: !include %s/p/tcp.yml\n' "$BASE" >"$T/probes.yml"

CACHE=$T/cache
# conf [KEY=VALUE...]: pidtree.conf with the test's cache and CA, plus KEYs
conf() {
	{
		printf '[daemon]\nremote_include_cache = %s\n' "$CACHE"
		case " $* " in
		*" remote_include_ca="*) ;;
		*) printf 'remote_include_ca = %s/ca.pem\n' "$TLS" ;;
		esac
		for kv in "$@"; do printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"; done
	} >"$T/pidtree.conf"
}
conf

conn() { "$CONNECTOR" "$1" "$2" "marker-$3"; }
# sentinel TAG: a connect that is always reported; once seen, earlier ones were handled
sentinel() { conn 127.0.0.1 "$S" "$1"; seen "$OUT" ".proctree[0].cmdline | endswith(\"marker-$1\")"; }
reported() { count "$OUT" ".proctree[0].cmdline | endswith(\"marker-$1\")"; }
reloads() { grep -c 'configuration reloaded\|reload failed' "$T/pidtree.err"; }
newcopies() { grep -c "remote include $BASE/p/lists/filters.yml: new copy" "$T/pidtree.err"; }
# wait_log PATTERN [FILE] [SECONDS]
wait_log() {
	local i
	for i in $(seq $((${3:-10} * 20))); do grep -q -- "$1" "${2:-$T/pidtree.err}" && return 0; sleep 0.05; done
	return 1
}
# wait_reloads N: until N reload outcomes were logged
wait_reloads() {
	local i
	for i in $(seq 200); do [ "$(reloads)" -ge "$1" ] && return 0; sleep 0.05; done
	return 1
}

# ---- 1. start: the include and its nested includes ------------------------
python3 "$top_srcdir/tests/helpers/notify_listen.py" "$T/notify.sock" "$T/notify.log" 120 &
for _ in $(seq 50); do [ -S "$T/notify.sock" ] && break; sleep 0.1; done
OUT=$T/events.json
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=1000000 \
	start_pidtree "$OUT" -C "$T/pidtree.conf" -c "$T/probes.yml" || { fail "daemon starts"; finish; }
conn 127.0.0.2 "$A" start-dropped
conn 127.0.0.2 "$B" start-reported
conn 127.0.0.1 "$E" start-excluded
sentinel s1
check "start: port $A to 127.0.0.2 dropped by the remote filter" test "$(reported start-dropped)" = 0
check "start: port $B to 127.0.0.2 reported" test "$(reported start-reported)" = 1
check "start: port $E dropped by includeports of a nested ../ include" test "$(reported start-excluded)" = 0
check "start: the three documents fetched (200)" \
	test "$(grep -c -E '^GET (/p/tcp.yml|/p/lists/filters.yml|/ports.yml) 200' "$T/https.log")" = 3
for _ in $(seq 50); do [ "$(find "$CACHE" -name '*.cache' 2>/dev/null | wc -l)" -ge 3 ] && break; sleep 0.1; done
check "start: three copies cached" test "$(find "$CACHE" -name '*.cache' | wc -l)" = 3
check "start: cache directory mode 0700" test "$(stat -c %a "$CACHE")" = 700
check "start: cache files mode 0600, root's" \
	test "$(find "$CACHE" -name '*.cache' -perm 600 -user root | wc -l)" = 3
check "start: a cache file names its URL and ETag" \
	bash -c "grep -l '^url $BASE/p/lists/filters.yml\$' '$CACHE'/*.cache | xargs grep -q '^etag \"'"

# ---- 2. SIGHUP: conditional requests, then a change -----------------------
n=$(reloads)
kill -HUP "$PIDTREE_PID"
check "SIGHUP, unchanged: the documents are asked for conditionally (304)" \
	wait_log '^GET /p/lists/filters.yml 304 inm="' "$T/https.log"
check "SIGHUP, unchanged: If-Modified-Since sent with the ETag" \
	wait_log '^GET /p/tcp.yml 304 inm=".*" ims=[A-Z][a-z][a-z], ' "$T/https.log"
check "SIGHUP, unchanged: every document asked for (304)" wait_log '^GET /ports.yml 304' "$T/https.log"
wait_reloads $((n + 1))
sleep 0.5
check "SIGHUP, unchanged: one reload" test "$(reloads)" = $((n + 1))
check "SIGHUP, unchanged: reloaded" grep -q 'configuration reloaded' "$T/pidtree.err"

drop_port "$B"
n=$(reloads) c=$(newcopies)
kill -HUP "$PIDTREE_PID"
check "SIGHUP, changed: then reloaded" wait_reloads $((n + 1))
check "SIGHUP, changed: the new copy was fetched first" test "$(newcopies)" = $((c + 1))
sleep 0.5
check "SIGHUP, changed: one reload" test "$(reloads)" = $((n + 1))
conn 127.0.0.2 "$A" hup-reported
conn 127.0.0.2 "$B" hup-dropped
sentinel s2
check "SIGHUP, changed: port $A now reported" test "$(reported hup-reported)" = 1
check "SIGHUP, changed: port $B now dropped" test "$(reported hup-dropped)" = 0

# ---- 3. invalid YAML at reload ------------------------------------------------
good_copy=$(grep -l "^url $BASE/p/lists/filters.yml\$" "$CACHE"/*.cache)
printf -- '- subnet_name: broken\n  network: 127.0.0.2/32\n  include_ports: [%s\n' "$A" \
	>"$WWW/p/lists/filters.yml"
n=$(reloads)
kill -HUP "$PIDTREE_PID"
check "invalid YAML: the reload fails" wait_log 'reload failed'
check "invalid YAML: the error reads URL:line" \
	grep -q "error: $BASE/p/lists/filters.yml:[34]: YAML syntax error" "$T/pidtree.err"
conn 127.0.0.2 "$B" bad-still-dropped
sentinel s3
check "invalid YAML: the running filter stays ($B dropped)" test "$(reported bad-still-dropped)" = 0
check "invalid YAML: the cache keeps the last good copy" grep -q "include_ports: \[$B\]" "$good_copy"
check "invalid YAML: the daemon runs" kill -0 "$PIDTREE_PID"

# ---- 4. the interval ----------------------------------------------------------
drop_port "$B"
conf remote_include_interval=1
n=$(reloads)
kill -HUP "$PIDTREE_PID"
check "fixed on the server: the SIGHUP reload succeeds" wait_reloads $((n + 1))
check "fixed on the server: reloaded" test "$(grep -c 'configuration reloaded' "$T/pidtree.err")" -ge 3
sleep 0.5
n=$(reloads) c=$(newcopies)
drop_port "$C"
for _ in $(seq 100); do [ "$(newcopies)" -gt "$c" ] && break; sleep 0.1; done
check "interval 1 s (set by SIGHUP): a change is fetched without a signal" test "$(newcopies)" -gt "$c"
check "interval: and applied" wait_reloads $((n + 1))
conn 127.0.0.2 "$B" int-reported
conn 127.0.0.2 "$C" int-dropped
sentinel s4
check "interval: port $B reported again" test "$(reported int-reported)" = 1
check "interval: port $C now dropped" test "$(reported int-dropped)" = 0
conf remote_include_interval=3600
n=$(reloads)
kill -HUP "$PIDTREE_PID"
wait_reloads $((n + 1))

# ---- 4b. the CA file: trusted as configuration, read from its descriptor ---
# A SIGHUP fetches the documents with the settings in force, then reloads
# pidtree.conf; a reload that changes remote_include_ca= fetches them again
# with the new CA file and reloads once more.  So one SIGHUP that sets a CA
# file makes two reloads, and the second fetch is the CA file's.  The
# server's document is changed while the CA file in force cannot fetch it:
# only a fetch that believed the CA file brings the change in.
# ca_case NAME CA-FILE: set the CA file with one SIGHUP (n, c: reloads and
# new copies before it)
ca_case() {
	conf remote_include_ca="$2"
	n=$(reloads) c=$(newcopies)
	kill -HUP "$PIDTREE_PID"
	check "$1: one SIGHUP, two reloads (the documents fetched again with it)" \
		wait_reloads $((n + 2))
}
certerr() { grep -c "remote include $BASE/p/.*: cannot fetch: SSL certificate problem" "$T/pidtree.err"; }
e=$(certerr)
ca_case "CA file of another CA" "$TLS/other-ca.pem"
check "another CA: used at the SIGHUP that set it (the server's certificate refused)" \
	test "$(certerr)" -gt "$e"
check "another CA: the fetch again is said" \
	grep -q "remote includes: fetching them again with the new remote_include_\* settings" "$T/pidtree.err"
check "another CA: no new copy taken" test "$(newcopies)" = "$c"
drop_port "$B" # (waits on the server: no CA file in force can fetch it until the symlink)

cp "$TLS/ca.pem" "$TLS/ca-acl.pem"
setfacl -m u:65534:rw "$TLS/ca-acl.pem"
ca_case "CA file with an ACL entry granting write to uid 65534" "$TLS/ca-acl.pem"
check "ACL'd CA file: the fetch is refused, the reason in the log" \
	grep -q "warning: remote include $BASE/p/lists/filters.yml: cannot fetch: refusing the CA file $TLS/ca-acl.pem: .*has an ACL entry granting write to uid 65534 (user:65534:rw-" \
	"$T/pidtree.err"
check "ACL'd CA file: keeping the copy fetched before, said" \
	grep -q "cannot fetch: refusing the CA file $TLS/ca-acl.pem: .*; keeping the copy fetched 20" "$T/pidtree.err"
check "ACL'd CA file: no new copy taken" test "$(newcopies)" = "$c"
conn 127.0.0.2 "$C" acl-dropped
conn 127.0.0.2 "$B" acl-reported
sentinel s4b1
check "ACL'd CA file: the copy in force stays ($C dropped)" test "$(reported acl-dropped)" = 0
check "ACL'd CA file: ($B reported)" test "$(reported acl-reported)" = 1
check "ACL'd CA file: the daemon runs" kill -0 "$PIDTREE_PID"

ln -s ca.pem "$TLS/ca-planted.pem"
chown -h 65534:65534 "$TLS/ca-planted.pem"
ca_case "CA file through a symlink uid 65534 owns" "$TLS/ca-planted.pem"
check "planted symlink: the fetch is refused, the reason in the log" \
	grep -q "cannot fetch: refusing the CA file $TLS/ca-planted.pem: .*ca-planted.pem is a symbolic link owned by uid 65534" \
	"$T/pidtree.err"
check "planted symlink: no new copy taken" test "$(newcopies)" = "$c"
conn 127.0.0.2 "$C" planted-dropped
conn 127.0.0.2 "$B" planted-reported
sentinel s4b2
check "planted symlink: the copy in force stays ($C dropped)" test "$(reported planted-dropped)" = 0
check "planted symlink: ($B reported)" test "$(reported planted-reported)" = 1

ln -s ca.pem "$TLS/ca-link.pem"
ca_case "CA file through a root-owned symlink" "$TLS/ca-link.pem"
check "root-owned symlink: the copy waiting on the server is fetched" test "$(newcopies)" = $((c + 1))
check "root-owned symlink: nothing refused" test "$(grep -c "refusing the CA file $TLS/ca-link.pem" "$T/pidtree.err")" = 0
conn 127.0.0.2 "$C" link-reported
conn 127.0.0.2 "$B" link-dropped
sentinel s4b3
check "root-owned symlink: the new copy is in force ($C reported)" test "$(reported link-reported)" = 1
check "root-owned symlink: ($B dropped)" test "$(reported link-dropped)" = 0
# back to the test CA, the server dropping $C (what section 5 expects)
drop_port "$C"
ca_case "the test CA again" "$TLS/ca.pem"
check "the test CA again: the changed copy is fetched" test "$(newcopies)" = $((c + 1))

# ---- 5. server down at reload ---------------------------------------------------
unserve "$https_PID"
n=$(reloads)
kill -HUP "$PIDTREE_PID"
check "server down at reload: the fetch failure is logged with the URL" \
	wait_log "warning: remote include $BASE/p/.*: cannot fetch: .*[Cc]onnect"
check "server down at reload: the reload itself goes on (cached copies)" wait_reloads $((n + 1))
# still down at the next SIGHUP: the same failure (but for its figures) is not news
downs() { grep -c "warning: remote include $BASE/p/.*: cannot fetch: .*[Cc]onnect" "$T/pidtree.err"; }
w=$(downs) n=$(reloads)
kill -HUP "$PIDTREE_PID"
wait_reloads $((n + 1))
check "server still down: not said again ($w warnings, then $(downs))" test "$(downs)" = "$w"
conn 127.0.0.2 "$C" down-dropped
conn 127.0.0.2 "$B" down-reported
sentinel s5
check "server down at reload: the running filter stays ($C dropped)" test "$(reported down-dropped)" = 0
check "server down at reload: ($B reported)" test "$(reported down-reported)" = 1
serve https "$SP" good || fail "https server restarts"

# ---- 6. a slow server: the loop keeps serving -----------------------------------
echo 30 >"$WWW/.delay"
n=$(reloads)
kill -HUP "$PIDTREE_PID"
sleep 0.5
conn 127.0.0.1 "$D" slow-reported
check "slow server: an event is reported while the fetch hangs" seen "$OUT" ".port == $D" 3
sleep 3
python3 - "$T/notify.log" >"$T/wd" <<'PY'
import sys
# the last 8 keep-alives: all sent while the fetch hangs
t = [float(l.split()[0]) for l in open(sys.argv[1]) if "WATCHDOG=1" in l]
t = t[-8:]
gaps = [b - a for a, b in zip(t, t[1:])]
print(len(t), max(gaps) if gaps else 99)
PY
read -r nwd maxgap <"$T/wd"
check "slow server: WATCHDOG=1 keeps coming (last $nwd, max gap ${maxgap}s)" \
	python3 -c "import sys; sys.exit(not ($nwd >= 6 and $maxgap < 1.0))"
check "slow server: the reload waits for the documents (not yet done)" test "$(reloads)" = "$n"
t0=$(date +%s%N)
check "slow server: SIGTERM, exit 0" stop_pidtree
ms=$((($(date +%s%N) - t0) / 1000000))
check "slow server: SIGTERM served in ${ms} ms (< 2500)" test "$ms" -lt 2500
rm -f "$WWW/.delay"
cp "$T/pidtree.err" "$T/pidtree-1.err" # for a look after a failure (KEEP_TMP=1)

# ---- 7. server down at start ------------------------------------------------------
unserve "$https_PID"
start_pidtree "$OUT" -C "$T/pidtree.conf" -c "$T/probes.yml" ||
	{ fail "server down at start: the daemon starts"; serve https "$SP" good; finish; }
check "server down at start: warning naming the URL, cached copy used" \
	grep -q "warning: .*cannot fetch include '$BASE/p/tcp.yml': .*; using the copy cached at 20" "$T/pidtree.err"
conn 127.0.0.2 "$C" cold-dropped
conn 127.0.0.2 "$B" cold-reported
sentinel s7
check "server down at start: the cached filter is in force ($C dropped)" test "$(reported cold-dropped)" = 0
check "server down at start: ($B reported)" test "$(reported cold-reported)" = 1
check "server down at start: SIGTERM, exit 0" stop_pidtree

CACHE=$T/cache-empty
conf
"$PIDTREE" -C "$T/pidtree.conf" -c "$T/probes.yml" -f "$T/none.json" 2>"$T/nocache.err"
check "no server, no cache: the daemon exits 78" test $? -eq 78
check "no server, no cache: the error names the URL" \
	grep -q "error: .*probes.yml:1: cannot fetch include '$BASE/p/tcp.yml': .*no cached copy" "$T/nocache.err"
serve https "$SP" good || { fail "https server restarts"; finish; }

# ---- 8. what --check-config refuses ----------------------------------------------
# refused NAME MESSAGE-REGEX INCLUDE-URL [conf KEY=VALUE...]: exit 78 with the message
refused() {
	local name=$1 msg=$2 url=$3
	shift 3
	CACHE=$T/cache-$name conf "$@"
	printf 'tcp_connect:\n  filters: !include %s\n' "$url" >"$T/$name.yml"
	"$PIDTREE" --check-config -C "$T/pidtree.conf" -c "$T/$name.yml" >/dev/null 2>"$T/$name.err"
	local rc=$?
	check "$name: --check-config exits 78" test $rc -eq 78
	check "$name: $msg" grep -q -E -- "$msg" "$T/$name.err" || cat "$T/$name.err"
}
CACHE=$T/cache-ok conf
"$PIDTREE" --check-config -C "$T/pidtree.conf" -c "$T/probes.yml" >/dev/null 2>"$T/ok.err"
check "--check-config fetches and accepts the remote configuration" test $? -eq 0
printf 'tcp_connect: !include http://127.0.0.1:%s/p/tcp.yml\n' "$HP" >"$T/http.yml"
"$PIDTREE" --check-config -C "$T/pidtree.conf" -c "$T/http.yml" >/dev/null 2>"$T/http.err"
check "--check-config: a plain http include is fetched too" test $? -eq 0

refused 404 "$T/404.yml:2: cannot fetch include '$BASE/missing.yml': HTTP status 404" "$BASE/missing.yml"
head -c 6000 /dev/zero | tr '\0' '#' >"$WWW/big.yml"
refused oversized "include '$BASE/big.yml': larger than 4096 bytes" "$BASE/big.yml" remote_include_max_size=4K
refused oversized-stream "include '$BASE/stream/big.yml': larger than 4096 bytes" "$BASE/stream/big.yml" \
	remote_include_max_size=4K
printf -- '- subnet_name: x\n  network: 127.0.0.9/32\n  description: "unterminated\n' >"$WWW/bad.yml"
refused invalid-yaml "error: $BASE/bad.yml:[34]: YAML syntax error" "$BASE/bad.yml"
printf -- '- subnet_name: x\n  network: 127.0.0.300/32\n' >"$WWW/badnet.yml"
refused invalid-value "error: $BASE/badnet.yml:2: " "$BASE/badnet.yml"
refused system-store "SSL certificate problem: (unable to get local issuer|self.signed)" "$BASE/p/lists/filters.yml" \
	remote_include_ca=
refused wrong-name "(no alternative certificate subject name|subject name) .*wrong|certificate subject name" \
	"https://127.0.0.1:$WP/p/lists/filters.yml"
refused downgrade "redirected to a URL that is not https" \
	"$BASE/redirect?to=http://127.0.0.1:$HP/p/lists/filters.yml"
printf 'x: !include file:///etc/passwd\n' >"$WWW/local.yml"
refused remote-to-local "$BASE/local.yml:1: !include 'file:///etc/passwd': file:// URLs are not supported in a remote document" \
	"$BASE/local.yml"
printf 'a: !include b.yml\n' >"$WWW/a.yml"
printf 'b: !include /a.yml\n' >"$WWW/b.yml"
refused cycle "$BASE/b.yml:1: include cycle: $BASE/a.yml -> $BASE/b.yml -> $BASE/a.yml" "$BASE/a.yml"
cp "$TLS/ca.pem" "$TLS/ca-open.pem"
chmod 0666 "$TLS/ca-open.pem"
refused open-ca "refusing the CA file $TLS/ca-open.pem" "$BASE/p/lists/filters.yml" \
	remote_include_ca="$TLS/ca-open.pem"
mkdir -m 0777 "$T/cache-open-cache"
refused open-cache "refusing the cache directory $T/cache-open-cache" "$BASE/p/lists/filters.yml"
check "--check-config writes no cache" test ! -e "$T/cache-ok"

# ---- 8b. remote_include_ca= instead of the system store ---------------------
# In a mount namespace of its own, pidtree finds the test CA in the system
# store (/etc/ssl/certs, hashed, and the bundle); a remote_include_ca= that
# did not sign the server must still fail: the system store is not consulted
# beside it (curl's default CA directory would be, unless turned off).
SYS=$T/syscerts
mkdir -p "$SYS"
cp "$TLS/ca.pem" "$SYS/ca-certificates.crt"
ln -s ca-certificates.crt "$SYS/$(openssl x509 -hash -noout -in "$TLS/ca.pem").0"
# in_sysstore CMD...: CMD with $SYS over /etc/ssl/certs, in a private mount namespace
in_sysstore() {
	unshare --mount --propagation private sh -c 'mount --bind "$0" /etc/ssl/certs && exec "$@"' "$SYS" "$@"
}
printf 'tcp_connect:\n  filters: !include %s/p/lists/filters.yml\n' "$BASE" >"$T/sys.yml"
CACHE=$T/cache-sys conf remote_include_ca=
in_sysstore "$PIDTREE" --check-config -C "$T/pidtree.conf" -c "$T/sys.yml" >/dev/null 2>"$T/sys-store.err"
check "test CA in the system store (mount namespace): accepted with remote_include_ca= empty" test $? -eq 0 ||
	cat "$T/sys-store.err"
CACHE=$T/cache-sys conf remote_include_ca="$TLS/other-ca.pem"
in_sysstore "$PIDTREE" --check-config -C "$T/pidtree.conf" -c "$T/sys.yml" >/dev/null 2>"$T/sys-other.err"
check "remote_include_ca= of another CA: refused although the system store would accept (exit 78)" \
	test $? -eq 78
check "remote_include_ca= of another CA: the reason is the certificate" \
	grep -q -E "SSL certificate problem: (unable to get local issuer|self.signed)" "$T/sys-other.err" ||
	cat "$T/sys-other.err"

# ---- 9. the start-up wait is bounded ----------------------------------------------
echo 40 >"$WWW/.delay"
CACHE=$T/cache conf remote_include_timeout=60
t0=$(date +%s)
"$PIDTREE" --check-config -C "$T/pidtree.conf" -c "$T/probes.yml" >/dev/null 2>"$T/bound.err"
rc=$? dt=$(($(date +%s) - t0))
check "slow server at start: --check-config goes on after ${dt} s (20-26)" test "$dt" -ge 19 -a "$dt" -le 26
check "slow server at start: on the cached copy (exit 0)" test $rc -eq 0
check "slow server at start: warning names the URL and the wait" \
	grep -q "cannot fetch include '$BASE/p/tcp.yml': no answer within 20 s; using the copy cached at" "$T/bound.err"
echo 10 >"$WWW/.delay"
CACHE=$T/cache conf remote_include_timeout=2
t0=$(date +%s)
"$PIDTREE" --check-config -C "$T/pidtree.conf" -c "$T/probes.yml" >/dev/null 2>"$T/timeout.err"
rc=$? dt=$(($(date +%s) - t0))
check "remote_include_timeout=2: gives up after ${dt} s (< 10) on the cached copy" test $rc -eq 0 -a "$dt" -lt 10
check "remote_include_timeout=2: the warning says so" grep -q "no complete answer within 2 s" "$T/timeout.err"
rm -f "$WWW/.delay"
finish
