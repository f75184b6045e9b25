#!/usr/bin/env bash
# CI hook: makes sure the image exists and matches its recipe (builds the layers that are missing
# or whose recipe changed, reuses the others from the layer cache), then prints the manifest's
# path as the only line on stdout. The build's progress goes to stderr.
#
#   bash images/ensure.sh [debian|ubuntu] [LAYER...|all] [build.sh options]     e.g. in .ci/run:
#   MANIFEST=$(bash images/ensure.sh debian)                 every layer
#   MANIFEST=$(bash images/ensure.sh debian gcc python3)     base, gcc and python3 only
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
flavor=${1:-debian}
[ $# -eq 0 ] || shift
bash "$here/build.sh" "$flavor" "$@" >&2
bash "$here/build.sh" "$flavor" "$@" --manifest-path
