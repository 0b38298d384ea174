#!/bin/bash
# Kernel features probed at start-up (src/probes/kernel_features.c):
#  1. the ancestry walk each program type gets here is the one this kernel
#     version has (bpf_get_current_task_btf in tp_btf/tracepoint programs
#     from 5.11, in cgroup socket programs from 5.15; the CO-RE read walk
#     without);
#  2. every probe reports the same process trees through the walk older
#     kernels get (PIDTREE_NO_TASK_BTF=1) as through this kernel's;
#  3. in a VM only, as its last test (tests/vm/kernel.sh): a kernel that
#     lacks a feature pidtree needs is refused at start with one message
#     naming the feature and the Linux version that added it.  Kernel
#     lockdown (confidentiality) takes bpf_probe_read_kernel away from BPF
#     programs on any kernel; it cannot be lifted again without a reboot,
#     hence never on the host.
# Real BPF, loopback only.
. "$(dirname "$0")/lib.sh"
require_root

ACCEPTOR=$top_builddir/tests/helpers/acceptor
P_TCP=$(rand_port) P_LTCP=$(rand_port) P_LUDP=$(rand_port) P_UDP=$(rand_port) P_END=$(rand_port)
trap 'kill $(jobs -p) 2>/dev/null; cleanup' EXIT
cat >"$T/probes.yml" <<YML
tcp_connect:
  includeports: [$P_TCP, $P_END]
net_listen:
  protocols: [tcp, udp]
  includeports: [$P_LTCP, $P_LUDP]
udp_session:
  includeports: [$P_UDP]
tcp_accept:
YML

# version of this kernel as one number (5.10 -> 510)
kv=$(uname -r | awk -F. '{printf "%d", $1 * 100 + $2}')
yesno() { [ "$1" -ge "$2" ] && echo yes || echo no; }
want="tp_btf/tracepoint programs: $(yesno "$kv" 511), in cgroup socket programs: $(yesno "$kv" 515)"

# run MODE: one daemon (MODE "btf": as this kernel has it; "core":
# PIDTREE_NO_TASK_BTF=1), every probe triggered once by a process of a
# marker of its own; the events in $T/MODE.json
run() {
	local mode=$1 out=$T/$1.json port
	if [ "$mode" = core ]; then
		export PIDTREE_NO_TASK_BTF=1
	else
		unset PIDTREE_NO_TASK_BTF
	fi
	start_pidtree "$out" -v -c "$T/probes.yml" || { fail "$mode: daemon starts"; return 1; }
	unset PIDTREE_NO_TASK_BTF
	"$CONNECTOR" 127.0.0.1 "$P_TCP" "marker-$mode-connect"
	python3 "$NETTOOL" listen tcp 127.0.0.1 "$P_LTCP" 0 "marker-$mode-listen" >/dev/null
	python3 "$NETTOOL" listen udp 127.0.0.1 "$P_LUDP" 0 "marker-$mode-bind" >/dev/null
	python3 "$NETTOOL" send "marker-$mode-udp" 127.0.0.1 "$P_UDP" 2 >/dev/null
	ACCEPTOR_PORT=0 "$ACCEPTOR" accept 127.0.0.1 1 "marker-$mode-accept" >"$T/$mode.port" &
	wait_until 5 test -s "$T/$mode.port"
	port=$(head -n 1 "$T/$mode.port")
	"$CONNECTOR" 127.0.0.1 "$port" "marker-$mode-to-acceptor" >/dev/null
	wait $!
	"$CONNECTOR" 127.0.0.1 "$P_END" "marker-$mode-end"
	check "$mode: sentinel reported" seen "$out" ".port == $P_END and .probe == \"tcp_connect\""
	check "$mode: SIGTERM: exit 0" stop_pidtree
	cp "$T/pidtree.err" "$T/$mode.err"
}

# tree MODE PROBE WHAT: the process tree and error of MODE's PROBE event
# whose leaf has marker-MODE-WHAT, the mode cut out of the markers (the two
# runs differ there), the pids of this shell and pid 1 kept (the others
# differ between the runs)
tree() {
	jq -c --arg p "$2" --arg m "marker-$1-$3" --arg mode "$1" --argjson me "$$" '
		select(.probe == $p and (.proctree[0].cmdline | contains($m))) |
		{error, tree: [.proctree[] | {cmdline: (.cmdline | gsub("marker-" + $mode + "-"; "marker-")),
		 username, pid: (if .pid == $me then "this shell" elif .pid == 1 then 1 else null end)}]}' \
		"$T/$1.json" | head -n 1
}

# ---------------------------------------------------------------------------
# 1 + 2
# ---------------------------------------------------------------------------
run btf
run core
check "this kernel ($(uname -r)): bpf_get_current_task_btf in $want" \
	grep -q "kernel: bpf_get_current_task_btf in $want" "$T/btf.err"
check "PIDTREE_NO_TASK_BTF=1: the CO-RE read walk in every program type" \
	grep -q "kernel: bpf_get_current_task_btf in tp_btf/tracepoint programs: no, in cgroup socket programs: no" "$T/core.err"
for pw in tcp_connect:connect net_listen:listen net_listen:bind udp_session:udp tcp_accept:accept; do
	p=${pw%%:*} w=${pw#*:}
	a=$(tree btf "$p" "$w") b=$(tree core "$p" "$w")
	check "$p ($w): reported through both walks" test -n "$a" -a -n "$b"
	check "$p ($w): the same tree through both walks" test -n "$a" -a "$a" = "$b"
	check "$p ($w): this shell in it, pid 1 last, no error" \
		test "$(jq -c '[([.tree[] | select(.pid == "this shell")] | length), .tree[-1].pid, .error]' \
			<<<"${b:-{\}}")" = '[1,1,""]'
	check "$p ($w): the leaf's cmdline (read in the kernel) is the process's" \
		test "$(jq -r '.tree[0].cmdline | contains("marker-'"$w"'")' <<<"${b:-{\}}")" = true
done
check "no warnings or errors logged (both runs)" no_warnings "$T/btf.err" "$T/core.err"

# ---------------------------------------------------------------------------
# 3. a kernel that lacks a feature: refused at start, one message
# ---------------------------------------------------------------------------
if [ -n "${PIDTREE_VM_LAST:-}" ]; then
	mountpoint -q /sys/kernel/security || mount -t securityfs securityfs /sys/kernel/security
	if [ -w /sys/kernel/security/lockdown ] &&
		echo confidentiality >/sys/kernel/security/lockdown; then
		log "lockdown: $(cat /sys/kernel/security/lockdown)"
		"$PIDTREE" -c "$T/probes.yml" -f "$T/refused.json" >"$T/refused.out" 2>"$T/refused.err"
		rc=$?
		cat "$T/refused.err"
		check "lockdown=confidentiality: refused at start, exit status 1" test "$rc" = 1
		check "  one message" test "$(grep -c . "$T/refused.err")" = 1
		check "  naming the kernel, the feature and the Linux version that has it" \
			grep -q "this kernel ($(uname -r)) lacks the bpf_probe_read_kernel helper (or kernel lockdown=confidentiality forbids it) (Linux 5.5)" "$T/refused.err"
		check "  nothing attached, no event written" test ! -s "$T/refused.json"
	else
		fail "lockdown: /sys/kernel/security/lockdown cannot be set (no lockdown LSM?)"
	fi
else
	log "not the last test of a VM: the refusal under kernel lockdown is not tried (it cannot be undone)"
fi
finish
