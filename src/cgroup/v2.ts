/**
 * cgroup v2 (unified hierarchy) manager.
 *
 * Layout: `<root>/<parent>/caged-<ownerPid>-<seq>`, default `/sys/fs/cgroup/caged/…`. Before each
 * leaf is made, memory, pids and cpu are enabled in the root's and the parent's
 * `cgroup.subtree_control`. Inside a container the cgroup-namespace root is an ordinary cgroup
 * holding the worker, and the "no internal processes" rule refuses that write with EBUSY; then
 * every process of that cgroup moves to a `caged-supervisor` leaf beside it and the write is retried.
 *
 * Every file operation goes through a `CgroupFs` (real filesystem by default) so the tests can run
 * the manager against a fake cgroupfs in a temporary directory that enforces the kernel's rules.
 */
import * as fs from 'fs';
import * as path from 'path';
import { HostError } from '../errors';
import type { BoxCgroup, CgroupLimits, CgroupManager, CgroupStats } from './manager';

export type V2Controller = 'memory' | 'pids' | 'cpu';

/** The controllers a box needs, in the order they are enabled. */
export const V2_CONTROLLERS: readonly V2Controller[] = ['memory', 'pids', 'cpu'];

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
}

/** The real filesystem. Opened write-only without O_CREAT: write-only cgroup files refuse O_RDWR. */
export const realCgroupFs: CgroupFs = {
  readFile: (file) => fs.readFileSync(file, 'utf8'),
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
    fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name),
};

export interface CgroupV2Options {
  /** Mount point of the unified hierarchy. Default `/sys/fs/cgroup`. */
  root?: string;
  /** Directory under `root` that holds the leaves. Default `caged`. */
  parent?: string;
  /**
   * Controllers to enable and use. Default all of memory, pids and cpu, and detection always uses
   * the default. A subset is for hierarchies that cannot delegate a controller (and for tests on a
   * controller-less hierarchy): the limits of a left-out controller are NOT applied (the rlimits
   * still are) and its stats read as 0 / null.
   */
  controllers?: readonly V2Controller[];
  /** File operations; default the real filesystem. */
  fs?: CgroupFs;
}

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
const SUPERVISOR_LEAF = 'caged-supervisor';
/** `caged-<ownerPid>-<seq>`. */
export const LEAF_NAME = /^caged-([1-9][0-9]*)-([0-9]+)$/;

export class CgroupV2Manager implements CgroupManager {
  readonly kind = 'v2' as const;
  private readonly root: string;
  private readonly parentDir: string;
  private readonly controllers: readonly V2Controller[];
  private readonly io: CgroupIo;

  constructor(options: CgroupV2Options = {}) {
    this.root = path.resolve(options.root ?? '/sys/fs/cgroup');
    this.parentDir = path.join(this.root, options.parent ?? 'caged');
    this.controllers = V2_CONTROLLERS.filter((c) => (options.controllers ?? V2_CONTROLLERS).includes(c));
    this.io = new CgroupIo(options.fs ?? realCgroupFs);
  }

  describe(): string {
    const list = this.controllers.length > 0 ? this.controllers.join(', ') : 'no controllers';
    return `cgroup v2: ${list} under ${this.parentDir}`;
  }

  create(name: string, limits: CgroupLimits): BoxCgroup {
    checkLeafName(name);
    checkLimits(limits);
    this.prepareParent();
    const dir = path.join(this.parentDir, name);
    this.io.mkdir(dir);
    const box = new V2Box(name, dir, this.io);
    try {
      this.applyLimits(dir, limits);
    } catch (err) {
      try {
        box.destroy();
      } catch {
        // The limit error is the one to report; cleanupStale removes the leaf later.
      }
      throw err;
    }
    return box;
  }

  cleanupStale(isAlive: (pid: number) => boolean): string[] {
    return removeStaleLeaves(this.list(), isAlive, (name) => new V2Box(name, path.join(this.parentDir, name), this.io));
  }

  list(): string[] {
    return this.io.listDirs(this.parentDir).filter((n) => LEAF_NAME.test(n)).sort();
  }

  /** Checks the root offers our controllers, then enables them down to the parent. */
  private prepareParent(): void {
    const controllersFile = path.join(this.root, 'cgroup.controllers');
    const available = words(this.io.read(controllersFile));
    const missing = this.controllers.filter((c) => !available.includes(c));
    if (missing.length > 0) {
      const have = available.length > 0 ? available.join(' ') : 'none';
      throw new HostError(`cgroup: ${controllersFile} lacks ${missing.join(', ')} (has: ${have})`);
    }
    this.enableControllers(this.root);
    this.io.mkdirIfMissing(this.parentDir);
    this.enableControllers(this.parentDir);
  }

  /** Enables the missing controllers in `dir`'s subtree_control, evacuating `dir` on EBUSY. */
  private enableControllers(dir: string): void {
    const file = path.join(dir, 'cgroup.subtree_control');
    const enabled = words(this.io.read(file));
    const wanted = this.controllers.filter((c) => !enabled.includes(c));
    if (wanted.length === 0) return;
    const data = wanted.map((c) => `+${c}`).join(' ');
    // A process may join `dir` between the evacuation and the write (docker exec): a few rounds.
    for (let attempt = 1; ; attempt++) {
      const err = this.io.tryWrite(file, data);
      if (err === null) return;
      if (errnoOf(err) !== 'EBUSY' || attempt > 3) throw hostError('write', file, err);
      this.evacuate(dir);
    }
  }

  /** Moves every process of `dir` into `<dir>/caged-supervisor` (no internal processes rule). */
  private evacuate(dir: string): void {
    const supervisor = path.join(dir, SUPERVISOR_LEAF);
    this.io.mkdirIfMissing(supervisor);
    const target = path.join(supervisor, 'cgroup.procs');
    for (const pid of this.io.readPids(path.join(dir, 'cgroup.procs'))) {
      const err = this.io.tryWrite(target, String(pid));
      if (err !== null && errnoOf(err) !== 'ESRCH') throw hostError('write', target, err);
    }
  }

  private applyLimits(dir: string, limits: CgroupLimits): void {
    const has = (c: V2Controller): boolean => this.controllers.includes(c);
    if (has('memory')) {
      this.io.write(path.join(dir, 'memory.max'), String(limits.memoryBytes));
      // Absent when the kernel has no swap accounting; then there is no swap to forbid.
      const swap = path.join(dir, 'memory.swap.max');
      const err = this.io.tryWrite(swap, '0');
      if (err !== null && errnoOf(err) !== 'ENOENT') throw hostError('write', swap, err);
      // On OOM kill the whole box, not one process that its siblings could outlive.
      this.io.write(path.join(dir, 'memory.oom.group'), '1');
    }
    if (has('pids')) this.io.write(path.join(dir, 'pids.max'), String(limits.pids));
    if (has('cpu') && limits.cpuCores !== undefined) {
      this.io.write(path.join(dir, 'cpu.max'), `${cpuQuotaUs(limits.cpuCores)} ${CPU_PERIOD_US}`);
    }
  }
}

class V2Box implements BoxCgroup {
  constructor(
    readonly name: string,
    private readonly dir: string,
    private readonly io: CgroupIo,
  ) {}

  attach(pid: number): void {
    this.io.write(path.join(this.dir, 'cgroup.procs'), String(pid));
  }

  cpuTimeNs(): number {
    // cpu.stat's usage_usec is kept by the core even without the cpu controller.
    return keyedValue(this.io.read(path.join(this.dir, 'cpu.stat')), 'usage_usec') * 1000;
  }

  stats(): CgroupStats {
    const peak = this.io.readIfPresent(path.join(this.dir, 'memory.peak'));
    const memoryEvents = this.io.readIfPresent(path.join(this.dir, 'memory.events')) ?? '';
    const pidsEvents = this.io.readIfPresent(path.join(this.dir, 'pids.events')) ?? '';
    return {
      cpuTimeNs: this.cpuTimeNs(),
      memoryPeakBytes: peak === null ? null : Number(peak.trim()),
      oomKills: keyedValue(memoryEvents, 'oom_kill'),
      memoryLimitHits: keyedValue(memoryEvents, 'max'),
      pidsLimitHits: keyedValue(pidsEvents, 'max'),
    };
  }

  killAll(): void {
    const killFile = path.join(this.dir, 'cgroup.kill');
    const err = this.io.tryWrite(killFile, '1');
    if (err === null) return;
    if (errnoOf(err) !== 'ENOENT') throw hostError('write', killFile, err);
    // No cgroup.kill (kernel before 5.14), or the leaf is gone (then cgroup.procs is absent too).
    sigkillAll(() => this.io.readPidsIfPresent(path.join(this.dir, 'cgroup.procs')), this.dir);
  }

  destroy(): void {
    this.io.removeDir(this.dir, () => this.killAll());
  }
}

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
}

/** Positive pids, one per line (never 0 or negatives, which process.kill treats as groups). */
function parsePids(text: string): number[] {
  return words(text).map(Number).filter((pid) => Number.isSafeInteger(pid) && pid > 0);
}

/** The owner pid in a leaf name, or NaN when `name` is not a leaf name. */
export function ownerPidOf(name: string): number {
  return Number(LEAF_NAME.exec(name)?.[1]);
}

function words(text: string): string[] {
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
