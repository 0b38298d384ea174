#!/bin/bash
# pidtree as an administrator runs it: the Debian package built from this
# tree, installed with dpkg -i on a machine whose PID 1 is systemd, and
# checked with systemctl and journalctl (tests/vm/systemd-guest.sh lists
# what).  Debian 12's 6.1 kernel boots under qemu (TCG) with the same
# machinery as tests/vm/kernel-6.1.sh (tests/vm/vmlib.sh):
#
#  1. the package: dpkg-buildpackage -b in a copy of the tree
#     (DEB_BUILD_OPTIONS=nocheck: the unit tests are make check's job), or
#     PIDTREE_VM_DEB=path/to/pidtree_VERSION_ARCH.deb; a second package,
#     the same with the version VERSION+vmtest1, serves the upgrade test;
#  2. the guest's root is this machine's / (read-only over virtiofs) under
#     an overlay whose upper layer is an ext4 disk image, so that it survives
#     the guest's reboot; at the first boot tests/vm/init puts a few files in
#     it (the "seed": an empty fstab, masks for the services and generators
#     of this machine a test guest does not need, the unit that runs
#     systemd-guest.sh once the guest is up), hides others (this machine's
#     container marks and policy-rc.d) and copies dpkg's database, then
#     starts the host's own systemd as PID 1;
#  3. the guest installs the package, runs its checks (with
#     PIDTREE_VM_REBOOT=1 it reboots once in between and checks that pidtree
#     started at boot: 90 s more) and powers off; its output comes back on
#     the second serial port.
#
# Output: every command the guest runs and its checks ("ok:"/"FAIL:"), then
# "N passed, M failed".  Exit status 0 when every check passed, 1 otherwise
# (a failed check, the VM failing to boot or timing out); 77 when not root.
#
# Environment: PIDTREE_VM_DEB, PIDTREE_VM_CACHE, PIDTREE_VM_KERNEL_PKG,
# PIDTREE_VM_TIMEOUT (whole VM, seconds), PIDTREE_VM_MEM (MiB),
# PIDTREE_VM_CPUS, PIDTREE_VM_REBOOT (1: reboot between install and the
# rest), FLOOD (connects of each journald flood, default 600),
# KEEP_TMP (keep the work directory of a failed run).
set -u

if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (installs a package in a VM sharing / through virtiofsd)"
	exit 77
fi

here=$(cd "$(dirname "$0")" && pwd -P)
# a bound for a hang, not for speed
VM_TIMEOUT=${PIDTREE_VM_TIMEOUT:-1800}
# systemd as PID 1, and the kernel's command line for it
VM_APPEND="systemd.unit=multi-user.target systemd.show_status=0"
FLOOD=${FLOOD:-600}
# The host's root as the guest sees it is taken to stay as it was at boot
# (the trees are snapshots, the files apt rewrites are copied: VM_COPY
# below): the guest's FUSE caches may keep names and attributes for good,
# which spares a round trip to virtiofsd for each lookup (daemon-reload
# and dpkg look up thousands of files).
VM_VIRTIOFS_CACHE=always
REBOOT=${PIDTREE_VM_REBOOT:-0}
# shellcheck source=tests/vm/vmlib.sh
. "$here/vmlib.sh"

vm_require_tools dpkg-buildpackage dh mkfs.ext4 truncate dnsmasq dig
for f in tests/helpers/connector tests/helpers/acceptor bench/loadgen tests/plugins/example.so; do
	[ -e "$top_builddir/$f" ] || vm_fail "$top_builddir/$f not built (make check builds it)"
done

vm_kernel
vm_workdir /var/tmp

# ---------------------------------------------------------------------------
# 1. the packages
# ---------------------------------------------------------------------------
mkdir -p "$W/deb"
if [ -n "${PIDTREE_VM_DEB:-}" ]; then
	DEB=$(cd "$(dirname "$PIDTREE_VM_DEB")" && pwd -P)/$(basename "$PIDTREE_VM_DEB")
	[ -f "$DEB" ] || vm_fail "PIDTREE_VM_DEB=$PIDTREE_VM_DEB: no such file"
	cp "$DEB" "$W/deb/"
	DEB=$W/deb/$(basename "$DEB")
else
	# a copy of the source files (git ls-files, as check-packaging.sh
	# compares; a tree without git: everything but build outputs)
	mkdir -p "$W/deb/src"
	if git -C "$top_srcdir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$top_srcdir" && git ls-files --cached --others --exclude-standard |
			while read -r f; do [ -e "$f" ] && printf '%s\n' "$f"; done |
			tar --verbatim-files-from -T - -cf -) | tar -C "$W/deb/src" -xf - ||
			vm_fail "cannot copy the source files"
	else
		tar -C "$top_srcdir" --exclude=./.git --exclude-tag-all=config.status \
			--exclude='*.o' --exclude=.deps -cf - . | tar -C "$W/deb/src" -xf - ||
			vm_fail "cannot copy $top_srcdir"
	fi
	say "building the package: dpkg-buildpackage -b -us -uc (DEB_BUILD_OPTIONS=nocheck)"
	b0=$(date +%s)
	if ! (cd "$W/deb/src" && DEB_BUILD_OPTIONS="nocheck noddebs parallel=2" \
		dpkg-buildpackage -b -us -uc) >"$W/deb/build.log" 2>&1; then
		tail -n 40 "$W/deb/build.log"
		vm_fail "dpkg-buildpackage failed"
	fi
	say "package built in $(($(date +%s) - b0)) s"
	DEB=$(ls "$W"/deb/pidtree_*.deb 2>/dev/null | head -n 1)
	[ -f "$DEB" ] || vm_fail "dpkg-buildpackage left no pidtree_*.deb"
fi
VERSION=$(dpkg-deb -f "$DEB" Version)
# the upgrade: the same package, version VERSION+vmtest1
mkdir -p "$W/deb/up"
dpkg-deb -R "$DEB" "$W/deb/up/root" || vm_fail "dpkg-deb -R $DEB"
sed -i "s/^Version: .*/Version: $VERSION+vmtest1/" "$W/deb/up/root/DEBIAN/control"
DEB_UP=$W/deb/pidtree_${VERSION}+vmtest1.deb
dpkg-deb -b "$W/deb/up/root" "$DEB_UP" >/dev/null || vm_fail "dpkg-deb -b (upgrade package)"
rm -rf "$W/deb/up" "$W/deb/src"
say "packages: $(basename "$DEB"), $(basename "$DEB_UP")"

# ---------------------------------------------------------------------------
# 2. the guest: initramfs, seed, disk
# ---------------------------------------------------------------------------
vm_initramfs virtio_pci virtiofs overlay virtio_blk
vm_snapshot
S=$R/seed
mkdir -p "$S/etc/systemd/system/multi-user.target.wants" "$S/etc/tmpfiles.d"
cat >"$S/etc/fstab" <<'EOF'
# the test VM's root is set up by tests/vm/init (virtiofs + overlay)
EOF
# /tmp is this machine's (the overlay's lower layer): emptying it at boot
# would cost a whiteout per file there
cat >"$S/etc/tmpfiles.d/tmp.conf" <<'EOF'
# tests/vm/systemd.sh: /tmp is not emptied at boot
d /tmp 1777 root root -
EOF
echo pidtree-vm >"$S/etc/hostname"
# What this machine's administrators enabled (databases, container engines,
# timers: /etc/systemd/system/*.wants) is masked, except rsyslog, which a
# Debian host runs; so are the gettys (no terminal to log in on), D-Bus and
# logind (nothing tested uses them: systemctl talks to PID 1 directly as
# root) and the daily clean-up of /tmp.  The guest boots little more than
# Debian's systemd itself starts, and is faster for it.
masked=" getty.target serial-getty@.service dbus.service dbus.socket systemd-logind.service"
masked="$masked systemd-user-sessions.service systemd-tmpfiles-clean.timer"
for u in /etc/systemd/system/*.wants/*; do
	u=${u##*/}
	case $u in
	rsyslog.service | *.target | pidtree*) ;;
	*) [[ $masked == *" $u"* ]] || masked="$masked $u" ;;
	esac
done
# Hidden from the guest: this machine's marks of a container (systemd would
# run as in one) and its policy-rc.d (it refuses every service start); the
# man-db index update after dpkg -i (a minute of TCG for nothing tested)
hide=
for p in /.dockerenv /run/.containerenv /usr/sbin/policy-rc.d /var/lib/man-db/auto-update; do
	[ -e "$p" ] && hide="$hide $p"
done
for u in $masked; do
	ln -s /dev/null "$S/etc/systemd/system/$u"
done
# Generators are masked too: they make units from fstab, crypttab, init.d
# scripts, the kernel command line, none of which the guest has a use for,
# and they run at every daemon-reload (dpkg -i runs two): 10 s each here.
mkdir -p "$S/etc/systemd/system-generators"
for g in /lib/systemd/system-generators/* /usr/lib/systemd/system-generators/*; do
	[ -e "$g" ] && ln -sf /dev/null "$S/etc/systemd/system-generators/${g##*/}"
done
cat >"$S/etc/systemd/system/pidtree-vmtest.service" <<EOF
[Unit]
Description=pidtree systemd test (tests/vm/systemd-guest.sh)
After=multi-user.target

[Service]
Type=exec
Environment=top_srcdir=$G_SRC top_builddir=$G_BUILD
Environment=PIDTREE_DEB=$DEB PIDTREE_DEB_UP=$DEB_UP FLOOD=$FLOOD REBOOT=$REBOOT
Environment="VMTEST_SECTIONS=${VMTEST_SECTIONS:-}"
ExecStart=/bin/bash $G_SRC/tests/vm/systemd-guest.sh
StandardOutput=file:/dev/ttyS1
StandardError=inherit
# a script that dies or hangs still ends the run
RuntimeMaxSec=$((VM_TIMEOUT - 60))
FailureAction=poweroff
EOF
ln -s ../pidtree-vmtest.service "$S/etc/systemd/system/multi-user.target.wants/pidtree-vmtest.service"
{
	printf 'VM_INIT=systemd\n'
	printf 'VM_MAX_BOOTS=%s\n' $((1 + REBOOT))
	printf 'VM_HIDE="%s"\n' "$hide"
	# dpkg's database and the loader cache: apt on this machine rewrites them
	printf 'VM_COPY="%s"\n' "/var/lib/dpkg/status /var/lib/dpkg/available /var/lib/dpkg/diversions \
/var/lib/dpkg/statoverride /var/lib/dpkg/triggers /var/lib/dpkg/updates /etc/ld.so.cache"
	printf 'KMODDIR=%q\n' "$MODDIR"
	printf 'top_builddir=%q\n' "$G_BUILD"
	printf 'top_srcdir=%q\n' "$G_SRC"
} >"$R/vm.conf"
vm_pack_initramfs
# the overlay's upper layer: sparse, ext4 (overlayfs needs its xattrs)
truncate -s 4G "$W/disk.img" && mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 "$W/disk.img" ||
	vm_fail "cannot make the disk image"

# ---------------------------------------------------------------------------
# 3. boot (the guest powers off when done; reboots once first with REBOOT=1)
# ---------------------------------------------------------------------------
vm_virtiofsd
say "kernel: $PKG $PKGVER ($KVER); systemd $(dpkg-query -W -f='${Version}' systemd)"
say "masked in the guest:$masked; hidden:$hide"
# a reboot that is not expected (a panic) ends the run
noreboot=(-no-reboot)
[ "$REBOOT" = 1 ] && noreboot=()
vm_boot "${noreboot[@]}" -drive file="$W/disk.img",if=virtio,format=raw,cache=unsafe

# ---------------------------------------------------------------------------
# 4. results
# ---------------------------------------------------------------------------
grep -q '^PIDTREE-VM: BOOTED' "$W/tests.txt" || {
	grep '^PIDTREE-VM: ERROR' "$W/tests.txt"
	vm_fail "the guest did not come up (qemu exit status $qrc)"
}
passed=$(grep -c '^ok: ' "$W/tests.txt")
failed=$(grep -c '^FAIL: ' "$W/tests.txt")
# The guest's own counts (lib.sh's check()), should a line come garbled
# over the serial port: one script per boot, so the phases of one boot are
# cumulative, those of two boots add up.
counts=$(sed -n 's/^PIDTREE-VM: PHASE .* ended: \([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' "$W/tests.txt")
if [ -n "$counts" ]; then
	if [ "$REBOOT" = 1 ]; then
		read -r gp gf < <(awk '{ p += $1; f += $2 } END { print p, f }' <<<"$counts")
	else
		read -r gp gf < <(tail -n 1 <<<"$counts")
	fi
	[ "$gp" -gt "$passed" ] && passed=$gp
	[ "$gf" -gt "$failed" ] && failed=$gf
fi
if ! grep -q '^PIDTREE-VM: DONE' "$W/tests.txt"; then
	echo "FAIL: the guest did not finish (qemu exit status $qrc)"
	failed=$((failed + 1))
	grep '^PIDTREE-VM: ERROR' "$W/tests.txt"
	tr -d '\r' <"$W/console.log" | tail -n 40 | sed 's/^/# console: /'
fi
if ! vm_kernel_warnings; then
	echo "FAIL: the guest kernel logged a warning (console above)"
	failed=$((failed + 1))
fi
echo
grep '^PIDTREE-VM: \(BOOTED\|PHASE\|DONE\)' "$W/tests.txt" | sed 's/^PIDTREE-VM: /# /'
vm_timing
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
