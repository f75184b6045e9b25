// Stress of Node.js: asynchronous file I/O (20 files written and read concurrently in /tmp, within
// the 64 open files of a test),
// timers and promises, a Map of 10^6 keys, a recursion 10 000 deep. Prints OK.
'use strict';
const fs = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');

function depth(n) {
  return n === 0 ? 0 : depth(n - 1) + 1;
}

async function main() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stress-'));
  const names = Array.from({ length: 20 }, (_, i) => path.join(dir, `f${i}`));
  await Promise.all(names.map((n, i) => fs.writeFile(n, String(i).repeat(1000))));
  const back = await Promise.all(names.map((n) => fs.readFile(n, 'utf8')));
  await new Promise((r) => setTimeout(r, 10));
  await fs.rm(dir, { recursive: true });
  const m = new Map();
  for (let i = 0; i < 1e6; i++) m.set(i, i * 2);
  const ok = back.every((t, i) => t === String(i).repeat(1000)) && m.get(999999) === 1999998 && depth(10000) === 10000;
  console.log(ok ? 'OK' : 'FAIL');
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
