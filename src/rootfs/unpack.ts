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
 */
import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type * as Tar from 'tar';
import { ImageError } from '../errors';
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
 * Unpacks `tarball` into `destDir` (an existing, empty directory that nobody else writes to).
 * Throws ImageError naming the tarball and the first refused entry when the archive breaks a
 * rule of tar-safety.ts; the caller then removes `destDir`.
 */
export async function unpackImage(tarball: string, destDir: string): Promise<UnpackStats> {
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
    await tar.x({
      file: tarball,
      cwd: destDir,
      filter,
      strict: true,
      preserveOwner: isRoot(),
      // Parents that the archive does not list get GNU tar's defaults, whatever the umask.
      dmode: 0o755,
      fmode: 0o644,
    });
  } catch (err) {
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
