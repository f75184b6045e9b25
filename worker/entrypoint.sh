#!/bin/sh
# Entrypoint of the worker container: make cgroupfs writable, make sure the judge's image
# exists, then exec the worker so that the SIGTERM of `docker stop` reaches it directly.
set -eu

# 1. cgroups (root mode only). Docker mounts cgroupfs read-only. With CAP_SYS_ADMIN the
#    container may remount its own view read-write: with `cgroup: private` (cgroup v2) that view
#    is the container's own cgroup, so boxes are created inside it and stay under the container's
#    limits; on a cgroup v1 host each controller mount is the container's own subtree as well.
#    The rootless variant (an ordinary user, no capabilities) cannot remount anything: the
#    worker's start-up report (`caged doctor`) says which cgroup, if any, it can write.
if [ "$(id -u)" = 0 ]; then
  for m in $(awk '$3 == "cgroup2" || $3 == "cgroup" { print $2 }' /proc/self/mounts); do
    mount -o remount,rw "$m" 2>/dev/null || echo "caged-entrypoint: cannot remount $m read-write (missing CAP_SYS_ADMIN / apparmor=unconfined?)" >&2
  done
fi

# 2. The judge's image: built once into the /var/cache/caged volume; the lock keeps scaled
#    workers sharing the volume from building it twice at once.
manifest=${CAGED_IMAGE:-/var/cache/caged/images/debian/manifest.json}
if [ ! -f "$manifest" ]; then
  if [ "${CAGED_BUILD_IMAGE:-yes}" = yes ]; then
    mkdir -p /var/cache/caged
    echo "caged-entrypoint: $manifest missing: building the debian image (once; a few minutes)" >&2
    flock /var/cache/caged/.image-build.lock sh -c "[ -f '$manifest' ] || bash /app/images/build.sh debian >&2"
  else
    # The rootless variant sets CAGED_BUILD_IMAGE=no: building needs root (debootstrap, chroot).
    echo "caged-entrypoint: $manifest missing and CAGED_BUILD_IMAGE=no: mount an image built with 'npm run image:build -- debian'" >&2
    exit 2
  fi
fi

exec "$@"
