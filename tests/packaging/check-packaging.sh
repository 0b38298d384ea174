#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# `make check-packaging`: build the Debian and RPM packages from the
# `make dist` tarball, the way a distribution would, and check them.
#
#   check-packaging.sh SRCDIR TARBALL VERSION
#
#  1. versions: configure.ac, debian/changelog and rpm/pidtree.spec agree;
#  2. manual pages: `mandoc -Tlint` reports nothing for man/*.[1-8];
#  3. the tarball holds every file of the source tree (git ls-files, plus
#     untracked files that are not ignored) except .gitignore;
#  4. Debian: `dpkg-buildpackage -b -us -uc` in the unpacked tarball, the
#     file lists and conffiles of pidtree and pidtree-dev, the unit enabled
#     by the maintainer scripts, `lintian` without errors;
#  5. RPM: `rpmbuild -bb` (--nodeps on Debian: the BuildRequires are Fedora
#     names unknown to the rpm database here) with the tarball as Source0,
#     file lists, %config files, scriptlets, `rpmlint` without errors, and
#     the payload unpacked into a scratch root;
#  6. as root, when neither pidtree nor /etc/pidtree is on this machine and
#     systemd is not running (so the postinst does not start the daemon):
#     `dpkg -i` both packages, check the installed daemon, configuration,
#     unit and journal catalog, then `dpkg --purge` them.
#     PIDTREE_PKG_INSTALL=1 forces the step (it then starts pidtree.service
#     where systemd runs), PIDTREE_PKG_INSTALL=0 skips it.
#
# Everything happens in a scratch directory (KEEP_TMP=1 keeps it); the
# source tree is not touched.  The output ends with "N passed, M failed" and
# is copied to $PIDTREE_PKG_LOG when set.  Exit status 0 when every check
# passed.

# The checks are eval'ed strings (single quotes on purpose) and the trap
# calls cleanup; variables used only in them: SC2016, SC2317 and SC2034 do
# not apply.
# shellcheck disable=SC2016,SC2317,SC2034
set -u

if [ $# -ne 3 ]; then
	echo "usage: $0 SRCDIR TARBALL VERSION" >&2
	exit 64
fi
SRC=$(cd "$1" && pwd -P)
TARBALL=$2
VERSION=$3
PKG=pidtree-$VERSION
t0=$(date +%s)
pass=0 fail=0

ok() { echo "ok: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else ko "$what"; fi
}
step() { printf '# %s (%ss)\n' "$*" "$(($(date +%s) - t0))"; }
finish() {
	echo "# check-packaging took $(($(date +%s) - t0))s"
	echo "$pass passed, $fail failed"
	cleanup
	trap - EXIT
	if [ -n "$TEE" ]; then
		exec >&- 2>&-
		wait "$TEE"
	fi
	[ "$fail" -eq 0 ]
	exit
}

W='' INSTALLED=''
cleanup() {
	if [ -n "$INSTALLED" ]; then
		dpkg --purge pidtree pidtree-dev >/dev/null 2>&1
		INSTALLED=''
	fi
	if [ -z "$W" ]; then
		return
	elif [ "${KEEP_TMP:-0}" = 1 ]; then
		echo "# kept $W"
	else
		rm -rf "$W"
	fi
	W=''
}

# a copy of the output for .ci/run's closing line
TEE=
if [ -n "${PIDTREE_PKG_LOG:-}" ]; then
	exec > >(tee "$PIDTREE_PKG_LOG") 2>&1
	TEE=$!
fi

missing=
for tool in dpkg-buildpackage dh lintian rpmbuild rpmlint mandoc; do
	command -v "$tool" >/dev/null || missing="$missing $tool"
done
if [ -n "$missing" ]; then
	ko "tools missing:$missing (run .ci/install-deps)"
	finish
fi
if [ ! -f "$TARBALL" ]; then
	ko "no tarball $TARBALL (make dist)"
	finish
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/pidtree-packaging.XXXXXX")
trap cleanup EXIT

# show_log FILE: the end of a failed step's log
show_log() {
	echo "--- last lines of $1:"
	tail -n 40 "$1"
	echo "---"
}

# file names without the compression suffix of manual pages
uncompressed() { sed -E 's,^(/usr/share/man/.*)\.(gz|bz2|xz|zst)$,\1,'; }

# has_all LISTFILE PATH...: every PATH is a line of LISTFILE
has_all() {
	local list=$1 p rc=0
	shift
	for p in "$@"; do
		if ! grep -qxF -- "$p" "$list"; then
			echo "  missing: $p"
			rc=1
		fi
	done
	return "$rc"
}

# ---------------------------------------------------------------------------
step "versions"
deb_version=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version)
spec_version=$(sed -n 's/^Version:[[:space:]]*//p' "$SRC/rpm/pidtree.spec")
check "debian/changelog version $deb_version is configure.ac's $VERSION" \
	test "$deb_version" = "$VERSION"
check "rpm/pidtree.spec version $spec_version is configure.ac's $VERSION" \
	test "$spec_version" = "$VERSION"

# ---------------------------------------------------------------------------
step "manual pages"
for page in "$SRC"/man/*.[1-8]; do
	out=$(mandoc -Tlint "$page" 2>&1)
	if [ -z "$out" ]; then
		ok "mandoc -Tlint ${page#"$SRC"/}"
	else
		ko "mandoc -Tlint ${page#"$SRC"/}"
		echo "$out"
	fi
done

# ---------------------------------------------------------------------------
step "tarball contents"
tar -tzf "$TARBALL" | sed -n "s|^$PKG/||p" | grep -v '/$' | sort >"$W/tarball.list"
if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$SRC" ls-files --cached --others --exclude-standard |
		grep -vxF .gitignore | sort -u >"$W/tree.list"
	# deleted but not yet committed files are not in the tree any more
	while read -r f; do [ -e "$SRC/$f" ] && echo "$f"; done <"$W/tree.list" >"$W/tree.present"
	comm -23 "$W/tree.present" "$W/tarball.list" >"$W/not-in-tarball"
	if [ -s "$W/not-in-tarball" ]; then
		ko "every file of the source tree is in the tarball (add them to EXTRA_DIST)"
		sed 's/^/  missing: /' "$W/not-in-tarball"
	else
		ok "every file of the source tree ($(wc -l <"$W/tree.present")) is in the tarball"
	fi
else
	echo "# $SRC is not a git work tree: tarball compared with the fixed list only"
fi
check "the tarball holds packaging, tests and configure" has_all "$W/tarball.list" \
	configure Makefile.in debian/control debian/rules debian/changelog \
	debian/source/format rpm/pidtree.spec conf/pidtree.yml conf/pidtree.conf \
	conf/pidtree.service.in conf/pidtree.catalog conf/rsyslog-pidtree.conf \
	man/pidtree.8 man/pidtree.conf.5 man/pidtree.yml.5 man/pidtree-plugins.7 \
	man/pidtree-probes.7 include/pidtree/probe.h examples/probes/process_exec/Makefile \
	include/pidtree/plugin.h examples/plugins/example.c tests/integration/lib.sh \
	tests/vm/kernel-6.1.sh .ci/run .ci/install-deps bench/run.sh ChangeLog

# ---------------------------------------------------------------------------
step "Debian packages: dpkg-buildpackage -b -us -uc"
mkdir -p "$W/deb"
tar -xzf "$TARBALL" -C "$W/deb"
if (cd "$W/deb/$PKG" && dpkg-buildpackage -b -us -uc -jauto) >"$W/deb/build.log" 2>&1; then
	ok "dpkg-buildpackage -b -us -uc"
else
	ko "dpkg-buildpackage -b -us -uc"
	show_log "$W/deb/build.log"
fi
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
DEB=$W/deb/pidtree_${VERSION}_$arch.deb
DEBDEV=$W/deb/pidtree-dev_${VERSION}_all.deb
if [ -f "$DEB" ] && [ -f "$DEBDEV" ]; then
	nunit=$(grep -c '^PASS: tests/unit/' "$W/deb/build.log")
	check "the package build ran the unit tests ($nunit passed) and nothing that needs root" \
		eval '[ "$nunit" -gt 0 ] && ! grep -q "^[A-Z]*: tests/\(integration\|vm\)/" "$W/deb/build.log"'
	dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' | uncompressed >"$W/deb/pidtree.list"
	dpkg-deb -c "$DEBDEV" | awk '{print $6}' | sed 's|^\./|/|' | uncompressed >"$W/deb/pidtree-dev.list"
	check "pidtree.deb: manual pages compressed" \
		eval '[ "$(dpkg-deb -c "$DEB" | grep -c "/usr/share/man/man[578]/pidtree.*\.gz$")" -eq 5 ]'
	unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || true)
	check "pidtree.deb: daemon, configuration, unit, catalog, manual pages, rsyslog example" \
		has_all "$W/deb/pidtree.list" /usr/sbin/pidtree /etc/pidtree/pidtree.conf \
		/etc/pidtree/pidtree.yml "${unitdir:-/lib/systemd/system}/pidtree.service" \
		/usr/lib/systemd/catalog/pidtree.catalog /usr/share/man/man8/pidtree.8 \
		/usr/share/man/man5/pidtree.conf.5 /usr/share/man/man5/pidtree.yml.5 \
		/usr/share/man/man7/pidtree-plugins.7 /usr/share/man/man7/pidtree-probes.7 \
		/usr/share/doc/pidtree/examples/rsyslog-pidtree.conf /usr/share/doc/pidtree/copyright
	check "pidtree-dev.deb: plugin and probe headers, BPF headers, examples" \
		has_all "$W/deb/pidtree-dev.list" /usr/include/pidtree/plugin.h \
		/usr/include/pidtree/probe.h /usr/include/pidtree/bpf/ringbuf.bpf.h \
		/usr/include/pidtree/bpf/pidtree.h /usr/include/pidtree/bpf/vmlinux.h \
		/usr/share/doc/pidtree-dev/examples/example.c \
		/usr/share/doc/pidtree-dev/examples/process_exec/process_exec.c \
		/usr/share/doc/pidtree-dev/examples/process_exec/Makefile /usr/share/doc/pidtree-dev/copyright
	check "pidtree.deb holds no header and pidtree-dev.deb no binary" \
		eval '! grep -q "^/usr/include/" "$W/deb/pidtree.list" && ! grep -q "bin/" "$W/deb/pidtree-dev.list"'
	mkdir -p "$W/deb/control" "$W/deb/root"
	dpkg-deb -e "$DEB" "$W/deb/control"
	dpkg-deb -x "$DEB" "$W/deb/root"
	check "conffiles: /etc/pidtree/pidtree.conf and /etc/pidtree/pidtree.yml" \
		has_all "$W/deb/control/conffiles" /etc/pidtree/pidtree.conf /etc/pidtree/pidtree.yml
	check "postinst enables and starts pidtree.service (dh_installsystemd)" \
		eval 'grep -q "deb-systemd-helper.*enable.*pidtree.service" "$W/deb/control/postinst" &&
		      grep -q "deb-systemd-invoke.*pidtree.service" "$W/deb/control/postinst"'
	check "the unit runs /usr/sbin/pidtree" \
		grep -qx 'ExecStart=/usr/sbin/pidtree' "$W/deb/root${unitdir:-/lib/systemd/system}/pidtree.service"
	check "the shipped pidtree.conf selects journald" \
		grep -qx 'sink = journald' "$W/deb/root/etc/pidtree/pidtree.conf"
	check "the daemon's default configuration directory is /etc/pidtree" \
		eval '"$W/deb/root/usr/sbin/pidtree" -h | grep -q "/etc/pidtree/pidtree.yml"'
	check "the packaged configuration is valid (pidtree --check-config)" \
		"$W/deb/root/usr/sbin/pidtree" -C "$W/deb/root/etc/pidtree/pidtree.conf" --check-config

	step "lintian"
	lintian --fail-on error --display-info "$W/deb/pidtree_${VERSION}_$arch.changes" \
		>"$W/deb/lintian.log" 2>&1
	rc=$?
	for level in E W I P; do
		printf '%s: %s  ' "$level" "$(grep -c "^$level: " "$W/deb/lintian.log")"
	done
	echo
	grep -v '^[IP]: \|running with root privileges' "$W/deb/lintian.log" | sed 's/^/  /'
	check "lintian reports no errors" test $rc -eq 0
else
	ko "the .deb files were built ($DEB, $DEBDEV)"
fi

# ---------------------------------------------------------------------------
step "RPM packages: rpmbuild -bb"
R=$W/rpm
mkdir -p "$R/SOURCES" "$R/SPECS" "$R/BUILD" "$R/RPMS" "$R/SRPMS" "$R/BUILDROOT"
cp "$TARBALL" "$R/SOURCES/"
tar -xzf "$TARBALL" -O "$PKG/rpm/pidtree.spec" >"$R/SPECS/pidtree.spec"
# On Debian: the BuildRequires name Fedora packages (--nodeps), and rpm's
# brp-compress is a bash script started as /bin/sh (man pages would stay
# uncompressed), so it is run with bash as it is on RPM distributions.
nodeps=
debian_host=()
if [ -f /etc/debian_version ]; then
	nodeps=--nodeps
	debian_host=(--define '__brp_compress /bin/bash %{_rpmconfigdir}/brp-compress %{?_prefix}')
fi
if rpmbuild -bb $nodeps --define "_topdir $R" --define "_smp_mflags -j$(nproc)" \
	"${debian_host[@]}" "$R/SPECS/pidtree.spec" >"$R/build.log" 2>&1; then
	ok "rpmbuild -bb $nodeps"
else
	ko "rpmbuild -bb $nodeps"
	show_log "$R/build.log"
fi
RPM='' RPMDEV=''
for f in "$R"/RPMS/*/pidtree-"$VERSION"-*.rpm; do [ -f "$f" ] && RPM=$f; done
for f in "$R"/RPMS/noarch/pidtree-devel-"$VERSION"-*.noarch.rpm; do [ -f "$f" ] && RPMDEV=$f; done
if [ -n "$RPM" ] && [ -n "$RPMDEV" ]; then
	rpm -qlp "$RPM" | uncompressed >"$R/pidtree.list" 2>/dev/null
	rpm -qlp "$RPMDEV" | uncompressed >"$R/pidtree-devel.list" 2>/dev/null
	check "pidtree.rpm: manual pages compressed" \
		eval '[ "$(rpm -qlp "$RPM" | grep -c "^/usr/share/man/man[578]/pidtree.*\.\(gz\|bz2\|xz\|zst\)$")" -eq 5 ]'
	check "pidtree.rpm: daemon, configuration, unit, catalog, manual pages, rsyslog example" \
		has_all "$R/pidtree.list" /usr/sbin/pidtree /etc/pidtree/pidtree.conf \
		/etc/pidtree/pidtree.yml /usr/lib/systemd/system/pidtree.service \
		/usr/lib/systemd/catalog/pidtree.catalog /usr/share/man/man8/pidtree.8 \
		/usr/share/man/man5/pidtree.conf.5 /usr/share/man/man5/pidtree.yml.5 \
		/usr/share/man/man7/pidtree-plugins.7 /usr/share/man/man7/pidtree-probes.7 \
		/usr/share/doc/pidtree/examples/rsyslog-pidtree.conf /usr/share/doc/pidtree/README.md
	check "pidtree-devel.rpm: plugin and probe headers, BPF headers, examples" \
		has_all "$R/pidtree-devel.list" /usr/include/pidtree/plugin.h \
		/usr/include/pidtree/probe.h /usr/include/pidtree/bpf/ringbuf.bpf.h \
		/usr/share/doc/pidtree-devel/examples/example.c \
		/usr/share/doc/pidtree-devel/examples/process_exec/process_exec.c
	rpm -qcp "$RPM" >"$R/config.list" 2>/dev/null
	check "%config files: /etc/pidtree/pidtree.conf and /etc/pidtree/pidtree.yml" \
		has_all "$R/config.list" /etc/pidtree/pidtree.conf /etc/pidtree/pidtree.yml
	check "%config(noreplace)" \
		eval '[ "$(rpm -qp --qf "[%{FILEFLAGS:fflags} %{FILENAMES}\n]" "$RPM" 2>/dev/null |
			   grep -c "^cn /etc/pidtree/pidtree\.\(conf\|yml\)$")" -eq 2 ]'
	rpm -qp --scripts "$RPM" >"$R/scripts" 2>/dev/null
	check "scriptlets: systemd preset, disable on erase, restart on upgrade, catalog" \
		eval 'grep -q "preset.*pidtree.service" "$R/scripts" &&
		      grep -q "disable.*pidtree.service" "$R/scripts" &&
		      grep -q "try-restart.*pidtree.service" "$R/scripts" &&
		      grep -q "journalctl --update-catalog" "$R/scripts"'

	step "rpmlint"
	rpmlint -c "$SRC/tests/packaging/rpmlint.toml" "$R"/RPMS/*/*.rpm "$R/SPECS/pidtree.spec" \
		>"$R/rpmlint.log" 2>&1
	summary=$(grep -E '[0-9]+ packages? and [0-9]+ specfiles? checked' "$R/rpmlint.log" | tail -n 1)
	echo "  ${summary:-no rpmlint summary}"
	grep -E ': (E|W): ' "$R/rpmlint.log" | sed 's/^/  /'
	errors=$(echo "$summary" | sed -n 's/.*checked; \([0-9]*\) errors\{0,1\}.*/\1/p')
	check "rpmlint reports no errors" test "${errors:-1}" -eq 0

	step "RPM payload"
	mkdir -p "$R/root"
	if rpm --root "$R/root" --initdb >/dev/null 2>&1 &&
	   rpm --root "$R/root" -i --nodeps --noscripts --notriggers "$RPM" "$RPMDEV" \
		>"$R/install.log" 2>&1; then
		check "rpm -i --root: the payload unpacks" \
			test -x "$R/root/usr/sbin/pidtree" -a -f "$R/root/usr/include/pidtree/plugin.h"
	else
		ko "rpm -i --root: the payload unpacks"
		show_log "$R/install.log"
	fi
else
	ko "the .rpm files were built"
fi

# ---------------------------------------------------------------------------
step "install test"
why=
if [ "${PIDTREE_PKG_INSTALL:-}" = 0 ]; then
	why="PIDTREE_PKG_INSTALL=0"
elif [ "$(id -u)" -ne 0 ]; then
	why="not root"
elif [ ! -f "${DEB:-}" ] || [ ! -f "${DEBDEV:-}" ]; then
	why="no .deb"
elif dpkg-query -W -f='${Status}' pidtree 2>/dev/null | grep -q ' installed$'; then
	why="pidtree is installed on this machine: left alone"
elif [ -e /etc/pidtree ]; then
	why="/etc/pidtree exists on this machine: left alone"
elif [ -d /run/systemd/system ] && [ "${PIDTREE_PKG_INSTALL:-}" != 1 ]; then
	why="systemd runs here: the postinst would start pidtree.service (PIDTREE_PKG_INSTALL=1 to do it anyway)"
fi
if [ -n "$why" ]; then
	echo "# SKIP install test: $why"
else
	# a catalog installed by `make install` (/usr/local) stays indexed
	catalog_before=$(journalctl --list-catalog 2>/dev/null | grep -c "^dc4cef5a2d98417a9d22e6f2a455162d")
	INSTALLED=1
	if dpkg -i "$DEB" "$DEBDEV" >"$W/dpkg-i.log" 2>&1; then
		ok "dpkg -i pidtree pidtree-dev"
		check "installed: pidtree --version says $VERSION" \
			eval '[ "$(/usr/sbin/pidtree --version)" = "pidtree $VERSION" ]'
		check "installed: pidtree --check-config with /etc/pidtree" \
			/usr/sbin/pidtree --check-config
		check "installed: both files in /etc/pidtree are conffiles" \
			eval '[ "$(dpkg-query -W -f="\${Conffiles}\n" pidtree | grep -c "/etc/pidtree/pidtree\.\(conf\|yml\) ")" -eq 2 ]'
		check "installed: pidtree.service enabled (multi-user.target.wants)" \
			test -L /etc/systemd/system/multi-user.target.wants/pidtree.service
		check "installed: the journal catalog is indexed (journalctl -x explains events)" \
			eval 'journalctl --list-catalog 2>/dev/null | grep -q "^dc4cef5a2d98417a9d22e6f2a455162d"'
		if command -v systemd-analyze >/dev/null; then
			check "installed: systemd-analyze verify pidtree.service" \
				eval 'systemd-analyze verify pidtree.service >"$W/verify.log" 2>&1 ||
				      { cat "$W/verify.log"; false; }'
		fi
	else
		ko "dpkg -i pidtree pidtree-dev"
		show_log "$W/dpkg-i.log"
	fi
	if dpkg --purge pidtree pidtree-dev >"$W/dpkg-purge.log" 2>&1; then
		INSTALLED=
		ok "dpkg --purge pidtree pidtree-dev"
		check "purged: /etc/pidtree, the unit's enablement and the catalog entries are gone" \
			eval '[ ! -e /etc/pidtree ] &&
			      [ ! -e /etc/systemd/system/multi-user.target.wants/pidtree.service ] &&
			      { [ "$catalog_before" -gt 0 ] ||
			        ! journalctl --list-catalog 2>/dev/null | grep -q "^dc4cef5a2d98417a9d22e6f2a455162d"; }'
	else
		ko "dpkg --purge pidtree pidtree-dev"
		show_log "$W/dpkg-purge.log"
	fi
fi

finish
