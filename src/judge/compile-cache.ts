/**
 * The compile cache: identical sources are compiled once. An entry holds what a successful
 * compile left in /box (every file except the sources the judge wrote) and the compiler's
 * output, under a key that is the sha256 of the image digest, the language id, its compile
 * command, the compiler options and the source files (names and contents).
 *
 * Layout under `dir` (default /var/lib/caged/compile-cache):
 *   entries/<key>/meta.json   { outputText, outputTruncated, bytes, files }; its mtime is the
 *                             entry's last use (LRU)
 *   entries/<key>/files/…     the artefact tree
 *   tmp/<pid>-<random>/       entries being built, and entries being evicted
 *
 * Safe for concurrent jobs and processes: an entry is built in tmp/ and renamed into entries/
 * in one step (a second writer of the same key loses the rename and drops its copy), and never
 * rewritten; eviction renames an entry out before deleting it, so a reader that copies either
 * copies the whole entry or meets ENOENT and counts a miss (its partial copy is removed from the
 * box). A hit may instead lend the entry's files/ as a read-only lower layer of the job's /box
 * (`pin`, nothing copied): the job then holds a shared flock(2) on the entry's meta.json until it
 * ends, and eviction takes that lock exclusively (LOCK_NB) before renaming an entry out, so a
 * pinned entry is skipped (the cache may then stay above its bound until the pin goes). flock
 * excludes between open files, so this holds between jobs of one process as between workers;
 * the kernel drops a dead worker's pins. The total size is bounded (default 512 MiB): a scan of
 * every entry's meta.json finds the total, and when it is above the bound the least recently
 * used entries go until the rest fits in EVICT_TO_SHARE of it. A scan costs a stat and a read
 * per entry (2.5 ms on the event loop for 245 entries), so it does not follow every insert: only
 * the first, an insert that takes this process's count (the last scan's total plus its own
 * inserts since) over the bound, or one that makes its inserts since the last scan reach
 * SCAN_EVERY_SHARE of the bound. Other processes' inserts are counted at the next scan, so a
 * directory shared by N workers may exceed its bound by up to N × SCAN_EVERY_SHARE of it
 * (pins aside). Artefacts are read from
 * the box with O_NOFOLLOW semantics (safe-fs.ts): a tree holding a link or a special file is
 * simply not cached.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HostError } from '../errors';
import { stateDir } from '../linux/state-dirs';
import { FileLock } from '../rootfs/file-lock';
import { copyTree, listTree, UnsafeEntryError, type TreeEntry } from './safe-fs';

export interface CompileCacheOptions {
  /** Default /var/lib/caged/compile-cache. */
  dir?: string;
  /** Bound on the entries' total size, in bytes; default 512 MiB. */
  maxBytes?: number;
  /** Largest artefact cached, in bytes; default 64 MiB (bigger ones are not cached). */
  maxEntryBytes?: number;
  /** Most files and directories in one artefact; default 1000. */
  maxEntryFiles?: number;
}

export interface CompileCacheKeyParts {
  imageDigest: string;
  languageId: string;
  compileCommand: readonly string[];
  compilerOptions: readonly string[];
  files: ReadonlyArray<{ name: string; content: Buffer; executable?: boolean | undefined }>;
}

/** What a hit gives back besides the files. */
export interface CachedCompile {
  outputText: string;
  outputTruncated: boolean;
}

/** A hit lent as a layer: the entry's files stay in place (and are not evicted) until `release`. */
export interface PinnedCompile extends CachedCompile {
  /** The entry's artefact tree (host path), a real directory: to be a read-only lower layer of /box. */
  filesDir: string;
  /** Gives the entry back to eviction. Idempotent. */
  release: () => void;
}

interface Meta extends CachedCompile {
  bytes: number;
  files: TreeEntry[];
}

export interface CompileCacheStats {
  hits: number;
  misses: number;
  inserts: number;
  evictions: number;
  /** Scans of every entry for the total size (the header: not one per insert). */
  scans: number;
}

/** An eviction leaves at most this share of the bound, so that the next inserts do not each need a scan. */
export const EVICT_TO_SHARE = 0.9;
/** This process scans again once its inserts since the last scan reach this share of the bound. */
export const SCAN_EVERY_SHARE = 0.1;

/** <state dir>/compile-cache: /var/lib/caged/compile-cache as root (src/linux/state-dirs.ts). */
export const DEFAULT_COMPILE_CACHE_DIR = path.join(stateDir(), 'compile-cache');

/** The key: sha256 over length-prefixed parts, so that no two different inputs collide by concatenation. */
export function compileCacheKey(parts: CompileCacheKeyParts): string {
  const h = crypto.createHash('sha256');
  const put = (b: Buffer | string) => {
    const buf = typeof b === 'string' ? Buffer.from(b) : b;
    const len = Buffer.alloc(8);
    len.writeBigUInt64BE(BigInt(buf.length));
    h.update(len).update(buf);
  };
  put('caged-compile-cache-v1');
  put(parts.imageDigest);
  put(parts.languageId);
  put(JSON.stringify(parts.compileCommand));
  put(JSON.stringify(parts.compilerOptions));
  const files = [...parts.files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  put(String(files.length));
  for (const f of files) {
    // A name holds no NUL: an executable file's name part cannot be another file's.
    put(f.executable ? `${f.name}\0x` : f.name);
    put(f.content);
  }
  return h.digest('hex');
}

export class CompileCache {
  private readonly counters: CompileCacheStats = { hits: 0, misses: 0, inserts: 0, evictions: 0, scans: 0 };
  /** The total the last scan found plus this process's inserts since, and those inserts alone; null before the first scan. */
  private counted: { bytes: number; insertedSince: number } | null = null;

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
    private readonly maxEntryBytes: number,
    private readonly maxEntryFiles: number,
  ) {}

  /** Creates the directories and removes what dead processes left half-built in tmp/. */
  static open(opts: CompileCacheOptions = {}): CompileCache {
    const dir = opts.dir ?? DEFAULT_COMPILE_CACHE_DIR;
    try {
      fs.mkdirSync(path.join(dir, 'entries'), { recursive: true, mode: 0o700 });
      fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new HostError(`compile cache ${dir}: ${(err as Error).message}`, { cause: err });
    }
    const cache = new CompileCache(dir, opts.maxBytes ?? 512 * 2 ** 20, opts.maxEntryBytes ?? 64 * 2 ** 20, opts.maxEntryFiles ?? 1000);
    cache.cleanupTmp();
    return cache;
  }

  stats(): CompileCacheStats {
    return { ...this.counters };
  }

  /**
   * Copies the artefact of `key` into `box`. Returns the cached compiler output on a hit, null
   * on a miss (also when the entry vanished mid-copy; then nothing of it is left in the box).
   */
  restore(key: string, box: string): CachedCompile | null {
    const entry = path.join(this.dir, 'entries', key);
    let meta: Meta;
    try {
      meta = JSON.parse(fs.readFileSync(path.join(entry, 'meta.json'), 'utf8')) as Meta;
    } catch {
      this.counters.misses++;
      return null;
    }
    try {
      // The entry is the judge's own (stored from a checked tree): its bytes are copied in the kernel.
      // The box holds the sources only: their directories (`unsigned/`) may hold artefacts too.
      copyTree(path.join(entry, 'files'), box, meta.files, { kernelCopy: true, mergeDirs: true });
    } catch {
      // Children before parents; a directory that still holds something (a source) stays.
      for (const e of [...meta.files].reverse()) {
        if (e.kind === 'dir') tryRmdir(path.join(box, e.rel));
        else fs.rmSync(path.join(box, e.rel), { force: true });
      }
      this.counters.misses++;
      return null;
    }
    this.markHit(entry);
    return { outputText: meta.outputText, outputTruncated: meta.outputTruncated };
  }

  /** Counts a hit and renews the entry's LRU mark (its meta.json's mtime), if it is still there. */
  private markHit(entry: string): void {
    const now = new Date();
    try {
      fs.utimesSync(path.join(entry, 'meta.json'), now, now);
    } catch {
      /* evicted meanwhile (a copy is complete all the same), or not writable: the LRU mark only */
    }
    this.counters.hits++;
  }

  /**
   * A hit without a copy: pins the entry of `key` (a shared lock on its meta.json, see the
   * header) and returns its files/ directory, to be mounted read-only under the job's box. Null
   * on a miss, also when the entry is being evicted or is not what the cache writes (entries/<key>
   * or its files/ a symbolic link or not a directory: never followed, never lent).
   */
  pin(key: string): PinnedCompile | null {
    const entry = path.join(this.dir, 'entries', key);
    let lock: FileLock | null = null;
    try {
      // lstat first: the lock's open would follow a linked entries/<key> (its last component is O_NOFOLLOW).
      if (!fs.lstatSync(entry).isDirectory()) throw new Error('not a directory');
      lock = FileLock.tryAcquire(path.join(entry, 'meta.json'), 'shared');
    } catch {
      lock = null;
    }
    if (lock === null) {
      this.counters.misses++;
      return null;
    }
    const held = lock;
    let meta: Meta;
    const filesDir = path.join(entry, 'files');
    try {
      // Checked under the lock: from here on nothing renames or removes the entry.
      if (!fs.lstatSync(entry).isDirectory() || !fs.lstatSync(filesDir).isDirectory()) throw new Error('not a directory');
      meta = JSON.parse(fs.readFileSync(path.join(entry, 'meta.json'), 'utf8')) as Meta;
    } catch {
      void held.release();
      this.counters.misses++;
      return null;
    }
    this.markHit(entry);
    return {
      outputText: meta.outputText,
      outputTruncated: meta.outputTruncated,
      filesDir,
      release: () => void held.release(),
    };
  }

  /**
   * Stores what `box` holds (minus `exclude`, the sources) under `key`. Returns false when the
   * artefact is not cacheable (a link, a special file, too large); the job goes on either way.
   */
  store(key: string, box: string, exclude: ReadonlySet<string>, compiled: CachedCompile): boolean {
    let files: TreeEntry[];
    try {
      files = listTree(box, { maxFiles: this.maxEntryFiles, maxBytes: this.maxEntryBytes, exclude });
    } catch (err) {
      if (err instanceof UnsafeEntryError) return false;
      throw err;
    }
    const tmp = path.join(this.dir, 'tmp', `${process.pid}-${crypto.randomBytes(8).toString('hex')}`);
    let entryBytes: number;
    try {
      fs.mkdirSync(path.join(tmp, 'files'), { recursive: true, mode: 0o700 });
      const bytes = copyTree(box, path.join(tmp, 'files'), files);
      const meta: Meta = { ...compiled, bytes, files };
      const metaText = JSON.stringify(meta);
      fs.writeFileSync(path.join(tmp, 'meta.json'), metaText);
      fs.renameSync(tmp, path.join(this.dir, 'entries', key));
      this.counters.inserts++;
      // As a scan counts it: the artefact's bytes and meta.json's size.
      entryBytes = bytes + Buffer.byteLength(metaText);
    } catch (err) {
      fs.rmSync(tmp, { recursive: true, force: true });
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return true; // another job stored it first
      if (err instanceof UnsafeEntryError) return false;
      throw new HostError(`compile cache: storing ${key}: ${(err as Error).message}`, { cause: err });
    }
    const counted = this.counted;
    if (counted === null) {
      this.evict();
    } else {
      counted.bytes += entryBytes;
      counted.insertedSince += entryBytes;
      if (counted.bytes > this.maxBytes || counted.insertedSince >= this.maxBytes * SCAN_EVERY_SHARE) this.evict();
    }
    return true;
  }

  /**
   * Scans every entry for the total; above the bound, removes the least recently used ones (not
   * pinned) until the rest fits in EVICT_TO_SHARE of it.
   */
  evict(): void {
    this.counters.scans++;
    const root = path.join(this.dir, 'entries');
    const entries: Array<{ key: string; bytes: number; usedMs: number }> = [];
    let total = 0;
    for (const key of fs.readdirSync(root)) {
      try {
        const metaPath = path.join(root, key, 'meta.json');
        const st = fs.statSync(metaPath);
        const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as Meta;
        const bytes = meta.bytes + st.size;
        entries.push({ key, bytes, usedMs: st.mtimeMs });
        total += bytes;
      } catch {
        /* being evicted by someone else */
      }
    }
    this.counted = { bytes: total, insertedSince: 0 };
    if (total <= this.maxBytes) return;
    const target = Math.floor(this.maxBytes * EVICT_TO_SHARE);
    entries.sort((a, b) => a.usedMs - b.usedMs);
    for (const e of entries) {
      if (total <= target) break;
      const doomed = path.join(this.dir, 'tmp', `evict-${process.pid}-${crypto.randomBytes(8).toString('hex')}`);
      let lock: FileLock | null;
      try {
        lock = FileLock.tryAcquire(path.join(root, e.key, 'meta.json'), 'exclusive');
      } catch {
        continue; // already gone
      }
      if (lock === null) continue; // pinned: a job's /box has it as a layer
      try {
        fs.renameSync(path.join(root, e.key), doomed);
      } catch {
        continue; // already gone
      } finally {
        void lock.release();
      }
      fs.rmSync(doomed, { recursive: true, force: true });
      total -= e.bytes;
      this.counters.evictions++;
    }
    this.counted.bytes = total;
  }

  /** Total bytes of the entries (for the bench and tests). */
  sizeBytes(): number {
    let total = 0;
    const root = path.join(this.dir, 'entries');
    for (const key of fs.readdirSync(root)) {
      try {
        total += (JSON.parse(fs.readFileSync(path.join(root, key, 'meta.json'), 'utf8')) as Meta).bytes;
      } catch {
        /* vanished */
      }
    }
    return total;
  }

  /** tmp/ entries of processes that are gone (or older than an hour) are leftovers. */
  private cleanupTmp(): void {
    const tmp = path.join(this.dir, 'tmp');
    for (const name of fs.readdirSync(tmp)) {
      const m = /^(?:evict-)?(\d+)-/.exec(name);
      const pid = m ? Number(m[1]) : NaN;
      let stale = !m || !alive(pid);
      if (!stale) {
        try {
          stale = Date.now() - fs.statSync(path.join(tmp, name)).mtimeMs > 3_600_000;
        } catch {
          continue;
        }
      }
      if (stale && pid !== process.pid) fs.rmSync(path.join(tmp, name), { recursive: true, force: true });
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes `dir` if it is an empty directory; leaves anything else as it is. */
function tryRmdir(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    /* not empty (a source's directory), or gone */
  }
}
