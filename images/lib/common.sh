# Shared helpers for images/build.sh: logging, host tools, chroot mounts.
# Sourced, not executed. Every mount made here is recorded and undone by chroot_unmount_all,
# which the build's EXIT trap calls even when a step fails.

BUILD_STARTED=$SECONDS

log() { printf '[%s +%4ss] %s\n' "$(date -u +%H:%M:%S)" "$((SECONDS - BUILD_STARTED))" "$*"; }
step() { log "==> $*"; }
die() { printf 'build.sh: error: %s\n' "$*" >&2; exit 1; }

# run_logged CMD...: runs a noisy command with its output in $BUILD_LOG (or on the terminal with
# --verbose); on failure shows the last lines of the log and fails the build.
run_logged() {
  if [ "${VERBOSE:-0}" = 1 ]; then
    "$@" 2>&1 | tee -a "$BUILD_LOG"
    local rc=${PIPESTATUS[0]}
  else
    local rc=0
    "$@" >>"$BUILD_LOG" 2>&1 || rc=$?
  fi
  if [ "$rc" != 0 ]; then
    printf '\n--- last 40 lines of %s ---\n' "$BUILD_LOG" >&2
    tail -n 40 "$BUILD_LOG" >&2
    die "command failed (exit $rc): $*"
  fi
}

# need_host_tool TOOL PACKAGE: installs PACKAGE with apt-get when TOOL is missing (CI starts fresh).
need_host_tool() {
  command -v "$1" >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || die "$1 is missing and there is no apt-get to install $2"
  log "installing host package $2 (for $1)"
  run_logged env DEBIAN_FRONTEND=noninteractive apt-get update -q
  run_logged env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2"
  command -v "$1" >/dev/null 2>&1 || die "$1 still missing after installing $2"
}

# mounts_under DIR: mount points at or below DIR, deepest first.
mounts_under() {
  awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

# chroot_mount ROOT: /proc, a minimal /dev (tmpfs + bind-mounted null zero full random urandom),
# the host's resolv.conf and a policy-rc.d that stops packages from starting services.
chroot_mount() {
  local root=$1 n
  mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
  mount -t tmpfs -o mode=0755,size=1m,nosuid,noexec tmpfs "$root/dev"
  for n in null zero full random urandom; do
    : >"$root/dev/$n"
    mount --bind "/dev/$n" "$root/dev/$n"
  done
  ln -s /proc/self/fd "$root/dev/fd"
  ln -s /proc/self/fd/0 "$root/dev/stdin"
  ln -s /proc/self/fd/1 "$root/dev/stdout"
  ln -s /proc/self/fd/2 "$root/dev/stderr"
  if [ -e "$root/etc/resolv.conf" ] || [ -L "$root/etc/resolv.conf" ]; then
    mv "$root/etc/resolv.conf" "$WORK/resolv.conf.image"
  fi
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
  printf '#!/bin/sh\n# caged image build: no service may start inside the chroot\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
}

# chroot_unmount_all ROOT: undoes chroot_mount and anything a failed debootstrap left mounted.
# Safe to call twice and when nothing is mounted. Returns non-zero if a mount could not be removed.
chroot_unmount_all() {
  local root=$1 m
  for m in $(mounts_under "$root"); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "warning: could not unmount $m"
  done
  [ -z "$(mounts_under "$root")" ]
}

# chroot_restore ROOT: puts back the image's own resolv.conf and removes policy-rc.d.
chroot_restore() {
  local root=$1
  rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/resolv.conf"
  if [ -e "$WORK/resolv.conf.image" ] || [ -L "$WORK/resolv.conf.image" ]; then
    mv "$WORK/resolv.conf.image" "$root/etc/resolv.conf"
  fi
}

# in_chroot CMD...: runs CMD as root inside the image with a clean environment.
in_chroot() {
  env -i "$(command -v chroot)" "$ROOT" /usr/bin/env \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}
