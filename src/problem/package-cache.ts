/**
 * A worker's local copies of problem packages, one directory per digest, bounded in bytes (the
 * archives' sizes), least recently used removed first.
 *
 * `acquire(digest)` fetches a package the cache does not hold (one fetch per digest, however
 * many jobs ask at once), writes the archive to `<dir>/<hex>.tar`, unpacks it with the image
 * store's hostile-tarball rules (src/rootfs/unpack.ts: no absolute paths, no `..`, no devices,
 * nothing written through a link) into `<dir>/<hex>.tmp-<random>`, and renames that to `<dir>/<hex>`.
 * A refused archive is an InvalidRequestError (never retried); a stalled unpack is the rootfs
 * module's UnpackStalledError, a HostError, and its directory is never reused. The caller holds the entry until it
 * calls `release()`: an entry in use is never removed, so the cache may exceed its bound while
 * every entry is in use.
 *
 * `open()` empties the directory: what a previous worker left is not trusted.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ImageError, InvalidRequestError } from '../errors';
import { unpackImage } from '../rootfs/unpack';
import { DIGEST_PATTERN } from './package-store';

export interface PackageCacheOptions {
  /** The cache's own directory (created; emptied at open). */
  dir: string;
  /** Bound on the archives' bytes kept. */
  maxBytes: number;
  /** Brings the archive of `digest` (verified against it), with where it came from when the caller has several sources. */
  fetch: (digest: string) => Promise<Buffer | { tar: Buffer; source: string }>;
  /** Called after each download (the metric and log line). */
  onFetched?: (info: { digest: string; bytes: number; ms: number; source?: string }) => void;
  onEvicted?: (info: { digest: string; bytes: number }) => void;
}

interface Entry {
  dir: string;
  bytes: number;
  users: number;
}

export interface Held {
  /** The unpacked package. */
  dir: string;
  release(): void;
}

export class PackageCache {
  /** Insertion order is recency: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Entry>>();
  private bytes = 0;

  private constructor(private readonly opts: PackageCacheOptions) {}

  static async open(opts: PackageCacheOptions): Promise<PackageCache> {
    await fs.rm(opts.dir, { recursive: true, force: true });
    await fs.mkdir(opts.dir, { recursive: true, mode: 0o700 });
    return new PackageCache(opts);
  }

  /** Digests held, least recently used first. */
  digests(): string[] {
    return [...this.entries.keys()];
  }

  get totalBytes(): number {
    return this.bytes;
  }

  async acquire(digest: string): Promise<Held> {
    if (!DIGEST_PATTERN.test(digest)) throw new InvalidRequestError('must be "sha256:" and 64 lowercase hex digits', 'problem.digest');
    let entry = this.entries.get(digest);
    while (!entry) {
      let p = this.pending.get(digest);
      if (!p) {
        p = this.download(digest).finally(() => this.pending.delete(digest));
        this.pending.set(digest, p);
      }
      await p;
      // Removed again in between (by another release's eviction): fetch again.
      entry = this.entries.get(digest);
    }
    this.entries.delete(digest);
    this.entries.set(digest, entry);
    entry.users++;
    let released = false;
    const e = entry;
    return {
      dir: e.dir,
      release: () => {
        if (released) return;
        released = true;
        e.users--;
        void this.evict();
      },
    };
  }

  private async download(digest: string): Promise<Entry> {
    const started = performance.now();
    const fetched = await this.opts.fetch(digest);
    const { tar, source } = Buffer.isBuffer(fetched) ? { tar: fetched, source: undefined } : fetched;
    const hex = digest.slice('sha256:'.length);
    const tarPath = path.join(this.opts.dir, `${hex}.tar`);
    const tmp = path.join(this.opts.dir, `${hex}.tmp-${randomBytes(4).toString('hex')}`);
    const dir = path.join(this.opts.dir, hex);
    await fs.mkdir(tmp, { mode: 0o700 });
    try {
      await fs.writeFile(tarPath, tar);
      await unpackImage(tarPath, tmp);
      await fs.rename(tmp, dir);
    } catch (err) {
      await fs.rm(tmp, { recursive: true, force: true });
      if (err instanceof ImageError) throw new InvalidRequestError(`problem package ${digest} refused: ${err.message}`, 'problem.digest');
      throw err;
    } finally {
      await fs.rm(tarPath, { force: true });
    }
    const entry: Entry = { dir, bytes: tar.length, users: 0 };
    this.entries.set(digest, entry);
    this.bytes += entry.bytes;
    this.opts.onFetched?.({ digest, bytes: tar.length, ms: performance.now() - started, ...(source ? { source } : {}) });
    await this.evict(digest);
    return entry;
  }

  /** Removes least recently used entries not in use while over the bound. */
  private async evict(keep?: string): Promise<void> {
    for (const [digest, e] of [...this.entries]) {
      if (this.bytes <= this.opts.maxBytes) return;
      if (e.users > 0 || digest === keep || this.entries.get(digest) !== e) continue;
      this.entries.delete(digest);
      this.bytes -= e.bytes;
      this.opts.onEvicted?.({ digest, bytes: e.bytes });
      await fs.rm(e.dir, { recursive: true, force: true });
    }
  }

  /** Removes the cache's directory. */
  async close(): Promise<void> {
    this.entries.clear();
    this.bytes = 0;
    await fs.rm(this.opts.dir, { recursive: true, force: true });
  }
}
