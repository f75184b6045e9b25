# post.sh of the python2 layer (run by /bin/sh -eu as root in the chroot, after apt).
#
# Debian 12 and Ubuntu 24.04 package no Python 2, which Judge0 (70), DMOJ (PY2), Kattis and
# Polygon packages (python.2 solutions, `#!...python2` programs) still judge. Debian 11
# (bullseye, LTS) is the last Debian with python2.7: this adds its archive to apt for this one
# install, at priority 100 so that nothing the parent layers installed changes, installs
# python2.7 (and what only bullseye has of its dependencies: libssl1.1, libffi7), and takes the
# archive out again. apt checks bullseye's packages against its signed Release files with the
# keys of debian-archive-keyring (in Debian 12's base; installed from Ubuntu's archive on
# ubuntu, whose build this project has not run). The mirror is the one the base was built from
# ($CAGED_DEBIAN_MIRROR), else deb.debian.org.
set -eu
list=/etc/apt/sources.list.d/caged-bullseye.list
prefs=/etc/apt/preferences.d/caged-bullseye
mirror=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
security=$(awk '$1 == "deb" && $3 == "bookworm-security" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
security=${security:-http://deb.debian.org/debian-security}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
if [ ! -f "$keyring" ]; then
  echo "python2: $keyring is missing (package debian-archive-keyring): cannot check Debian 11's archive" >&2
  exit 1
fi
cat > "$list" <<LIST
deb [signed-by=$keyring] $mirror bullseye main
deb [signed-by=$keyring] $security bullseye-security main
LIST
cat > "$prefs" <<PREFS
Package: *
Pin: release n=bullseye
Pin-Priority: 100

Package: *
Pin: release n=bullseye-security
Pin-Priority: 100
PREFS
cleanup() { rm -f "$list" "$prefs"; }
trap cleanup EXIT
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python2.7
cleanup
trap - EXIT
apt-get update -qq || true
# /usr/bin/python2, as Debian 11's python2-minimal made it (a `#!/usr/bin/env python2` script runs).
ln -sf python2.7 /usr/bin/python2
python2 -c 'import sys, json, fractions, decimal, heapq, bisect, collections, itertools; assert sys.version_info[:2] == (2, 7); print("python2: " + sys.version.split()[0])'
