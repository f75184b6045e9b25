# Shared helpers for images/build.sh and images/lib/layer-build.sh: logging, host tools, chroot
# mounts, cleaning and checking a layer's tree. Sourced, not executed. Every mount made here is
# undone by unmount_all, which the scripts' EXIT traps call even when a step fails.

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

# fetch_pinned URL FILE SHA256 WHERE: $DOWNLOAD_DIR/FILE, downloaded from URL unless cached, and
# checked against SHA256 (pinned in WHERE, named in the error) before anything uses it: a
# mismatch deletes the file and stops the build. Under a lock per file (layers build in parallel).
fetch_pinned() {
  local url=$1 file=$2 expected=$3 where=$4 actual fd
  need_host_tool curl curl
  mkdir -p "$DOWNLOAD_DIR"
  exec {fd}>"$DOWNLOAD_DIR/$file.lock"
  flock "$fd"
  if [ ! -s "$DOWNLOAD_DIR/$file" ]; then
    log "downloading $url"
    run_logged curl -fSL --connect-timeout 20 --retry 2 -o "$DOWNLOAD_DIR/$file.part" "$url"
    mv "$DOWNLOAD_DIR/$file.part" "$DOWNLOAD_DIR/$file"
  else
    log "using the cached $DOWNLOAD_DIR/$file"
  fi
  actual=$(sha256sum "$DOWNLOAD_DIR/$file" | cut -d' ' -f1)
  if [ "$actual" != "$expected" ]; then
    rm -f "$DOWNLOAD_DIR/$file"
    exec {fd}>&-
    die "sha256 mismatch for $file: expected $expected (pinned in $where), got $actual. The download from $url is corrupt or was replaced; it has been deleted. Nothing was unpacked."
  fi
  exec {fd}>&-
  log "sha256 of $file verified ($actual)"
}

# mounts_under DIR: mount points at or below DIR, deepest first.
mounts_under() {
  awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

# unmount_all DIR: unmounts everything at or below DIR (chroot mounts, bind mounts, the overlay).
# Safe to call twice and when nothing is mounted. Returns non-zero if a mount could not be removed.
unmount_all() {
  local dir=$1 m
  for m in $(mounts_under "$dir"); do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "warning: could not unmount $m"
  done
  [ -z "$(mounts_under "$dir")" ]
}

# chroot_mount ROOT: /proc, a minimal /dev (tmpfs + bind-mounted null zero full random urandom),
# the host's resolv.conf and a policy-rc.d that stops packages from starting services.
# resolv.conf is replaced by a rename (never deleted: on an overlay a deletion is a whiteout);
# chroot_restore takes it back. Both files are new or replaced files, removed afterwards.
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
  cp -L /etc/resolv.conf "$root/etc/.resolv.conf.caged-build"
  mv -f "$root/etc/.resolv.conf.caged-build" "$root/etc/resolv.conf"
  [ ! -e "$root/usr/sbin/policy-rc.d" ] || die "$root/usr/sbin/policy-rc.d exists already (a package installed one?)"
  printf '#!/bin/sh\n# caged image build: no service may start inside the chroot\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
}

# in_chroot CMD...: runs CMD as root inside $ROOT with a clean environment.
in_chroot() {
  env -i "$(command -v chroot)" "$ROOT" /usr/bin/env \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

# apt_config ROOT: the dpkg and apt configuration of every layer (written once, in the base).
apt_config() {
  local root=$1
  mkdir -p "$root/etc/dpkg/dpkg.cfg.d" "$root/etc/apt/apt.conf.d"
  cat >"$root/etc/dpkg/dpkg.cfg.d/01-caged-nodoc" <<'CFG'
# caged image: no documentation (licences are kept)
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/lintian/*
path-exclude=/usr/share/locale/*
CFG
  cat >"$root/etc/apt/apt.conf.d/01-caged" <<'CFG'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Retries "3";
Dpkg::Options { "--force-unsafe-io"; };
CFG
}

# apt_install ROOT PACKAGE...: apt-get update and install inside the chroot at ROOT. The .debs
# are downloaded into the shared cache $APT_CACHE (bind-mounted at /var/cache/apt/archives,
# under a lock so two builds never write it at once), then hard-linked into a private directory
# that the install reads, so parallel layer builds only serialise their downloads.
apt_install() {
  local root=$1 private=$WORK/debs
  shift
  run_logged in_chroot apt-get update -q
  mkdir -p "$APT_CACHE/partial" "$private/partial"
  (
    exec 7>"$APT_CACHE.lock"
    flock 7
    mount --bind "$APT_CACHE" "$root/var/cache/apt/archives"
    trap 'umount "$root/var/cache/apt/archives"' EXIT
    run_logged in_chroot apt-get install -y -q --download-only --no-install-recommends "$@"
    find "$APT_CACHE" -maxdepth 1 -name '*.deb' -exec cp -al -t "$private" {} +
  )
  mount --bind "$private" "$root/var/cache/apt/archives"
  run_logged in_chroot apt-get install -y -q --no-install-recommends "$@"
  umount "$root/var/cache/apt/archives"
  rm -rf "$private"
}

# clean_tree DIR: removes what apt and dpkg leave behind that no job needs: package lists and
# caches, docs (licences kept), man pages, locales, temporary files; truncates logs. DIR is a
# whole root (the base) or an overlay's upper directory (a layer): there only the layer's own
# files are touched, never its parents'.
clean_tree() {
  local dir=$1
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb \
    "$dir"/var/cache/debconf/*-old "$dir"/var/lib/dpkg/*-old "$dir"/usr/share/man/* "$dir"/usr/share/info/* \
    "$dir"/usr/share/lintian/* "$dir"/usr/share/locale/* "$dir"/var/cache/ldconfig/aux-cache \
    "$dir"/tmp/* "$dir"/tmp/.[!.]* "$dir"/var/tmp/* "$dir"/root/.bash_history
  if [ -d "$dir/usr/share/doc" ]; then
    find "$dir/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
    find "$dir/usr/share/doc" -mindepth 1 -type d -empty -delete
  fi
  [ ! -d "$dir/var/log" ] || find "$dir/var/log" -type f -exec truncate -s 0 {} +
}

# check_layer_tree DIR LAYER [LOWER...]: a layer's tree may hold no device nodes, and an overlay
# upper directory no whiteouts (character device 0/0), no redirects and no opaque directory that
# hides a directory of a lower layer (overlayfs marks every directory it creates opaque; that is
# harmless where no lower layer has that path): a layer adds and replaces files, it never deletes
# or hides its parents'. Fails naming the paths.
check_layer_tree() {
  local dir=$1 layer=$2 bad path lower
  shift 2
  bad=$(find "$dir" \( -type c -o -type b \) -printf '/%P\n' | awk 'NR <= 50' | tr '\n' ' ')
  if [ -n "$bad" ]; then
    local wh
    wh=$(cd "$dir" && find . -type c -exec stat -c '%t:%T %n' {} + | awk '$1 == "0:0" && ++n <= 50 { print substr($0, 6) }')
    [ -z "$wh" ] || die "layer $layer deletes files of its parent layers (overlay whiteouts), which a layer must not do: $(printf '%s ' $wh). Find the package or post.sh step that removes them (dpkg --search, the layer's build log)."
    die "layer $layer contains device nodes (the launcher mounts its own /dev): $bad"
  fi
  local xattrs
  xattrs=$({ getfattr -R -P --absolute-names -m '^trusted\.overlay\.(opaque|redirect|metacopy|whiteout)' -d "$dir" 2>/dev/null || true; } |
    awk -v d="$dir" 'index($0, "# file: " d) == 1 { f = substr($0, length("# file: " d) + 1); if (f == "") f = "/" } /^trusted\.overlay\./ { split($0, kv, "="); print kv[1] "\t" f }')
  bad=
  while IFS=$'\t' read -r name path; do
    [ -n "$name" ] || continue
    if [ "$name" = trusted.overlay.opaque ]; then
      for lower in "$@"; do
        if [ -e "$lower$path" ] || [ -L "$lower$path" ]; then
          bad="$bad $path"
          break
        fi
      done
    else
      bad="$bad $path ($name)"
    fi
  done <<<"$xattrs"
  [ -z "$bad" ] || die "layer $layer hides or renames directories of its parent layers (overlay opaque directories or redirects), which a layer must not do:$bad"
}

# pack_tree DIR TARBALL: GNU tar, numeric owners, sorted names, modification times kept
# (Python's .pyc files are only valid for their sources' mtimes). No xattrs or ACLs.
pack_tree() {
  tar --create --file="$2" --directory="$1" --numeric-owner --sort=name --format=gnu \
    --no-xattrs --no-acls --no-selinux .
}
