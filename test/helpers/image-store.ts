/**
 * What the image store's tests share (test/image-store*.test.ts): a fresh directory per test,
 * stores closed after it, and images made on the spot: packed by GNU tar as images/build.sh
 * packs them, written header by header (hostile layouts no tar program produces), or layered.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { ImageStore, sha256File } from '../../src/rootfs/store';

export const REAL_MANIFEST = '/var/cache/caged/images/debian/manifest.json';

let base = '';
let stores: ImageStore[] = [];

/** Each test of the calling file gets a fresh directory (baseDir()) and closes the stores it opened. */
export function useImageStoreFixture(): void {
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-store-'));
    stores = [];
  });
  afterEach(async () => {
    for (const s of stores) await s.close();
    fs.rmSync(base, { recursive: true, force: true });
  });
}

/** The current test's directory. */
export const baseDir = (): string => base;
export const cacheDir = (): string => path.join(base, 'cache');
/** A store on the test's cache, closed after the test. */
export function store(): ImageStore {
  const s = new ImageStore({ cacheDir: cacheDir(), lockPollMs: 20 });
  stores.push(s);
  return s;
}

/** Writes manifest.json beside `tarball` with its real digest; returns the manifest's path. */
export async function manifestFor(tarball: string): Promise<string> {
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
export async function gnuTarImage(name: string, fill: (src: string) => void): Promise<string> {
  const dir = path.join(base, name);
  const src = path.join(dir, 'src');
  fs.mkdirSync(src, { recursive: true });
  fill(src);
  execFileSync('tar', ['--create', '--numeric-owner', '--sort=name', '-f', path.join(dir, 'rootfs.tar'), '-C', src, '.']);
  return manifestFor(path.join(dir, 'rootfs.tar'));
}

export interface RawEntry {
  path: string;
  type: 'File' | 'Directory' | 'SymbolicLink' | 'Link';
  linkpath?: string;
  body?: string;
}

/** A tarball written header by header: hostile layouts that no tar program would produce. */
export async function rawTarImage(name: string, entries: RawEntry[]): Promise<string> {
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
export function listing(dir: string): string {
  return execFileSync('find', ['.', '-printf', '%p %m %U %G %y %l %n %s %T@\\n'], { cwd: dir, maxBuffer: 1 << 28 })
    .toString()
    .split('\n')
    .sort()
    .join('\n');
}

/** Everything in the cache directory except lock files and verification stamps. */
export function cacheContents(): string[] {
  if (!fs.existsSync(cacheDir())) return [];
  return fs
    .readdirSync(cacheDir())
    .filter((n) => !n.endsWith('.lock') && !n.endsWith('.inuse') && !n.endsWith('.verified'))
    .sort();
}

export function fillGood(src: string): void {
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

/** An image of schema 2: one tarball per layer, in `baseDir()/NAME`. */
export async function layeredImage(
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
