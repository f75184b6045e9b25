# post.sh of the golang layer (run by /bin/sh -eu as root in the chroot, after apt).
#
# Since Go 1.20 the distribution ships no compiled standard library: a build with an empty build
# cache (every compile's, in a fresh box) compiles the packages it imports from source first, 7 s
# of CPU for fmt, bufio, os and sort on the build VM, near the compile's 10 s limit. So the
# standard library is compiled once here into GOROOT/pkg, where the go command finds it with
# GODEBUG=installgoroot=all (images/languages/go/language.json sets it): a fresh compile of the
# same program then takes 0.2 s.
set -eu
# Debian's bookworm-backports Go (golang-1.23-go) installs no /usr/bin/go: link its tools there.
if [ ! -e /usr/bin/go ]; then
  set -- /usr/lib/go-1.*/bin/go
  [ $# = 1 ] && [ -x "$1" ] || { echo "post.sh: not exactly one go under /usr/lib/go-1.*: $*" >&2; exit 1; }
  dir=${1%/bin/go}
  ln -s "$dir/bin/go" /usr/bin/go
  ln -s "$dir/bin/gofmt" /usr/bin/gofmt
fi
cache=$(mktemp -d)
GOCACHE=$cache GODEBUG=installgoroot=all GOTOOLCHAIN=local GO111MODULE=off CGO_ENABLED=0 GOFLAGS=-buildvcs=false go install std
rm -rf "$cache"
test -d "$(go env GOROOT)/pkg/linux_$(go env GOARCH)"
