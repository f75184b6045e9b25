# Base step of the Debian recipe: debootstrap --variant=minbase of Debian 12 (bookworm).
# For closed networks that reach only a Debian mirror (this project's CI among them).
# Sourced by images/build.sh; defines IMAGE_NAME, IMAGE_BASE and image_base ROOT.
#
# Downloads: the bookworm Release/Packages indexes and the minbase .debs from
# $CAGED_DEBIAN_MIRROR (default http://deb.debian.org/debian). Verifies: debootstrap checks the
# Release file's OpenPGP signature with the host's debian-archive-keyring and every .deb against
# the signed indexes; apt inside the chroot does the same for the toolchain packages.
# bookworm-backports is among the sources at its default priority (100): a package comes from
# there only when a layer names one that only backports has (golang-1.23-go).

IMAGE_NAME=caged-debian12
IMAGE_BASE="debian bookworm (debootstrap minbase)"

DEBIAN_SUITE=bookworm
DEBIAN_MIRROR=${CAGED_DEBIAN_MIRROR:-http://deb.debian.org/debian}
DEBIAN_SECURITY_MIRROR=${CAGED_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

image_base() {
  local root=$1 arch keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  need_host_tool debootstrap debootstrap
  if [ ! -s "$keyring" ]; then
    log "installing host package debian-archive-keyring (to verify the mirror's Release file)"
    run_logged env DEBIAN_FRONTEND=noninteractive apt-get install -y -q debian-archive-keyring
  fi
  arch=$(dpkg --print-architecture)
  mkdir -p "$DOWNLOAD_DIR/debootstrap-$DEBIAN_SUITE-$arch"
  log "debootstrap --variant=minbase $DEBIAN_SUITE ($arch) from $DEBIAN_MIRROR"
  run_logged debootstrap --variant=minbase --arch="$arch" --keyring="$keyring" \
    --cache-dir="$DOWNLOAD_DIR/debootstrap-$DEBIAN_SUITE-$arch" \
    "$DEBIAN_SUITE" "$root" "$DEBIAN_MIRROR"
  cat >"$root/etc/apt/sources.list" <<SOURCES
deb $DEBIAN_MIRROR $DEBIAN_SUITE main
deb $DEBIAN_MIRROR $DEBIAN_SUITE-updates main
deb $DEBIAN_MIRROR $DEBIAN_SUITE-backports main
deb $DEBIAN_SECURITY_MIRROR $DEBIAN_SUITE-security main
SOURCES
}
