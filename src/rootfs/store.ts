/**
 * The image store: turns a built image (manifest.json + rootfs.tar) into a read-only directory
 * that per-job root filesystems use as their lower layer, unpacked once per tarball digest and
 * shared by every worker on the host.
 *
 * Layout of the cache directory (default /var/lib/caged/images, mode 0711):
 *   <sha256>/                 one finished entry (mode 0700: only root may enter). It appears by
 *     rootfs/                 rename() when complete, so its existence means "ready".
 *     manifest.json           the manifest it was registered with
 *     unpacked.json           when, by whom, how long, how many entries
 *   <sha256>.lock             flock, exclusive: held while unpacking or deleting that digest
 *   <sha256>.verified         the tarball this store hashed to <sha256>, as it was (path, device,
 *                             inode, size, mtime, ctime): unchanged, it is not hashed again
 *   <sha256>.inuse            flock, shared: held by every ImageStore that registered the digest,
 *                             until its close() or its process's death
 *   .tmp-<sha256>-<pid>-<rand>/   an unpack in progress (left over if its process died)
 *   .trash-<sha256>-<pid>-<rand>/ an entry being deleted
 *
 * Rules: only the holder of `<sha>.lock` creates, renames or deletes anything of that digest, so
 * several workers starting at once make exactly one entry and the others wait for it. gc()
 * deletes an entry only when it takes both `<sha>.lock` and `<sha>.inuse` exclusively without
 * waiting, i.e. no live process has the image registered. Locks die with their process, so a
 * worker killed mid-unpack leaves a `.tmp-` directory, which the next holder of the lock removes.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, createReadStream, mkdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { HostError, ImageError } from '../errors';
import { stateDir } from '../linux/state-dirs';
import { FileLock } from './file-lock';
import { type LayerSpec, manifestLayers } from './layers';
import { type ImageManifest, loadManifest } from './manifest';
import { UNPACK_STALL_MS, unpackImage, UnpackStalledError } from './unpack';

export interface ImageStoreOptions {
  /** Where unpacked images live, one directory per tarball sha256. Default <state dir>/images (/var/lib/caged/images as root: src/linux/state-dirs.ts). */
  cacheDir?: string;
  /** Retry interval while another process holds an image's lock, ms. Default 100. */
  lockPollMs?: number;
  /** Longest wait for another process's unpack of the same image, ms. Default 900000 (15 min). */
  lockTimeoutMs?: number;
  /** Receives one line per unpack and per gc removal. Default: silent. */
  log?: (line: string) => void;
  /** An unpack with no progress for this long is discarded and tried once more, ms. Default UNPACK_STALL_MS (60 s). */
  unpackStallMs?: number;
}

/** One layer of a registered image: today's cache entry, one per tarball digest. */
export interface CachedLayer {
  /** The layer's id in the manifest (`base` for a schema-1 image). */
  id: string;
  parent: string | null;
  /** sha256 of the layer's tarball, the cache key. */
  digest: string;
  /** The unpacked layer: read-only by convention, an overlay lower directory. */
  rootfsDir: string;
  /** Absolute path of the verified tarball (for the `extract` per-job mode). */
  tarball: string;
  sizeBytes: number;
  /** True when this call unpacked the layer; false when it was already cached. */
  unpacked: boolean;
  /** True when this call hashed the tarball; false when it was unchanged since this store's cache verified it. */
  hashed: boolean;
  /** Where the time went, ms: hashing the tarball, waiting for the lock, unpacking. */
  timings: { hashMs: number; waitMs: number; unpackMs: number };
}

/** A registered image: every layer its manifest lists, verified and unpacked. */
export interface RegisteredImage {
  manifest: ImageManifest;
  manifestPath: string;
  /** Parents first, as the manifest lists them. */
  layers: CachedLayer[];
}

/** A one-layer image registered with register(): its layer's entry and the manifest. */
export interface CachedImage extends Omit<CachedLayer, 'id' | 'parent' | 'sizeBytes'> {
  manifest: ImageManifest;
}

export interface CacheEntry {
  digest: string;
  rootfsDir: string;
  /** The image's manifest name, or null when its manifest copy is unreadable. */
  name: string | null;
  /** True when some live ImageStore (in any process) has it registered. */
  inUse: boolean;
}

const DIGEST = /^[0-9a-f]{64}$/;

/** Streams the file through sha256. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const layerName = (spec: LayerSpec): string => `layer "${spec.id}"`;

const uniqueSuffix = (): string => `${process.pid}-${randomBytes(4).toString('hex')}`;

export class ImageStore {
  readonly cacheDir: string;
  private readonly pollMs: number;
  private readonly timeoutMs: number;
  private readonly log: (line: string) => void;
  private readonly unpackStallMs: number;
  /** The shared `.inuse` locks this store holds, by digest. */
  private readonly holds = new Map<string, FileLock>();

  constructor(options: ImageStoreOptions = {}) {
    this.cacheDir = path.resolve(options.cacheDir ?? path.join(stateDir(), 'images'));
    this.pollMs = options.lockPollMs ?? 100;
    this.timeoutMs = options.lockTimeoutMs ?? 15 * 60_000;
    this.log = options.log ?? (() => undefined);
    this.unpackStallMs = options.unpackStallMs ?? UNPACK_STALL_MS;
  }

  private entryDir(digest: string): string {
    return path.join(this.cacheDir, digest);
  }

  /**
   * Verifies every layer tarball of the image against its manifest and returns the unpacked
   * layers, unpacking each digest first if no process has yet. Marks the digests in use until
   * close(). Throws ImageError when the manifest or its layer graph is bad, a digest differs or
   * a tarball is refused.
   */
  async registerImage(manifestPath: string): Promise<RegisteredImage> {
    const manifest = await loadManifest(manifestPath);
    const specs = manifestLayers(manifest, manifestPath);
    const layers: CachedLayer[] = [];
    // On a failure, the marks this call made go again: a half-registered image holds nothing.
    const marked: string[] = [];
    try {
      for (const spec of specs) {
        const held = this.holds.has(spec.sha256);
        const entry = await this.registerTarball(spec, manifest, manifestPath);
        if (!held) marked.push(spec.sha256);
        layers.push({ id: spec.id, parent: spec.parent, sizeBytes: spec.sizeBytes, ...entry });
      }
    } catch (err) {
      for (const digest of marked) {
        await this.holds.get(digest)?.release();
        this.holds.delete(digest);
      }
      throw err;
    }
    return { manifest, manifestPath: path.resolve(manifestPath), layers };
  }

  /**
   * registerImage for a one-layer image (schema 1, or schema 2 with the base alone): its layer
   * with the manifest. A layered image is an error naming registerImage.
   */
  async register(manifestPath: string): Promise<CachedImage> {
    const image = await this.registerImage(manifestPath);
    const [only, ...more] = image.layers;
    if (!only || more.length)
      throw new ImageError(`${manifestPath}: the image has ${image.layers.length} layers; register it with registerImage()`);
    const { id: _id, parent: _parent, sizeBytes: _size, ...entry } = only;
    return { ...entry, manifest: image.manifest };
  }

  private async registerTarball(
    spec: LayerSpec,
    manifest: ImageManifest,
    manifestPath: string,
  ): Promise<Omit<CachedLayer, 'id' | 'parent' | 'sizeBytes'>> {
    const { sha256: digest, tarball } = spec;
    let t = performance.now();
    let st: Stats;
    // The checks of a verified layer are a few system calls each, made synchronously: a trip
    // through the thread pool per call cost more than the calls (25 layers at every start).
    try {
      st = statSync(tarball);
    } catch (err) {
      throw new ImageError(`cannot read ${layerName(spec)} tarball ${tarball}: ${(err as Error).message}`, { cause: err });
    }
    // Hashing 4 GiB of layers at every start would cost seconds: a tarball this store verified
    // before, unchanged since (same file, size and mtime), is not hashed again.
    const verifiedBefore = this.verifiedBefore(digest, tarball, st);
    if (!verifiedBefore) {
      let actual: string;
      try {
        actual = await sha256File(tarball);
      } catch (err) {
        throw new ImageError(`cannot read ${layerName(spec)} tarball ${tarball}: ${(err as Error).message}`, { cause: err });
      }
      if (actual !== digest) {
        throw new ImageError(
          `${tarball}: sha256 mismatch: ${manifestPath} expects ${digest} for ${layerName(spec)} but the file's sha256 is ${actual}; ` +
            `the tarball is corrupt or changed after the build (rebuild: npm run image:build -- ${manifest.flavor})`,
        );
      }
    }
    const hashMs = performance.now() - t;

    mkdirSync(this.cacheDir, { recursive: true, mode: 0o711 });
    t = performance.now();
    const lock = await FileLock.acquireOrFail(`${this.entryDir(digest)}.lock`, {
      mode: 'exclusive',
      pollMs: this.pollMs,
      timeoutMs: this.timeoutMs,
    });
    const waitMs = performance.now() - t;
    let unpackMs = 0;
    let unpacked = false;
    const heldBefore = this.holds.has(digest);
    try {
      if (!heldBefore) {
        // gc takes `.inuse` only while holding `.lock`, which we hold: this does not wait long.
        const hold = await FileLock.acquireOrFail(`${this.entryDir(digest)}.inuse`, {
          mode: 'shared',
          pollMs: this.pollMs,
          timeoutMs: this.timeoutMs,
        });
        this.holds.set(digest, hold);
      }
      if (!this.isReady(digest)) {
        t = performance.now();
        await this.unpackLocked(digest, tarball, manifest, spec.id);
        unpackMs = performance.now() - t;
        unpacked = true;
      }
    } catch (err) {
      if (!heldBefore) {
        await this.holds.get(digest)?.release();
        this.holds.delete(digest);
      }
      throw err;
    } finally {
      await lock.release();
    }
    if (!verifiedBefore) await this.recordVerified(digest, tarball, st);
    return {
      digest,
      rootfsDir: path.join(this.entryDir(digest), 'rootfs'),
      tarball,
      unpacked,
      hashed: !verifiedBefore,
      timings: { hashMs, waitMs, unpackMs },
    };
  }

  /** `<digest>.verified`: the tarball this store hashed to `digest`, as it was then (path, device, inode, size, mtime). */
  private verifiedStamp(digest: string): string {
    return `${this.entryDir(digest)}.verified`;
  }

  private verifiedBefore(digest: string, tarball: string, st: Stats): boolean {
    try {
      const seen = JSON.parse(readFileSync(this.verifiedStamp(digest), 'utf8')) as Record<string, unknown>;
      return (
        seen.tarball === path.resolve(tarball) &&
        seen.dev === st.dev &&
        seen.ino === st.ino &&
        seen.size === st.size &&
        seen.mtimeMs === st.mtimeMs &&
        seen.ctimeMs === st.ctimeMs
      );
    } catch {
      return false;
    }
  }

  private async recordVerified(digest: string, tarball: string, st: Stats): Promise<void> {
    const stamp = { tarball: path.resolve(tarball), dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
    const tmp = `${this.verifiedStamp(digest)}.${uniqueSuffix()}`;
    await fs.writeFile(tmp, `${JSON.stringify(stamp)}\n`, { mode: 0o600 });
    await fs.rename(tmp, this.verifiedStamp(digest));
  }

  private isReady(digest: string): boolean {
    try {
      accessSync(path.join(this.entryDir(digest), 'manifest.json'));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Unpacks into a temporary directory and renames it into place. Caller holds `<digest>.lock`.
   * A stalled unpack (UnpackStalledError) is logged and tried once more in a new directory.
   */
  private async unpackLocked(digest: string, tarball: string, manifest: ImageManifest, layer: string): Promise<void> {
    const what = `image ${manifest.name} layer ${layer} (${digest.slice(0, 12)})`;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.unpackOnce(digest, tarball, manifest, layer, what);
        return;
      } catch (err) {
        if (!(err instanceof UnpackStalledError) || attempt >= 2) throw err;
        this.log(`${what}: ${err.message}; discarded, unpacking again`);
      }
    }
  }

  private async unpackOnce(digest: string, tarball: string, manifest: ImageManifest, layer: string, what: string): Promise<void> {
    await this.removeLeftovers(digest);
    const tmp = path.join(this.cacheDir, `.tmp-${digest}-${uniqueSuffix()}`);
    try {
      await fs.mkdir(tmp, { mode: 0o700 });
      const rootfs = path.join(tmp, 'rootfs');
      await fs.mkdir(rootfs, { mode: 0o755 });
      this.log(`${what}: unpacking ${tarball}`);
      const stats = await unpackImage(tarball, rootfs, { stallMs: this.unpackStallMs });
      const info = { unpackedAt: new Date().toISOString(), pid: process.pid, host: os.hostname(), layer, tarball, ...stats };
      await fs.writeFile(path.join(tmp, 'unpacked.json'), `${JSON.stringify(info, null, 2)}\n`);
      await fs.writeFile(path.join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      // Flush the data before the rename publishes it, so a crash cannot leave a "ready" entry
      // with empty files in it.
      await promisify(execFile)('sync', ['-f', tmp]);
      await fs.rename(tmp, this.entryDir(digest));
      this.log(`${what}: unpacked ${stats.entries} entries in ` + `${Math.round(stats.elapsedMs)} ms into ${this.entryDir(digest)}`);
    } catch (err) {
      await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      if (err instanceof ImageError || err instanceof UnpackStalledError) throw err;
      throw new HostError(`unpacking ${tarball} into ${this.cacheDir}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Removes what a dead process left of `digest`. Caller holds `<digest>.lock`. */
  private async removeLeftovers(digest: string): Promise<void> {
    for (const name of await fs.readdir(this.cacheDir)) {
      if (name.startsWith(`.tmp-${digest}-`) || name.startsWith(`.trash-${digest}-`)) {
        await fs.rm(path.join(this.cacheDir, name), { recursive: true, force: true });
      }
    }
    // An entry without its manifest copy was not made by rename(): never trust it.
    await fs.rm(this.entryDir(digest), { recursive: true, force: true });
    await fs.rm(this.verifiedStamp(digest), { force: true });
  }

  private async digestsOnDisk(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.cacheDir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return names.filter((n) => DIGEST.test(n)).sort();
  }

  /** The finished entries in the cache, with whether some live store uses each. */
  async list(): Promise<CacheEntry[]> {
    const out: CacheEntry[] = [];
    for (const digest of await this.digestsOnDisk()) {
      let name: string | null = null;
      try {
        name = (JSON.parse(await fs.readFile(path.join(this.entryDir(digest), 'manifest.json'), 'utf8')) as { name?: string }).name ?? null;
      } catch {
        name = null;
      }
      let inUse = this.holds.has(digest);
      if (!inUse) {
        const probe = await FileLock.acquire(`${this.entryDir(digest)}.inuse`, { mode: 'exclusive', timeoutMs: 0 });
        inUse = probe === null;
        await probe?.release();
      }
      out.push({ digest, rootfsDir: path.join(this.entryDir(digest), 'rootfs'), name, inUse });
    }
    return out;
  }

  /**
   * Deletes every cached image not in `keepDigests` that no live store has registered and nobody
   * is unpacking, and what crashed unpacks left behind. Returns the deleted digests.
   */
  async gc(keepDigests: readonly string[]): Promise<string[]> {
    const keep = new Set(keepDigests);
    const names = await fs.readdir(this.cacheDir).catch(() => [] as string[]);
    const candidates = new Set<string>();
    for (const name of names) {
      const digest = /^(?:\.tmp-|\.trash-)?([0-9a-f]{64})(?:-|\.lock$|\.inuse$|\.verified(?:\..*)?$|$)/.exec(name)?.[1];
      if (digest !== undefined && !keep.has(digest) && !this.holds.has(digest)) candidates.add(digest);
    }
    const removed: string[] = [];
    for (const digest of [...candidates].sort()) {
      const lock = await FileLock.acquire(`${this.entryDir(digest)}.lock`, { mode: 'exclusive', timeoutMs: 0 });
      if (lock === null) continue;
      try {
        const inuse = await FileLock.acquire(`${this.entryDir(digest)}.inuse`, { mode: 'exclusive', timeoutMs: 0 });
        if (inuse === null) continue;
        try {
          const existed = this.isReady(digest);
          if (existed) {
            const trash = path.join(this.cacheDir, `.trash-${digest}-${uniqueSuffix()}`);
            await fs.rename(this.entryDir(digest), trash);
          }
          await this.removeLeftovers(digest);
          await inuse.unlinkWhileHeld();
          await lock.unlinkWhileHeld();
          if (existed) {
            removed.push(digest);
            this.log(`image cache: removed ${digest}`);
          }
        } finally {
          await inuse.release();
        }
      } finally {
        await lock.release();
      }
    }
    return removed;
  }

  /** Drops this store's in-use marks (gc may then delete those images). Idempotent. */
  async close(): Promise<void> {
    const holds = [...this.holds.values()];
    this.holds.clear();
    const results = await Promise.allSettled(holds.map((h) => h.release()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw new HostError(`closing the image store: ${String(failed.reason)}`, { cause: failed.reason });
  }
}
