#!/usr/bin/env bash
# Deletes layer cache entries that no image uses any more, safely while builds run.
#
#   bash images/prune-cache.sh [debian|ubuntu] [--keep-hours N] [--dry-run]
#
# An entry ($CAGED_IMAGE_CACHE/layers/<flavor>/<layer>-<recipe>/) is kept when a manifest under
# $CAGED_IMAGE_CACHE/images/*/ lists it, when a build used it in the last N hours (default 6;
# build.sh touches the entry's lock file whenever a build plans with it), or when its lock is
# held (a build is making it or building on it). Everything else is deleted, each entry under
# its exclusive lock. Images published elsewhere (--out) hold hard links to their tarballs and
# do not need the cache.
set -euo pipefail
IMAGES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
source "$IMAGES_DIR/lib/common.sh"

FLAVOR=debian KEEP_HOURS=6 DRY_RUN=0
while [ $# -gt 0 ]; do
  case "$1" in
    --keep-hours) [ $# -ge 2 ] && [[ $2 =~ ^[0-9]+$ ]] || die "--keep-hours needs a whole number of hours"; KEEP_HOURS=$2; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -*) die "unknown option $1 (usage: prune-cache.sh [debian|ubuntu] [--keep-hours N] [--dry-run])" ;;
    *) FLAVOR=$1; shift ;;
  esac
done
CACHE_ROOT=${CAGED_IMAGE_CACHE:-/var/cache/caged}
LAYER_CACHE=$CACHE_ROOT/layers/$FLAVOR
[ -d "$LAYER_CACHE" ] || { log "no layer cache at $LAYER_CACHE"; exit 0; }

declare -A USED=()
while IFS= read -r name; do USED[$name]=1; done < <(node -e '
  const fs = require("fs"), path = require("path");
  const root = path.join(process.argv[1], "images");
  for (const d of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    const f = path.join(root, d, "manifest.json");
    if (!fs.existsSync(f)) continue;
    const m = JSON.parse(fs.readFileSync(f, "utf8"));
    for (const l of m.layers ?? []) console.log(`${l.id}-${l.recipeSha256}`);
  }' "$CACHE_ROOT")

now=$(date +%s) freed=0 kept=0
for dir in "$LAYER_CACHE"/*/; do
  dir=${dir%/}
  name=$(basename "$dir")
  [ -f "$dir/layer.json" ] || continue
  if [ -n "${USED[$name]:-}" ]; then kept=$((kept + 1)); continue; fi
  lock=$dir.lock
  if [ -e "$lock" ] && [ $((now - $(stat -c %Y "$lock"))) -lt $((KEEP_HOURS * 3600)) ]; then kept=$((kept + 1)); continue; fi
  size=$(du -sm "$dir" | cut -f1)
  if [ "$DRY_RUN" = 1 ]; then
    log "would delete $name ($size MiB)"
    continue
  fi
  (
    exec 8>"$lock"
    if ! flock -n -x 8; then
      log "in use, kept: $name"
      exit 3
    fi
    rm -rf --one-file-system "$dir"
    rm -f "$lock"
  ) && { log "deleted $name ($size MiB)"; freed=$((freed + size)); } || kept=$((kept + 1))
done
log "layer cache $LAYER_CACHE: $freed MiB freed, $kept entries kept"
