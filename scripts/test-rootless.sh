#!/usr/bin/env bash
# The rootless tier: the sandbox, judge and queue suites again, as an ordinary user with no
# capabilities, the worker in rootless mode (docs/rootless.md). Run by .ci/run as root: it
# creates the user caged-ci, prepares it with `scripts/setup-host.sh --user caged-ci`
# (subordinate ids, a delegated cgroup subtree, device slots) and runs the suites as that user.
# CAGED_TEST_ROOTLESS=1 tells the suites to expect rootless mode (test/helpers/mode.ts); the
# first thing it does as that user is to unpack the test image into the user's own store (~/.local/share/caged/images).
# Extra arguments are passed to jest (e.g. one suite's path); CAGED_ROOTLESS_USER names another user.
set -euo pipefail
cd "$(dirname "$0")/.."
user=${CAGED_ROOTLESS_USER:-caged-ci}
if [ "$(id -u)" = 0 ]; then
  id "$user" >/dev/null 2>&1 || useradd --create-home --shell /usr/sbin/nologin "$user"
  bash scripts/setup-host.sh --user "$user"
  cache=$(mktemp -d /tmp/caged-rootless-jest.XXXXXX)
  chown "$user:" "$cache"
  trap 'rm -rf "$cache"' EXIT
  setpriv --reuid="$user" --regid="$user" --init-groups --reset-env -- \
    env PATH="$PATH" CI="${CI:-}" CAGED_TEST_ROOTLESS=1 CAGED_JEST_CACHE="$cache" bash "$0" "$@"
  exit
fi
[ "${CAGED_TEST_ROOTLESS:-}" = 1 ] || { echo "test-rootless: run as root (it sets up the user), or with CAGED_TEST_ROOTLESS=1 as that user" >&2; exit 2; }
# Unpack the test image into this user's store before any suite: on a cold store that takes about
# a minute, longer than a suite waits for a worker's first job.
node dist/src/cli/main.js exec --lang c -- /bin/true >/dev/null
# With CMS tasks: one writable output file in a read-only /box; a manager with a file bound into its /box.
suites=(test/sandbox-*.test.ts test/judge-*.test.ts test/queue-*.test.ts test/problem-cms.test.ts)
[ $# -gt 0 ] && suites=("$@")
exec npx jest --runInBand ${CAGED_JEST_CACHE:+--cacheDirectory "$CAGED_JEST_CACHE"} "${suites[@]}"
