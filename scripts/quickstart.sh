#!/usr/bin/env bash
# The README's first command: from a fresh Debian/Ubuntu machine (root, Node.js 20) to a worker
# judging the bundled sample submissions through Redis.
#   1. host prerequisites: gcc, debootstrap, a running Redis (scripts/setup-host.sh)
#   2. npm ci, which also compiles the native launcher (build/libcage.so, build/caged-init)
#   3. the TypeScript build (the image build's self-tests run `caged selftest` from dist/)
#   4. the Debian image, every layer (minutes the first time, then reused from the layer cache)
#   5. `caged demo`: a worker on a fresh queue, the samples enqueued through the client, each
#      verdict printed beside the expected one
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "quickstart: caged creates namespaces, mounts and cgroups: run it as root" >&2
  exit 1
fi
bash scripts/setup-host.sh
npm ci --no-audit --no-fund
npm run build
npm run image:build -- debian
node dist/src/cli/main.js demo
