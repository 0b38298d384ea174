#!/bin/bash
# pidtree's integration tests on another kernel: one of Debian's cloud
# kernels (5.10, 6.1, 6.12: see vm_kernel in vmlib.sh), booted under qemu.
# The same binaries built for this host are loaded in the guest; nothing is
# rebuilt.  tests/vm/kernels.sh runs it for each kernel of the matrix at
# once; alone: tests/vm/kernel.sh [SERIES] (default 6.1).
#
#  1. fetch the kernel package (apt-get, a private configuration, cached in
#     $PIDTREE_VM_CACHE, default /var/cache/pidtree-vm) and extract it;
#  2. build an initramfs: busybox-static, tests/vm/init, the virtio and
#     virtiofs modules of that kernel (the cloud flavour has no 9p);
#  3. share this machine's / with the guest over virtiofs (virtiofsd from
#     qemu-system-x86), which the guest mounts read-only under a tmpfs
#     overlay: it runs the host's own bash, jq, python3 and iproute2, and
#     a snapshot of the source and build trees taken at the start; its
#     writes never reach the host;
#  4. boot with qemu-system-x86_64 (KVM where it works, else TCG);
#     tests/vm/init mounts what a host has (proc, sysfs, devtmpfs, tracefs,
#     bpffs, cgroup2, a fresh /run), brings lo up and runs
#     tests/vm/guest-tests.sh, whose output comes back on a serial port.
#
# Which tests run on which kernel: see SELECTION below.  The last line is
# "N passed, M failed"; the line before it, "KERNEL SERIES: ...", is the
# kernel's summary (kernels.sh collects them).
#
# Exit status: 0 when every guest test passed, 1 otherwise (a test failure,
# a required test skipped or missing, the VM failing to boot or timing out);
# 77 only when not run as root.
#
# Environment: PIDTREE_VM_KERNEL (the series, instead of $1),
# PIDTREE_VM_KERNEL_PKG (a linux-image-*-unsigned package name instead of
# the series' newest), PIDTREE_VM_CACHE, PIDTREE_VM_TESTS (names instead of
# the selection; "all": every tests/integration/*.sh), PIDTREE_VM_TIMEOUT
# (whole VM, seconds), PIDTREE_VM_TEST_TIMEOUT (each test, seconds),
# PIDTREE_VM_MEM (MiB), PIDTREE_VM_CPUS, PIDTREE_VM_ACCEL (kvm|tcg),
# ANCESTRY_RUNS (default 40), KEEP_TMP (keep the work directory of a
# failed run).  kernels.sh passes PIDTREE_VM_SHARED (a directory with the
# shared initramfs base and the tree snapshot, tree/src and tree/build).
set -u

SERIES=${PIDTREE_VM_KERNEL:-${1:-6.1}}

# ---------------------------------------------------------------------------
# SELECTION.  Only the tests whose result can depend on the kernel run in a
# guest (they load the probes and make traffic, or read what the kernel
# reports); the others test userland only (configuration, outputs, trust,
# remote includes, runtime clients) and already ran on the host: under TCG
# they would cost most of CI's time and test nothing new.  On every kernel:
# the probes (a skip, or the script not being there, is a failure).  The
# rest of the kernel-dependent tests are shared out between the kernels, so
# the three VMs, run at once, take about as long each.
# ---------------------------------------------------------------------------
VM_REQUIRED="tcp_connect ancestry net_listen udp_session tcp_accept"
case $SERIES in
# the oldest: every probe on the bpf_get_current_task fallback; the DNS
# probe; the exits' drain (process: a raw_tp program run on a CPU by
# BPF_PROG_TEST_RUN, new in 5.10); the refusal of a missing feature
# (kernel_features, last: it locks the kernel down)
5.10) VM_EXTRA="dns process kernel_features" ;;
# Debian 12's default kernel
6.1) VM_EXTRA="process filters" ;;
6.12) VM_EXTRA="losses caps" ;;
*) VM_EXTRA= ;;
esac
VM_SELECT="$VM_REQUIRED $VM_EXTRA"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (loads BPF programs; shares / with the VM through virtiofsd)"
	exit 77
fi

here=$(cd "$(dirname "$0")" && pwd -P)
# Bounds for a hang, not for speed: a run takes a few minutes on an idle
# 2-core machine, several times that when other VMs share the CPUs.
VM_TIMEOUT=${PIDTREE_VM_TIMEOUT:-1500}
VM_TEST_TIMEOUT=${PIDTREE_VM_TEST_TIMEOUT:-600}
# ancestry.sh's short-lived trees: 600 on the host; a fork+exec costs ten
# times as much under TCG, three kernels run it, and 40 trees make the same
# checks (each run races a tree's exits against the snapshot: more runs
# find a rare race more often, which the host's 600 are for)
ANCESTRY_RUNS=${ANCESTRY_RUNS:-40}
# Modules in the initramfs, loaded before the host's root is mounted (their
# dependencies are added).  Once it is, the guest's modprobe finds every
# other module of the package (inet_diag, veth, ...) on demand, as on a host.
GUEST_MODULES="virtio_pci virtiofs overlay"
# The guest caches what it reads of the host's / for as long as it runs
# (virtiofsd -o cache=always): its trees are a snapshot the host leaves
# alone, and re-validating every path of every exec with the host (cache=auto)
# makes a process start several times as slow under TCG.
VM_VIRTIOFS_CACHE=${VM_VIRTIOFS_CACHE:-always}
# shellcheck source=tests/vm/vmlib.sh
. "$here/vmlib.sh"

vm_require_tools
[ -x "$top_builddir/pidtree" ] || vm_fail "$top_builddir/pidtree not built"
[ -x "$top_builddir/tests/helpers/connector" ] || vm_fail "tests/helpers/connector not built (make check builds it)"

# 1. the kernel package; 2. the initramfs (its /vm.conf below)
vm_kernel "$SERIES"
vm_workdir
SHARED=${PIDTREE_VM_SHARED:-}
if [ -n "$SHARED" ]; then
	G_SRC=$SHARED/tree/src
	G_BUILD=$SHARED/tree/build
	[ -d "$G_BUILD" ] || G_BUILD=$G_SRC
else
	SHARED=$W
	vm_snapshot
fi
vm_initramfs_base "$SHARED"
# shellcheck disable=SC2086
vm_initramfs_modules $GUEST_MODULES
R=$W/conf
mkdir -p "$R"

if [ -n "${PIDTREE_VM_TESTS:-}" ] && [ "$PIDTREE_VM_TESTS" != all ]; then
	TESTS=$PIDTREE_VM_TESTS
else
	TESTS=
	for name in $VM_SELECT; do
		[ -f "$top_srcdir/tests/integration/$name.sh" ] || vm_fail "tests/integration/$name.sh selected but missing"
		TESTS="$TESTS $name"
	done
	if [ "${PIDTREE_VM_TESTS:-}" = all ]; then
		for f in "$top_srcdir"/tests/integration/*.sh; do
			name=$(basename "$f" .sh)
			[ "$name" = lib ] || [[ " $TESTS " == *" $name "* ]] || TESTS="$TESTS $name"
		done
	fi
	TESTS=${TESTS# }
fi
# the tests' waits: ten times as long as on a host (lib.sh's deadlines)
ENVW=$(printf '%q ' "ANCESTRY_RUNS=$ANCESTRY_RUNS" "VM_TEST_TIMEOUT=$VM_TEST_TIMEOUT" \
	"PIDTREE_VM_SERIES=$SERIES" "PIDTREE_TEST_TIME_SCALE=${PIDTREE_TEST_TIME_SCALE:-10}")
{
	printf 'top_builddir=%q\n' "$G_BUILD"
	printf 'top_srcdir=%q\n' "$G_SRC"
	printf 'KMODDIR=%q\n' "$MODDIR"
	printf 'VM_TESTS=%q\n' "$TESTS"
	printf 'VM_ENV=%q\n' "$ENVW"
} >"$R/vm.conf"
vm_initramfs_join "$SHARED"

# ---------------------------------------------------------------------------
# 3. share / and boot
# ---------------------------------------------------------------------------
vm_virtiofsd
vm_accel
say "kernel $SERIES: $PKG $PKGVER ($KVER), $VM_ACCEL"
say "guest tests: $TESTS (ANCESTRY_RUNS=$ANCESTRY_RUNS)"
# the guest powers off when its tests are done; a reboot (a panic) ends the run
vm_boot -no-reboot

# ---------------------------------------------------------------------------
# 4. results
# ---------------------------------------------------------------------------
grep -q '^PIDTREE-VM: BOOTED' "$W/tests.txt" || {
	grep '^PIDTREE-VM: ERROR' "$W/tests.txt"
	vm_fail "the guest did not come up (qemu exit status $qrc)"
}
passed=0 failed=0 npass=0 nfail=0 nskip=0
summary=()
for name in $TESTS; do
	res=$(grep "^PIDTREE-VM: RESULT $name " "$W/tests.txt" | tail -n 1)
	# the test's own "N passed, M failed" line, between its markers
	counts=$(sed -n "/^PIDTREE-VM: BEGIN $name\$/,/^PIDTREE-VM: RESULT $name /p" "$W/tests.txt" |
		grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
	p=0 q=0
	if [ -n "$counts" ]; then
		p=${counts%% passed*} q=${counts#*, } q=${q%% failed*}
		[ "$p" -ge 0 ] || p=0 # a failure outside check() can make it -1
	fi
	if [ -z "$res" ]; then
		status=FAIL why="no result (the VM stopped before it finished)"
	else
		status=$(echo "$res" | awk '{print $4}')
		why="$(echo "$res" | awk '{print $5", "$6}')"
	fi
	if [ "$status" = SKIP ] && [[ " $VM_REQUIRED " == *" $name "* ]]; then
		status=FAIL why="$why; required in the VM but skipped"
	fi
	# a failed script counts at least one failed check
	[ "$status" = FAIL ] && [ "$q" -eq 0 ] && q=1
	case $status in PASS) npass=$((npass + 1)) ;; SKIP) nskip=$((nskip + 1)) ;; *) nfail=$((nfail + 1)) ;; esac
	passed=$((passed + p)) failed=$((failed + q))
	summary+=("$status $name ($p passed, $q failed; $why)")
done
for name in $VM_REQUIRED; do
	if [[ " $TESTS " != *" $name "* ]] && [ -z "${PIDTREE_VM_TESTS:-}" ]; then
		summary+=("FAIL $name (required in the VM, but not selected)")
		failed=$((failed + 1)) nfail=$((nfail + 1))
	fi
done
if ! grep -q '^PIDTREE-VM: DONE' "$W/tests.txt"; then
	summary+=("FAIL the guest did not finish (qemu exit status $qrc)")
	failed=$((failed + 1)) nfail=$((nfail + 1))
	tr -d '\r' <"$W/console.log" | tail -n 40 | sed 's/^/# console: /'
fi
# kernel warnings (a BPF splat, a lockdep report) are worth seeing
if ! vm_kernel_warnings; then
	summary+=("FAIL the guest kernel logged a warning (console above)")
	failed=$((failed + 1)) nfail=$((nfail + 1))
fi

echo
vm_timing
for s in "${summary[@]}"; do
	echo "$s"
done
secs=$(awk -v a="$boot_t0" -v b="$t_end" 'BEGIN{printf "%.0f", b - a}')
# the CPU time of this script's children (qemu, virtiofsd: reaped by now):
# what the run costs whatever else shares the machine
# (this shell's cutime and cstime, in clock ticks; `times` would run in a
# subshell of its own here and see none)
cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.0f", ($14 + $15) / hz }' "/proc/$$/stat")
echo "KERNEL $SERIES: $([ "$failed" -eq 0 ] && echo PASS || echo FAIL) $KVER: $npass scripts passed," \
	"$nfail failed, $nskip skipped; $passed checks passed, $failed failed; VM ${secs} s, CPU ${cpu} s" \
	"($VM_ACCEL, $VM_CPUS vCPUs); ran: $TESTS"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
