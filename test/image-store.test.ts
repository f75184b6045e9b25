/**
 * The image store against real tarballs on a real file system: a good image unpacks exactly as
 * GNU tar would; a tampered one is refused naming both digests; hostile ones are refused with
 * nothing written outside the cache; concurrent stores (one process or several) make one entry;
 * gc removes only what no live store uses. Runs as root (CI does), like the worker.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { ImageError } from '../src/errors';
import { FileLock } from '../src/rootfs/file-lock';
import { ImageStore, sha256File } from '../src/rootfs/store';

const REAL_MANIFEST = '/var/cache/caged/images/debian/manifest.json';

let base: string;
let stores: ImageStore[];

beforeEach(() => {
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-store-'));
  stores = [];
});
afterEach(async () => {
  for (const s of stores) await s.close();
  fs.rmSync(base, { recursive: true, force: true });
});

const cacheDir = (): string => path.join(base, 'cache');
function store(): ImageStore {
  const s = new ImageStore({ cacheDir: cacheDir(), lockPollMs: 20 });
  stores.push(s);
  return s;
}

/** Writes manifest.json beside `tarball` with its real digest; returns the manifest's path. */
async function manifestFor(tarball: string): Promise<string> {
  const manifest = {
    schema: 1,
    name: 'caged-test',
    flavor: 'debian',
    base: 'test',
    createdAt: new Date().toISOString(),
    tarball: path.basename(tarball),
    sha256: await sha256File(tarball),
    sizeBytes: fs.statSync(tarball).size,
    recipeSha256: '0'.repeat(64),
    env: { PATH: '/usr/bin:/bin' },
    languages: [
      { id: 'c', name: 'C', version: '1', sourceFile: 'main.c', compile: null, run: ['./main'], env: {}, timeFactor: 1, memoryFactor: 1 },
    ],
  };
  const file = path.join(path.dirname(tarball), 'manifest.json');
  fs.writeFileSync(file, JSON.stringify(manifest));
  return file;
}

/** A directory packed with GNU tar, as images/build.sh packs images. */
async function gnuTarImage(name: string, fill: (src: string) => void): Promise<string> {
  const dir = path.join(base, name);
  const src = path.join(dir, 'src');
  fs.mkdirSync(src, { recursive: true });
  fill(src);
  execFileSync('tar', ['--create', '--numeric-owner', '--sort=name', '-f', path.join(dir, 'rootfs.tar'), '-C', src, '.']);
  return manifestFor(path.join(dir, 'rootfs.tar'));
}

interface RawEntry {
  path: string;
  type: 'File' | 'Directory' | 'SymbolicLink' | 'Link';
  linkpath?: string;
  body?: string;
}

/** A tarball written header by header: hostile layouts that no tar program would produce. */
async function rawTarImage(name: string, entries: RawEntry[]): Promise<string> {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const header = Buffer.alloc(512);
    new tar.Header({
      path: e.path,
      type: e.type,
      linkpath: e.linkpath,
      size: body.length,
      mode: e.type === 'Directory' ? 0o755 : 0o644,
      uid: 0,
      gid: 0,
      mtime: new Date(),
    }).encode(header, 0);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  fs.mkdirSync(path.join(base, name));
  const tarball = path.join(base, name, 'rootfs.tar');
  fs.writeFileSync(tarball, Buffer.concat(blocks));
  return manifestFor(tarball);
}

/** `find` listing of a tree: path, mode, owner, type, link target, link count, size, mtime. */
function listing(dir: string): string {
  return execFileSync('find', ['.', '-printf', '%p %m %U %G %y %l %n %s %T@\\n'], { cwd: dir, maxBuffer: 1 << 28 })
    .toString()
    .split('\n')
    .sort()
    .join('\n');
}

/** Everything in the cache directory except lock files and verification stamps. */
function cacheContents(): string[] {
  if (!fs.existsSync(cacheDir())) return [];
  return fs
    .readdirSync(cacheDir())
    .filter((n) => !n.endsWith('.lock') && !n.endsWith('.inuse') && !n.endsWith('.verified'))
    .sort();
}

function fillGood(src: string): void {
  const w = (p: string, body: string, mode: number): void => {
    fs.mkdirSync(path.dirname(path.join(src, p)), { recursive: true });
    fs.writeFileSync(path.join(src, p), body);
    fs.chmodSync(path.join(src, p), mode);
  };
  w('usr/bin/tool', '#!/bin/sh\necho tool\n', 0o755);
  w('usr/bin/plain', 'plain', 0o644);
  w('usr/bin/group', 'group', 0o644);
  w('ro/file', 'ro', 0o444);
  w('secret/key', 'key', 0o600);
  fs.chownSync(path.join(src, 'usr/bin/plain'), 1234, 5678);
  fs.chownSync(path.join(src, 'usr/bin/group'), 0, 5678);
  fs.chmodSync(path.join(src, 'usr/bin/tool'), 0o4755); // after chown: chown clears setuid
  fs.chmodSync(path.join(src, 'usr/bin/group'), 0o2755);
  fs.linkSync(path.join(src, 'usr/bin/tool'), path.join(src, 'usr/bin/tool-again'));
  fs.symlinkSync('/etc/alternatives/cc', path.join(src, 'usr/bin/cc'));
  fs.symlinkSync('usr/bin', path.join(src, 'bin'));
  fs.symlinkSync('nowhere', path.join(src, 'dangling'));
  fs.lchownSync(path.join(src, 'dangling'), 1234, 5678);
  fs.mkdirSync(path.join(src, 'tmp'));
  fs.chmodSync(path.join(src, 'tmp'), 0o1777);
  fs.mkdirSync(path.join(src, 'box'), { mode: 0o755 });
  fs.chownSync(path.join(src, 'secret'), 1234, 5678);
  fs.chmodSync(path.join(src, 'secret'), 0o700);
  fs.chmodSync(path.join(src, 'ro'), 0o555);
  for (let i = 0; i < 300; i++) w(`usr/share/many/f${i}`, `file ${i}\n`.repeat(50), 0o644);
  fs.chmodSync(src, 0o755);
}

describe('when the tarball is good', () => {
  it('unpacks it once, exactly as GNU tar does: modes, owners, symlinks, hard links, times', async () => {
    const manifest = await gnuTarImage('good', fillGood);
    const first = await store().register(manifest);
    expect(first.unpacked).toBe(true);
    const again = await store().register(manifest);
    expect(again).toMatchObject({ unpacked: false, rootfsDir: first.rootfsDir, digest: first.digest });

    const reference = path.join(base, 'reference');
    fs.mkdirSync(reference);
    execFileSync('tar', ['-xpf', first.tarball, '--numeric-owner', '-C', reference]);
    expect(listing(first.rootfsDir)).toBe(listing(reference));

    const st = (p: string): fs.Stats => fs.lstatSync(path.join(first.rootfsDir, p));
    expect(st('usr/bin/tool').mode & 0o7777).toBe(0o4755);
    expect(st('usr/bin/group')).toMatchObject({ gid: 5678 });
    expect(st('usr/bin/group').mode & 0o7777).toBe(0o2755);
    expect(st('usr/bin/plain')).toMatchObject({ uid: 1234, gid: 5678 });
    expect(st('tmp').mode & 0o7777).toBe(0o1777);
    expect(st('ro').mode & 0o7777).toBe(0o555);
    expect(st('secret')).toMatchObject({ uid: 1234, gid: 5678 });
    expect(st('secret').mode & 0o7777).toBe(0o700);
    expect(st('usr/bin/tool-again').ino).toBe(st('usr/bin/tool').ino);
    expect(fs.readlinkSync(path.join(first.rootfsDir, 'usr/bin/cc'))).toBe('/etc/alternatives/cc');
    expect(st('dangling')).toMatchObject({ uid: 1234, gid: 5678 });
    expect(fs.statSync(path.dirname(first.rootfsDir)).mode & 0o777).toBe(0o700);
    expect(cacheContents()).toEqual([first.digest]);
  });

  it('hashes a tarball once: unchanged since, it is not hashed again; changed in place, it is, and refused', async () => {
    const manifest = await gnuTarImage('stamped', fillGood);
    const tarball = path.join(path.dirname(manifest), 'rootfs.tar');
    const first = await store().register(manifest);
    expect(first.hashed).toBe(true);
    const again = await store().register(manifest);
    expect(again.hashed).toBe(false);
    // One byte changed, the mtime put back: the inode's ctime still moved, so it is hashed again.
    const before = fs.statSync(tarball);
    const fd = fs.openSync(tarball, 'r+');
    const byte = Buffer.alloc(1);
    fs.readSync(fd, byte, 0, 1, before.size >> 1);
    byte[0] = byte[0]! ^ 0x01;
    fs.writeSync(fd, byte, 0, 1, before.size >> 1);
    fs.closeSync(fd);
    fs.utimesSync(tarball, before.atime, before.mtime);
    await expect(store().register(manifest)).rejects.toThrow(/sha256 mismatch/);
  });

  it('refuses the tarball with one byte changed, naming both digests and the file', async () => {
    const manifest = await gnuTarImage('tampered', fillGood);
    const tarball = path.join(path.dirname(manifest), 'rootfs.tar');
    const expected = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { sha256: string }).sha256;
    const bytes = fs.readFileSync(tarball);
    const middle = bytes.length >> 1;
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0x01, middle);
    fs.writeFileSync(tarball, bytes);
    const actual = await sha256File(tarball);
    const err = await store()
      .register(manifest)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as Error).message).toContain(expected);
    expect((err as Error).message).toContain(actual);
    expect((err as Error).message).toContain(tarball);
    expect(cacheContents()).toEqual([]);
  });
});

describe('when the tarball is hostile', () => {
  const marker = `caged-evil-${process.pid}-${Date.now()}`;
  const deep = '../'.repeat(12);
  const outside = (): string => path.join(base, 'outside');
  beforeEach(() => {
    fs.mkdirSync(outside());
    fs.writeFileSync(path.join(outside(), 'target'), 'original');
  });
  afterEach(() => fs.rmSync(path.join('/tmp', marker), { force: true }));

  const cases: Array<[string, () => RawEntry[], RegExp]> = [
    [
      'a ../ path',
      () => [
        { path: './', type: 'Directory' },
        { path: `../${marker}`, type: 'File', body: 'x' },
      ],
      /"\.\." component/,
    ],
    ['a ../ path to /tmp', () => [{ path: `a/${deep}tmp/${marker}`, type: 'File', body: 'x' }], /"\.\." component/],
    ['an absolute path', () => [{ path: `/tmp/${marker}`, type: 'File', body: 'x' }], /absolute path/],
    [
      'a file written through a symlink that points out',
      () => [
        { path: 'link', type: 'SymbolicLink', linkpath: outside() },
        { path: 'link/pwned', type: 'File', body: 'x' },
      ],
      /below the symlink "link"/,
    ],
    [
      'a file replacing a symlink that points out',
      () => [
        { path: 'f', type: 'SymbolicLink', linkpath: path.join(outside(), 'target') },
        { path: 'f', type: 'File', body: 'pwned' },
      ],
      /replaces an earlier entry \(symlink\)/,
    ],
    [
      'a directory swapped for a symlink that points out',
      () => [
        { path: 'd/a', type: 'File', body: 'x' },
        { path: 'd', type: 'SymbolicLink', linkpath: outside() },
        { path: 'd/pwned', type: 'File', body: 'x' },
      ],
      /replaces a directory/,
    ],
    [
      'a hard link to a host file',
      () => [{ path: 'h', type: 'Link', linkpath: path.join(outside(), 'target') }],
      /hard link target: absolute path/,
    ],
    [
      'a hard link through a symlink',
      () => [
        { path: 'link', type: 'SymbolicLink', linkpath: outside() },
        { path: 'h', type: 'Link', linkpath: 'link/target' },
      ],
      /not an earlier regular file/,
    ],
  ];

  it.each(cases)('refuses %s and writes nothing outside the cache', async (_name, entries, reason) => {
    const manifest = await rawTarImage('hostile', entries());
    const err = await store()
      .register(manifest)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as Error).message).toMatch(/refused/);
    expect((err as Error).message).toMatch(reason);
    expect(fs.existsSync(path.join('/tmp', marker))).toBe(false);
    expect(execFileSync('find', [base, '-name', marker]).toString()).toBe('');
    expect(fs.readdirSync(outside()).sort()).toEqual(['target']);
    expect(fs.readFileSync(path.join(outside(), 'target'), 'utf8')).toBe('original');
    expect(fs.statSync(path.join(outside(), 'target')).nlink).toBe(1);
    expect(cacheContents()).toEqual([]);
  });

  it('refuses device nodes and FIFOs and creates none', async () => {
    const manifest = await gnuTarImage('devices', (src) => {
      fs.mkdirSync(path.join(src, 'dev'));
      execFileSync('mknod', [path.join(src, 'dev/mem'), 'c', '1', '1']);
      execFileSync('mkfifo', [path.join(src, 'dev/fifo')]);
    });
    await expect(store().register(manifest)).rejects.toThrow(/CharacterDevice|FIFO/);
    fs.mkdirSync(cacheDir(), { recursive: true });
    expect(execFileSync('find', [cacheDir(), '(', '-type', 'c', '-o', '-type', 'b', '-o', '-type', 'p', ')']).toString()).toBe('');
    expect(cacheContents()).toEqual([]);
  });

  it('creates a symlink that points out as a symlink, never following it', async () => {
    const manifest = await rawTarImage('link-out', [{ path: 'etc/passwd-link', type: 'SymbolicLink', linkpath: '/etc/passwd' }]);
    const image = await store().register(manifest);
    const link = path.join(image.rootfsDir, 'etc/passwd-link');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(link)).toBe('/etc/passwd');
  });
});

/** A node process that registers through the TypeScript sources (transpiled on load). */
function childRegister(manifest: string): Promise<{ unpacked: boolean; rootfsDir: string }> {
  const script = path.join(base, 'child.js');
  fs.writeFileSync(
    script,
    `
    const fs = require('fs'); const ts = require(${JSON.stringify(require.resolve('typescript'))});
    require.extensions['.ts'] = (m, f) => m._compile(ts.transpileModule(fs.readFileSync(f, 'utf8'),
      { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true }, fileName: f }).outputText, f);
    const { ImageStore } = require(${JSON.stringify(path.resolve(__dirname, '../src/rootfs/store.ts'))});
    const s = new ImageStore({ cacheDir: process.argv[2], lockPollMs: 20 });
    s.register(process.argv[3]).then(async (r) => { await s.close(); console.log(JSON.stringify({ unpacked: r.unpacked, rootfsDir: r.rootfsDir })); },
      (e) => { console.error(e); process.exitCode = 1; });`,
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, cacheDir(), manifest], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out) as { unpacked: boolean; rootfsDir: string }) : reject(new Error(`child exited ${code}`)),
    );
  });
}

describe('when several stores start at once', () => {
  it('makes one cache entry for stores in one process', async () => {
    const manifest = await gnuTarImage('img', fillGood);
    const results = await Promise.all([1, 2, 3, 4].map(() => store().register(manifest)));
    expect(results.filter((r) => r.unpacked)).toHaveLength(1);
    expect(new Set(results.map((r) => r.rootfsDir)).size).toBe(1);
    expect(cacheContents()).toEqual([results[0]?.digest]);
  });

  it('makes one cache entry for stores in separate processes', async () => {
    const manifest = await gnuTarImage('img', fillGood);
    const results = await Promise.all([
      childRegister(manifest),
      childRegister(manifest),
      childRegister(manifest),
      store().register(manifest),
    ]);
    expect(results.filter((r) => r.unpacked)).toHaveLength(1);
    expect(new Set(results.map((r) => r.rootfsDir)).size).toBe(1);
    expect(cacheContents()).toHaveLength(1);
  }, 60_000);

  it('waits while another process (flock(1)) holds the lock, then unpacks', async () => {
    const manifest = await gnuTarImage('img', fillGood);
    const digest = await sha256File(path.join(path.dirname(manifest), 'rootfs.tar'));
    fs.mkdirSync(cacheDir(), { recursive: true });
    const lockFile = path.join(cacheDir(), `${digest}.lock`);
    const holder = spawn('flock', ['-x', lockFile, 'sleep', '1.5'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => holder.on('close', resolve));
    const busy = async (): Promise<boolean> => {
      const probe = await FileLock.acquire(lockFile, { mode: 'exclusive', timeoutMs: 0 });
      await probe?.release();
      return probe === null;
    };
    while (!(await busy())) await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    const image = await store().register(manifest);
    expect(Date.now() - started).toBeGreaterThan(500);
    expect(image.unpacked).toBe(true);
    expect(image.timings.waitMs).toBeGreaterThan(500);
    await exited;
  });

  it('clears what a worker killed mid-unpack left and unpacks again', async () => {
    const manifest = await gnuTarImage('img', fillGood);
    const digest = await sha256File(path.join(path.dirname(manifest), 'rootfs.tar'));
    fs.mkdirSync(path.join(cacheDir(), `.tmp-${digest}-99999-dead/rootfs`), { recursive: true });
    fs.mkdirSync(path.join(cacheDir(), digest, 'rootfs/half'), { recursive: true });
    const image = await store().register(manifest);
    expect(image.unpacked).toBe(true);
    expect(fs.existsSync(path.join(image.rootfsDir, 'half'))).toBe(false);
    expect(cacheContents()).toEqual([digest]);
  });
});

/** A layered image (schema 2) in `name`/: each layer a GNU tar of what `fill` writes, parents first. */
async function layeredImage(
  name: string,
  layers: Array<{ id: string; parent: string | null; fill: (src: string) => void }>,
): Promise<string> {
  const dir = path.join(base, name);
  fs.mkdirSync(path.join(dir, 'layers'), { recursive: true });
  const entries = [];
  for (const l of layers) {
    const src = path.join(dir, `src-${l.id}`);
    fs.mkdirSync(src, { recursive: true });
    l.fill(src);
    const rel = `layers/${l.id}.tar`;
    execFileSync('tar', ['--create', '--numeric-owner', '--sort=name', '--mtime=@0', '-f', path.join(dir, rel), '-C', src, '.']);
    const file = path.join(dir, rel);
    entries.push({
      id: l.id,
      parent: l.parent,
      tarball: rel,
      sha256: await sha256File(file),
      sizeBytes: fs.statSync(file).size,
      recipeSha256: '0'.repeat(64),
      packages: [],
      buildSeconds: 0,
    });
  }
  const manifest = {
    schema: 2,
    name: `caged-${name}`,
    flavor: 'debian',
    base: 'test',
    createdAt: new Date().toISOString(),
    recipeSha256: '0'.repeat(64),
    env: { PATH: '/usr/bin:/bin' },
    layers: entries,
    languages: [
      {
        id: 'c',
        name: 'C',
        version: '1',
        sourceFile: 'main.c',
        compile: null,
        run: ['./main'],
        env: {},
        timeFactor: 1,
        memoryFactor: 1,
        layer: layers[layers.length - 1]!.id,
      },
    ],
  };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return path.join(dir, 'manifest.json');
}

describe('a layered image', () => {
  const baseFill = (src: string) => fs.writeFileSync(path.join(src, 'base-file'), 'base');

  it('registers every layer by its own digest, and shares a layer with another image', async () => {
    const one = await layeredImage('one', [
      { id: 'base', parent: null, fill: baseFill },
      { id: 'gcc', parent: 'base', fill: (src) => fs.writeFileSync(path.join(src, 'gcc-file'), 'gcc') },
    ]);
    const two = await layeredImage('two', [
      { id: 'base', parent: null, fill: baseFill },
      { id: 'jdk', parent: 'base', fill: (src) => fs.writeFileSync(path.join(src, 'jdk-file'), 'jdk') },
    ]);
    const a = await store().registerImage(one);
    expect(a.layers.map((l) => [l.id, l.parent, l.unpacked])).toEqual([
      ['base', null, true],
      ['gcc', 'base', true],
    ]);
    expect(fs.readdirSync(a.layers[1]!.rootfsDir)).toEqual(['gcc-file']);
    expect(a.layers[1]!.rootfsDir).toBe(path.join(cacheDir(), a.layers[1]!.digest, 'rootfs'));
    const b = await store().registerImage(two);
    expect(b.layers.map((l) => [l.id, l.unpacked])).toEqual([
      ['base', false],
      ['jdk', true],
    ]);
    expect(b.layers[0]!.digest).toBe(a.layers[0]!.digest);
    expect(cacheContents()).toEqual([a.layers[0]!.digest, a.layers[1]!.digest, b.layers[1]!.digest].sort());
    await expect(store().register(one)).rejects.toThrow(/has 2 layers; register it with registerImage/);
  });

  it('refuses a tampered layer naming it, and keeps no mark on the layers before it', async () => {
    const m = await layeredImage('bad', [
      { id: 'base', parent: null, fill: baseFill },
      { id: 'gcc', parent: 'base', fill: (src) => fs.writeFileSync(path.join(src, 'gcc-file'), 'gcc') },
    ]);
    fs.appendFileSync(path.join(base, 'bad', 'layers', 'gcc.tar'), 'x');
    const s = store();
    await expect(s.registerImage(m)).rejects.toThrow(/gcc\.tar: sha256 mismatch: .* for layer "gcc" but the file's sha256 is/);
    // The base was unpacked, but the store that failed holds it no more: gc may take it.
    expect(cacheContents()).toHaveLength(1);
    expect(await store().gc([])).toHaveLength(1);
  });
});

describe('gc', () => {
  it('removes images no live store uses, keeps the rest, and cleans up their locks', async () => {
    const a = await gnuTarImage('a', (src) => fs.writeFileSync(path.join(src, 'a'), 'a'));
    const b = await gnuTarImage('b', (src) => fs.writeFileSync(path.join(src, 'b'), 'b'));
    const first = store();
    const [ia, ib] = [await first.register(a), await first.register(b)];
    await first.close();
    const user = store();
    await user.register(b);
    const janitor = store();
    expect(await janitor.gc([])).toEqual([ia.digest]);
    expect((await janitor.list()).map((e) => [e.digest, e.inUse])).toEqual([[ib.digest, true]]);
    await user.close();
    expect(await janitor.gc([ib.digest])).toEqual([]);
    expect(await janitor.gc([])).toEqual([ib.digest]);
    expect(fs.readdirSync(cacheDir())).toEqual([]);
  });
});

describe('the real Debian image', () => {
  it('registers, and the unpacked tree matches the tarball entry for entry', async () => {
    if (!fs.existsSync(REAL_MANIFEST)) {
      throw new Error(`${REAL_MANIFEST} is missing: run \`npm run image:build -- debian\` first`);
    }
    const started = Date.now();
    const image = await store().registerImage(REAL_MANIFEST);
    const ms = Date.now() - started;
    const sum = (f: (l: (typeof image.layers)[number]) => number): number => image.layers.reduce((n, l) => n + f(l), 0);
    console.log(
      `registering the real image (${image.layers.length} layers, ${(sum((l) => l.sizeBytes) / 2 ** 20).toFixed(0)} MiB): ${ms} ms ` +
        `(hash ${Math.round(sum((l) => l.timings.hashMs))} ms, unpack ${Math.round(sum((l) => l.timings.unpackMs))} ms)`,
    );
    const base = image.layers.find((l) => l.parent === null)!.rootfsDir;
    expect(image.layers.some((l) => fs.existsSync(path.join(l.rootfsDir, 'usr/bin/gcc')))).toBe(true);
    expect(fs.statSync(path.join(base, 'box')).isDirectory()).toBe(true);
    expect(fs.statSync(path.join(base, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(fs.readdirSync(path.join(base, 'dev'))).toEqual([]);

    const mismatches: string[] = [];
    for (const layer of image.layers) {
      const root = layer.rootfsDir;
      await tar.t({
        file: layer.tarball,
        onReadEntry: (e) => {
          const p = path.join(root, e.path);
          const st = fs.lstatSync(p);
          const link = e.type === 'SymbolicLink' ? fs.readlinkSync(p) : undefined;
          if (e.type !== 'SymbolicLink' && (st.mode & 0o7777) !== e.mode)
            mismatches.push(`${layer.id}: ${e.path}: mode ${st.mode.toString(8)} != ${e.mode?.toString(8)}`);
          if (st.uid !== e.uid || st.gid !== e.gid)
            mismatches.push(`${layer.id}: ${e.path}: owner ${st.uid}:${st.gid} != ${e.uid}:${e.gid}`);
          if (link !== undefined && link !== e.linkpath) mismatches.push(`${layer.id}: ${e.path}: link ${link} != ${e.linkpath}`);
        },
      });
    }
    expect(mismatches).toEqual([]);
  }, 180_000);
});
