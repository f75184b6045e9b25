/**
 * The compile cache on its own (no containers): keys, what it refuses to read from a box
 * (links, special files), LRU eviction within its bound, a vanished entry, and several
 * processes hammering one cache directory at once.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CompileCache, compileCacheKey } from '../src/judge/compile-cache';
import { openRegularNoFollow, UnsafeEntryError, writeNewFile } from '../src/judge/safe-fs';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-cc-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function box(files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(root, 'box-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content, { mode: name.endsWith('.sh') || name === 'main' ? 0o700 : 0o600 });
  }
  return dir;
}

const compiled = { outputText: 'warning: x', outputTruncated: false };
const key = (n: string) =>
  compileCacheKey({
    imageDigest: 'd',
    languageId: 'c',
    compileCommand: ['gcc'],
    compilerOptions: [],
    files: [{ name: 'main.c', content: Buffer.from(n) }],
  });

describe('the key', () => {
  it('changes with every part and not with the order of the files', () => {
    const base = {
      imageDigest: 'd',
      languageId: 'c',
      compileCommand: ['gcc'],
      compilerOptions: ['-O2'],
      files: [
        { name: 'a', content: Buffer.from('1') },
        { name: 'b', content: Buffer.from('2') },
      ],
    };
    const k = compileCacheKey(base);
    expect(compileCacheKey({ ...base, files: [...base.files].reverse() })).toBe(k);
    expect(compileCacheKey({ ...base, imageDigest: 'e' })).not.toBe(k);
    expect(compileCacheKey({ ...base, languageId: 'cpp17' })).not.toBe(k);
    expect(compileCacheKey({ ...base, compilerOptions: ['-O3'] })).not.toBe(k);
    expect(
      compileCacheKey({
        ...base,
        files: [
          { name: 'a', content: Buffer.from('12') },
          { name: 'b', content: Buffer.from('') },
        ],
      }),
    ).not.toBe(k);
    // A file written executable builds another box (a helper script run as ./name).
    expect(compileCacheKey({ ...base, files: [{ ...base.files[0]!, executable: true }, base.files[1]!] })).not.toBe(k);
    expect(compileCacheKey({ ...base, files: [{ ...base.files[0]!, executable: false }, base.files[1]!] })).toBe(k);
  });
});

describe('when an artefact is stored and restored', () => {
  it('copies the tree without the sources, readable by every uid, with the compiler output', () => {
    const cache = CompileCache.open({ dir: path.join(root, 'cache') });
    const from = box({ 'main.c': 'src', main: 'ELF', 'lib/data.txt': 'x' });
    expect(cache.store(key('1'), from, new Set(['main.c']), compiled)).toBe(true);
    const to = box({ 'main.c': 'src' });
    expect(cache.restore(key('1'), to)).toEqual(compiled);
    expect(fs.readFileSync(path.join(to, 'main'), 'utf8')).toBe('ELF');
    expect(fs.statSync(path.join(to, 'main')).mode & 0o777).toBe(0o755);
    expect(fs.statSync(path.join(to, 'lib/data.txt')).mode & 0o777).toBe(0o644);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 0, inserts: 1 });
    expect(cache.restore(key('2'), to)).toBeNull();
    expect(cache.stats().misses).toBe(1);
  });
});

describe('when the box holds a link or a special file', () => {
  it('does not cache it and never reads through the link', () => {
    const cache = CompileCache.open({ dir: path.join(root, 'cache') });
    const secret = path.join(root, 'secret');
    fs.writeFileSync(secret, 'host secret');
    const withLink = box({ main: 'ELF' });
    fs.symlinkSync(secret, path.join(withLink, 'leak'));
    expect(cache.store(key('link'), withLink, new Set(), compiled)).toBe(false);
    const withFifo = box({ main: 'ELF' });
    fs.mkdirSync(path.join(withFifo, 'sub'));
    execFileSync('mkfifo', [path.join(withFifo, 'sub', 'pipe')]);
    expect(cache.store(key('fifo'), withFifo, new Set(), compiled)).toBe(false);
    expect(fs.readdirSync(path.join(root, 'cache', 'entries'))).toEqual([]);
  });

  it('refuses to open a link, and never creates a file through one', () => {
    const dir = box({});
    const target = path.join(root, 'target');
    fs.writeFileSync(target, 'keep');
    fs.symlinkSync(target, path.join(dir, 'main.c'));
    expect(() => openRegularNoFollow(path.join(dir, 'main.c'))).toThrow(UnsafeEntryError);
    expect(() => writeNewFile(dir, 'main.c', 'overwrite')).toThrow(/EEXIST/);
    expect(fs.readFileSync(target, 'utf8')).toBe('keep');
  });
});

describe('when the cache grows past its bound', () => {
  it('evicts the least recently used entries', () => {
    const cache = CompileCache.open({ dir: path.join(root, 'cache'), maxBytes: 1024 * 1024 });
    const blob = Buffer.alloc(400 * 1024, 1);
    const meta = (n: string) => path.join(root, 'cache', 'entries', key(n), 'meta.json');
    for (const n of ['1', '2']) {
      expect(cache.store(key(n), box({ main: blob }), new Set(), compiled)).toBe(true);
      const then = new Date(Date.now() - (3 - Number(n)) * 60_000);
      fs.utimesSync(meta(n), then, then);
    }
    expect(cache.restore(key('1'), box({}))).not.toBeNull(); // 1 is now the most recently used
    expect(cache.store(key('3'), box({ main: blob }), new Set(), compiled)).toBe(true);
    const left = fs.readdirSync(path.join(root, 'cache', 'entries'));
    expect(left.sort()).toEqual([key('1'), key('3')].sort());
    expect(cache.sizeBytes()).toBeLessThanOrEqual(1024 * 1024);
    expect(cache.stats().evictions).toBe(1);
  });

  it('scans the entries once per tenth of the bound inserted, not at every insert, and keeps the bound', () => {
    const maxBytes = 1024 * 1024;
    const cache = CompileCache.open({ dir: path.join(root, 'cache'), maxBytes });
    const blob = Buffer.alloc(20 * 1024, 1);
    const sizes: number[] = [];
    for (let n = 0; n < 150; n++) {
      expect(cache.store(key(String(n)), box({ main: blob }), new Set(), compiled)).toBe(true);
      sizes.push(cache.sizeBytes());
    }
    const { scans, evictions, inserts } = cache.stats();
    expect(inserts).toBe(150);
    // 150 entries of ~20 KiB are ~3 MiB: a scan every ~5 inserts (a tenth of 1 MiB), not 150.
    expect(scans).toBeGreaterThanOrEqual(150 / 6);
    expect(scans).toBeLessThanOrEqual(150 / 4);
    // One process alone never goes past the bound (sizeBytes counts the artefacts alone).
    expect(Math.max(...sizes)).toBeLessThanOrEqual(maxBytes);
    // An eviction frees down to 90 % of the bound, so the entries of ~3 MiB went mostly.
    expect(evictions).toBeGreaterThan(100);
    expect(cache.sizeBytes()).toBeGreaterThan(maxBytes * 0.5);
  });

  it('counts the entries another process inserted at its next scan', () => {
    const maxBytes = 1024 * 1024;
    const dir = path.join(root, 'cache');
    const mine = CompileCache.open({ dir, maxBytes });
    const theirs = CompileCache.open({ dir, maxBytes });
    const blob = Buffer.alloc(110 * 1024, 1); // more than a tenth of the bound
    mine.store(key('mine'), box({ main: blob }), new Set(), compiled);
    // Another worker fills the directory to just below its bound: 8 entries more.
    for (let n = 0; n < 8; n++) theirs.store(key(`theirs-${n}`), box({ main: blob }), new Set(), compiled);
    expect(mine.stats().evictions + theirs.stats().evictions).toBe(0);
    // My next insert reaches a tenth of the bound: my scan sees theirs, and evicts.
    mine.store(key('mine-2'), box({ main: blob }), new Set(), compiled);
    expect(mine.stats().evictions).toBeGreaterThanOrEqual(1);
    expect(mine.sizeBytes()).toBeLessThanOrEqual(maxBytes * 0.9);
  });
});

describe('when a hit is lent as a layer (pin)', () => {
  it('gives the entry in place, copies nothing, and keeps it from eviction until released', () => {
    const cache = CompileCache.open({ dir: path.join(root, 'cache'), maxBytes: 1024 * 1024 });
    const blob = Buffer.alloc(400 * 1024, 1);
    expect(cache.store(key('1'), box({ 'main.c': 'src', main: blob }), new Set(['main.c']), compiled)).toBe(true);
    const pinned = cache.pin(key('1'));
    expect(pinned).toMatchObject({ ...compiled, filesDir: path.join(root, 'cache', 'entries', key('1'), 'files') });
    expect(fs.readdirSync(pinned!.filesDir)).toEqual(['main']);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 0 });
    // Key 1 is the least recently used when 2 and 3 come, yet pinned: 2 goes instead.
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(root, 'cache', 'entries', key('1'), 'meta.json'), old, old);
    cache.store(key('2'), box({ main: blob }), new Set(), compiled);
    cache.store(key('3'), box({ main: blob }), new Set(), compiled);
    expect(fs.existsSync(path.join(pinned!.filesDir, 'main'))).toBe(true);
    expect(cache.stats().evictions).toBe(1);
    pinned!.release();
    pinned!.release(); // idempotent
    cache.evict(); // still 1 + 3 within the bound: nothing to do
    cache.store(key('4'), box({ main: blob }), new Set(), compiled);
    expect(fs.existsSync(pinned!.filesDir)).toBe(false); // released, least recently used: evicted
  });

  it('pins across processes: another process cannot evict a pinned entry', () => {
    const dist = path.join(__dirname, '..', 'dist', 'src', 'judge', 'compile-cache.js');
    if (!fs.existsSync(dist)) throw new Error(`${dist} is missing: run \`npm run build\` (npm test does it) first`);
    const dir = path.join(root, 'cache');
    const cache = CompileCache.open({ dir });
    cache.store(key('1'), box({ main: Buffer.alloc(4096, 1) }), new Set(), compiled);
    const evictAll = () =>
      execFileSync(process.execPath, [
        '-e',
        `const { CompileCache } = require(${JSON.stringify(dist)}); const c = CompileCache.open({ dir: ${JSON.stringify(dir)}, maxBytes: 1 }); c.evict(); process.stdout.write(String(c.stats().evictions));`,
      ]).toString();
    const pinned = cache.pin(key('1'))!;
    expect(evictAll()).toBe('0');
    expect(fs.existsSync(path.join(pinned.filesDir, 'main'))).toBe(true);
    pinned.release();
    expect(evictAll()).toBe('1');
    expect(cache.pin(key('1'))).toBeNull();
  });

  it('never lends an entry that is a link, nor one whose files/ is', () => {
    const cache = CompileCache.open({ dir: path.join(root, 'cache') });
    cache.store(key('1'), box({ main: 'ELF' }), new Set(), compiled);
    const secret = box({ 'secret.txt': 'host' });
    const entries = path.join(root, 'cache', 'entries');
    // entries/<key> a link to a real entry elsewhere
    fs.renameSync(path.join(entries, key('1')), path.join(root, 'moved'));
    fs.symlinkSync(path.join(root, 'moved'), path.join(entries, key('1')));
    expect(cache.pin(key('1'))).toBeNull();
    fs.unlinkSync(path.join(entries, key('1')));
    fs.renameSync(path.join(root, 'moved'), path.join(entries, key('1')));
    // files/ a link to a host directory
    fs.rmSync(path.join(entries, key('1'), 'files'), { recursive: true });
    fs.symlinkSync(secret, path.join(entries, key('1'), 'files'));
    expect(cache.pin(key('1'))).toBeNull();
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 2 });
  });
});

describe("when sources sit in directories (a package's unsigned/UnsignedLong.java)", () => {
  it('stores the artefacts beside them without them, and restores into a box holding them', () => {
    const cache = CompileCache.open({ dir: path.join(root, 'cache') });
    const sources = { 'Main.java': 'src', 'unsigned/UnsignedLong.java': 'lib', 'unsigned/deep/X.java': 'x' };
    const from = box({ ...sources, 'Main.class': 'M', 'unsigned/UnsignedLong.class': 'U', 'unsigned/deep/X.class': 'X' });
    expect(cache.store(key('1'), from, new Set(Object.keys(sources)), compiled)).toBe(true);
    const stored = path.join(root, 'cache', 'entries', key('1'), 'files');
    expect(fs.existsSync(path.join(stored, 'unsigned/UnsignedLong.java'))).toBe(false);
    expect(fs.readFileSync(path.join(stored, 'unsigned/deep/X.class'), 'utf8')).toBe('X');
    const to = box(sources);
    expect(cache.restore(key('1'), to)).toEqual(compiled);
    expect(fs.readFileSync(path.join(to, 'unsigned/UnsignedLong.class'), 'utf8')).toBe('U');
    expect(fs.readFileSync(path.join(to, 'unsigned/deep/X.java'), 'utf8')).toBe('x'); // the source is kept
  });

  it('on a miss mid-copy leaves the sources and their directories as they were', () => {
    const cache = CompileCache.open({ dir: path.join(root, 'cache') });
    cache.store(key('1'), box({ 'a/A.class': 'A', 'a/b/B.class': 'B', 'a/c/C.class': 'C' }), new Set(), compiled);
    fs.rmSync(path.join(root, 'cache', 'entries', key('1'), 'files', 'a', 'c', 'C.class'));
    const to = box({ 'a/b/B.java': 'src' });
    expect(cache.restore(key('1'), to)).toBeNull();
    const left: string[] = [];
    const walk = (d: string, rel: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        left.push(`${rel}${e.name}${e.isDirectory() ? '/' : ''}`);
        if (e.isDirectory()) walk(path.join(d, e.name), `${rel}${e.name}/`);
      }
    };
    walk(to, '');
    expect(left.sort()).toEqual(['a/', 'a/b/', 'a/b/B.java']);
  });
});

describe('when an entry vanishes while it is copied', () => {
  it('counts a miss and leaves nothing of it in the box', () => {
    const cache = CompileCache.open({ dir: path.join(root, 'cache') });
    cache.store(key('1'), box({ main: 'ELF', 'lib/a': 'a', 'lib/b': 'b' }), new Set(), compiled);
    fs.rmSync(path.join(root, 'cache', 'entries', key('1'), 'files', 'lib', 'b'));
    const to = box({ 'main.c': 'src' });
    expect(cache.restore(key('1'), to)).toBeNull();
    expect(fs.readdirSync(to)).toEqual(['main.c']);
  });
});

describe('when several processes share one cache directory', () => {
  it('stays consistent and within its bound', async () => {
    const dist = path.join(__dirname, '..', 'dist', 'src', 'judge', 'compile-cache.js');
    if (!fs.existsSync(dist)) throw new Error(`${dist} is missing: run \`npm run build\` (npm test does it) first`);
    const dir = path.join(root, 'cache');
    const script = `
      const fs = require('fs'), path = require('path'), os = require('os');
      const { CompileCache, compileCacheKey } = require(${JSON.stringify(dist)});
      const cache = CompileCache.open({ dir: ${JSON.stringify(dir)}, maxBytes: 2 * 1024 * 1024 });
      const work = fs.mkdtempSync(path.join(${JSON.stringify(root)}, 'w-'));
      for (let i = 0; i < 60; i++) {
        const n = String(i % 12);
        const k = compileCacheKey({ imageDigest: 'd', languageId: 'c', compileCommand: [], compilerOptions: [], files: [{ name: 'm', content: Buffer.from(n) }] });
        const box = fs.mkdtempSync(path.join(work, 'b-'));
        const hit = cache.restore(k, box);
        if (hit) {
          const got = fs.readFileSync(path.join(box, 'main'));
          if (got.length !== 300 * 1024 || got[0] !== Number(n)) throw new Error('corrupt entry ' + n);
        } else {
          fs.writeFileSync(path.join(box, 'main'), Buffer.alloc(300 * 1024, Number(n)));
          cache.store(k, box, new Set(), { outputText: '', outputTruncated: false });
        }
        fs.rmSync(box, { recursive: true, force: true });
      }
      process.stdout.write(JSON.stringify(cache.stats()));
    `;
    const runs = Array.from(
      { length: 4 },
      () =>
        new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
          const child = spawn(process.execPath, ['-e', script]);
          let out = '';
          let err = '';
          child.stdout.on('data', (d: Buffer) => (out += d.toString()));
          child.stderr.on('data', (d: Buffer) => (err += d.toString()));
          child.on('close', (code) => resolve({ code, out, err }));
        }),
    );
    const results = await Promise.all(runs);
    for (const r of results) expect({ code: r.code, err: r.err }).toEqual({ code: 0, err: '' });
    const hits = results.reduce((s, r) => s + (JSON.parse(r.out) as { hits: number }).hits, 0);
    expect(hits).toBeGreaterThan(0);
    expect(CompileCache.open({ dir }).sizeBytes()).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(fs.readdirSync(path.join(dir, 'tmp'))).toEqual([]);
  }, 60_000);
});
