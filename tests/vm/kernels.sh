#!/bin/bash
# The kernel matrix: tests/vm/kernel.sh on each of Debian's 5.10, 6.1 and
# 6.12 cloud kernels (PIDTREE_VM_KERNELS, default "5.10 6.1 6.12"), all at
# once, each in its own VM.  The kernels are fetched first, one after the
# other (one apt-get run at a time on the cache); the VMs share one
# snapshot of the source and build trees and one initramfs base.  Then each
# kernel's output in turn, one summary line per kernel, and the total.
#
# Memory: PIDTREE_VM_MEM (default 1024 MiB here) per VM.  vCPUs: on a
# machine of 2 cores or fewer each VM gets 1 (three 2-vCPU guests on two
# cores spend their time preempting one another's lock holders); else 2.
# Exit status: 0 when every kernel passed, 1 otherwise, 77 when not root.
set -u

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (loads BPF programs; shares / with the VMs through virtiofsd)"
	exit 77
fi

here=$(cd "$(dirname "$0")" && pwd -P)
KERNELS=${PIDTREE_VM_KERNELS:-5.10 6.1 6.12}
# shellcheck source=tests/vm/vmlib.sh
. "$here/vmlib.sh"

vm_require_tools
[ -x "$top_builddir/pidtree" ] || vm_fail "$top_builddir/pidtree not built"
[ -x "$top_builddir/tests/helpers/connector" ] || vm_fail "tests/helpers/connector not built (make check builds it)"

CHILDREN=
kill_children() {
	local rc=$?
	# shellcheck disable=SC2086
	[ -n "$CHILDREN" ] && kill -TERM $CHILDREN 2>/dev/null && wait
	(exit $rc)
	vm_cleanup
}
trap kill_children EXIT

# 1. every kernel into the cache (kernel.sh then finds them there)
declare -A PKG_OF=()
for k in $KERNELS; do
	vm_kernel "$k"
	PKG_OF[$k]=$PKG
	say "kernel $k: $PKG $PKGVER"
done
# 2. what the VMs share: the trees they run, the initramfs base
vm_workdir
vm_snapshot
vm_initramfs_base "$W"
vm_accel
ncpu=$(nproc)
export PIDTREE_VM_MEM=${PIDTREE_VM_MEM:-1024}
export PIDTREE_VM_CPUS=${PIDTREE_VM_CPUS:-$([ "$ncpu" -le 2 ] && echo 1 || echo 2)}
export PIDTREE_VM_ACCEL=$VM_ACCEL PIDTREE_VM_SHARED=$W top_srcdir top_builddir
say "running $KERNELS at once: $PIDTREE_VM_CPUS vCPU(s) and $PIDTREE_VM_MEM MiB each, $VM_ACCEL"

# 3. the VMs
declare -A PID_OF=()
for k in $KERNELS; do
	PIDTREE_VM_KERNEL=$k PIDTREE_VM_KERNEL_PKG=${PKG_OF[$k]} \
		bash "$here/kernel.sh" >"$W/kernel-$k.log" 2>&1 &
	PID_OF[$k]=$!
	CHILDREN="$CHILDREN $!"
done
declare -A RC_OF=()
for k in $KERNELS; do
	wait "${PID_OF[$k]}"
	RC_OF[$k]=$?
done
CHILDREN=

# 4. their output, their summaries, the total
passed=0 failed=0
lines=()
for k in $KERNELS; do
	echo
	echo "======== kernel $k (exit status ${RC_OF[$k]})"
	cat "$W/kernel-$k.log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$W/kernel-$k.log" | tail -n 1)
	p=${line%% passed*} q=${line#*, } q=${q%% failed*}
	p=${p:-0} q=${q:-0}
	[ "${RC_OF[$k]}" -ne 0 ] && [ "$q" -eq 0 ] && q=1
	passed=$((passed + p)) failed=$((failed + q))
	sum=$(grep "^KERNEL $k: " "$W/kernel-$k.log" | tail -n 1)
	lines+=("${sum:-KERNEL $k: FAIL (no summary: the run stopped early, exit status ${RC_OF[$k]})}")
done
echo
# what the VMs cost in CPU (kernel.sh's "CPU N s"), and so about how long
# the matrix takes on a machine of $ncpu cores that runs nothing else
cpus=$(for k in $KERNELS; do grep "^KERNEL $k: " "$W/kernel-$k.log" | tail -n 1 |
	sed -n 's/.*, CPU \([0-9]*\) s.*/\1/p'; done | tr '\n' ' ')
say "whole matrix: $(($(date +%s) - t0)) s wall; the VMs' CPU: ${cpus:-?}s; alone on $ncpu cores:" \
	"about $(echo "$cpus" | awk -v n="$ncpu" '{ s = 0; m = 0; for (i = 1; i <= NF; i++) { s += $i; if ($i > m) m = $i }
		printf "%.0f", (s / n > m ? s / n : m) }') s"
for l in "${lines[@]}"; do
	echo "$l"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
