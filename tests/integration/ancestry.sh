#!/bin/bash
# Race-free ancestry: short-lived process trees, PID reuse, lost exec
# records, depth limit.  Real BPF, loopback connects only.
. "$(dirname "$0")/lib.sh"
require_root

P=$(rand_port)
# error_has EVENT TEXT: the event's error field contains TEXT
error_has() { jq -r .error <<<"$1" | grep -qF -- "$2"; }
printf 'tcp_connect:\n  includeports: [%s]\n' "$P" >"$T/probes.yml"

# read_above PID: PID and its ancestors up to pid 1 as JSON
# [{pid, cmdline, username}] (username: of the real uid),
# each cmdline as pidtree shows it with its default limit (4096 bytes: the
# arguments joined by spaces, or the first 4092 bytes and "...")
read_above() {
	python3 - "$1" <<'PY'
import json, pwd, sys
pid = int(sys.argv[1]); chain = []
while pid > 0:
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        raw = f.read().rstrip(b"\0")
    if len(raw) >= 4096:
        raw = raw[:4092] + b"..."
    with open(f"/proc/{pid}/stat") as f:
        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
    with open(f"/proc/{pid}/status") as f:
        uid = int(next(l for l in f if l.startswith("Uid:")).split()[1])
    try:
        user = pwd.getpwuid(uid).pw_name
    except KeyError:
        user = str(uid)
    chain.append({"pid": pid, "username": user,
                  "cmdline": raw.replace(b"\0", b" ").decode("utf-8", "replace")})
    pid = ppid
print(json.dumps(chain))
PY
}

# ---------------------------------------------------------------------------
# 1. short-lived trees: both shells and the connector are gone long before
#    anyone could read /proc
# ---------------------------------------------------------------------------
N=${ANCESTRY_RUNS:-600}
OUT=$T/trees.json
above_before=$(read_above "$$")
start_pidtree "$OUT" -c "$T/probes.yml" || { fail "daemon starts"; finish; }
for i in $(seq 1 "$N"); do
	sh -c "sh -c \"$CONNECTOR 127.0.0.1 $P marker-$i; true\"; true"
done
check "last short-lived tree reported" seen "$OUT" ".proctree[0].cmdline | endswith(\" marker-$N\")" 20
check "SIGTERM: exit 0" stop_pidtree

# Every ancestor above this script is alive: take their cmdlines from /proc,
# as pidtree shows them (its default cmdline limit of 4096 bytes: at most
# 4092 bytes and "..." -- CI's own ancestors have longer command lines).
# Read before pidtree starts (above_before) and now: an ancestor that
# rewrites its title in between may show either.
above=$(read_above "$$")
python3 - "$OUT" "$N" "$CONNECTOR" "$P" "$above_before" "$above" >"$T/trees.report" <<'PY'
import json, re, sys
out, n, conn, port = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
before, above = json.loads(sys.argv[5]), json.loads(sys.argv[6])
def same(g, w):
    # invalid UTF-8 (a multi-byte character cut at the limit): one U+FFFD
    # per run, whichever way the decoder split it
    return re.sub("\ufffd+", "\ufffd", g) == re.sub("\ufffd+", "\ufffd", w)
events = {}
for line in open(out):
    ev = json.loads(line)
    c = ev["proctree"][0]["cmdline"] if ev["proctree"] else ""
    if " marker-" in c:
        events[int(c.rsplit("marker-", 1)[1])] = ev
complete = wrong = incomplete_without_error = missing = 0
for i in range(1, n + 1):
    ev = events.get(i)
    if ev is None:
        missing += 1
        continue
    leaf = f"{conn} 127.0.0.1 {port} marker-{i}"
    want = [leaf, f"sh -c {leaf}; true", f'sh -c sh -c "{leaf}; true"; true'] + [a["cmdline"] for a in above]
    got = [p["cmdline"] for p in ev["proctree"]]
    # an ancestor above the script whose title changed meanwhile: either
    alt = {a["pid"]: a["cmdline"] for a in before}
    for k, p in enumerate(ev["proctree"][3:], 3):
        if k < len(want) and alt.get(p["pid"]) is not None and same(got[k], alt[p["pid"]]):
            want[k] = got[k]
    pids_above = [p["pid"] for p in ev["proctree"][3:]]
    ok = len(got) == len(want) and all(same(g, w) for g, w in zip(got, want)) \
        and pids_above == [a["pid"] for a in above] \
        and [p["username"] for p in ev["proctree"]] == ["root"] * 3 + [a["username"] for a in above] \
        and ev["error"] == ""
    if ok:
        complete += 1
        continue
    # anything shown must be right; what is missing must be explained
    for g, w in zip(got, want):
        if g != "" and not same(g, w):
            wrong += 1
            print(f"WRONG marker-{i}: {g[:150]!r}... ({len(g)} chars) != {w[:150]!r}... ({len(w)} chars)")
            break
    else:
        if ev["error"] == "":
            incomplete_without_error += 1
            print(f"INCOMPLETE WITHOUT ERROR marker-{i}: {got}")
print(f"trees={n} complete={complete} missing={missing} wrong={wrong} "
      f"incomplete_without_error={incomplete_without_error} depth={len(want)}")
PY
grep -m 5 -v "^trees=" "$T/trees.report"; tail -n 1 "$T/trees.report"
summary=$(tail -n 1 "$T/trees.report")
complete=$(echo "$summary" | sed -n 's/.*complete=\([0-9]*\).*/\1/p')
check "no wrong cmdline in any tree" grep -q ' wrong=0 ' <<<"$summary"
check "incomplete trees carry an error" grep -q 'incomplete_without_error=0' <<<"$summary"
check ">= 99.9% of $N trees complete ($complete)" test $((complete * 1000)) -ge $((N * 999))

# ---------------------------------------------------------------------------
# 2. PID reuse: two different trees get the same pids while pidtree is
#    stopped; each record must name the processes that really connected
# ---------------------------------------------------------------------------
NSLAST=/proc/sys/kernel/ns_last_pid
PID_MAX=$(cat /proc/sys/kernel/pid_max)
# free_pid: a pid X with X and X+1 unused, a little ahead of the last one
# handed out, wrapping below pid_max as the kernel does (pids restart at 300;
# ns_last_pid refuses values >= pid_max)
free_pid() {
	local x n
	x=$(( $(cat $NSLAST) + 500 ))
	for n in $(seq 1 2000); do
		[ $((x + 2)) -lt "$PID_MAX" ] || x=$((301 + x % 1000))
		[ -e /proc/$x ] || [ -e /proc/$((x + 1)) ] || break
		x=$((x + 2))
	done
	echo "$x"
}
# run_at PID CMD...: start CMD in the background as PID (retries); sets RUN_PID
run_at() {
	local want=$1 try
	shift
	for try in $(seq 1 50); do
		echo $((want - 1)) >$NSLAST
		"$@" &
		RUN_PID=$!
		[ "$RUN_PID" = "$want" ] && return 0
		wait "$RUN_PID" 2>/dev/null
	done
	return 1
}

# Other processes of a busy host can take X+1 between the two trees (the
# leaf pids then differ): the round is tried again, at most 5 times.
OUT=$T/reuse.json
start_pidtree "$OUT" -c "$T/probes.yml" || { fail "daemon starts"; finish; }
for round in 1 2 3 4 5; do
	X=$(free_pid)
	kill -STOP "$PIDTREE_PID"
	A= B=
	run_at "$X" sh -c "$CONNECTOR 127.0.0.1 $P marker-reuse$round-A; true" && A=$RUN_PID
	wait "$RUN_PID"
	run_at "$X" sh -c "$CONNECTOR 127.0.0.1 $P marker-reuse$round-B; true" && B=$RUN_PID
	wait "$RUN_PID"
	kill -CONT "$PIDTREE_PID"
	EA=$(wait_for "$OUT" ".proctree[0].cmdline | endswith(\"marker-reuse$round-A\")")
	EB=$(wait_for "$OUT" ".proctree[0].cmdline | endswith(\"marker-reuse$round-B\")")
	[ "${A:-}" = "$X" ] && [ "${B:-}" = "$X" ] && [ "$(jq .pid <<<"$EA")" = "$(jq .pid <<<"$EB")" ] && break
	log "reuse: round $round: another process took one of the pids; again"
done
check "pid $X really was reused (A=${A:-?} B=${B:-?})" test "${A:-}" = "$X" -a "${B:-}" = "$X"
check "tree A: parent is pid $X with A's cmdline" \
	test "$(jq -r '"\(.proctree[1].pid) \(.proctree[1].cmdline)"' <<<"$EA")" = "$X sh -c $CONNECTOR 127.0.0.1 $P marker-reuse$round-A; true"
check "tree B: parent is pid $X with B's cmdline" \
	test "$(jq -r '"\(.proctree[1].pid) \(.proctree[1].cmdline)"' <<<"$EB")" = "$X sh -c $CONNECTOR 127.0.0.1 $P marker-reuse$round-B; true"
check "leaf pids reused too ($(jq .pid <<<"$EA") and $(jq .pid <<<"$EB"))" \
	test "$(jq .pid <<<"$EA")" = "$(jq .pid <<<"$EB")"
check "reuse: both errors empty" test "$(jq -r .error <<<"$EA")$(jq -r .error <<<"$EB")" = ""
check "SIGTERM: exit 0" stop_pidtree

# ---------------------------------------------------------------------------
# 3. lost exec records + reused pid still alive: /proc must not lend the new
#    process's cmdline.  A 4 KiB ring cannot hold the exec record of an
#    argv over 4 KiB (records are as long as their argv, up to 4 KiB of it),
#    so the exec record of tree A's parent is lost; its pid is then taken
#    by a live process B (another program) before pidtree reads the ring.
#    /proc shows start times in 10 ms ticks only, so pidtree also compares
#    the comm seen in the kernel at event time.
#    The connect record itself may be lost too when the host's own
#    exec/fork/exit records fill the tiny ring first (a busy host): then the
#    round is tried again, at most 5 times.
# ---------------------------------------------------------------------------
OUT=$T/lossy.json
EA=
for round in 1 2 3 4 5; do
	start_pidtree "$OUT" -c "$T/probes.yml" --ringbuf-kib 4 || { fail "daemon starts"; finish; }
	X=$(free_pid)
	kill -STOP "$PIDTREE_PID"
	A= B=
	run_at "$X" sh -c "$CONNECTOR 127.0.0.1 $P marker-lossy-A; true" "$(printf 'pad%.0s' $(seq 1500))" && A=$RUN_PID
	wait "$RUN_PID"
	run_at "$X" sleep 4.321 && B=$RUN_PID
	kill -CONT "$PIDTREE_PID"
	EA=$(wait_for "$OUT" '.proctree[0].cmdline | endswith("marker-lossy-A")' 5) && break
	log "lossy: round $round: the connect record was lost too; again"
	kill "$B" 2>/dev/null
	wait "$B" 2>/dev/null
	stop_pidtree
done
check "lossy: pid $X reused by a live process (A=${A:-?} B=${B:-?})" test "${A:-}" = "$X" -a "${B:-}" = "$X"
check "lossy: leaf cmdline from the hook's argv" \
	test "$(jq -r '.proctree[0].cmdline' <<<"$EA")" = "$CONNECTOR 127.0.0.1 $P marker-lossy-A"
check "lossy: parent $X not given B's cmdline" \
	test "$(jq -r '"\(.proctree[1].pid) \(.proctree[1].cmdline)"' <<<"$EA")" = "$X "
check "lossy: error names the unresolved ancestor" error_has "$EA" "unresolved ancestor pid $X"
check "lossy: no cmdline anywhere mentions B" bash -c "! grep -q 'sleep 4.321' '$OUT'"
kill "$B" 2>/dev/null
wait "$B" 2>/dev/null
check "SIGTERM: exit 0" stop_pidtree
check "lossy: the lost exec records were reported" grep -q 'process: .* records lost' "$T/pidtree.err"

# ---------------------------------------------------------------------------
# 4. depth limit
# ---------------------------------------------------------------------------
OUT=$T/depth.json
start_pidtree "$OUT" -c "$T/probes.yml" --max-depth 2 || { fail "daemon starts"; finish; }
sh -c "$CONNECTOR 127.0.0.1 $P marker-depth; true"
ED=$(wait_for "$OUT" '.proctree[0].cmdline | endswith("marker-depth")')
check "--max-depth 2: two ancestors" test "$(jq '.proctree | length' <<<"$ED")" = 2
check "--max-depth 2: error says truncated" error_has "$ED" "ancestry truncated at depth 2"
check "SIGTERM: exit 0" stop_pidtree
finish
