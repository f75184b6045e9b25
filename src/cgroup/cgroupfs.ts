/**
 * cgroupfs primitives shared by the v1 and v2 managers: the file-operation seam (CgroupFs, so
 * tests can use a fixture tree), errno-to-HostError wrapping, rmdir with retries, killing by
 * pid, leaf-name and limit checks, and the stale-leaf sweep.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HostError } from '../errors';
import type { BoxCgroup, CgroupLimits } from './manager';

/**
 * File operations on cgroupfs. Errors are Node's errno exceptions (`code: 'EBUSY'` …); the
 * manager turns them into HostErrors naming the file.
 */
export interface CgroupFs {
  readFile(file: string): string;
  /** Writes `data` in one write(2) to an existing file; never creates the file (ENOENT instead). */
  writeFile(file: string, data: string): void;
  mkdir(dir: string): void;
  rmdir(dir: string): void;
  /** Names of the subdirectories of `dir`. */
  listDirs(dir: string): string[];
  /**
   * Optional: `file` kept open for reads that start again at offset 0 each time (cgroupfs
   * regenerates a file's text on a read at offset 0), for files read several times per run.
   * Without it, each read opens the file anew.
   */
  openFile?(file: string): CgroupFile;
  /** Optional: writeFile on libuv's pool, for a write the kernel may take long over (a reclaim); without it, writeFile. */
  writeFileAsync?(file: string, data: string): Promise<void>;
}

/** A cgroup file kept open: `read()` returns its current text. */
export interface CgroupFile {
  read(): string;
  close(): void;
}

/** One buffer for every read: cgroup files are small, and reads are synchronous (never interleaved). */
const readBuffer = Buffer.alloc(16 * 1024);

/**
 * open, read until EOF, close: fewer system calls and less work than fs.readFileSync (which
 * also fstats and allocates per call); the manager reads a dozen cgroup files per run.
 */
function readSmallFile(file: string): string {
  const fd = fs.openSync(file, fs.constants.O_RDONLY); // libuv opens with O_CLOEXEC
  try {
    return readFromStart(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * seq_file fills its first buffer (one page) with every record that fits and hands all of it to a
 * larger read: a first read shorter than a page is the whole text, with no read for the EOF.
 */
const SEQ_FIRST_BUFFER = 4096;

/** pread from offset 0 to EOF: a read at offset 0 makes cgroupfs (seq_file) regenerate the text. */
function readFromStart(fd: number): string {
  let text = '';
  for (let at = 0; ;) {
    const n = fs.readSync(fd, readBuffer, 0, readBuffer.length, at);
    if (n === 0) return text;
    text += readBuffer.toString('utf8', 0, n);
    if (at === 0 && n < SEQ_FIRST_BUFFER) return text;
    at += n;
  }
}

function openCgroupFile(file: string): CgroupFile {
  let fd: number | null = fs.openSync(file, fs.constants.O_RDONLY);
  return {
    read: () => {
      if (fd === null) throw Object.assign(new Error(`${file} is closed`), { code: 'EBADF' });
      return readFromStart(fd);
    },
    close: () => {
      if (fd === null) return;
      const f = fd;
      fd = null;
      fs.closeSync(f);
    },
  };
}

/** The real filesystem. Opened write-only without O_CREAT: write-only cgroup files refuse O_RDWR. */
export const realCgroupFs: CgroupFs = {
  readFile: readSmallFile,
  writeFile: (file, data) => {
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_TRUNC);
    try {
      fs.writeSync(fd, data);
    } finally {
      fs.closeSync(fd);
    }
  },
  mkdir: (dir) => fs.mkdirSync(dir),
  rmdir: (dir) => fs.rmdirSync(dir),
  listDirs: (dir) =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name),
  openFile: openCgroupFile,
  writeFileAsync: async (file, data) => {
    const handle = await fs.promises.open(file, fs.constants.O_WRONLY | fs.constants.O_TRUNC);
    try {
      await handle.write(data);
    } finally {
      await handle.close();
    }
  },
};

/** CPU bandwidth period (v2 cpu.max, v1 cpu.cfs_period_us), in microseconds (the kernel's default). */
export const CPU_PERIOD_US = 100_000;
/** Smallest CPU quota the kernel accepts, in microseconds. */
const CPU_MIN_QUOTA_US = 1_000;
/** While rmdir says EBUSY: sleep this long between tries, in milliseconds. */
const RMDIR_RETRY_SLEEP_MS = 5;
/** After this long of EBUSY, in milliseconds, kill what is left in the cgroup and keep trying. */
const RMDIR_KILL_AFTER_MS = 200;
/** After this long of EBUSY, in milliseconds, give up with a HostError. */
const RMDIR_GIVE_UP_MS = 1_000;
/** Leaf the processes of a cgroup move to so that its subtree_control can be written. */
/** `caged-<ownerPid>-<seq>`. */
export const LEAF_NAME = /^caged-([1-9][0-9]*)-([0-9]+)$/;

// Shared cgroupfs primitives, used by v1.ts as well.

/** The managers' file operations, with errno errors turned into HostErrors naming the file. */
export class CgroupIo {
  constructor(private readonly fs: CgroupFs) {}

  read(file: string): string {
    try {
      return this.fs.readFile(file);
    } catch (err) {
      throw hostError('read', file, err);
    }
  }

  /** The file's text, or null when it does not exist (a feature this kernel lacks). */
  readIfPresent(file: string): string | null {
    try {
      return this.fs.readFile(file);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return null;
      throw hostError('read', file, err);
    }
  }

  /** `file` kept open where the file operations can (CgroupFs.openFile), else read anew each time. */
  open(file: string): CgroupFile {
    let opened: CgroupFile | null = null;
    try {
      opened = this.fs.openFile?.(file) ?? null;
    } catch (err) {
      throw hostError('open', file, err);
    }
    if (opened === null) return { read: () => this.read(file), close: () => undefined };
    const kept = opened;
    return {
      read: () => {
        try {
          return kept.read();
        } catch (err) {
          throw hostError('read', file, err);
        }
      },
      close: () => {
        try {
          kept.close();
        } catch (err) {
          throw hostError('close', file, err);
        }
      },
    };
  }

  readPids(file: string): number[] {
    return parsePids(this.read(file));
  }

  readPidsIfPresent(file: string): number[] {
    return parsePids(this.readIfPresent(file) ?? '');
  }

  write(file: string, data: string): void {
    const err = this.tryWrite(file, data);
    if (err !== null) throw hostError('write', file, err);
  }

  /** write() off the event loop where the filesystem can (CgroupFs.writeFileAsync). */
  async writeAsync(file: string, data: string): Promise<void> {
    try {
      if (this.fs.writeFileAsync) await this.fs.writeFileAsync(file, data);
      else this.fs.writeFile(file, data);
    } catch (err) {
      throw hostError('write', file, err);
    }
  }

  /** Writes and returns the error instead of throwing it, for callers that expect some errnos. */
  tryWrite(file: string, data: string): unknown {
    try {
      this.fs.writeFile(file, data);
      return null;
    } catch (err) {
      return err ?? new Error('unknown error');
    }
  }

  mkdir(dir: string): void {
    try {
      this.fs.mkdir(dir);
    } catch (err) {
      throw hostError('mkdir', dir, err);
    }
  }

  /** mkdir `dir`; when its parent is missing (ENOENT), the parent first, then `dir` again. */
  mkdirUnder(dir: string): void {
    try {
      this.fs.mkdir(dir);
      return;
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw hostError('mkdir', dir, err);
    }
    this.mkdirIfMissing(path.dirname(dir));
    this.mkdir(dir);
  }

  mkdirIfMissing(dir: string): void {
    try {
      this.fs.mkdir(dir);
    } catch (err) {
      if (errnoOf(err) !== 'EEXIST') throw hostError('mkdir', dir, err);
    }
  }

  listDirs(dir: string): string[] {
    try {
      return this.fs.listDirs(dir);
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return [];
      throw hostError('readdir', dir, err);
    }
  }

  /**
   * rmdir, retried while EBUSY (the last tasks are still exiting); after RMDIR_KILL_AFTER_MS of
   * EBUSY, `killAll` runs once; after RMDIR_GIVE_UP_MS a HostError. Missing directory: done.
   */
  removeDir(dir: string, killAll: () => void): void {
    const start = Date.now();
    let killed = false;
    for (;;) {
      try {
        this.fs.rmdir(dir);
        return;
      } catch (err) {
        const code = errnoOf(err);
        if (code === 'ENOENT') return;
        const busyMs = Date.now() - start;
        if (code !== 'EBUSY') throw hostError('rmdir', dir, err);
        if (busyMs >= RMDIR_GIVE_UP_MS) throw hostError('rmdir', dir, err, ` (still busy after ${busyMs} ms)`);
        if (!killed && busyMs >= RMDIR_KILL_AFTER_MS) {
          killed = true;
          killAll();
        }
        sleepMs(RMDIR_RETRY_SLEEP_MS);
      }
    }
  }
}

/**
 * SIGKILLs every pid `listPids` returns, re-reading until no new pid shows up, so children forked
 * between a read and a kill die too. Never signals the worker itself.
 */
export function sigkillAll(listPids: () => number[], where: string): void {
  const killed = new Set<number>();
  for (let pass = 0; pass < 50; pass++) {
    const fresh = listPids().filter((pid) => !killed.has(pid) && pid !== process.pid);
    if (fresh.length === 0) return;
    for (const pid of fresh) {
      killed.add(pid);
      try {
        process.kill(pid, 'SIGKILL');
      } catch (err) {
        if (errnoOf(err) !== 'ESRCH') throw hostError('kill', `${pid} in ${where}`, err);
      }
    }
  }
}

/** CPU quota per CPU_PERIOD_US for a cap of `cores` cores, in microseconds. */
export function cpuQuotaUs(cores: number): number {
  return Math.max(CPU_MIN_QUOTA_US, Math.round(cores * CPU_PERIOD_US));
}

/**
 * Kills and removes each leaf whose owner pid is dead; tries every one even when one fails, then
 * throws a HostError listing the failures. Returns the names removed.
 */
export function removeStaleLeaves(
  names: readonly string[],
  isAlive: (pid: number) => boolean,
  boxFor: (name: string) => BoxCgroup,
): string[] {
  const removed: string[] = [];
  const failures: string[] = [];
  for (const name of names) {
    if (isAlive(ownerPidOf(name))) continue;
    const box = boxFor(name);
    try {
      box.killAll();
      box.destroy();
      removed.push(name);
    } catch (err) {
      failures.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (failures.length > 0) {
    throw new HostError(`cgroup: stale leaves left after removing [${removed.join(', ')}]: ${failures.join('; ')}`);
  }
  return removed;
}

export function checkLeafName(name: string): void {
  if (!LEAF_NAME.test(name)) throw new RangeError(`cgroup: leaf name ${JSON.stringify(name)} is not caged-<ownerPid>-<seq>`);
}

export function checkLimits(limits: CgroupLimits): void {
  if (!Number.isSafeInteger(limits.memoryBytes) || limits.memoryBytes <= 0) {
    throw new RangeError(`cgroup: memoryBytes must be a positive integer, got ${limits.memoryBytes}`);
  }
  if (!Number.isSafeInteger(limits.pids) || limits.pids <= 0) {
    throw new RangeError(`cgroup: pids must be a positive integer, got ${limits.pids}`);
  }
  if (limits.cpuCores !== undefined && !(limits.cpuCores > 0 && Number.isFinite(limits.cpuCores))) {
    throw new RangeError(`cgroup: cpuCores must be a positive number, got ${limits.cpuCores}`);
  }
  if (limits.cpus !== undefined && (limits.cpus.length === 0 || !limits.cpus.every((c) => Number.isSafeInteger(c) && c >= 0))) {
    throw new RangeError(`cgroup: cpus must be a non-empty list of CPU numbers, got [${limits.cpus.join(', ')}]`);
  }
}

/** Positive pids, one per line (never 0 or negatives, which process.kill treats as groups). */
function parsePids(text: string): number[] {
  return words(text)
    .map(Number)
    .filter((pid) => Number.isSafeInteger(pid) && pid > 0);
}

/** The owner pid in a leaf name, or NaN when `name` is not a leaf name. */
export function ownerPidOf(name: string): number {
  return Number(LEAF_NAME.exec(name)?.[1]);
}

export function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}

/** The number after `key` in a `key value` per line file (cpu.stat, memory.events); 0 if absent. */
export function keyedValue(text: string, key: string): number {
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k === key && v !== undefined) return Number(v);
  }
  return 0;
}

export function errnoOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null | undefined)?.code;
  return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
}

export function hostError(op: string, target: string, err: unknown, detail = ''): HostError {
  return new HostError(`cgroup: ${op} ${target}: ${errnoOf(err)}${detail}`, { cause: err });
}

/** Blocks the thread for `ms` milliseconds (cgroupfs calls are synchronous by design). */
function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
