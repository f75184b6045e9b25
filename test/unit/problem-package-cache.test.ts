/**
 * Packing problem packages for Redis (src/problem/package-store.ts) and the worker's local
 * package cache (src/problem/package-cache.ts) with a fetch function instead of Redis.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvalidRequestError } from '../../src/errors';
import { PackageCache } from '../../src/problem/package-cache';
import { digestOf, packageDigest, packProblem, ustarEntry } from '../../src/problem/package-store';
import { loadPackage } from '../../src/problem/problem-package';

const DOUBLE = path.join(__dirname, '..', 'packages', 'double');
const TIMED = path.join(__dirname, '..', 'packages', 'timed');

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'caged-pkg-cache-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of the double package with `extra` bytes in one more file (a distinct digest). */
function variant(name: string, extra: number): string {
  const dir = path.join(tmp, 'src', name);
  fs.cpSync(DOUBLE, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'padding.txt'), Buffer.alloc(extra, 'x'));
  return dir;
}

describe('packing a package', () => {
  it('gives the same bytes and digest whatever the files’ times', () => {
    const dir = variant('p', 10);
    const a = packProblem(dir);
    fs.utimesSync(path.join(dir, 'problem.yaml'), new Date(2000, 1, 1), new Date(2000, 1, 1));
    const b = packProblem(dir);
    expect(b.tar.equals(a.tar)).toBe(true);
    expect(b.digest).toBe(a.digest);
    expect(a.digest).toBe(digestOf(a.tar));
    expect(a.id).toBe('p');
  });

  it('gives the same digest hashed part by part (packageDigest) as packed whole, refusing alike', () => {
    const dir = variant('streamed', 70_000);
    expect(packageDigest(dir)).toBe(packProblem(dir).digest);
    fs.writeFileSync(path.join(dir, 'padding.txt'), 'y');
    expect(packageDigest(dir)).toBe(packProblem(dir).digest);
    expect(packageDigest(dir)).not.toBe(packProblem(variant('other', 70_000)).digest);
    expect(() => packageDigest(dir, 1000)).toThrow(InvalidRequestError);
    fs.symlinkSync('/etc/passwd', path.join(dir, 'data', 'secret', '3.in'));
    expect(() => packageDigest(dir)).toThrow(/3\.in.*outside the package/);
  });

  it('refuses a link pointing outside the package, naming it', () => {
    const dir = variant('linked', 1);
    fs.symlinkSync('/etc/passwd', path.join(dir, 'data', 'secret', '3.in'));
    expect(() => packProblem(dir)).toThrow(/3\.in.*outside the package/);
  });

  it('refuses a package over the size cap', () => {
    const dir = variant('big', 100_000);
    expect(() => packProblem(dir, 50_000)).toThrow(InvalidRequestError);
  });

  it('adds a .timelimit to a package without one when asked, which the loader reads as the package’s', async () => {
    const dir = path.join(tmp, 'src', 'timed');
    fs.cpSync(TIMED, dir, { recursive: true });
    const plain = packProblem(dir);
    const timed = packProblem(dir, undefined, { timeLimitS: 0.75 });
    expect(timed.digest).not.toBe(plain.digest);
    expect(timed.id).toBe('timed');
    expect(fs.existsSync(path.join(dir, '.timelimit'))).toBe(false); // the directory is not written
    const cache = await PackageCache.open({
      dir: path.join(tmp, 'cache'),
      maxBytes: 10 * 2 ** 20,
      fetch: () => Promise.resolve(timed.tar),
    });
    const held = await cache.acquire(timed.digest);
    expect(fs.readFileSync(path.join(held.dir, '.timelimit'), 'utf8')).toBe('0.75\n');
    expect(loadPackage(held.dir).timeLimit).toEqual({ seconds: 0.75, from: '.timelimit' });
    expect(() => loadPackage(dir)).toThrow(/gives no time limit/);
    held.release();
    await cache.close();

    for (const bad of [0, -1, Number.NaN, Infinity]) expect(() => packProblem(dir, undefined, { timeLimitS: bad })).toThrow(/timeLimitS/);
    fs.writeFileSync(path.join(dir, '.timelimit'), '2\n');
    expect(() => packProblem(dir, undefined, { timeLimitS: 1 })).toThrow(/has its own \.timelimit/);
  });
});

describe('the package cache', () => {
  const packs = new Map<string, Buffer>();
  const fetched: string[] = [];
  const fetch = (digest: string): Promise<Buffer> => {
    fetched.push(digest);
    const tar = packs.get(digest);
    return tar ? Promise.resolve(tar) : Promise.reject(new InvalidRequestError('not in Redis', 'problem.digest'));
  };
  const add = (tar: Buffer): string => {
    const d = digestOf(tar);
    packs.set(d, tar);
    return d;
  };
  beforeEach(() => {
    packs.clear();
    fetched.length = 0;
  });

  it('fetches a package once however many jobs ask at once, and unpacks it loadable', async () => {
    const d = add(packProblem(variant('p', 1)).tar);
    const cache = await PackageCache.open({ dir: path.join(tmp, 'cache'), maxBytes: 10 * 2 ** 20, fetch });
    const held = await Promise.all(Array.from({ length: 5 }, () => cache.acquire(d)));
    expect(fetched).toEqual([d]);
    expect(new Set(held.map((h) => h.dir)).size).toBe(1);
    expect(loadPackage(held[0]!.dir).config.name).toBe('Double a number');
    for (const h of held) h.release();
    await cache.acquire(d);
    expect(fetched).toEqual([d]);
    await cache.close();
  });

  it('stays within its bound, removing the least recently used first', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map((n, i) => add(packProblem(variant(n, 20_000 + i)).tar));
    const size = packs.get(a!)!.length;
    const evicted: string[] = [];
    const cache = await PackageCache.open({
      dir: path.join(tmp, 'cache'),
      maxBytes: 2 * size + 1024,
      fetch,
      onEvicted: ({ digest }) => evicted.push(digest),
    });
    const use = async (d: string): Promise<void> => (await cache.acquire(d)).release();
    await use(a!);
    await use(b!);
    await use(a!); // a is now more recent than b
    await use(c!);
    await new Promise((r) => setImmediate(r));
    expect(evicted).toEqual([b]);
    expect(cache.digests()).toEqual([a, c]);
    expect(cache.totalBytes).toBeLessThanOrEqual(2 * size + 1024);
    expect(fs.existsSync(path.join(tmp, 'cache', b!.slice(7)))).toBe(false);
    await use(b!);
    expect(fetched).toEqual([a, b, c, b]);
    await cache.close();
  });

  it('never removes a package a job is using', async () => {
    const [a, b] = ['a', 'b'].map((n, i) => add(packProblem(variant(n, 20_000 + i)).tar));
    const cache = await PackageCache.open({ dir: path.join(tmp, 'cache'), maxBytes: 1, fetch });
    const heldA = await cache.acquire(a!);
    const heldB = await cache.acquire(b!);
    expect(fs.existsSync(heldA.dir)).toBe(true);
    expect(fs.existsSync(heldB.dir)).toBe(true);
    heldA.release();
    heldA.release(); // idempotent
    await new Promise((r) => setTimeout(r, 50));
    expect(cache.digests()).toEqual([b]);
    heldB.release();
    await cache.close();
  });

  it('refuses a hostile archive (a path with "..") as an invalid request, writing nothing outside', async () => {
    const hostile = Buffer.concat([
      ustarEntry('problem.yaml', 'file', Buffer.from('name: x\n')),
      ustarEntry('../escaped.txt', 'file', Buffer.from('owned\n')),
      Buffer.alloc(1024),
    ]);
    const d = add(hostile);
    const cache = await PackageCache.open({ dir: path.join(tmp, 'cache'), maxBytes: 2 ** 20, fetch });
    await expect(cache.acquire(d)).rejects.toThrow(/refused.*\.\./);
    await expect(cache.acquire(d)).rejects.toBeInstanceOf(InvalidRequestError);
    expect(fs.existsSync(path.join(tmp, 'escaped.txt'))).toBe(false);
    expect(cache.digests()).toEqual([]);
    await cache.close();
  });

  it('passes a missing package’s error on', async () => {
    const cache = await PackageCache.open({ dir: path.join(tmp, 'cache'), maxBytes: 2 ** 20, fetch });
    await expect(cache.acquire(`sha256:${'0'.repeat(64)}`)).rejects.toThrow(/not in Redis/);
    await cache.close();
  });
});
