#!/bin/bash
# Runs inside the test VM, chrooted in the host's (read-only) root file
# system: every integration test named on the command line, one after the
# other, each bounded by VM_TEST_TIMEOUT seconds.  Output: the tests' own
# lines, framed by marker lines the host parses:
#   PIDTREE-VM: BEGIN name
#   PIDTREE-VM: RESULT name PASS|FAIL|SKIP rc=N seconds=S
set -u
cd /tmp || exit 1
: "${top_srcdir:?}" "${top_builddir:?}"
export top_srcdir top_builddir
timeout_s=${VM_TEST_TIMEOUT:-900}
# No systemd runs in the guest, so nothing answers libnss_systemd's user
# database queries: leave it out of the guest's copy of nsswitch.conf (in
# its overlay; the host's file is untouched).  A user name lookup is then
# glibc's built-in files service alone, instead of a library load that
# costs seconds of a starved TCG vCPU (and pidtree's "slow name service"
# warning in tests that expect none).
if grep -qE '^(passwd|group):.* systemd' /etc/nsswitch.conf 2>/dev/null; then
	sed -E '/^(passwd|group|shadow|gshadow):/s/ systemd//' /etc/nsswitch.conf >/tmp/nsswitch.conf &&
		cat /tmp/nsswitch.conf >/etc/nsswitch.conf
fi
failed=0
for name in "$@"; do
	script=$top_srcdir/tests/integration/$name.sh
	echo "PIDTREE-VM: BEGIN $name"
	start=$(date +%s)
	# the last test may leave the kernel changed (kernel_features.sh: lockdown)
	last=
	[ "$name" = "${!#}" ] && last=1
	if [ -f "$script" ]; then
		PIDTREE_VM_LAST=$last timeout -k 10 "$timeout_s" bash "$script" </dev/null 2>&1
		rc=$?
	else
		echo "FAIL: $script does not exist"
		rc=1
	fi
	secs=$(($(date +%s) - start))
	case $rc in
	0) res=PASS ;;
	77) res=SKIP ;;
	124 | 137) res=FAIL; echo "FAIL: $name timed out after ${timeout_s}s" ;;
	*) res=FAIL ;;
	esac
	[ "$res" = FAIL ] && failed=$((failed + 1))
	# (after an empty line: the test's last line may lack its newline)
	printf '\nPIDTREE-VM: RESULT %s %s rc=%s seconds=%s\n' "$name" "$res" "$rc" "$secs"
done
[ "$failed" -eq 0 ]
