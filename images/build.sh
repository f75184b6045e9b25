#!/usr/bin/env bash
# Builds a caged root filesystem image: a tarball of an Ubuntu or Debian root with the judge's
# toolchains, and the manifest.json the judge reads. See images/README.md.
#
#   bash images/build.sh debian|ubuntu [--out DIR] [--force] [--verbose]
#   bash images/build.sh debian|ubuntu [--out DIR] --manifest-path   (prints where the manifest goes)
#
# Idempotent: when DIR holds a manifest built from the current recipe (recipe.sha256 matches the
# hash of the recipe files), it says so and exits 0 without rebuilding, unless --force.
# The image is built in a temporary directory next to DIR and renamed into place at the end, so a
# half-finished build is never mistaken for a finished one.
set -euo pipefail

IMAGES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
source "$IMAGES_DIR/lib/common.sh"

usage() {
  sed -n '5,6p' "$0" | sed 's/^#   //' >&2
  exit 2
}

FLAVOR= OUT= FORCE=0 VERBOSE=0 PRINT_PATH=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || usage; OUT=$2; shift 2 ;;
    --out=*) OUT=${1#--out=}; shift ;;
    --force) FORCE=1; shift ;;
    --verbose|-v) VERBOSE=1; shift ;;
    --manifest-path) PRINT_PATH=1; shift ;;
    -h|--help) usage ;;
    -*) printf 'build.sh: unknown option %s\n' "$1" >&2; usage ;;
    *) [ -z "$FLAVOR" ] || usage; FLAVOR=$1; shift ;;
  esac
done
[ -n "$FLAVOR" ] || usage
[ -f "$IMAGES_DIR/$FLAVOR/base.sh" ] || die "unknown flavor '$FLAVOR' (known: $(cd "$IMAGES_DIR" && ls -d */base.sh | cut -d/ -f1 | tr '\n' ' '))"

CACHE_ROOT=${CAGED_IMAGE_CACHE:-/var/cache/caged}
OUT=${OUT:-$CACHE_ROOT/images/$FLAVOR}
OUT=$(realpath -m "$OUT")
if [ "$PRINT_PATH" = 1 ]; then
  printf '%s\n' "$OUT/manifest.json"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, chroot and mounts need it)"
command -v node >/dev/null || die "node is needed on the build host (it writes the JSON)"
export DOWNLOAD_DIR=${CAGED_DOWNLOAD_DIR:-$CACHE_ROOT/downloads}

# The recipe hash covers every file that shapes the image: this script, lib/, common.json, the
# languages and this flavor's directory (not the README, not ensure.sh, not the other flavors).
recipe_hash() {
  (cd "$IMAGES_DIR" && {
    printf 'flavor=%s\n' "$FLAVOR"
    find build.sh common.json lib languages "$FLAVOR" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  } | sha256sum | cut -d' ' -f1)
}
RECIPE_SHA256=$(recipe_hash)

PARENT=$(dirname "$OUT")
mkdir -p "$PARENT"
exec 9>"$PARENT/.$(basename "$OUT").lock"
if ! flock -n 9; then
  log "another build of $OUT is running; waiting for it"
  flock 9
fi

up_to_date() {
  [ -f "$OUT/manifest.json" ] && [ -f "$OUT/rootfs.tar" ] && [ -f "$OUT/recipe.sha256" ] &&
    [ "$(cat "$OUT/recipe.sha256")" = "$RECIPE_SHA256" ]
}
if [ "$FORCE" = 0 ] && up_to_date; then
  digest=$(node -e 'process.stdout.write(require(process.argv[1]).sha256)' "$OUT/manifest.json")
  echo "image $FLAVOR is up to date ($digest)"
  exit 0
fi

# shellcheck source=debian/base.sh
source "$IMAGES_DIR/$FLAVOR/base.sh"

WORK=$(mktemp -d "$PARENT/.$(basename "$OUT").build-XXXXXX")
ROOT=$WORK/rootfs
BUILD_LOG=$PARENT/$(basename "$OUT").build.log
: >"$BUILD_LOG"
export WORK ROOT BUILD_LOG VERBOSE

cleanup() {
  local rc=$?
  set +e
  if chroot_unmount_all "$WORK"; then
    rm -rf --one-file-system "$WORK"
  else
    log "warning: mounts remain under $WORK; left it in place (remove it by hand after unmounting)"
  fi
  [ "$rc" = 0 ] || log "build of $FLAVOR FAILED (exit $rc); full log: $BUILD_LOG"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

step "building image $FLAVOR ($IMAGE_NAME) into $OUT; recipe $RECIPE_SHA256; log $BUILD_LOG"

step "base: $IMAGE_BASE"
image_base "$ROOT"

step "chroot: mount /proc, a minimal /dev, resolv.conf, policy-rc.d"
chroot_mount "$ROOT"

step "configure: no docs or man pages, no recommends, hostname caged, box user 256"
mkdir -p "$ROOT/etc/dpkg/dpkg.cfg.d" "$ROOT/etc/apt/apt.conf.d"
cat >"$ROOT/etc/dpkg/dpkg.cfg.d/01-caged-nodoc" <<'CFG'
# caged image: no documentation (licences are kept)
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/lintian/*
path-exclude=/usr/share/locale/*
CFG
cat >"$ROOT/etc/apt/apt.conf.d/01-caged" <<'CFG'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Retries "3";
Dpkg::Options { "--force-unsafe-io"; };
CFG
echo caged >"$ROOT/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tcaged\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"
grep -q '^box:' "$ROOT/etc/passwd" || echo 'box:x:256:256:caged submission:/box:/usr/sbin/nologin' >>"$ROOT/etc/passwd"
grep -q '^box:' "$ROOT/etc/group" || echo 'box:x:256:' >>"$ROOT/etc/group"
grep -q '^box:' "$ROOT/etc/shadow" || echo 'box:!:19000::::::' >>"$ROOT/etc/shadow"

PACKAGES=$(node "$IMAGES_DIR/lib/image-tool.js" packages "$IMAGES_DIR")
step "install: $PACKAGES"
run_logged in_chroot apt-get update -q
run_logged in_chroot apt-get install -y -q --no-install-recommends $PACKAGES

step "layout: /box, /tmp (1777), /proc, /dev mount points"
mkdir -p "$ROOT/box" "$ROOT/tmp" "$ROOT/proc" "$ROOT/dev"
chmod 0755 "$ROOT/box" "$ROOT"
chmod 1777 "$ROOT/tmp"

step "clean: apt lists and caches, docs, man pages, logs"
run_logged in_chroot apt-get clean
rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin "$ROOT"/var/cache/debconf/*-old \
  "$ROOT"/var/lib/dpkg/*-old "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/* \
  "$ROOT"/usr/share/lintian/* "$ROOT"/usr/share/locale/* "$ROOT"/var/cache/ldconfig/aux-cache \
  "$ROOT"/tmp/* "$ROOT"/var/tmp/* "$ROOT"/root/.bash_history
find "$ROOT/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete 2>/dev/null || true
find "$ROOT/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
find "$ROOT/var/log" -type f -exec truncate -s 0 {} +
: >"$ROOT/etc/machine-id"

step "self-tests: compile and run each language as uid 256 inside the image"
mapfile -t LANG_IDS < <(node "$IMAGES_DIR/lib/image-tool.js" selftest-prepare "$IMAGES_DIR" "$ROOT")
chown -R 256:256 "$ROOT/tmp/caged-selftest"
SELFTEST_LINES=()
for id in "${LANG_IDS[@]}"; do
  if ! line=$(timeout 300 env -i "$(command -v chroot)" --userspec=256:256 --groups=256 "$ROOT" /bin/sh "/tmp/caged-selftest/$id/run.sh" 2>&1); then
    printf '%s\n' "$line" >&2
    die "self-test of $id failed"
  fi
  log "$line"
  SELFTEST_LINES+=("$line")
done

step "unmount and restore the image's own resolv.conf"
chroot_unmount_all "$ROOT" || die "could not unmount everything under $ROOT"
chroot_restore "$ROOT"
# /dev stays an empty mount point: the launcher mounts its own. Device nodes that the base step
# created would be refused by the image store anyway.
find "$ROOT/dev" -mindepth 1 -delete

step "manifest: versions and metadata"
NEW=$WORK/out
mkdir "$NEW"
node "$IMAGES_DIR/lib/image-tool.js" manifest "$IMAGES_DIR" --flavor "$FLAVOR" --name "$IMAGE_NAME" \
  --base "$IMAGE_BASE" --tarball "$NEW/rootfs.tar" --sha256 pending --size 0 \
  --recipe "$RECIPE_SHA256" --root "$ROOT" --out "$WORK/manifest.partial.json"
rm -rf "$ROOT/tmp/caged-selftest"

step "pack: GNU tar, numeric owners, sorted names"
# Modification times are kept as installed: Python's .pyc files are only valid for their
# sources' mtimes, so rewriting them would make every Python run recompile the standard library.
tar --create --file="$NEW/rootfs.tar" --directory="$ROOT" --numeric-owner --sort=name --format=gnu .
SHA256=$(sha256sum "$NEW/rootfs.tar" | cut -d' ' -f1)
SIZE=$(stat -c %s "$NEW/rootfs.tar")
node -e '
  const fs = require("fs");
  const [src, dst, sha, size] = process.argv.slice(1);
  const m = JSON.parse(fs.readFileSync(src, "utf8"));
  m.sha256 = sha; m.sizeBytes = Number(size);
  fs.writeFileSync(dst, JSON.stringify(m, null, 2) + "\n");
' "$WORK/manifest.partial.json" "$NEW/manifest.json" "$SHA256" "$SIZE"
printf '%s\n' "$RECIPE_SHA256" >"$NEW/recipe.sha256"
log "rootfs.tar: $((SIZE / 1048576)) MiB, sha256 $SHA256"

step "publish: $OUT"
OLD=
if [ -e "$OUT" ]; then
  OLD=$WORK/previous
  mv "$OUT" "$OLD"
fi
mv "$NEW" "$OUT"

log "image $FLAVOR built in $((SECONDS - BUILD_STARTED))s: $OUT/manifest.json (sha256 $SHA256)"
for line in "${SELFTEST_LINES[@]}"; do
  printf '%s\n' "$line"
done
