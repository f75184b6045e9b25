/**
 * Host-side file operations on a box, which untrusted code has written to. Nothing here
 * follows a link: every entry is lstat'ed first, symlinks and special files are refused,
 * regular files are opened with O_NOFOLLOW (and O_NONBLOCK, so that a FIFO swapped in cannot
 * block the worker) and checked again with fstat against the lstat'ed inode. New files are
 * created with O_EXCL, so an existing entry (a planted link included) is never written through.
 * (These are the Judge0 and go-judge escapes: the host copying or reading a box path that the
 * program turned into a link to a host file.)
 */
import fs from 'node:fs';
import path from 'node:path';

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

/** Copies a regular file `from` (no link followed) to a new file `to`, with a normalized mode. */
export function copyFileNoFollow(from: string, to: string): number {
  const { fd, stat } = openRegularNoFollow(from);
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
  /** Top-level names left out (e.g. the sources the judge wrote itself). */
  exclude?: ReadonlySet<string>;
}

/**
 * Lists the tree under `root` (lstat only, parents before children). Throws UnsafeEntryError on
 * a symlink, a special file, or when the tree is larger than the limits.
 */
export function listTree(root: string, limits: TreeLimits): TreeEntry[] {
  const out: TreeEntry[] = [];
  let bytes = 0;
  const walk = (relDir: string): void => {
    const names = fs.readdirSync(path.join(root, relDir)).sort();
    for (const name of names) {
      if (!relDir && limits.exclude?.has(name)) continue;
      const rel = relDir ? `${relDir}/${name}` : name;
      const st = fs.lstatSync(path.join(root, rel));
      if (out.length >= limits.maxFiles) throw new UnsafeEntryError(`more than ${limits.maxFiles} entries`);
      if (st.isDirectory()) {
        out.push({ rel, kind: 'dir', size: 0 });
        walk(rel);
      } else if (st.isFile()) {
        bytes += st.size;
        if (bytes > limits.maxBytes) throw new UnsafeEntryError(`more than ${limits.maxBytes} bytes`);
        out.push({ rel, kind: 'file', size: st.size });
      } else {
        throw new UnsafeEntryError(`${rel} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}`);
      }
    }
  };
  walk('');
  return out;
}

/**
 * Copies a listed tree from `fromRoot` to `toRoot` (which exists) without following links;
 * directories are created 0755. Returns the bytes copied.
 */
export function copyTree(fromRoot: string, toRoot: string, entries: readonly TreeEntry[]): number {
  let total = 0;
  for (const e of entries) {
    const to = path.join(toRoot, e.rel);
    if (e.kind === 'dir') {
      const st = fs.lstatSync(path.join(fromRoot, e.rel));
      if (!st.isDirectory()) throw new UnsafeEntryError(`${e.rel} is no longer a directory`);
      fs.mkdirSync(to, { mode: 0o755 });
      fs.chmodSync(to, 0o755);
    } else {
      total += copyFileNoFollow(path.join(fromRoot, e.rel), to);
    }
  }
  return total;
}

/**
 * Makes what a compile left in `root` usable by the later runs, whose uid differs from the
 * compiler's: regular files become 0644 or 0755, directories 0755. Through file descriptors
 * opened with O_NOFOLLOW only; links and special files are left as they are. Stops after
 * `maxEntries` entries.
 */
export function normalizeTreeModes(root: string, maxEntries = 10_000): void {
  let seen = 0;
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir)) {
      if (++seen > maxEntries) return;
      const p = path.join(dir, name);
      const st = fs.lstatSync(p);
      if (st.isDirectory()) {
        const fd = fs.openSync(p, O_RDONLY | O_NOFOLLOW | fs.constants.O_DIRECTORY);
        try {
          fs.fchmodSync(fd, 0o755);
        } finally {
          fs.closeSync(fd);
        }
        walk(p);
      } else if (st.isFile()) {
        try {
          const { fd, stat } = openRegularNoFollow(p);
          try {
            fs.fchmodSync(fd, normalizedMode(stat.mode));
          } finally {
            fs.closeSync(fd);
          }
        } catch (err) {
          if (!(err instanceof UnsafeEntryError)) throw err;
        }
      }
    }
  };
  walk(root);
}
