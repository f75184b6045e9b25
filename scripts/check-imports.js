#!/usr/bin/env node
/**
 * `npm run lint:cycles`: the import structure.
 *
 * 1. No file imports itself back through others (any import counts, types included).
 * 2. Dependencies between the folders of src/ point one way, down this order (run-time imports
 *    only: a type-only import is erased and may name a type the lower layer owns):
 *
 *      cli → api → grade, client, queue, doctor, webhook, problem → judge0 → judge → rootfs → sandbox → cgroup → wire, fs, linux → (src/*.ts: errors, config)
 *
 *    A folder may import from its own rank or below, never from above.
 * 3. Between rootfs and sandbox only types cross (the lower layer's types): what both need at
 *    run time (Linux constants, kernel features, pid checks) lives below both, in src/linux.
 * Exit status 1 with every finding listed; 0 when clean.
 */
const path = require('node:path');
const madge = require('madge');

const ROOT = path.join(__dirname, '..');
const RANK = {
  cli: 8,
  api: 7,
  grade: 6,
  client: 6,
  queue: 6,
  doctor: 6,
  webhook: 6,
  problem: 6,
  judge0: 5.5,
  judge: 5,
  rootfs: 4,
  sandbox: 3,
  cgroup: 2,
  wire: 1,
  fs: 1,
  linux: 1,
  '.': 0,
};
/** Folder pairs between which no run-time import may go, in either direction. */
const TYPES_ONLY = [['rootfs', 'sandbox']];
const common = { fileExtensions: ['ts'], tsConfig: path.join(ROOT, 'tsconfig.json'), baseDir: ROOT };

/** `src/sandbox/sandbox.ts` → 'sandbox'; `src/config.ts` → '.'; outside src/ → null. */
function folderOf(file) {
  const parts = file.split('/');
  if (parts[0] !== 'src') return null;
  return parts.length === 2 ? '.' : parts[1];
}

async function main() {
  const findings = [];
  const all = await madge(
    ['src', 'worker', 'bench', 'test'].map((d) => path.join(ROOT, d)),
    common,
  );
  for (const cycle of all.circular()) findings.push(`cycle: ${[...cycle, cycle[0]].join(' → ')}`);

  const runtime = await madge(path.join(ROOT, 'src'), { ...common, detectiveOptions: { ts: { skipTypeImports: true } } });
  // Paths are relative to ROOT (baseDir): `src/sandbox/sandbox.ts`.
  for (const [from, tos] of Object.entries(runtime.obj())) {
    const a = folderOf(from);
    for (const to of tos) {
      const b = folderOf(to);
      if (a === null || b === null || a === b) continue;
      if (!(a in RANK) || !(b in RANK)) {
        findings.push(`layer: ${from} → ${to}: a folder of src/ has no rank in scripts/check-imports.js`);
      } else if (RANK[b] > RANK[a]) {
        findings.push(`layer: ${from} (${a}) imports ${to} (${b}), a higher layer`);
      } else if (TYPES_ONLY.some(([x, y]) => (a === x && b === y) || (a === y && b === x))) {
        findings.push(`layer: ${from} (${a}) imports ${to} (${b}) at run time; only types may cross between them`);
      }
    }
  }
  for (const f of findings) console.log(f);
  console.log(findings.length ? `${findings.length} import finding(s)` : 'imports: no cycles, layers point one way');
  process.exitCode = findings.length ? 1 : 0;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 2;
});
