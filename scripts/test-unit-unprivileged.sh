#!/usr/bin/env bash
# The fast tier as a contributor runs it: not root, and no Redis. Run by .ci/run as root, it
# creates an ordinary user (caged-unit) and runs `npm run test:unit` as that user inside a new
# network namespace, where nothing listens (Redis at 127.0.0.1:6379 is unreachable, as if
# stopped), so a unit test that needs root, the network or Redis fails here.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  exec npm run --silent test:unit
fi
id caged-unit >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin caged-unit
cache=$(mktemp -d /tmp/caged-unit-jest.XXXXXX)
chown caged-unit: "$cache"
trap 'rm -rf "$cache"' EXIT
exec unshare --net -- setpriv --reuid=caged-unit --regid=caged-unit --clear-groups --reset-env -- \
  env PATH="$PATH" HOME="$cache" CI="${CI:-}" \
  npx jest -c jest.unit.config.js --cacheDirectory "$cache"
