#!/usr/bin/env bash
# The README's first command: from a fresh Debian/Ubuntu machine (root, Node.js 20) to a worker
# judging the bundled sample submissions through Redis.
#   1. host prerequisites: gcc, debootstrap, a running Redis (scripts/setup-host.sh)
#   2. npm ci, which also compiles the native launcher (build/libcage.so, build/caged-init)
#   3. the Debian image with gcc, g++ and python3 (minutes the first time, then reused)
#   4. the TypeScript build, then `caged demo`: a worker on a fresh queue, the samples enqueued
#      through the client, each verdict printed beside the expected one
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "quickstart: caged creates namespaces, mounts and cgroups: run it as root" >&2
  exit 1
fi
bash scripts/setup-host.sh
npm ci --no-audit --no-fund
npm run image:build -- debian
npm run build
node dist/src/cli/main.js demo
