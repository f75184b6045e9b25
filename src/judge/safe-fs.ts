/**
 * Host-side file operations on a box, which untrusted code has written to. Nothing here
 * follows a link: every entry is lstat'ed first, symlinks and special files are refused,
 * regular files are opened with O_NOFOLLOW (and O_NONBLOCK, so that a FIFO swapped in cannot
 * block the worker) and checked again with fstat against the lstat'ed inode. New files are
 * created with O_EXCL, so an existing entry (a planted link included) is never written through.
 * (These are the Judge0 and go-judge escapes: the host copying or reading a box path that the
 * program turned into a link to a host file.) Trees are walked through directory descriptors
 * with bounded depth, entries and path length (src/fs/tree-walk.ts): a tree deeper than PATH_MAX
 * is the box's business, never ENAMETOOLONG in the worker.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isHostFault, openDirAt, openFileAt, pathAt, walkTree, type WalkLimits, type WalkReport } from '../fs/tree-walk';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
const CHUNK = 1 << 20;

/** Why a tree could not be collected: not a fault, the artefact is just not cacheable. */
export class UnsafeEntryError extends Error {}

/** Creates `dir/name` (which must not exist) with `content`; never follows a link. */
export function writeNewFile(dir: string, name: string, content: Buffer | string, mode = 0o644): void {
  const fd = fs.openSync(path.join(dir, name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  try {
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    let off = 0;
    while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
    fs.fchmodSync(fd, mode); // the umask must not change what the box sees
  } finally {
    fs.closeSync(fd);
  }
}

/** Opens a regular file for reading without following links; throws UnsafeEntryError otherwise. */
export function openRegularNoFollow(file: string): { fd: number; stat: fs.Stats } {
  const before = fs.lstatSync(file);
  if (!before.isFile()) throw new UnsafeEntryError(`${file} is not a regular file`);
  let fd: number;
  try {
    fd = fs.openSync(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new UnsafeEntryError(`${file} became a symbolic link`);
    throw err;
  }
  const stat = fs.fstatSync(fd);
  if (!stat.isFile() || stat.ino !== before.ino || stat.dev !== before.dev) {
    fs.closeSync(fd);
    throw new UnsafeEntryError(`${file} changed while it was opened`);
  }
  return { fd, stat };
}

/** Mode given to copied files: readable by all, executable by all if it was executable at all. */
export function normalizedMode(mode: number): number {
  return mode & 0o111 ? 0o755 : 0o644;
}

export interface TreeEntry {
  /** Relative path with "/" separators. */
  rel: string;
  kind: 'file' | 'dir';
  /** Bytes (files). */
  size: number;
}

export interface TreeLimits {
  maxFiles: number;
  maxBytes: number;
  /** Levels below the root; default 16. */
  maxDepth?: number;
  /** Longest relative path, in bytes (so that a copy of the tree fits in PATH_MAX); default 1024. */
  maxPathBytes?: number;
  /** Paths left out, at any depth ("main.cpp", "unsigned/UnsignedLong.java": the sources the judge wrote itself). */
  exclude?: ReadonlySet<string>;
}

/**
 * Lists the tree under `root` (lstat only, parents before children) with a bounded,
 * descriptor-relative walk (tree-walk.ts). Throws UnsafeEntryError on a symlink, a special file,
 * an entry that cannot be read, or when the tree is larger, deeper or longer-named than the limits.
 */
export function listTree(root: string, limits: TreeLimits): TreeEntry[] {
  const out: TreeEntry[] = [];
  let bytes = 0;
  const maxPathBytes = limits.maxPathBytes ?? 1024;
  const report = walkTree(root, { maxDepth: limits.maxDepth ?? 16, maxEntries: limits.maxFiles + (limits.exclude?.size ?? 0) }, (e) => {
    if (limits.exclude?.has(e.rel)) return false;
    if (out.length >= limits.maxFiles) throw new UnsafeEntryError(`more than ${limits.maxFiles} entries`);
    if (Buffer.byteLength(e.rel) > maxPathBytes) throw new UnsafeEntryError(`a path longer than ${maxPathBytes} bytes`);
    if (e.stat.isDirectory()) {
      out.push({ rel: e.rel, kind: 'dir', size: 0 });
    } else if (e.stat.isFile()) {
      bytes += e.stat.size;
      if (bytes > limits.maxBytes) throw new UnsafeEntryError(`more than ${limits.maxBytes} bytes`);
      out.push({ rel: e.rel, kind: 'file', size: e.stat.size });
    } else {
      throw new UnsafeEntryError(`${e.rel} is ${e.stat.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}`);
    }
  });
  if (report.stopped)
    throw new UnsafeEntryError(`the tree goes beyond the walk's bounds (${report.stopped.reason}, at ${report.stopped.rel})`);
  if (report.skipped) throw new UnsafeEntryError(`${report.skipped} entries could not be read`);
  return out;
}

/**
 * Copies a listed tree from `fromRoot` to `toRoot` (which exists) without following links:
 * every source is opened relative to its directory's descriptor (tree-walk.ts), one component
 * at a time with O_NOFOLLOW. Directories are created 0755. Returns the bytes copied.
 * `kernelCopy` (for a source the judge wrote itself, the compile cache's entries): each file's
 * bytes go from the opened source to the new file inside the kernel (copy_file_range/sendfile),
 * not through a buffer of this process. `mergeDirs`: a directory already in `toRoot` (one the
 * judge made for the sources, writeSources) is kept as it is, not refused.
 */
export function copyTree(
  fromRoot: string,
  toRoot: string,
  entries: readonly TreeEntry[],
  opts: { kernelCopy?: boolean; mergeDirs?: boolean } = {},
): number {
  const dirs = new DirChain(fromRoot);
  let total = 0;
  try {
    for (const e of entries) {
      const to = path.join(toRoot, e.rel);
      const slash = e.rel.lastIndexOf('/');
      const parentFd = dirs.at(slash < 0 ? '' : e.rel.slice(0, slash));
      const name = e.rel.slice(slash + 1);
      if (e.kind === 'dir') {
        const st = fs.lstatSync(pathAt(parentFd, name));
        if (!st.isDirectory()) throw new UnsafeEntryError(`${e.rel} is no longer a directory`);
        if (opts.mergeDirs && fs.lstatSync(to, { throwIfNoEntry: false })?.isDirectory()) continue;
        fs.mkdirSync(to, { mode: 0o755 });
        fs.chmodSync(to, 0o755);
      } else {
        const from = openRegularAt(parentFd, name, e.rel);
        total += opts.kernelCopy ? copyOpenFileInKernel(from, to) : copyOpenFile(from, to);
      }
    }
  } finally {
    dirs.close();
  }
  return total;
}

/** Opens the regular file `name` in `dirFd` without following a link; UnsafeEntryError otherwise. */
export function openRegularAt(dirFd: number, name: string, shown = name): { fd: number; stat: fs.Stats } {
  let fd: number;
  try {
    fd = openFileAt(dirFd, name);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new UnsafeEntryError(`${shown} is a symbolic link`);
    if (!isHostFault(err)) throw new UnsafeEntryError(`${shown}: ${code ?? (err as Error).message}`);
    throw err;
  }
  const stat = fs.fstatSync(fd);
  if (!stat.isFile()) {
    fs.closeSync(fd);
    throw new UnsafeEntryError(`${shown} is not a regular file`);
  }
  return { fd, stat };
}

/** Copies the open file into a new file `to` with a normalized mode; closes `from.fd`. */
function copyOpenFile(from: { fd: number; stat: fs.Stats }, to: string): number {
  const { fd, stat } = from;
  try {
    const mode = normalizedMode(stat.mode);
    const out = fs.openSync(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
    let total = 0;
    try {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(1, stat.size)));
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, null);
        if (n === 0) break;
        let off = 0;
        while (off < n) off += fs.writeSync(out, buf, off, n - off);
        total += n;
      }
      fs.fchmodSync(out, mode);
    } finally {
      fs.closeSync(out);
    }
    return total;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * copyOpenFile through libuv's copyfile: the source is the descriptor already opened (its
 * /proc/self/fd link names that very file), the new file is made with O_CREAT | O_EXCL (never
 * through a link) and given the normalized mode at once. Closes `from.fd`.
 */
function copyOpenFileInKernel(from: { fd: number; stat: fs.Stats }, to: string): number {
  try {
    fs.copyFileSync(`/proc/self/fd/${from.fd}`, to, fs.constants.COPYFILE_EXCL);
    fs.chmodSync(to, normalizedMode(from.stat.mode));
    return from.stat.size;
  } finally {
    fs.closeSync(from.fd);
  }
}

/**
 * The descriptors of the directories on the way to the current one, for a listing in
 * parents-before-children order: moving to a sibling closes what is no longer on the way.
 */
class DirChain {
  private readonly chain: Array<{ rel: string; fd: number }>;

  constructor(root: string) {
    this.chain = [{ rel: '', fd: fs.openSync(root, O_RDONLY | O_NOFOLLOW | fs.constants.O_DIRECTORY) }];
  }

  /** The descriptor of `relDir` (opened component by component, O_NOFOLLOW). */
  at(relDir: string): number {
    while (this.chain.length > 1 && !isWithin(relDir, this.chain[this.chain.length - 1]!.rel)) fs.closeSync(this.chain.pop()!.fd);
    let top = this.chain[this.chain.length - 1]!;
    if (top.rel === relDir) return top.fd;
    const rest = relDir.slice(top.rel ? top.rel.length + 1 : 0).split('/');
    for (const name of rest) {
      let fd: number;
      try {
        fd = openDirAt(top.fd, name);
      } catch (err) {
        if (isHostFault(err)) throw err;
        throw new UnsafeEntryError(`${top.rel ? `${top.rel}/` : ''}${name} is no longer a directory`);
      }
      top = { rel: top.rel ? `${top.rel}/${name}` : name, fd };
      this.chain.push(top);
    }
    return top.fd;
  }

  close(): void {
    for (const d of this.chain.splice(0)) fs.closeSync(d.fd);
  }
}

function isWithin(rel: string, dir: string): boolean {
  return rel === dir || rel.startsWith(`${dir}/`);
}

/** Bounds of normalizeTreeModes: deeper or further entries are left as they are. */
export const NORMALIZE_LIMITS: Required<WalkLimits> = { maxDepth: 64, maxEntries: 10_000, maxPathBytes: 1024 };

/**
 * Makes what a compile left in `root` usable by the later runs, whose uid differs from the
 * compiler's: regular files become 0644 or 0755, directories 0755. A bounded walk through
 * descriptors opened with O_NOFOLLOW (tree-walk.ts): links and special files are left as they
 * are, and so is whatever lies beyond the bounds; the report says whether the walk was complete
 * (the compile step makes an incomplete one the submission's compile error).
 */
export function normalizeTreeModes(root: string, limits: WalkLimits = NORMALIZE_LIMITS): WalkReport {
  return walkTree(root, limits, (e) => {
    if (e.fd !== undefined) {
      fs.fchmodSync(e.fd, 0o755);
    } else if (e.stat.isFile()) {
      try {
        const { fd, stat } = openRegularAt(e.parentFd, e.name, e.rel);
        try {
          fs.fchmodSync(fd, normalizedMode(stat.mode));
        } finally {
          fs.closeSync(fd);
        }
      } catch (err) {
        if (!(err instanceof UnsafeEntryError)) throw err;
      }
    }
  });
}
