/**
 * The image store against real tarballs on a real file system: a good image unpacks exactly as
 * GNU tar would; a tampered one is refused naming both digests; hostile ones are refused with
 * nothing written outside the cache; concurrent stores (one process or several) make one entry;
 * (layers and gc: image-store-layers.test.ts). Runs as root (CI does), like the worker.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ImageError } from '../src/errors';
import { FileLock } from '../src/rootfs/file-lock';
import { sha256File } from '../src/rootfs/store';
import {
  baseDir,
  cacheContents,
  cacheDir,
  fillGood,
  gnuTarImage,
  listing,
  rawTarImage,
  store,
  useImageStoreFixture,
  type RawEntry,
} from './helpers/image-store';

useImageStoreFixture();

describe('when the tarball is good', () => {
  it('unpacks it once, exactly as GNU tar does: modes, owners, symlinks, hard links, times', async () => {
    const manifest = await gnuTarImage('good', fillGood);
    const first = await store().register(manifest);
    expect(first.unpacked).toBe(true);
    const again = await store().register(manifest);
    expect(again).toMatchObject({ unpacked: false, rootfsDir: first.rootfsDir, digest: first.digest });

    const reference = path.join(baseDir(), 'reference');
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
  const outside = (): string => path.join(baseDir(), 'outside');
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
    expect(execFileSync('find', [baseDir(), '-name', marker]).toString()).toBe('');
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
  const script = path.join(baseDir(), 'child.js');
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
