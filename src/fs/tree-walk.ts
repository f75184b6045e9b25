/**
 * Bounded, descriptor-relative walks of a tree that untrusted code wrote (a box after the
 * compiler ran in it). The compiler can leave anything there: a directory 3 000 levels deep
 * (deeper than PATH_MAX), a million entries, links, FIFOs, sockets.
 *
 * Node has no openat(2). Each directory is opened relative to its parent's descriptor through
 * the path `/proc/self/fd/<parent>/<name>`: the kernel resolves `/proc/self/fd/<parent>` to the
 * very directory the descriptor holds (no path is walked again, so nothing renamed in the box
 * redirects it), and `<name>`, the one component that comes from the box, is opened with
 * O_NOFOLLOW (a link is refused, never followed) and O_DIRECTORY. Paths stay under ~300 bytes
 * whatever the depth, so ENAMETOOLONG cannot happen; at most one descriptor per level is open.
 *
 * Bounds: `maxDepth` levels below the root, `maxEntries` entries in all (names are read in
 * batches, so a huge directory costs no more than the bound) and, if given, `maxPathBytes` for
 * an entry's path relative to the root (what a later path-based copy of the tree could reach). What lies beyond a bound is not
 * visited and the report says where the walk stopped; an entry that cannot be opened or stat'ed
 * (it vanished, it is not what it was) is skipped and counted. Both are the box's business, never
 * a fault of the host. Only errors of the host itself (out of descriptors or memory, I/O errors)
 * are thrown.
 *
 * `removeTree` removes such a tree whatever its depth, through descriptors too (Node's rmSync
 * recurses on the stack and builds full paths: a 3 000-deep box copy overflowed it).
 *
 * Users: src/judge/safe-fs.ts (the compile's box: modes, the compile cache's listing and copy)
 * and src/sandbox/sandbox.ts (a run's copy of the box on hosts without overlayfs).
 */
import fs from 'node:fs';

const { O_RDONLY, O_NOFOLLOW, O_DIRECTORY, O_NONBLOCK } = fs.constants;

/** Errors that say the host, not the box, is in trouble. */
const HOST_FAULTS = new Set(['EMFILE', 'ENFILE', 'ENOMEM', 'EIO']);

export interface WalkLimits {
  /** Levels below the root that are visited (entries of the root are level 1). */
  maxDepth: number;
  /** Entries visited in all. */
  maxEntries: number;
  /** Longest relative path visited, in bytes; default unbounded. */
  maxPathBytes?: number;
}

export interface WalkEntry {
  /** Path relative to the root, "/"-separated (for reports; never opened as a path). */
  rel: string;
  name: string;
  /** 1 for the root's entries. */
  depth: number;
  /** The entry's lstat. */
  stat: fs.Stats;
  /** Descriptor of the directory holding the entry (valid during the visit only). */
  parentFd: number;
  /** For a directory: its own descriptor, opened O_NOFOLLOW|O_DIRECTORY (valid during the visit). */
  fd?: number;
}

export type StopReason = 'depth' | 'entries' | 'path';

export interface WalkReport {
  /** Entries visited. */
  entries: number;
  /** Entries that could not be opened or stat'ed (left as they are). */
  skipped: number;
  /** Where a bound stopped the walk; null when the whole tree was visited. */
  stopped: { reason: StopReason; rel: string } | null;
}

/**
 * `/proc/self/fd/<dirFd>/<name>`: opens `name` relative to `dirFd`, like openat(2). A name given
 * as bytes gives a path as bytes: a box may name a file with bytes that are not UTF-8, which a
 * string cannot carry (it would name another file, or none).
 */
export function pathAt(dirFd: number, name: string): string;
export function pathAt(dirFd: number, name: Buffer): Buffer;
export function pathAt(dirFd: number, name: string | Buffer): string | Buffer;
export function pathAt(dirFd: number, name: string | Buffer): string | Buffer {
  const prefix = `/proc/self/fd/${dirFd}/`;
  return typeof name === 'string' ? prefix + name : Buffer.concat([Buffer.from(prefix), name]);
}

/** Opens the directory `name` in `dirFd` without following a link. */
export function openDirAt(dirFd: number, name: string | Buffer): number {
  return fs.openSync(pathAt(dirFd, name), O_RDONLY | O_NOFOLLOW | O_DIRECTORY);
}

/** Opens `name` in `dirFd` for reading without following a link (O_NONBLOCK: a FIFO cannot block). */
export function openFileAt(dirFd: number, name: string): number {
  return fs.openSync(pathAt(dirFd, name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
}

/** Whether `err` is the host's fault rather than the box's (then it must be thrown). */
export function isHostFault(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && HOST_FAULTS.has(code);
}

/** Up to `max` names of the directory `fd`, as their bytes, in batches (never the whole of a huge directory). */
function readNames(fd: number, max: number): Buffer[] {
  // 'buffer': Node's types know only text encodings here, but opendir gives each name's bytes.
  const dir = fs.opendirSync(pathAt(fd, '.'), { bufferSize: 256, encoding: 'buffer' as BufferEncoding });
  const names: Buffer[] = [];
  try {
    for (let d = dir.readSync(); d !== null && names.length < max; d = dir.readSync()) names.push(d.name as unknown as Buffer);
  } finally {
    dir.closeSync();
  }
  return names;
}

/** `name` as text, or null when its bytes are not UTF-8 (no string names that file). */
function textOf(name: Buffer): string | null {
  const text = name.toString('utf8');
  return Buffer.from(text, 'utf8').equals(name) ? text : null;
}

/**
 * Visits every entry under `root` (parents before children, names in code-unit order) within
 * `limits`. `visit` returns false to leave a directory's contents out, and may throw to end the
 * walk (the error is passed on, descriptors closed).
 */
export function walkTree(root: string, limits: WalkLimits, visit: (entry: WalkEntry) => boolean | void): WalkReport {
  const report: WalkReport = { entries: 0, skipped: 0, stopped: null };
  const stop = (reason: StopReason, rel: string): void => {
    report.stopped ??= { reason, rel };
  };
  const walkDir = (fd: number, relDir: string, depth: number): void => {
    const room = limits.maxEntries - report.entries;
    let bytes: Buffer[];
    try {
      bytes = readNames(fd, room + 1);
    } catch (err) {
      if (isHostFault(err)) throw err;
      report.skipped++;
      return;
    }
    if (bytes.length === 0) return;
    if (depth > limits.maxDepth) return stop('depth', relDir);
    // A name that is not UTF-8 is left as it is, as one that cannot be stat'ed: visitors open by text.
    const names = bytes.map(textOf).filter((n): n is string => n !== null);
    report.skipped += bytes.length - names.length;
    names.sort();
    for (const name of names) {
      const rel = relDir ? `${relDir}/${name}` : name;
      if (report.entries >= limits.maxEntries) return stop('entries', rel);
      if (limits.maxPathBytes !== undefined && Buffer.byteLength(rel) > limits.maxPathBytes) {
        stop('path', relDir);
        continue;
      }
      let stat: fs.Stats;
      try {
        stat = fs.lstatSync(pathAt(fd, name));
      } catch (err) {
        if (isHostFault(err)) throw err;
        report.skipped++;
        continue;
      }
      report.entries++;
      if (!stat.isDirectory()) {
        visit({ rel, name, depth, stat, parentFd: fd });
        continue;
      }
      let child: number;
      try {
        child = openDirAt(fd, name);
      } catch (err) {
        if (isHostFault(err)) throw err;
        report.skipped++;
        continue;
      }
      try {
        if (visit({ rel, name, depth, stat, parentFd: fd, fd: child }) !== false) walkDir(child, rel, depth + 1);
      } finally {
        fs.closeSync(child);
      }
      if (report.stopped?.reason === 'entries') return;
    }
  };
  const rootFd = fs.openSync(root, O_RDONLY | O_NOFOLLOW | O_DIRECTORY);
  try {
    walkDir(rootFd, '', 1);
  } finally {
    fs.closeSync(rootFd);
  }
  return report;
}

/** Levels a removal descends before it moves deeper directories up to the root. */
const REMOVE_DEPTH = 32;
let flattened = 0;

/**
 * Removes the tree `root` (like `rm -rf`, which Node's rmSync cannot do on a tree deeper than
 * its stack or PATH_MAX), through descriptors, never following a link, with at most
 * REMOVE_DEPTH descriptors open: a directory deeper than that is renamed up into the root and
 * removed from there. Linear in the entries. A missing root is not an error.
 */
export function removeTree(root: string): void {
  let rootFd: number;
  try {
    rootFd = fs.openSync(root, O_RDONLY | O_NOFOLLOW | O_DIRECTORY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR' || code === 'ELOOP') return fs.unlinkSync(root);
    throw err;
  }
  try {
    emptyDir(rootFd, rootFd, 0);
  } finally {
    fs.closeSync(rootFd);
  }
  fs.rmdirSync(root);
}

/** An empty regular file (0644) at `p`, whatever was there (a file, a link, a tree: removeTree). */
export function freshEmptyFile(p: string): void {
  removeTree(p);
  fs.writeFileSync(p, '', { flag: 'wx', mode: 0o644 });
}

function ignoreMissing(op: () => void): void {
  try {
    op();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Empties the directory `fd`, by the names' bytes (a name that is not UTF-8 is removed too). A
 * batch of names none of which is gone after it, read again the same, is an error: never a loop.
 */
function emptyDir(rootFd: number, fd: number, depth: number): void {
  let stuck: Buffer[] | null = null;
  for (;;) {
    const names = readNames(fd, 1024);
    if (names.length === 0) return;
    if (stuck !== null && names.length === stuck.length && names.every((n, i) => n.equals(stuck![i]!)))
      throw new Error(`cannot remove ${names.length} entries of a directory, ${JSON.stringify(names[0]!.toString())} the first`);
    let gone = 0;
    for (const name of names) {
      const at = pathAt(fd, name);
      let stat: fs.Stats;
      try {
        stat = fs.lstatSync(at);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw err;
      }
      gone++;
      if (!stat.isDirectory()) {
        ignoreMissing(() => fs.unlinkSync(at));
      } else if (depth + 1 >= REMOVE_DEPTH) {
        moveToRoot(rootFd, at);
      } else {
        const child = openDirAt(fd, name);
        try {
          emptyDir(rootFd, child, depth + 1);
        } finally {
          fs.closeSync(child);
        }
        ignoreMissing(() => fs.rmdirSync(at));
      }
    }
    stuck = gone === 0 ? names : null;
  }
}

/** Renames the directory `at` to a fresh name in the root (rename follows no last component). */
function moveToRoot(rootFd: number, at: Buffer): void {
  for (;;) {
    try {
      fs.renameSync(at, pathAt(rootFd, `.caged-flat-${process.pid}-${++flattened}`));
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') throw err;
    }
  }
}
