#!/usr/bin/env node
// Builds native/cage.c into build/libcage.so with the machine's C compiler.
// Runs from `npm install` / `npm ci` (the root package's install script) and from .ci/run.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const src = path.join(root, 'native', 'cage.c');
const outDir = path.join(root, 'build');
const out = path.join(outDir, 'libcage.so');
const cc = process.env.CC || 'cc';
fs.mkdirSync(outDir, { recursive: true });
const args = ['-O2', '-fPIC', '-shared', '-std=gnu11', '-Wall', '-Wextra', '-Werror',
  '-fno-stack-protector', '-fno-tree-loop-distribute-patterns', '-fno-builtin', '-o', out + '.tmp', src];
try {
  execFileSync(cc, args, { stdio: 'inherit' });
} catch (err) {
  console.error(`caged: building ${path.relative(root, src)} with ${cc} failed (${err.message}); install a C compiler (apt-get install gcc)`);
  process.exit(1);
}
fs.renameSync(out + '.tmp', out);
console.log(`caged: built ${path.relative(root, out)}`);
