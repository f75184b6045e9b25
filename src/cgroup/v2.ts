/**
 * cgroup v2 (unified hierarchy) manager.
 *
 * Layout: `<root>/<parent>/caged-<ownerPid>-<seq>`, default `/sys/fs/cgroup/caged/…`. Before each
 * leaf is made, memory, pids and cpu (and io with disk caps: each leaf's `io.max`, disk-caps.ts)
 * are enabled in the root's and the parent's `cgroup.subtree_control`. Inside a container the cgroup-namespace root is an ordinary cgroup
 * holding the worker, and the "no internal processes" rule refuses that write with EBUSY; then
 * every process of that cgroup moves to a `caged-supervisor` leaf beside it and the write is retried.
 *
 * Every file operation goes through a `CgroupFs` (real filesystem by default) so the tests can run
 * the manager against a fake cgroupfs in a temporary directory that enforces the kernel's rules.
 */
import path from 'node:path';
import { HostError } from '../errors';
import {
  CgroupIo,
  CPU_PERIOD_US,
  checkLeafName,
  checkLimits,
  cpuQuotaUs,
  errnoOf,
  hostError,
  keyedValue,
  LEAF_NAME,
  realCgroupFs,
  removeStaleLeaves,
  sigkillAll,
  words,
  type CgroupFile,
  type CgroupFs,
} from './cgroupfs';
import type { BoxCgroup, CgroupLimits, CgroupManager, CgroupStats } from './manager';
import { formatCpuList } from '../cpu-list';
import { capsSomething, checkDiskCaps, describeDiskCaps, v2IoMaxLines, type DiskCaps } from './disk-caps';
import { MemcgIdBudget, type MemcgIdBudgetOptions } from './memcg-ids';

export type V2Controller = 'memory' | 'pids' | 'cpu' | 'cpuset' | 'io';

/** The controllers a box needs, in the order they are enabled; cpuset joins them when boxes are pinned to CPUs. */
export const V2_CONTROLLERS: readonly V2Controller[] = ['memory', 'pids', 'cpu'];

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
  /** Pin boxes to CPUs (CgroupLimits.cpus, CAGED_CPUS): the cpuset controller is enabled and used too. Default false. */
  cpuset?: boolean;
  /** Each box's disk throttle (disk-caps.ts): the io controller is enabled and every leaf gets `io.max`. Default none. */
  disk?: DiskCaps;
  /** Why boxes have no disk caps although they were on (the controller is not there: detect.ts); shown by describe(). */
  noDiskCaps?: string;
  /** File operations; default the real filesystem. */
  fs?: CgroupFs;
  /** The memory cgroup id budget's settings (memcg-ids.ts); false: none. Default on, wherever the memory controller is used. */
  memcgIds?: Omit<MemcgIdBudgetOptions, 'reclaim'> | false;
}

/** Leaf the processes of a cgroup move to so that its subtree_control can be written. */
const SUPERVISOR_LEAF = 'caged-supervisor';

export class CgroupV2Manager implements CgroupManager {
  readonly kind = 'v2' as const;
  get pinning(): boolean {
    return this.controllers.includes('cpuset');
  }
  private readonly root: string;
  private readonly parentDir: string;
  private readonly controllers: readonly V2Controller[];
  private readonly io: CgroupIo;
  /**
   * Whether prepareParent has run: once per manager, not per leaf. A failure to make or set up a
   * leaf (or a box's limit write) clears it, so that the next leaf re-checks the controllers.
   */
  private parentReady = false;

  constructor(options: CgroupV2Options = {}) {
    this.root = path.resolve(options.root ?? '/sys/fs/cgroup');
    this.parentDir = path.join(this.root, options.parent ?? 'caged');
    const base = V2_CONTROLLERS.filter((c) => (options.controllers ?? V2_CONTROLLERS).includes(c));
    if (options.disk !== undefined) checkDiskCaps(options.disk);
    this.disk = capsSomething(options.disk) ? options.disk : null;
    this.noDiskCaps = options.noDiskCaps ?? null;
    this.controllers = [...base, ...(options.cpuset ? (['cpuset'] as const) : []), ...(this.disk ? (['io'] as const) : [])];
    this.io = new CgroupIo(options.fs ?? realCgroupFs);
    const ids = options.memcgIds ?? {};
    this.memcgIds =
      ids === false || !this.controllers.includes('memory') ? null : new MemcgIdBudget({ ...ids, reclaim: () => this.reclaim() });
  }

  /** Watches the host's memory cgroup ids and reclaims what the removed leaves left charged (memcg-ids.ts); null: off. */
  readonly memcgIds: MemcgIdBudget | null;

  /**
   * Reclaims the page cache charged under the parent, its removed (dying) leaves' included:
   * `memory.reclaim` of as much as the parent holds (Linux 5.19+). EAGAIN is the kernel having
   * reclaimed what it could (running boxes' memory stays): done.
   */
  private async reclaim(): Promise<void> {
    const charged = this.io.read(path.join(this.parentDir, 'memory.current')).trim();
    if (charged === '0') return;
    try {
      await this.io.writeAsync(path.join(this.parentDir, 'memory.reclaim'), charged);
    } catch (err) {
      if (err instanceof HostError && errnoOf(err.cause) === 'EAGAIN') return;
      throw err;
    }
  }

  /** The disk throttle every leaf gets at its creation; null: none. */
  private readonly disk: DiskCaps | null;
  readonly noDiskCaps: string | null;

  describe(): string {
    const list = this.controllers.length > 0 ? this.controllers.join(', ') : 'no controllers';
    const disk = this.disk
      ? `; disk capped at ${describeDiskCaps(this.disk)}`
      : this.noDiskCaps
        ? `; no disk caps (${this.noDiskCaps})`
        : '';
    return `cgroup v2: ${list} under ${this.parentDir}${disk}`;
  }

  /** Always a fresh leaf: v2 has no pool (its peak and event counters cannot be reset before 6.12). */
  create(name: string, limits: CgroupLimits | null): BoxCgroup {
    checkLeafName(name);
    if (limits) checkLimits(limits);
    const assumed = this.parentReady;
    if (!assumed) {
      this.prepareParent();
      this.parentReady = true;
    }
    const dir = path.join(this.parentDir, name);
    const box = new V2Box(name, dir, this.io, this.controllers, () => (this.parentReady = false), this.memcgIds);
    try {
      this.io.mkdir(dir);
      this.applyLimits(dir, limits);
    } catch (err) {
      this.parentReady = false;
      let removed = true;
      try {
        box.destroy();
      } catch {
        // The limit error is the one to report; cleanupStale removes the leaf later.
        removed = false;
      }
      // The parent was set up by an earlier leaf and may have changed since (removed, a
      // controller disabled above us): once more, after setting it up again.
      if (assumed && removed) return this.create(name, limits);
      throw err;
    }
    return box;
  }

  cleanupStale(isAlive: (pid: number) => boolean): string[] {
    return removeStaleLeaves(this.list(), isAlive, (name) => new V2Box(name, path.join(this.parentDir, name), this.io, this.controllers));
  }

  list(): string[] {
    return this.io
      .listDirs(this.parentDir)
      .filter((n) => LEAF_NAME.test(n))
      .sort();
  }

  /**
   * Checks the root offers our controllers, then enables them down to the parent; forbids swap
   * to the whole subtree there (memory.swap.max is hierarchical: a leaf cannot swap beyond any
   * ancestor's limit), so that no leaf needs its own.
   */
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
    if (this.controllers.includes('memory')) {
      // Absent when the kernel has no swap accounting; then there is no swap to forbid.
      const swap = path.join(this.parentDir, 'memory.swap.max');
      const err = this.io.tryWrite(swap, '0');
      if (err !== null && errnoOf(err) !== 'ENOENT') throw hostError('write', swap, err);
    }
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

  private applyLimits(dir: string, limits: CgroupLimits | null): void {
    if (this.controllers.includes('memory')) {
      // On OOM kill the whole box, not one process that its siblings could outlive (not
      // inherited: the kernel reads it on the cgroup whose limit was hit, the leaf).
      this.io.write(path.join(dir, 'memory.oom.group'), '1');
    }
    // One line per write: the kernel parses one device per write(2).
    if (this.disk) for (const line of v2IoMaxLines(this.disk)) this.io.write(path.join(dir, 'io.max'), line);
    if (limits) writeV2Limits(dir, limits, this.controllers, this.io);
  }
}

function writeV2Limits(dir: string, limits: CgroupLimits, controllers: readonly V2Controller[], io: CgroupIo): void {
  if (controllers.includes('memory')) io.write(path.join(dir, 'memory.max'), String(limits.memoryBytes));
  if (controllers.includes('pids')) io.write(path.join(dir, 'pids.max'), String(limits.pids));
  if (controllers.includes('cpu') && limits.cpuCores !== undefined) {
    io.write(path.join(dir, 'cpu.max'), `${cpuQuotaUs(limits.cpuCores)} ${CPU_PERIOD_US}`);
  }
  if (limits.cpus !== undefined) {
    if (!controllers.includes('cpuset')) throw new HostError('cgroup v2: this manager pins no CPU (made without cpuset)');
    io.write(path.join(dir, 'cpuset.cpus'), formatCpuList(limits.cpus));
  }
}

class V2Box implements BoxCgroup {
  /** cpu.stat, kept open from its first read (the CPU baseline, the watchdog, the stats) to destroy(). */
  private cpuStat: CgroupFile | null = null;

  constructor(
    readonly name: string,
    private readonly dir: string,
    private readonly io: CgroupIo,
    private readonly controllers: readonly V2Controller[],
    /** Told when a limit cannot be written: the manager sets the parent up again for the next leaf. */
    private readonly limitFailed: () => void = () => undefined,
    /** Told of the leaf's removal at its release (it may linger as a dying cgroup). */
    private readonly memcgIds: MemcgIdBudget | null = null,
  ) {}

  setLimits(limits: CgroupLimits): void {
    checkLimits(limits);
    try {
      writeV2Limits(this.dir, limits, this.controllers, this.io);
    } catch (err) {
      this.limitFailed();
      throw err;
    }
  }

  attach(pid: number): void {
    this.io.write(path.join(this.dir, 'cgroup.procs'), String(pid));
  }

  cpuTimeNs(): number {
    // cpu.stat's usage_usec is kept by the core even without the cpu controller.
    this.cpuStat ??= this.io.open(path.join(this.dir, 'cpu.stat'));
    return keyedValue(this.cpuStat.read(), 'usage_usec') * 1000;
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
    const cpuStat = this.cpuStat;
    this.cpuStat = null;
    try {
      cpuStat?.close();
    } finally {
      this.io.removeDir(this.dir, () => this.killAll());
    }
  }

  release(): void {
    try {
      this.destroy();
    } finally {
      this.memcgIds?.removed();
    }
  }
}

// Kept importable from here for existing callers.
export { CgroupIo, CPU_PERIOD_US, LEAF_NAME, realCgroupFs, errnoOf, type CgroupFs } from './cgroupfs';
