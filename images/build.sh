#!/usr/bin/env bash
# Builds a caged image: a base layer and toolchain layers, each a content-addressed tarball, and
# the manifest.json (schema 2) the judge reads. See images/README.md.
#
#   bash images/build.sh debian|ubuntu [LAYER...|all] [--out DIR] [--force] [--verbose] [--jobs N]
#        [--extra-layers DIR] [--extra-languages DIR] [--no-sandbox-selftest] [--manifest-path]
#
# LAYER: ids of images/layers/ (default all); their parents are built too, and the manifest lists
# exactly these layers and the languages on them.
# Layers are cached by recipe hash in $CAGED_IMAGE_CACHE/layers/<flavor>/ (default
# /var/cache/caged): a layer whose recipe did not change is reused, tarball and sha256 unchanged.
# Independent layers build in parallel (--jobs, default 2). The manifest and the layers' tarballs
# go to DIR (default $CAGED_IMAGE_CACHE/images/<flavor>), written in a temporary directory beside
# it and renamed into place after the self-tests passed. When DIR already holds the manifest of
# this recipe, nothing is built.
#   --force                 rebuild the layers named (every layer for all) even when cached; the
#                           layers on a rebuilt layer are rebuilt too (they were built on its
#                           previous tarball), its parents are reused
#   --extra-layers DIR      more layer recipes (DIR/<id>/layer.json) besides images/layers/
#   --extra-languages DIR   more languages (DIR/<id>/language.json) besides images/languages/
#   --no-sandbox-selftest   development only: skip `caged selftest` (the languages' self-tests in
#                           the real sandbox); the manifest is then not taken as up to date by a
#                           build without this flag
#   --manifest-path         print where the manifest goes and exit
set -euo pipefail

IMAGES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$IMAGES_DIR")
# shellcheck source=lib/common.sh
source "$IMAGES_DIR/lib/common.sh"
TOOL=$IMAGES_DIR/lib/image-tool.js

usage() {
  sed -n '5,6p' "$0" | sed 's/^#   //' >&2
  exit 2
}

FLAVOR= OUT= FORCE=0 VERBOSE=0 PRINT_PATH=0 JOBS=2 SANDBOX_SELFTEST=1
LAYERS=() EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) [ $# -ge 2 ] || usage; OUT=$2; shift 2 ;;
    --out=*) OUT=${1#--out=}; shift ;;
    --jobs) [ $# -ge 2 ] || usage; JOBS=$2; shift 2 ;;
    --extra-layers | --extra-languages) [ $# -ge 2 ] || usage; EXTRA+=("$1" "$(realpath "$2")"); shift 2 ;;
    --force) FORCE=1; shift ;;
    --verbose | -v) VERBOSE=1; shift ;;
    --no-sandbox-selftest) SANDBOX_SELFTEST=0; shift ;;
    --manifest-path) PRINT_PATH=1; shift ;;
    -h | --help) usage ;;
    -*) printf 'build.sh: unknown option %s\n' "$1" >&2; usage ;;
    *) if [ -z "$FLAVOR" ]; then FLAVOR=$1; else LAYERS+=("$1"); fi; shift ;;
  esac
done
[ -n "$FLAVOR" ] || usage
[ -f "$IMAGES_DIR/$FLAVOR/base.sh" ] || die "unknown flavor '$FLAVOR' (known: $(cd "$IMAGES_DIR" && ls -d */base.sh | cut -d/ -f1 | tr '\n' ' '))"
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "--jobs: a positive integer, not '$JOBS'"

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
LAYER_CACHE=$CACHE_ROOT/layers/$FLAVOR
APT_CACHE=$DOWNLOAD_DIR/apt-$FLAVOR-$(dpkg --print-architecture 2>/dev/null || uname -m)
PARENT=$(dirname "$OUT")
BUILD_LOG=$PARENT/$(basename "$OUT").build.log
mkdir -p "$PARENT" "$LAYER_CACHE" "$APT_CACHE"
: >"$BUILD_LOG"
export IMAGES_DIR FLAVOR LAYER_CACHE APT_CACHE VERBOSE

exec 9>"$PARENT/.$(basename "$OUT").lock"
if ! flock -n 9; then
  log "another build of $OUT is running; waiting for it"
  flock 9
fi

WORK=$(mktemp -d "$PARENT/.$(basename "$OUT").build-XXXXXX")
export PLAN=$WORK/plan.json
declare -A PID_LAYER=()
cleanup() {
  local rc=$? pid
  set +e
  for pid in "${!PID_LAYER[@]}"; do
    kill -TERM $(ps -o pid= --ppid "$pid") "$pid" 2>/dev/null
  done
  wait
  rm -rf --one-file-system "$WORK"
  [ "$rc" = 0 ] || log "build of $FLAVOR FAILED (exit $rc)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# The plan: the layers to build, parents first, with their recipe hashes.
declare -A PARENT_OF=() RECIPE_OF=() STATE=()
ORDER=()
while IFS=$'\t' read -r id parent recipe _dir; do
  ORDER+=("$id")
  PARENT_OF[$id]=$parent
  RECIPE_OF[$id]=$recipe
done < <(node "$TOOL" plan --images "$IMAGES_DIR" --flavor "$FLAVOR" --out "$PLAN" "${EXTRA[@]}" "${LAYERS[@]}" || echo "FAILED")
[ "${ORDER[-1]:-FAILED}" != FAILED ] || die "could not read the recipes (see above)"
RECIPE_SHA256=$(node "$TOOL" recipe --plan "$PLAN")
VERIFIED=$([ "$SANDBOX_SELFTEST" = 1 ] && echo sandbox-selftest || echo no-sandbox-selftest)

up_to_date() {
  [ -f "$OUT/manifest.json" ] && [ -f "$OUT/recipe.sha256" ] || return 1
  local recorded
  recorded=$(cat "$OUT/recipe.sha256")
  [ "$recorded" = "$RECIPE_SHA256 sandbox-selftest" ] || [ "$recorded" = "$RECIPE_SHA256 $VERIFIED" ] || return 1
  node -e '
    const fs = require("fs"), path = require("path");
    const m = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    for (const l of m.layers) if (!fs.existsSync(path.join(path.dirname(process.argv[1]), l.tarball))) process.exit(1);
  ' "$OUT/manifest.json"
}
if [ "$FORCE" = 0 ] && up_to_date; then
  echo "image $FLAVOR is up to date ($RECIPE_SHA256): $OUT/manifest.json"
  exit 0
fi

need_host_tool getfattr attr
step "building image $FLAVOR (layers: ${ORDER[*]}) into $OUT; recipe $RECIPE_SHA256; layer cache $LAYER_CACHE"

# chain ID: the cache entry names of ID's parents, parent first.
chain() {
  local p=${PARENT_OF[$1]}
  while [ "$p" != - ]; do
    printf '%s-%s\n' "$p" "${RECIPE_OF[$p]}"
    p=${PARENT_OF[$p]}
  done
}
entry_of() { printf '%s/%s-%s' "$LAYER_CACHE" "$1" "${RECIPE_OF[$1]}"; }
# Marks the entries this build uses (images/prune-cache.sh keeps recently used ones).
for id in "${ORDER[@]}"; do touch "$(entry_of "$id").lock"; done

# A layer is reused when its entry exists and was built on its parent's current tarball (not on
# one that a --force build has since replaced); the layers on a layer to build are built too.
# --force rebuilds the layers named (every layer for all), not their parents.
declare -A FORCED=()
if [ "$FORCE" = 1 ]; then
  if [ "${#LAYERS[@]}" = 0 ] || [[ " ${LAYERS[*]} " == *" all "* ]]; then
    for id in "${ORDER[@]}"; do FORCED[$id]=1; done
  else
    for id in "${LAYERS[@]}"; do FORCED[$id]=1; done
  fi
fi
for id in "${ORDER[@]}"; do
  p=${PARENT_OF[$id]}
  if [ -z "${FORCED[$id]:-}" ] && [ -f "$(entry_of "$id")/layer.json" ] && [ -f "$(entry_of "$id")/layer.tar" ] &&
    { [ "$p" = - ] || { [ "${STATE[$p]}" = cached ] &&
      node "$TOOL" fresh --cache "$LAYER_CACHE" --entry "$id-${RECIPE_OF[$id]}" --parent "$p-${RECIPE_OF[$p]}"; }; }; then
    STATE[$id]=cached
  else
    STATE[$id]=pending
  fi
done

start_layer() {
  local id=$1 log_file=$LAYER_CACHE/$1.build.log
  : >"$log_file"
  log "layer $id: building (log $log_file)"
  (
    set -o pipefail
    mapfile -t parents < <(chain "$id")
    BUILD_LOG=$log_file FORCE=${FORCED[$id]:-0} bash "$IMAGES_DIR/lib/layer-build.sh" "$id" "${RECIPE_OF[$id]}" "${parents[@]}" 2>&1 |
      sed -u "s/^/[$id] /"
  ) &
  PID_LAYER[$!]=$id
  STATE[$id]=running
}

# A failed layer's descendants are skipped; independent layers go on building, so one run
# reports every layer that fails.
FAILED=() SKIPPED=()
while :; do
  running=${#PID_LAYER[@]}
  for id in "${ORDER[@]}"; do
    [ "${STATE[$id]}" = pending ] || continue
    p=${PARENT_OF[$id]}
    if [ "$p" != - ] && { [ "${STATE[$p]}" = failed ] || [ "${STATE[$p]}" = skipped ]; }; then
      STATE[$id]=skipped
      SKIPPED+=("$id")
    elif [ "$running" -lt "$JOBS" ] && { [ "$p" = - ] || [ "${STATE[$p]}" = built ] || [ "${STATE[$p]}" = cached ]; }; then
      start_layer "$id"
      running=$((running + 1))
    fi
  done
  [ "${#PID_LAYER[@]}" -gt 0 ] || break
  rc=0
  wait -n -p done_pid || rc=$?
  id=${PID_LAYER[$done_pid]}
  unset "PID_LAYER[$done_pid]"
  if [ "$rc" = 0 ]; then
    STATE[$id]=built
  else
    STATE[$id]=failed
    FAILED+=("$id")
    log "layer $id FAILED (exit $rc); its log: $LAYER_CACHE/$id.build.log"
  fi
done
[ "${#FAILED[@]}" = 0 ] || die "layers failed: ${FAILED[*]}${SKIPPED[*]:+; not built because a parent failed: ${SKIPPED[*]}}"

# shellcheck source=debian/base.sh
source "$IMAGES_DIR/$FLAVOR/base.sh"
step "manifest (schema 2) and the layers' tarballs"
NEW=$WORK/out
mkdir -p "$NEW/layers"
node "$TOOL" manifest --plan "$PLAN" --cache "$LAYER_CACHE" --name "$IMAGE_NAME" --base "$IMAGE_BASE" --out "$NEW/manifest.json"
for id in "${ORDER[@]}"; do
  sha=$(node -e 'process.stdout.write(require(process.argv[1]).sha256)' "$(entry_of "$id")/layer.json")
  ln "$(entry_of "$id")/layer.tar" "$NEW/layers/$sha.tar" 2>/dev/null || cp "$(entry_of "$id")/layer.tar" "$NEW/layers/$sha.tar"
done

mapfile -t LANG_IDS < <(node -e 'for (const l of require(process.argv[1]).languages) console.log(l.id)' "$NEW/manifest.json")
if [ "$SANDBOX_SELFTEST" = 1 ] && [ "${#LANG_IDS[@]}" -gt 0 ]; then
  step "sandbox self-tests: caged selftest --lang ${LANG_IDS[*]}"
  CLI=$REPO_DIR/dist/src/cli/main.js
  [ -f "$CLI" ] || die "$CLI is missing: build caged first (npx tsc -p tsconfig.json), or pass --no-sandbox-selftest (development only)"
  node "$CLI" selftest --manifest "$NEW/manifest.json" --lang "${LANG_IDS[@]}" ||
    die "the sandbox self-tests failed (caged selftest --manifest ... --lang ${LANG_IDS[*]}); the image was not published"
elif [ "$SANDBOX_SELFTEST" = 0 ]; then
  log "sandbox self-tests SKIPPED (--no-sandbox-selftest, a development flag)"
fi
printf '%s %s\n' "$RECIPE_SHA256" "$VERIFIED" >"$NEW/recipe.sha256"

step "publish: $OUT"
if [ -e "$OUT" ]; then
  mv "$OUT" "$WORK/previous"
fi
mv "$NEW" "$OUT"

log "image $FLAVOR built in $((SECONDS - BUILD_STARTED))s: $OUT/manifest.json (recipe $RECIPE_SHA256)"
printf '%-10s %-8s %-7s %9s %8s  %s\n' layer parent status size build sha256
for id in "${ORDER[@]}"; do
  node -e '
    const r = require(process.argv[1]);
    const [id, status] = process.argv.slice(2);
    const mib = (r.sizeBytes / 1048576).toFixed(1) + " MiB";
    console.log(`${id.padEnd(10)} ${(r.parent ?? "-").padEnd(8)} ${status.padEnd(7)} ${mib.padStart(9)} ${(r.buildSeconds + " s").padStart(8)}  ${r.sha256}`);
  ' "$(entry_of "$id")/layer.json" "$id" "${STATE[$id]}"
done
