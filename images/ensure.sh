#!/usr/bin/env bash
# CI hook: makes sure the image exists and matches its recipe (builds it when missing or when the
# recipe changed, reuses it otherwise), then prints the manifest's path as the only line on stdout.
# The build's progress goes to stderr.
#
#   bash images/ensure.sh [debian|ubuntu] [build.sh options]     e.g. in .ci/run:
#   MANIFEST=$(bash images/ensure.sh debian)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
flavor=${1:-debian}
[ $# -eq 0 ] || shift
bash "$here/build.sh" "$flavor" "$@" >&2
bash "$here/build.sh" "$flavor" "$@" --manifest-path
