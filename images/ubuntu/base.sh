# Base step of the Ubuntu recipe: the official Ubuntu 24.04 LTS base tarball (ubuntu-base).
# Sourced by images/build.sh; defines IMAGE_NAME, IMAGE_BASE and image_base ROOT.
#
# Downloads: UBUNTU_BASE_URL below (about 29 MB), cached in $DOWNLOAD_DIR. Verifies: its sha256
# against the pinned UBUNTU_BASE_SHA256 before anything is unpacked; a mismatch stops the build
# and deletes the download. Then apt in the chroot fetches the toolchains from the Ubuntu archive
# ($CAGED_UBUNTU_MIRROR, default the archive configured in the tarball) and checks them against
# the archive's signed indexes with the ubuntu-keyring shipped in the tarball.

UBUNTU_BASE_VERSION=24.04.5

# >>> PINNED DIGESTS: update together with UBUNTU_BASE_VERSION. Values are the SHA256SUMS entries of
# >>> https://cdimage.ubuntu.com/ubuntu-base/releases/24.04.5/release/SHA256SUMS for each file.
declare -A UBUNTU_BASE_SHA256=(
  [amd64]=e77b6f10c2590cef872b33ee9f635a0e3fd1f57fb074c0e52b5c7f56147a0c86
  [arm64]=a91d5a93010193712d346d761372b7c9db6dfcf093893161c64ca107f05914f2
)
# <<< PINNED DIGESTS

IMAGE_NAME=caged-ubuntu2404
IMAGE_BASE="ubuntu-base $UBUNTU_BASE_VERSION"

image_base() {
  local root=$1 arch file url expected
  arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
  case "$arch" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; esac
  expected=${UBUNTU_BASE_SHA256[$arch]:-}
  [ -n "$expected" ] || die "no pinned ubuntu-base digest for architecture $arch (images/ubuntu/base.sh)"
  file=ubuntu-base-$UBUNTU_BASE_VERSION-base-$arch.tar.gz
  url=https://cdimage.ubuntu.com/ubuntu-base/releases/$UBUNTU_BASE_VERSION/release/$file
  fetch_pinned "$url" "$file" "$expected" images/ubuntu/base.sh
  mkdir -p "$root"
  tar -xzpf "$DOWNLOAD_DIR/$file" -C "$root" --numeric-owner
  if [ -n "${CAGED_UBUNTU_MIRROR:-}" ]; then
    sed -i -E "s#^URIs: .*#URIs: $CAGED_UBUNTU_MIRROR#" "$root/etc/apt/sources.list.d/ubuntu.sources"
  fi
}
