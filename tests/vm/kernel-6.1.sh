#!/bin/bash
# pidtree's integration tests on a second kernel: Debian 12's 6.1 (the
# kernel most Debian 12 hosts run), booted under qemu with TCG.  The same
# binaries built for this host are loaded in the guest; nothing is rebuilt.
# (tests/vm/vmlib.sh holds the machinery, shared with tests/vm/systemd.sh.)
#
#  1. fetch the kernel package (apt-get download, cached in
#     $PIDTREE_VM_CACHE, default /var/cache/pidtree-vm) and extract it;
#  2. build an initramfs: busybox-static, tests/vm/init, the virtio and
#     virtiofs modules of that kernel (the cloud flavour has no 9p);
#  3. share this machine's / with the guest over virtiofs (virtiofsd from
#     qemu-system-x86), which the guest mounts read-only under a tmpfs
#     overlay: it runs the host's own bash, jq, python3 and iproute2, and
#     a snapshot of the source and build trees taken at the start; its
#     writes never reach the host;
#  4. boot with `qemu-system-x86_64 -accel tcg -cpu max`; tests/vm/init
#     mounts what a host has (proc, sysfs, devtmpfs, tracefs, bpffs,
#     cgroup2, a fresh /run), brings lo up and runs
#     tests/vm/guest-tests.sh, whose output comes back on a serial port.
#
# Exit status: 0 when every guest test passed, 1 otherwise (a test failure,
# a required test skipped or missing, the VM failing to boot or timing out);
# 77 only when not run as root.
#
# Environment: PIDTREE_VM_KERNEL_PKG (a linux-image-*-unsigned package name;
# default: the one Debian 12's linux-image-cloud-amd64 points at),
# PIDTREE_VM_CACHE, PIDTREE_VM_TESTS (names, instead of the default
# selection), PIDTREE_VM_TIMEOUT (whole VM, seconds), PIDTREE_VM_TEST_TIMEOUT
# (each test, seconds), PIDTREE_VM_MEM (MiB),
# PIDTREE_VM_CPUS, ANCESTRY_RUNS (default 200), KEEP_TMP (keep the work
# directory of a failed run).
set -u

# ---------------------------------------------------------------------------
# What runs in the guest: the tests whose result can depend on the kernel
# (they load the probes and make traffic, or read what the kernel reports).
# The others test userland only (configuration, outputs, trust, remote
# includes, runtime clients) and already ran on the host: under TCG they
# would cost most of CI's time and test nothing new.
VM_SELECT="tcp_connect ancestry net_listen udp_session tcp_accept dns process filters losses caps"
# Tests that must run and pass in the guest: a skip, or the script not being
# there, is a failure.
VM_REQUIRED="tcp_connect ancestry net_listen udp_session"

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (loads BPF programs; shares / with the VM through virtiofsd)"
	exit 77
fi

here=$(cd "$(dirname "$0")" && pwd -P)
# Bounds for a hang, not for speed: the selection takes a few minutes on an
# idle 2-core machine, several times that when other VMs share the CPUs.
VM_TIMEOUT=${PIDTREE_VM_TIMEOUT:-1500}
VM_TEST_TIMEOUT=${PIDTREE_VM_TEST_TIMEOUT:-600}
ANCESTRY_RUNS=${ANCESTRY_RUNS:-200}
# Modules in the initramfs, loaded before the host's root is mounted (their
# dependencies are added).  Once it is, the guest's modprobe finds every
# other module of the package (inet_diag, veth, ...) on demand, as on a host.
GUEST_MODULES="virtio_pci virtiofs overlay"
# shellcheck source=tests/vm/vmlib.sh
. "$here/vmlib.sh"

vm_require_tools
[ -x "$top_builddir/pidtree" ] || vm_fail "$top_builddir/pidtree not built"
[ -x "$top_builddir/tests/helpers/connector" ] || vm_fail "tests/helpers/connector not built (make check builds it)"

# 1. the kernel package; 2. the initramfs (its /vm.conf below)
vm_kernel
vm_workdir
# shellcheck disable=SC2086
vm_initramfs $GUEST_MODULES
vm_snapshot

# the test selection
if [ -n "${PIDTREE_VM_TESTS:-}" ]; then
	TESTS=$PIDTREE_VM_TESTS
else
	TESTS=
	for name in $VM_SELECT; do
		[ -f "$top_srcdir/tests/integration/$name.sh" ] || vm_fail "tests/integration/$name.sh selected but missing"
		TESTS="$TESTS $name"
	done
	say "not run in the VM (userland only, run on the host): $(cd "$top_srcdir/tests/integration" &&
		for f in *.sh; do n=${f%.sh}; [ "$n" = lib ] || [[ " $VM_SELECT " == *" $n "* ]] || printf '%s ' "$n"; done)"
fi
ENVW=$(printf '%q ' "ANCESTRY_RUNS=$ANCESTRY_RUNS" "VM_TEST_TIMEOUT=$VM_TEST_TIMEOUT")
{
	printf 'top_builddir=%q\n' "$G_BUILD"
	printf 'top_srcdir=%q\n' "$G_SRC"
	printf 'KMODDIR=%q\n' "$MODDIR"
	printf 'VM_TESTS=%q\n' "$TESTS"
	printf 'VM_ENV=%q\n' "$ENVW"
} >"$R/vm.conf"
vm_pack_initramfs

# ---------------------------------------------------------------------------
# 3. share / and boot
# ---------------------------------------------------------------------------
vm_virtiofsd
say "kernel: $PKG $PKGVER ($KVER)"
say "guest tests:$TESTS (ANCESTRY_RUNS=$ANCESTRY_RUNS)"
# the guest powers off when its tests are done; a reboot (a panic) ends the run
vm_boot -no-reboot

# ---------------------------------------------------------------------------
# 4. results
# ---------------------------------------------------------------------------
grep -q '^PIDTREE-VM: BOOTED' "$W/tests.txt" || {
	grep '^PIDTREE-VM: ERROR' "$W/tests.txt"
	vm_fail "the guest did not come up (qemu exit status $qrc)"
}
passed=0 failed=0
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
	passed=$((passed + p)) failed=$((failed + q))
	summary+=("$status $name ($p passed, $q failed; $why)")
done
for name in $VM_REQUIRED; do
	if [ -z "${PIDTREE_VM_TESTS:-}" ] && [[ " $TESTS " != *" $name "* ]]; then
		summary+=("FAIL $name (required in the VM, but not selected or not in tests/integration)")
		failed=$((failed + 1))
	fi
done
if ! grep -q '^PIDTREE-VM: DONE' "$W/tests.txt"; then
	summary+=("FAIL the guest did not finish (qemu exit status $qrc)")
	failed=$((failed + 1))
	tr -d '\r' <"$W/console.log" | tail -n 40 | sed 's/^/# console: /'
fi
# kernel warnings (a BPF splat, a lockdep report) are worth seeing
if ! vm_kernel_warnings; then
	summary+=("FAIL the guest kernel logged a warning (console above)")
	failed=$((failed + 1))
fi

echo
vm_timing
for s in "${summary[@]}"; do
	echo "$s"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
