# post.sh of the typescript layer (run by /bin/sh -eu as root in the chroot, after apt).
#
# Contest TypeScript reads its input through Node's API (require('fs').readFileSync(0, 'utf8'),
# process.stdin, import * as fs from 'fs'), which tsc type-checks against Node's declarations,
# the package @types/node. Debian 12 packages none usable with its Node 18, so the layer pins the
# npm registry's @types/node 18.19.130 (the newest for Node 18) and the one package it depends on,
# undici-types 5.26.5 (the types of fetch), in layer.json's `downloads`: fetched on the build host
# and checked against their sha256 (images/lib/layer-build.sh), unpacked here into npm's global
# directory, where the compile (images/languages/typescript/language.json) names them with
# --typeRoots /usr/local/lib/node_modules/@types --types node, and where tsc finds undici-types
# from @types/node's own directory by Node's module resolution. Types only: nothing here runs.
set -eu
modules=/usr/local/lib/node_modules
unpack() { # TGZ DIR: an npm tarball (one top directory, "package/" or "node v18.19/") into DIR
  rm -rf "$2"
  mkdir -p "$2"
  tar -xzf "$1" -C "$2" --strip-components=1 --no-same-owner --no-same-permissions
  chown -R 0:0 "$2"
  find "$2" -type d -exec chmod 0755 {} +
  find "$2" -type f -exec chmod 0644 {} +
}
unpack /tmp/caged-downloads/types-node-18.19.130.tgz "$modules/@types/node"
unpack /tmp/caged-downloads/undici-types-5.26.5.tgz "$modules/undici-types"
grep -q '"version": "18.19.130"' "$modules/@types/node/package.json"
grep -q '"version": "5.26.5"' "$modules/undici-types/package.json"
test -f "$modules/@types/node/index.d.ts"
