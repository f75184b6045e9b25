#!/usr/bin/env bash
# Builds ONE layer of an image into the layer cache; images/build.sh runs it once per layer to
# build (several at a time when they are independent). Not meant to be run by hand.
#
#   bash images/lib/layer-build.sh LAYER RECIPE_SHA256 [PARENT_ENTRY...]
#
# PARENT_ENTRY: the cache entry names (<id>-<recipe>) of the layer's parent chain, parent first.
# Environment (set by build.sh): IMAGES_DIR FLAVOR PLAN LAYER_CACHE APT_CACHE DOWNLOAD_DIR
# BUILD_LOG VERBOSE FORCE.
#
# The base layer is the flavor's base step (debootstrap / ubuntu-base) in a plain directory.
# Any other layer is the upper directory of an overlay mounted over its parents' unpacked trees:
# apt-get (and the layer's post.sh) run in a chroot on the overlay; the precompiled headers and
# the languages' self-tests follow; then the overlay is unmounted, the upper directory cleaned
# and checked (no whiteouts, no opaque directories) and packed.
# Result: $LAYER_CACHE/<layer>-<recipe>/{layer.tar,layer.json}; the entry's directory appears
# (by a rename) only when complete.
set -euo pipefail

IMAGES_DIR=${IMAGES_DIR:?} FLAVOR=${FLAVOR:?} PLAN=${PLAN:?} LAYER_CACHE=${LAYER_CACHE:?} APT_CACHE=${APT_CACHE:?}
# shellcheck source=common.sh
source "$IMAGES_DIR/lib/common.sh"
TOOL=$IMAGES_DIR/lib/image-tool.js

[ $# -ge 2 ] || die "usage: layer-build.sh LAYER RECIPE [PARENT_ENTRY...]"
LAYER=$1 RECIPE=$2
shift 2
CHAIN=("$@")
ENTRY=$LAYER_CACHE/$LAYER-$RECIPE

# The entry's lock: held exclusively while this layer is built; a build that uses the entry as
# a parent holds it shared (so a --force rebuild never swaps a tree that an overlay is using).
exec 8>"$ENTRY.lock"
flock -x 8
if [ "${FORCE:-0}" = 0 ] && [ -f "$ENTRY/layer.json" ] && [ -f "$ENTRY/layer.tar" ] &&
  node "$IMAGES_DIR/lib/image-tool.js" fresh --cache "$LAYER_CACHE" --entry "$LAYER-$RECIPE" ${1:+--parent "$1"}; then
  log "layer $LAYER: built meanwhile by another build; reusing it"
  exit 0
fi

WORK=$(mktemp -d "$LAYER_CACHE/.build-$LAYER-XXXXXX")
export WORK
cleanup() {
  local rc=$?
  set +e
  if unmount_all "$WORK"; then
    rm -rf --one-file-system "$WORK"
  else
    log "warning: mounts remain under $WORK; left it in place (remove it by hand after unmounting)"
  fi
  [ "$rc" = 0 ] || log "layer $LAYER FAILED (exit $rc); full log: $BUILD_LOG"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
STARTED=$SECONDS

# lock_parent ENTRY: holds the parent entry's lock shared until this build ends (a --force
# rebuild of the parent waits instead of swapping the tree an overlay is using).
lock_parent() {
  local fd
  exec {fd}>"$LAYER_CACHE/$1.lock"
  flock -s "$fd"
}

# unpacked_tree ENTRY: the parent entry's tarball unpacked (once, under the entry's directory);
# the tree is what an overlay uses as a lower directory.
unpacked_tree() {
  local entry=$LAYER_CACHE/$1 fd
  [ -f "$entry/layer.tar" ] || die "parent layer $1 is not built ($entry/layer.tar missing)"
  exec {fd}>"$entry/tree.lock"
  flock "$fd"
  if [ ! -d "$entry/tree" ]; then
    log "unpacking $1 (the overlay's lower directory)"
    rm -rf "$entry/tree.part"
    mkdir "$entry/tree.part"
    tar --extract --file="$entry/layer.tar" --directory="$entry/tree.part" --numeric-owner --preserve-permissions
    mv "$entry/tree.part" "$entry/tree"
  fi
  exec {fd}>&-
}

# selftests ROOT: each language on this layer compiles and runs its selftest.* as uid 256 in the
# chroot; the output must be OK. Writes the version files layer-record reads.
selftests() {
  local root=$1 id line
  mapfile -t ids < <(node "$TOOL" selftest-prepare --plan "$PLAN" --layer "$LAYER" --root "$root")
  [ "${#ids[@]}" -gt 0 ] || return 0
  chown -R 256:256 "$root/tmp/caged-selftest"
  for id in "${ids[@]}"; do
    if ! line=$(timeout 300 env -i "$(command -v chroot)" --userspec=256:256 --groups=256 "$root" /bin/sh "/tmp/caged-selftest/$id.sh" 2>&1); then
      printf '%s\n' "$line" >&2
      die "self-test of $id failed (layer $LAYER)"
    fi
    log "$line"
  done
}

# precompiled_headers ROOT: for each language of this layer with `pch` in its language.json,
# compiles bits/stdc++.h with exactly those flags into <dir of bits/stdc++.h>/stdc++.h.gch/<id>.gch
# (GCC picks the valid file of that directory) and checks that a program including
# <bits/stdc++.h> compiled with the same flags uses it.
precompiled_headers() {
  local root=$1 id cc header line
  local -a fields flags
  while IFS= read -r line; do
    IFS=$'\t' read -r -a fields <<<"$line"
    id=${fields[0]} cc=${fields[1]}
    flags=("${fields[@]:2}")
    header=$(in_chroot sh -c 'echo "#include <bits/stdc++.h>" | "$@" -x c++ -E -H - 2>&1 >/dev/null' sh "$cc" "${flags[@]}" |
      awk '/^\. .*\/bits\/stdc\+\+\.h$/ && !found { print $2; found = 1 }')
    [ -n "$header" ] || die "pch for $id: $cc ${flags[*]} does not find bits/stdc++.h"
    step "pch $id: $cc ${flags[*]} -x c++-header $header -> $header.gch/$id.gch"
    mkdir -p "$root$header.gch"
    run_logged in_chroot "$cc" "${flags[@]}" -x c++-header "$header" -o "$header.gch/$id.gch"
    mkdir -p "$root/tmp/caged-pch"
    printf '#include <bits/stdc++.h>\nint main() { std::vector<int> v(1, 1); return v[0] - 1; }\n' >"$root/tmp/caged-pch/main.cpp"
    local out
    out=$(in_chroot sh -c 'cd /tmp/caged-pch && "$@" -H -Winvalid-pch -c main.cpp -o main.o 2>&1' sh "$cc" "${flags[@]}") ||
      die "pch for $id: the test compile failed: $out"
    grep -qxF "! $header.gch/$id.gch" <<<"$out" ||
      die "pch for $id: a program compiled with ${flags[*]} does not use $header.gch/$id.gch; $cc -H said: $(head -n 5 <<<"$out")"
    log "pch $id: used ($(du -h "$root$header.gch/$id.gch" | cut -f1))"
    rm -rf "$root/tmp/caged-pch"
  done < <(node "$TOOL" pch --plan "$PLAN" --layer "$LAYER")
}

# downloads ROOT: the layer's pinned downloads (layer.json `downloads`), fetched on the host and
# checked (fetch_pinned), copied to ROOT/tmp/caged-downloads/ for its post.sh.
downloads() {
  local root=$1 file sha url
  while IFS=$'\t' read -r file sha url; do
    step "download ($LAYER): $file"
    fetch_pinned "$url" "$file" "$sha" "images/layers/$LAYER/layer.json"
    mkdir -p "$root/tmp/caged-downloads"
    cp "$DOWNLOAD_DIR/$file" "$root/tmp/caged-downloads/$file"
  done < <(node "$TOOL" downloads --plan "$PLAN" --layer "$LAYER")
}

# post_script ROOT: the layer's optional post.sh, run by /bin/sh as root in the chroot after apt.
post_script() {
  local root=$1 dir
  dir=$(node -e 'const p=require(process.argv[1]); const l=p.layers.find((x)=>x.id===process.argv[2]); if (l.hasPost) process.stdout.write(l.dir);' "$PLAN" "$LAYER")
  [ -n "$dir" ] || return 0
  step "post.sh of $LAYER"
  cp "$dir/post.sh" "$root/tmp/caged-post.sh"
  run_logged in_chroot env CAGED_LAYER="$LAYER" CAGED_FLAVOR="$FLAVOR" /bin/sh -eu /tmp/caged-post.sh
  rm -f "$root/tmp/caged-post.sh"
}

PACKAGES=$(node "$TOOL" packages --plan "$PLAN" --layer "$LAYER")

LOWERS=
if [ "$LAYER" = base ]; then
  [ "${#CHAIN[@]}" = 0 ] || die "the base layer has no parent"
  ROOT=$WORK/upper
  UPPER=$ROOT
  export ROOT
  # shellcheck source=../debian/base.sh
  source "$IMAGES_DIR/$FLAVOR/base.sh"
  step "base $LAYER: $IMAGE_BASE"
  image_base "$ROOT"
  # The base's own resolv.conf is put back after the build (chroot_mount replaces it).
  if [ -e "$ROOT/etc/resolv.conf" ] || [ -L "$ROOT/etc/resolv.conf" ]; then cp -a "$ROOT/etc/resolv.conf" "$WORK/resolv.conf.image"; fi
  step "configure: no docs or man pages, no recommends, hostname caged, box user 256"
  apt_config "$ROOT"
  echo caged >"$ROOT/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\tcaged\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"
  grep -q '^box:' "$ROOT/etc/passwd" || echo 'box:x:256:256:caged submission:/box:/usr/sbin/nologin' >>"$ROOT/etc/passwd"
  grep -q '^box:' "$ROOT/etc/group" || echo 'box:x:256:' >>"$ROOT/etc/group"
  grep -q '^box:' "$ROOT/etc/shadow" || echo 'box:!:19000::::::' >>"$ROOT/etc/shadow"
  step "layout: /box, /tmp (1777), /proc, /dev mount points"
  mkdir -p "$ROOT/box" "$ROOT/tmp" "$ROOT/proc" "$ROOT/dev" "$ROOT/var/cache/apt/archives"
  chmod 0755 "$ROOT/box" "$ROOT"
  chmod 1777 "$ROOT/tmp"
  chroot_mount "$ROOT"
else
  [ "${#CHAIN[@]}" -gt 0 ] || die "layer $LAYER needs its parent chain"
  for e in "${CHAIN[@]}"; do
    lock_parent "$e"
    unpacked_tree "$e"
    LOWERS=${LOWERS:+$LOWERS:}$LAYER_CACHE/$e/tree
  done
  UPPER=$WORK/upper ROOT=$WORK/root
  export ROOT
  mkdir -p "$UPPER" "$WORK/ovl" "$ROOT"
  chmod 0755 "$UPPER"
  step "layer $LAYER: overlay over ${CHAIN[*]}"
  # Plain copy-up semantics: no metacopy (a chmod would copy only metadata), no redirects (a
  # renamed directory would become an xattr instead of files), no index.
  mount -t overlay overlay -o "lowerdir=$LOWERS,upperdir=$UPPER,workdir=$WORK/ovl,redirect_dir=off,metacopy=off,index=off,xino=off" "$ROOT"
  chroot_mount "$ROOT"
fi

if [ -n "$PACKAGES" ]; then
  step "install ($LAYER): $PACKAGES"
  apt_install "$ROOT" $PACKAGES
fi
downloads "$ROOT"
post_script "$ROOT"
rm -rf "$ROOT/tmp/caged-downloads"
precompiled_headers "$ROOT"
step "self-tests ($LAYER): compile and run each language as uid 256 inside the chroot"
selftests "$ROOT"
# The versions the self-tests detected, kept before the clean-up deletes them.
mkdir -p "$WORK/selftest-root/tmp"
[ ! -d "$ROOT/tmp/caged-selftest" ] || cp -a "$ROOT/tmp/caged-selftest" "$WORK/selftest-root/tmp/"

# Alternatives whose target the image lacks (the man pages dpkg excludes) are dangling links; the
# layer's own are removed, so that a child layer switching the alternative (gawk for awk) finds
# nothing to delete.
mapfile -t DANGLING < <(in_chroot find /etc/alternatives -xtype l)

step "unmount; clean ($LAYER): apt lists and caches, docs, man pages, logs"
unmount_all "$ROOT" || die "could not unmount everything under $ROOT"
for p in "${DANGLING[@]}"; do
  [ -L "$UPPER$p" ] || continue
  for lower in ${LOWERS//:/ }; do
    if [ -e "$lower$p" ] || [ -L "$lower$p" ]; then continue 2; fi
  done
  rm -f "$UPPER$p"
done
rm -f "$UPPER/usr/sbin/policy-rc.d" "$UPPER/etc/resolv.conf"
if [ "$LAYER" = base ]; then
  [ ! -e "$WORK/resolv.conf.image" ] && [ ! -L "$WORK/resolv.conf.image" ] || mv "$WORK/resolv.conf.image" "$ROOT/etc/resolv.conf"
  # /dev stays an empty mount point: the launcher mounts its own.
  find "$ROOT/dev" -mindepth 1 -delete
  : >"$ROOT/etc/machine-id"
fi
clean_tree "$UPPER"
if [ "$LAYER" = base ]; then
  # The base was installed before dpkg excluded man pages: its alternatives' man-page links
  # dangle only now that clean_tree removed the pages. Removed here, so that a layer switching
  # an alternative (gawk for awk) finds no link of the base to delete.
  env -i "$(command -v chroot)" "$ROOT" /usr/bin/find /etc/alternatives -xtype l -delete
else
  # Copies of the parents' files that apt only opened: its lock files and the logs (truncated in
  # the parents). Dropping them from the upper directory shows the parents' versions again.
  rm -f "$UPPER"/var/lib/dpkg/lock "$UPPER"/var/lib/dpkg/lock-frontend "$UPPER"/var/lib/dpkg/triggers/Lock \
    "$UPPER"/var/cache/apt/archives/lock "$UPPER"/var/lib/apt/lists/lock
  if [ -d "$UPPER/var/log" ]; then
    while IFS= read -r -d '' f; do
      for lower in ${LOWERS//:/ }; do
        if [ -f "$lower/${f#"$UPPER"/}" ]; then rm -f "$f"; break; fi
      done
    done < <(find "$UPPER/var/log" -type f -print0)
  fi
fi
# man1 stays, empty: postinst scripts of some packages (OpenJDK's) link alternatives into it.
[ "$LAYER" != base ] || mkdir -p "$ROOT/usr/share/man/man1"
rm -rf "$UPPER/tmp/caged-selftest"
check_layer_tree "$UPPER" "$LAYER" ${LOWERS:+${LOWERS//:/ }}
if [ -n "$LOWERS" ]; then
  lower_args=()
  for lower in ${LOWERS//:/ }; do lower_args+=(--lower "$lower"); done
  pruned=$(node "$TOOL" prune-dirs --upper "$UPPER" "${lower_args[@]}")
  log "dropped $pruned empty directories that only copied a parent's"
fi

step "pack ($LAYER)"
mkdir "$WORK/entry"
pack_tree "$UPPER" "$WORK/entry/layer.tar"
SHA256=$(sha256sum "$WORK/entry/layer.tar" | cut -d' ' -f1)
SIZE=$(stat -c %s "$WORK/entry/layer.tar")
parent_args=()
if [ "${#CHAIN[@]}" -gt 0 ]; then
  parent_args=(--parent-sha256 "$(node -e 'process.stdout.write(require(process.argv[1]).sha256)' "$LAYER_CACHE/${CHAIN[0]}/layer.json")")
fi
node "$TOOL" layer-record --plan "$PLAN" --layer "$LAYER" --root "$WORK/selftest-root" --sha256 "$SHA256" \
  --size "$SIZE" --seconds "$((SECONDS - STARTED))" --out "$WORK/entry/layer.json" "${parent_args[@]}"
if [ -e "$ENTRY" ]; then
  mv "$ENTRY" "$WORK/previous"
fi
mv "$WORK/entry" "$ENTRY"
log "layer $LAYER built in $((SECONDS - STARTED))s: $((SIZE / 1048576)) MiB, sha256 $SHA256"
