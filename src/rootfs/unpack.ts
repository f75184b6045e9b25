/**
 * Unpacks an image tarball into an empty directory with the `tar` package, exactly as archived:
 * modes (setuid, sticky, group-writable bits included), numeric owners, symlinks (absolute ones
 * too), hard links and directory times.
 *
 * Three passes:
 * 1. node-tar writes files, directories and hard links. Every entry first goes through the
 *    TarVetter (tar-safety.ts); the first refusal stops all further writing and fails the unpack.
 *    Symlinks are held back, so no symlink exists while anything is written.
 * 2. Modes and owners are set to the archive's values. node-tar leaves them short of that: the
 *    process umask trims new files and directories, directories get u+rwx, and chown() after
 *    writing clears setuid/setgid bits.
 * 3. The symlinks are created (node-tar would strip the leading `/` of absolute targets and
 *    refuse targets that pass through other links), then directory times are restored.
 *
 * A watchdog guards pass 1: when neither a new entry nor a byte of the tarball has come for
 * `stallMs`, the unpack fails with UnpackStalledError naming the last entry, instead of waiting
 * forever (one rootless CI run saw node-tar stop mid-layer with nothing left in flight).
 */
import { createReadStream, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type * as Tar from 'tar';
import { HostError, ImageError } from '../errors';
import { TarVetter, type VettedKind } from './tar-safety';

interface Recorded {
  path: string;
  kind: VettedKind;
  linkpath?: string;
  mode: number;
  uid: number;
  gid: number;
  mtime?: Date;
}

export interface UnpackStats {
  entries: number;
  files: number;
  directories: number;
  symlinks: number;
  hardlinks: number;
  /** Wall time of the whole unpack, ms. */
  elapsedMs: number;
}

/** No entry and no tarball byte for this long fails the unpack: a layer's largest file writes in seconds. */
export const UNPACK_STALL_MS = 60_000;

/** The unpack stopped making progress; the directory holds a partial tree and must be discarded. */
export class UnpackStalledError extends HostError {}

export interface UnpackOptions {
  /** See UNPACK_STALL_MS. */
  stallMs?: number;
}

/** How many file system calls the fix-up passes keep in flight. */
const FS_CONCURRENCY = 32;

async function forEachLimit<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i]!); // i < length: present
  };
  await Promise.all(Array.from({ length: Math.min(FS_CONCURRENCY, items.length) }, worker));
}

const isRoot = (): boolean => process.getuid?.() === 0;

/**
 * node-tar's extract, fed by our own read stream so that progress can be watched: rejects with
 * UnpackStalledError when the tarball's read offset and `lastEntry()` have not moved for
 * `stallMs`, and then stops reading and aborts the parser.
 */
async function extractWatched(
  tar: typeof Tar,
  tarball: string,
  stallMs: number,
  lastEntry: () => string | undefined,
  options: ConstructorParameters<typeof Tar.Unpack>[0],
): Promise<void> {
  const unpack = new tar.Unpack(options);
  const input = createReadStream(tarball, { highWaterMark: 1 << 20 });
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      unpack.on('error', reject);
      unpack.on('close', resolve);
      input.on('error', reject);
      let seen = { bytes: -1, entry: lastEntry() };
      let since = performance.now();
      timer = setInterval(
        () => {
          const now = { bytes: input.bytesRead, entry: lastEntry() };
          if (now.bytes !== seen.bytes || now.entry !== seen.entry) {
            seen = now;
            since = performance.now();
          } else if (performance.now() - since >= stallMs) {
            const at = now.entry === undefined ? 'before the first entry' : `after entry "${now.entry}"`;
            const span = stallMs >= 1000 ? `${Math.round(stallMs / 1000)} s` : `${stallMs} ms`;
            reject(new UnpackStalledError(`${tarball}: unpacking stalled for ${span} ${at}, at byte ${now.bytes}`));
          }
        },
        Math.max(10, Math.floor(stallMs / 4)),
      );
      input.pipe(unpack);
    });
  } catch (err) {
    input.destroy();
    unpack.abort(err as Error);
    throw err;
  } finally {
    clearInterval(timer);
  }
}

/**
 * Unpacks `tarball` into `destDir` (an existing, empty directory that nobody else writes to).
 * Throws ImageError naming the tarball and the first refused entry when the archive breaks a
 * rule of tar-safety.ts; the caller then removes `destDir`.
 */
export async function unpackImage(tarball: string, destDir: string, opts: UnpackOptions = {}): Promise<UnpackStats> {
  const started = performance.now();
  // Loaded on first use: most starts find every layer unpacked already (bench/startup.ts).
  const tar: typeof Tar = await import('tar');
  const vetter = new TarVetter();
  const records: Recorded[] = [];
  let refusal: string | undefined;

  const filter = (_path: string, entry: Tar.ReadEntry | Stats): boolean => {
    if (refusal !== undefined || !(entry instanceof tar.ReadEntry)) return false;
    const verdict = vetter.check({ path: entry.path, type: entry.type, linkpath: entry.linkpath });
    if (!verdict.ok) {
      refusal = `entry "${entry.path}" (${entry.type}): ${verdict.reason}`;
      return false;
    }
    records.push({
      path: verdict.path,
      kind: verdict.kind,
      linkpath: verdict.linkpath,
      mode: entry.mode ?? (verdict.kind === 'directory' ? 0o755 : 0o644),
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      mtime: entry.mtime,
    });
    return verdict.kind !== 'symlink';
  };

  try {
    await extractWatched(tar, tarball, opts.stallMs ?? UNPACK_STALL_MS, () => records.at(-1)?.path, {
      cwd: destDir,
      filter,
      strict: true,
      preserveOwner: isRoot(),
      // Parents that the archive does not list get GNU tar's defaults, whatever the umask.
      dmode: 0o755,
      fmode: 0o644,
    });
  } catch (err) {
    if (err instanceof UnpackStalledError) throw err;
    throw new ImageError(`${tarball}: cannot unpack: ${(err as Error).message}`, { cause: err });
  }
  if (refusal !== undefined) {
    throw new ImageError(`${tarball}: refused, the image breaks the tarball rules: ${refusal}`);
  }

  const abs = (p: string): string => (p === '' ? destDir : path.join(destDir, p));
  const mustBe = (rec: Recorded, st: Stats): void => {
    const ok = rec.kind === 'directory' ? st.isDirectory() : st.isFile();
    if (!ok) throw new ImageError(`${tarball}: after unpacking, "${rec.path}" is not a ${rec.kind}`);
  };

  // A restated directory counts once, with its last header.
  const latest = [...new Map(records.map((r) => [r.path, r])).values()];

  // Pass 2: exact owners, then exact modes (chown first: it clears setuid/setgid bits).
  await forEachLimit(
    latest.filter((r) => r.kind === 'file' || r.kind === 'directory'),
    async (rec) => {
      const p = abs(rec.path);
      const st = await fs.lstat(p);
      mustBe(rec, st);
      if (isRoot() && (st.uid !== rec.uid || st.gid !== rec.gid)) await fs.lchown(p, rec.uid, rec.gid);
      if ((st.mode & 0o7777) !== rec.mode || st.uid !== rec.uid || st.gid !== rec.gid) await fs.chmod(p, rec.mode);
    },
  );

  // Pass 3: symlinks, then directory times (creating links changed them).
  await forEachLimit(
    latest.filter((r) => r.kind === 'symlink'),
    async (rec) => {
      const p = abs(rec.path);
      await fs.mkdir(path.dirname(p), { recursive: true, mode: 0o755 });
      await fs.symlink(rec.linkpath ?? '', p);
      if (isRoot() && (rec.uid !== 0 || rec.gid !== 0)) await fs.lchown(p, rec.uid, rec.gid);
      if (rec.mtime) await fs.lutimes(p, rec.mtime, rec.mtime);
    },
  );
  await forEachLimit(
    latest.filter((r) => r.kind === 'directory' && r.mtime !== undefined),
    async (rec) => {
      if (rec.mtime) await fs.utimes(abs(rec.path), rec.mtime, rec.mtime);
    },
  );

  const count = (k: VettedKind): number => latest.filter((r) => r.kind === k).length;
  return {
    entries: latest.length,
    files: count('file'),
    directories: count('directory'),
    symlinks: count('symlink'),
    hardlinks: count('hardlink'),
    elapsedMs: performance.now() - started,
  };
}
