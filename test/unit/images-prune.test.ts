/**
 * images/prune-cache.sh on a scratch layer cache: it deletes the entries no manifest lists and no
 * build used recently, and keeps those a manifest lists, those used recently and those whose lock
 * a running build holds.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SCRIPT = path.resolve(__dirname, '../../images/prune-cache.sh');

let cache: string;
beforeEach(() => {
  cache = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-prune-'));
});
afterEach(() => fs.rmSync(cache, { recursive: true, force: true }));

const layers = (): string => path.join(cache, 'layers/debian');
function entry(name: string, hoursAgo: number): void {
  const dir = path.join(layers(), name);
  fs.mkdirSync(path.join(dir, 'tree/usr'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'layer.json'), '{}\n');
  fs.writeFileSync(path.join(dir, 'layer.tar'), 'x'.repeat(1000));
  const lock = `${dir}.lock`;
  fs.writeFileSync(lock, '');
  const t = new Date(Date.now() - hoursAgo * 3600_000);
  fs.utimesSync(lock, t, t);
}
const left = (): string[] =>
  fs
    .readdirSync(layers())
    .filter((e) => !e.endsWith('.lock'))
    .sort();

function prune(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync('bash', [SCRIPT, 'debian', ...args], { encoding: 'utf8', env: { ...process.env, CAGED_IMAGE_CACHE: cache } });
  return { status: r.status, out: r.stdout + r.stderr };
}

it('deletes only the entries no manifest lists, no build used lately and no build holds', async () => {
  const recipe = 'a'.repeat(64);
  entry(`base-${recipe}`, 100); // listed by a manifest
  entry(`gcc-${'b'.repeat(64)}`, 100); // old, unused: deleted
  entry(`gcc-${'c'.repeat(64)}`, 1); // used an hour ago: kept
  entry(`jdk-${'d'.repeat(64)}`, 100); // old but locked by a running build: kept
  fs.mkdirSync(path.join(cache, 'images/debian'), { recursive: true });
  fs.writeFileSync(path.join(cache, 'images/debian/manifest.json'), JSON.stringify({ layers: [{ id: 'base', recipeSha256: recipe }] }));

  const holder = spawn('flock', ['-s', path.join(layers(), `jdk-${'d'.repeat(64)}.lock`), 'sleep', '30'], {
    stdio: 'ignore',
    detached: true,
  });
  try {
    await new Promise((r) => setTimeout(r, 300));
    expect(prune('--dry-run').out).toMatch(/would delete gcc-b{64}/);
    expect(left()).toHaveLength(4);

    const r = prune();
    expect(r.status).toBe(0);
    expect(r.out).toMatch(/in use, kept: jdk-d{64}/);
    expect(left()).toEqual([`base-${recipe}`, `gcc-${'c'.repeat(64)}`, `jdk-${'d'.repeat(64)}`]);

    expect(prune('--keep-hours', '0').status).toBe(0);
    expect(left()).toEqual([`base-${recipe}`, `jdk-${'d'.repeat(64)}`]);
  } finally {
    if (holder.pid !== undefined) process.kill(-holder.pid, 'SIGTERM'); // flock and its sleep
  }
});
