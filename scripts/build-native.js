#!/usr/bin/env node
// Builds the native side with the machine's C compiler: build/libcage.so (native/spawn.c, the
// stub the worker calls through koffi) and build/caged-init (native/cage.c, B; native/program.c,
// C's last steps; native/setup-ops.c, B's set-up operations: static and libc-free). Runs from `npm install` / `npm ci` (the package's install
// script) and from `npm run build:native`.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'build');
const cc = process.env.CC || 'cc';
const common = [
  '-O2',
  '-std=gnu11',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-fno-stack-protector',
  '-fno-tree-loop-distribute-patterns',
  '-fno-builtin',
  '-U_FORTIFY_SOURCE',
];
const targets = [
  { out: 'libcage.so', args: [...common, '-fPIC', '-shared', path.join(root, 'native', 'spawn.c')] },
  {
    out: 'caged-init',
    args: [
      ...common,
      '-static',
      '-nostdlib',
      '-fno-pie',
      '-no-pie',
      '-fno-asynchronous-unwind-tables',
      path.join(root, 'native', 'cage.c'),
      path.join(root, 'native', 'program.c'),
      path.join(root, 'native', 'setup-ops.c'),
    ],
  },
];
fs.mkdirSync(outDir, { recursive: true });
for (const t of targets) {
  const out = path.join(outDir, t.out);
  try {
    execFileSync(cc, [...t.args, '-o', out + '.tmp'], { stdio: 'inherit' });
  } catch (err) {
    console.error(`caged: building ${t.out} with ${cc} failed (${err.message}); install a C compiler (apt-get install gcc libc6-dev)`);
    process.exit(1);
  }
  fs.renameSync(out + '.tmp', out);
  console.log(`caged: built build/${t.out}`);
}
