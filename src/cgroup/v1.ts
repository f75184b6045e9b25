/**
 * cgroup v1 manager: one hierarchy per controller.
 *
 * A box is one leaf `<mount>/<parent>/caged-<ownerPid>-<seq>` in each of the memory, pids and
 * cpuacct hierarchies (and cpu wherever it is mounted; blkio with disk caps, each leaf capped at
 * its creation: disk-caps.ts), e.g. `/sys/fs/cgroup/memory/caged/caged-12-3`. Where controllers
 * are co-mounted (`cpu,cpuacct`) the leaves are one directory. attach() writes the pid to every
 * leaf's cgroup.procs; killAll() has no cgroup.kill to use, so it SIGKILLs what cgroup.procs
 * lists until nothing new appears.
 *
 * The pool: making and removing a memory cgroup costs more than resetting one (docs/benchmarks.md),
 * so a released leaf is kept for a later run when it is empty: no task in any of its hierarchies,
 * no page of user memory still charged to it (the page cache of files its run wrote or read: a
 * leaf holding some is removed, so that no run is billed for another's cache, and that cache is
 * not evicted either), and no kernel objects the run left still charged (POOL_RESIDUAL_BYTES).
 * Then every counter is reset: the memory and memsw peaks and failcnts, cpuacct.usage; the
 * counters the kernel cannot reset (the OOM kills in memory.oom_control, pids.events' max) become
 * the leaf's baselines, subtracted from what the next run reads. A leaf with a CPU cap is never pooled.
 *
 * Pinning (CgroupLimits.cpus, CAGED_CPUS): the cpuset hierarchy only places processes, it counts
 * nothing, so a box has no leaf of its own there. Each CPU list has one group,
 * `<cpuset mount>/<parent>/cpus-<list>` (e.g. `cpus-3`), made at its first use and kept; a pinned
 * box's processes are moved into it when its limits are set (a prepared container's B, already
 * attached) or when attached (a container made at its run). What B starts inherits it, and no
 * process of the box can leave it: sched_setaffinity only narrows within it.
 */
import path from 'node:path';
import { HostError } from '../errors';
import type { BoxCgroup, CgroupLimits, CgroupManager, CgroupStats } from './manager';
import {
  CPU_PERIOD_US,
  errnoOf,
  hostError,
  CgroupIo,
  LEAF_NAME,
  checkLeafName,
  checkLimits,
  cpuQuotaUs,
  keyedValue,
  realCgroupFs,
  removeStaleLeaves,
  sigkillAll,
  type CgroupFile,
  type CgroupFs,
} from './cgroupfs';
import { formatCpuList } from '../cpu-list';
import { capsSomething, checkDiskCaps, describeDiskCaps, v1ThrottleWrites, type DiskCaps } from './disk-caps';
import { MemcgIdBudget, type MemcgIdBudgetOptions } from './memcg-ids';

export type V1Controller = 'memory' | 'pids' | 'cpuacct' | 'cpu' | 'blkio';

/**
 * Controllers a v1 host must have for boxes; cpu joins them wherever it is mounted: in a cpu
 * group of its own a box's threads, however many, weigh as one task against the worker's event
 * loop (and against other boxes), where the host mounts cpu apart from cpuacct as well as where
 * the two share a hierarchy. A CPU cap (cpu.cfs_quota_us) needs it.
 */
export const V1_REQUIRED_CONTROLLERS: readonly V1Controller[] = ['memory', 'pids', 'cpuacct'];
/** Every controller a box may have a leaf in: blkio with disk caps (disk-caps.ts), which no other controller needs. */
const ALL_CONTROLLERS: readonly V1Controller[] = [...V1_REQUIRED_CONTROLLERS, 'cpu', 'blkio'];

export interface CgroupV1Options {
  /** Directory holding one mount per controller, for the mounts not given in `mounts`. Default `/sys/fs/cgroup`. */
  root?: string;
  /**
   * Mount point of each controller's hierarchy; default `<root>/<controller>`. detect.ts fills it
   * from /proc/self/mounts (cpu and cpuacct are often co-mounted at one path).
   */
  mounts?: Partial<Record<V1Controller, string>>;
  /** Directory under each controller's mount that holds the leaves. Default `caged`. */
  parent?: string;
  /** File operations; default the real filesystem. */
  fs?: CgroupFs;
  /** Emptied leaves kept for later runs; default 8, 0 removes every leaf after its run. */
  poolSize?: number;
  /** Mount point of the cpuset hierarchy: boxes may be pinned to CPUs (header). Default none: no pinning. */
  cpuset?: string;
  /** Each box's disk throttle (disk-caps.ts), in a blkio leaf of its own; default none. Needs the blkio mount. */
  disk?: DiskCaps;
  /** Why boxes have no disk caps although they were on (the controller is not there: detect.ts); shown by describe(). */
  noDiskCaps?: string;
  /** The memory cgroup id budget's settings (memcg-ids.ts); false: none. Default on. */
  memcgIds?: Omit<MemcgIdBudgetOptions, 'reclaim'> | false;
}

/**
 * A released leaf with more memory than this still charged to it is removed rather than pooled.
 * Zero: a reset restarts `memory.max_usage_in_bytes` from the charge left, and a residue the kernel
 * frees during the next run (slab objects after a grace period) would hide that run's own peak
 * (a small program's peak came out as 0 with a 1 MiB allowance).
 */
export const POOL_RESIDUAL_BYTES = 0;

/** The parent directories' state, known once per manager (CgroupV1Manager.prepareParent). */
interface V1Parent {
  /** Whether the kernel accounts swap (memory.memsw.* exist). */
  memsw: boolean;
  /** Whether a leaf made after the parent was set up has been checked for the inherited settings. */
  checked: boolean;
  /** The leaves did not inherit oom_kill_disable=0 / swappiness 0: each leaf is written. */
  oomPerLeaf: boolean;
  swappinessPerLeaf: boolean;
}

/** The leaf directory of a box in each controller it uses. */
type LeafDirs = Partial<Record<V1Controller, string>>;

export class CgroupV1Manager implements CgroupManager {
  readonly kind = 'v1' as const;
  private readonly mounts: Record<V1Controller, string>;
  private readonly parentName: string;
  private readonly io: CgroupIo;
  private readonly poolSize: number;
  private readonly idle: V1Box[] = [];
  /** What prepareParent set up and found, once per manager; null: not yet (or to be done again). */
  private parent: V1Parent | null = null;
  private readonly cpusetMount: string | null;
  /** The controllers every box has a leaf in: the required ones, and cpu when it is mounted (V1_REQUIRED_CONTROLLERS). */
  private readonly boxControllers: readonly V1Controller[];
  /** The cpuset groups made so far, by CPU list (header). */
  private readonly pinGroups = new Map<string, string>();

  constructor(options: CgroupV1Options = {}) {
    const root = path.resolve(options.root ?? '/sys/fs/cgroup');
    const mountOf = (c: V1Controller): string => path.resolve(options.mounts?.[c] ?? path.join(root, c));
    this.mounts = {
      memory: mountOf('memory'),
      pids: mountOf('pids'),
      cpuacct: mountOf('cpuacct'),
      cpu: mountOf('cpu'),
      blkio: mountOf('blkio'),
    };
    this.parentName = options.parent ?? 'caged';
    this.io = new CgroupIo(options.fs ?? realCgroupFs);
    this.poolSize = options.poolSize ?? 8;
    this.cpusetMount = options.cpuset === undefined ? null : path.resolve(options.cpuset);
    // Mounts given (as detected): cpu where the table has it; a root of one directory per controller: there.
    const cpu = options.mounts === undefined || options.mounts.cpu !== undefined;
    if (options.disk !== undefined) checkDiskCaps(options.disk);
    this.disk = capsSomething(options.disk) ? options.disk : null;
    this.noDiskCaps = options.noDiskCaps ?? null;
    if (this.disk && options.mounts !== undefined && options.mounts.blkio === undefined)
      throw new HostError('cgroup v1: disk caps need the blkio controller, and it is not mounted');
    this.boxControllers = [...V1_REQUIRED_CONTROLLERS, ...(cpu ? (['cpu'] as const) : []), ...(this.disk ? (['blkio'] as const) : [])];
    const ids = options.memcgIds ?? {};
    // memory.force_empty of the parent reclaims the page cache charged under it, its removed (dying) leaves' included.
    const forceEmpty = path.join(this.mounts.memory, this.parentName, 'memory.force_empty');
    this.memcgIds = ids === false ? null : new MemcgIdBudget({ ...ids, reclaim: () => this.io.writeAsync(forceEmpty, '0') });
  }

  /** Watches the host's memory cgroup ids and reclaims what the removed leaves left charged (memcg-ids.ts); null: off. */
  readonly memcgIds: MemcgIdBudget | null;

  /** The disk throttle every leaf gets at its creation (kept while it is pooled); null: none. */
  private readonly disk: DiskCaps | null;
  readonly noDiskCaps: string | null;

  get pinning(): boolean {
    return this.cpusetMount !== null;
  }

  get pooled(): number {
    return this.idle.length;
  }

  drain(): void {
    let first: unknown = null;
    for (const box of this.idle.splice(0)) {
      try {
        box.destroy();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== null) throw first instanceof Error ? first : new HostError(`cgroup v1: ${JSON.stringify(first)}`);
  }

  describe(): string {
    const where = this.boxControllers.map((c) => `${c} at ${this.mounts[c]}`).join(', ');
    const pins = this.cpusetMount === null ? '' : `; pinned to CPUs through the cpuset at ${this.cpusetMount}`;
    const noCpu = this.boxControllers.includes('cpu') ? '' : ' (no cpu mount: no CPU caps)';
    const disk = this.disk
      ? `; disk capped at ${describeDiskCaps(this.disk)}`
      : this.noDiskCaps
        ? `; no disk caps (${this.noDiskCaps})`
        : '';
    return `cgroup v1: ${where}${noCpu}; leaves under <mount>/${this.parentName}${pins}${disk}`;
  }

  create(name: string, limits: CgroupLimits | null): BoxCgroup {
    checkLeafName(name);
    if (limits) checkLimits(limits);
    const capped = limits?.cpuCores !== undefined;
    const pooled = capped ? undefined : this.idle.pop();
    if (pooled) {
      if (limits) pooled.setLimits(limits);
      return pooled;
    }
    this.parent ??= this.prepareParent();
    const parent = this.parent;
    const dirs = this.leafDirs(name, this.boxControllers);
    const box = new V1Box(
      name,
      dirs,
      this.io,
      (b) => this.recycle(b),
      parent.memsw,
      () => (this.parent = null),
      this.cpusetMount === null ? undefined : (cpus, again) => this.pinGroup(cpus, again),
    );
    try {
      // The parent directories exist from prepareParent (or are made again if someone removed them).
      for (const dir of uniqueDirs(dirs)) this.io.mkdirUnder(dir);
      this.prepareLeaf(required(dirs.memory), parent);
      if (this.disk) for (const [file, data] of v1ThrottleWrites(this.disk)) this.io.write(path.join(required(dirs.blkio), file), data);
      box.memoryLimit = Infinity; // a fresh leaf has none
      if (limits) box.setLimits(limits);
    } catch (err) {
      try {
        box.destroy();
      } catch {
        // The creation error is the one to report; cleanupStale removes the leaf later.
      }
      throw err;
    }
    return box;
  }

  cleanupStale(isAlive: (pid: number) => boolean): string[] {
    return removeStaleLeaves(this.list(), isAlive, (name) => new V1Box(name, this.leafDirs(name, ALL_CONTROLLERS), this.io));
  }

  /** Union of the leaves found under every controller's parent directory. */
  list(): string[] {
    const names = new Set<string>();
    for (const parentDir of new Set(ALL_CONTROLLERS.map((c) => path.join(this.mounts[c], this.parentName)))) {
      for (const name of this.io.listDirs(parentDir)) if (LEAF_NAME.test(name)) names.add(name);
    }
    return [...names].sort();
  }

  private leafDirs(name: string, controllers: readonly V1Controller[]): LeafDirs {
    const dirs: LeafDirs = {};
    for (const c of controllers) dirs[c] = path.join(this.mounts[c], this.parentName, name);
    return dirs;
  }

  /**
   * Once per manager (again after a leaf was found with the OOM killer disabled): makes the
   * parent directories, and sets on the memory parent what a new leaf inherits at its creation
   * (mem_cgroup_css_alloc copies the parent's oom_kill_disable and swappiness): the OOM killer
   * on (a parent with oom_kill_disable=1 would make a hog hang, not die), swappiness 0 (pages stay
   * in RAM, so the limit means resident memory). The first leaf made after it is checked
   * (checkLeaf); a setting it did not inherit is written to every leaf, as a last resort.
   */
  private prepareParent(): V1Parent {
    for (const dir of new Set(this.boxControllers.map((c) => path.join(this.mounts[c], this.parentName)))) {
      this.io.mkdirIfMissing(dir);
    }
    const memory = path.join(this.mounts.memory, this.parentName);
    // Failures here are not fatal: the check of the first leaf then finds the setting missing.
    this.io.tryWrite(path.join(memory, 'memory.oom_control'), '0');
    this.io.tryWrite(path.join(memory, 'memory.swappiness'), '0');
    // Swap accounting (memory.memsw.*) is a property of the kernel: the parent has it iff leaves do.
    const memsw = this.io.readIfPresent(path.join(memory, 'memory.memsw.limit_in_bytes')) !== null;
    return { memsw, checked: false, oomPerLeaf: false, swappinessPerLeaf: false };
  }

  private prepareLeaf(memory: string, parent: V1Parent): void {
    if (!parent.checked) {
      const oom = this.io.read(path.join(memory, 'memory.oom_control'));
      parent.oomPerLeaf = keyedValue(oom, 'oom_kill_disable') !== 0;
      parent.swappinessPerLeaf = this.io.readIfPresent(path.join(memory, 'memory.swappiness'))?.trim() !== '0';
      parent.checked = true;
    }
    if (parent.oomPerLeaf) this.io.write(path.join(memory, 'memory.oom_control'), '0');
    // Some kernels refuse it: best effort.
    if (parent.swappinessPerLeaf) this.io.tryWrite(path.join(memory, 'memory.swappiness'), '0');
  }

  /**
   * The cpuset group of `cpus` (header), made at its first use: the parent and the group get
   * the CPUs and memory nodes a v1 cpuset needs before it takes a process (a new one has none);
   * the parent takes the root's. A list outside the root's CPUs is the kernel's EINVAL. `again`:
   * set up anew (someone removed the group since, as the parents can be: made again per leaf).
   */
  private pinGroup(cpus: readonly number[], again = false): string {
    const list = formatCpuList(cpus);
    const known = again ? undefined : this.pinGroups.get(list);
    if (known !== undefined) return known;
    const root = this.cpusetMount!;
    const parent = path.join(root, this.parentName);
    const group = path.join(parent, `cpus-${list}`);
    this.io.mkdirIfMissing(parent);
    for (const file of ['cpuset.cpus', 'cpuset.mems'])
      if (this.io.read(path.join(parent, file)).trim() === '')
        this.io.write(path.join(parent, file), this.io.read(path.join(root, file)).trim());
    this.io.mkdirIfMissing(group);
    this.io.write(path.join(group, 'cpuset.mems'), this.io.read(path.join(parent, 'cpuset.mems')).trim());
    this.io.write(path.join(group, 'cpuset.cpus'), list);
    this.pinGroups.set(list, group);
    return group;
  }

  /** A released box: into the pool when there is room and it can be reset, else removed. */
  private recycle(box: V1Box): void {
    if (this.idle.length < this.poolSize && !box.capped && box.reset()) {
      this.idle.push(box);
      return;
    }
    try {
      box.destroy();
    } finally {
      this.memcgIds?.removed();
    }
  }
}

/** `memoryNow`: the leaf's memory limit as last written (Infinity: a fresh leaf), or null: read it. */
function writeV1Limits(dirs: LeafDirs, limits: CgroupLimits, io: CgroupIo, memoryNow: number | null, memsw: boolean): void {
  if (memoryNow === null) writeV1MemoryLimit(required(dirs.memory), limits.memoryBytes, io);
  else writeKnownMemoryLimit(required(dirs.memory), memoryNow, limits.memoryBytes, memsw, io);
  io.write(path.join(required(dirs.pids), 'pids.max'), String(limits.pids));
  if (limits.cpuCores !== undefined) {
    if (!dirs.cpu) throw new HostError('no CPU cap without the cpu controller: it is not mounted on this host');
    io.write(path.join(dirs.cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
    io.write(path.join(dirs.cpu, 'cpu.cfs_quota_us'), String(cpuQuotaUs(limits.cpuCores)));
  }
}

/**
 * Sets memory.limit_in_bytes of the v1 leaf `dir` to `bytes`, and memory.memsw.limit_in_bytes
 * (memory + swap) to the same value when the kernel accounts swap, so no swap can be used. The
 * kernel keeps memsw >= limit at every step (EINVAL otherwise), so raising writes memsw first and
 * lowering (a fresh leaf starts unlimited) writes the limit first.
 */
export function writeV1MemoryLimit(dir: string, bytes: number, io: CgroupIo = new CgroupIo(realCgroupFs)): void {
  const limitFile = path.join(dir, 'memory.limit_in_bytes');
  const memswFile = path.join(dir, 'memory.memsw.limit_in_bytes');
  if (io.readIfPresent(memswFile) === null) {
    io.write(limitFile, String(bytes));
    return;
  }
  const raising = bytes > Number(io.read(limitFile).trim());
  const order = raising ? [memswFile, limitFile] : [limitFile, memswFile];
  for (const file of order) io.write(file, String(bytes));
}

/** writeV1MemoryLimit for a leaf whose current limit is known (no reads): same order rule. */
function writeKnownMemoryLimit(dir: string, now: number, bytes: number, memsw: boolean, io: CgroupIo): void {
  const limitFile = path.join(dir, 'memory.limit_in_bytes');
  if (!memsw) return io.write(limitFile, String(bytes));
  const memswFile = path.join(dir, 'memory.memsw.limit_in_bytes');
  for (const file of bytes > now ? [memswFile, limitFile] : [limitFile, memswFile]) io.write(file, String(bytes));
}

class V1Box implements BoxCgroup {
  private readonly dirs: readonly string[];
  /** What the kernel cannot reset, as it stood when the leaf was last reset (the pool, in the header). */
  private base = { oomKills: 0, pidsMax: 0, chargedBytes: 0 };
  /** cpuacct.usage, kept open from its first read (the CPU baseline, the watchdog, the stats) to destroy(). */
  private cpuUsage: CgroupFile | null = null;
  /** The memory limit as this object last wrote it (Infinity: none yet, on a fresh leaf); null: unknown. */
  memoryLimit: number | null = null;
  /** The processes attached to this box for its run, and the cpuset group they are pinned to (null: none). */
  private attached: number[] = [];
  private pinnedTo: { cpus: readonly number[]; dir: string } | null = null;

  constructor(
    readonly name: string,
    private readonly leaf: LeafDirs,
    private readonly io: CgroupIo,
    private readonly recycle: (box: V1Box) => void = (b) => b.destroy(),
    /** Whether memory.memsw.* exist (swap accounting): the manager's, else found at first need. */
    private memsw: boolean | null = null,
    /** Told when this leaf turns out to have the OOM killer disabled (the parent's setting changed). */
    private readonly oomKillDisabled: () => void = () => undefined,
    /** The cpuset group of a CPU list (the manager's; `again`: made anew); absent: this box cannot be pinned. */
    private readonly pinGroup?: (cpus: readonly number[], again?: boolean) => string,
  ) {
    this.dirs = uniqueDirs(leaf);
  }

  /** A CPU cap was written (cpu.cfs_quota_us): such a leaf is never pooled (header). */
  capped = false;

  release(): void {
    // The run is over: its CPU counter is not read again (a pooled leaf opens it at its next run).
    const cpuUsage = this.cpuUsage;
    this.cpuUsage = null;
    try {
      cpuUsage?.close();
    } finally {
      this.recycle(this);
    }
  }

  /**
   * Makes an emptied leaf ready for another run (the pool, in the header): false when it holds
   * a task or too much charged memory, or a reset fails (the caller then removes it). The charge
   * is read first: it is what disqualifies almost every leaf, in one read.
   */
  reset(): boolean {
    try {
      const memory = required(this.leaf.memory);
      const charged = Number(this.io.read(path.join(memory, 'memory.usage_in_bytes')).trim());
      if (!(charged <= POOL_RESIDUAL_BYTES)) return false;
      for (const dir of this.dirs) if (this.io.readPids(path.join(dir, 'cgroup.procs')).length > 0) return false;
      this.attached = [];
      this.pinnedTo = null;
      // memory.stat's first lines: this leaf's own cache (page cache, shmem) and rss, in bytes.
      const stat = this.io.read(path.join(memory, 'memory.stat'));
      if (keyedValue(stat, 'cache') !== 0 || keyedValue(stat, 'rss') !== 0) return false;
      const files = ['memory.max_usage_in_bytes', 'memory.failcnt'];
      if (this.hasMemsw()) files.push('memory.memsw.max_usage_in_bytes', 'memory.memsw.failcnt');
      for (const f of files) this.io.write(path.join(memory, f), '0');
      this.io.write(path.join(required(this.leaf.cpuacct), 'cpuacct.usage'), '0');
      const pidsEvents = this.io.readIfPresent(path.join(required(this.leaf.pids), 'pids.events')) ?? '';
      this.base = {
        oomKills: keyedValue(this.io.read(path.join(memory, 'memory.oom_control')), 'oom_kill'),
        pidsMax: keyedValue(pidsEvents, 'max'),
        chargedBytes: charged,
      };
      return true;
    } catch {
      return false;
    }
  }

  private hasMemsw(): boolean {
    this.memsw ??= this.io.readIfPresent(path.join(required(this.leaf.memory), 'memory.memsw.failcnt')) !== null;
    return this.memsw;
  }

  setLimits(limits: CgroupLimits): void {
    checkLimits(limits);
    const now = this.memoryLimit;
    this.memoryLimit = null; // unknown until every write has succeeded
    writeV1Limits(this.leaf, limits, this.io, now, now === null ? false : this.hasMemsw());
    if (limits.cpuCores !== undefined) this.capped = true;
    this.memoryLimit = limits.memoryBytes;
    if (limits.cpus === undefined) return;
    if (!this.pinGroup) throw new HostError('cgroup v1: this manager pins no CPU (made without the cpuset mount)');
    this.pinnedTo = { cpus: limits.cpus, dir: this.pinGroup(limits.cpus) };
    for (const pid of this.attached) this.pin(pid);
  }

  attach(pid: number): void {
    for (const dir of this.dirs) this.io.write(path.join(dir, 'cgroup.procs'), String(pid));
    this.attached.push(pid);
    if (this.pinnedTo !== null) this.pin(pid);
  }

  /** Moves `pid` into the box's cpuset group, made anew once if it is gone (ENOENT). */
  private pin(pid: number): void {
    const pinned = this.pinnedTo!;
    const err = this.io.tryWrite(path.join(pinned.dir, 'cgroup.procs'), String(pid));
    if (err === null) return;
    if (errnoOf(err) !== 'ENOENT') throw hostError('write', path.join(pinned.dir, 'cgroup.procs'), err);
    pinned.dir = this.pinGroup!(pinned.cpus, true);
    this.io.write(path.join(pinned.dir, 'cgroup.procs'), String(pid));
  }

  cpuTimeNs(): number {
    this.cpuUsage ??= this.io.open(path.join(required(this.leaf.cpuacct), 'cpuacct.usage'));
    return Number(this.cpuUsage.read().trim());
  }

  stats(): CgroupStats {
    const memory = required(this.leaf.memory);
    const read = (file: string): string => this.io.read(path.join(memory, file));
    const pidsEvents = this.io.readIfPresent(path.join(required(this.leaf.pids), 'pids.events')) ?? '';
    const oomControl = read('memory.oom_control');
    // The leaf inherited oom_kill_disable=1: the parent's setting was changed since the manager
    // set it; the next leaves are made after setting it again, and this one (should it be
    // pooled) gets it now.
    if (keyedValue(oomControl, 'oom_kill_disable') !== 0) {
      this.oomKillDisabled();
      this.io.tryWrite(path.join(memory, 'memory.oom_control'), '0');
    }
    // The oom_kill line exists since Linux 4.13; older kernels report 0.
    const oomKills = keyedValue(oomControl, 'oom_kill') - this.base.oomKills;
    // A failed charge counts in the failcnt of the counter that failed: memsw first, as it is never
    // below memory. Recent kernels (track_failcnt) count only the memory counter, so with memsw
    // limited the failcnts stay 0; every OOM kill follows a failed charge, hence the lower bound.
    const memswFailcnt = this.hasMemsw() ? read('memory.memsw.failcnt') : '0';
    const failcnt = Number(read('memory.failcnt').trim()) + Number(memswFailcnt.trim());
    return {
      cpuTimeNs: this.cpuTimeNs(),
      memoryPeakBytes: Math.max(0, Number(read('memory.max_usage_in_bytes').trim()) - this.base.chargedBytes),
      oomKills,
      memoryLimitHits: Math.max(failcnt, oomKills),
      pidsLimitHits: keyedValue(pidsEvents, 'max') - this.base.pidsMax,
    };
  }

  killAll(): void {
    const listPids = (): number[] => {
      const pids = new Set<number>();
      for (const dir of this.dirs) for (const pid of this.io.readPidsIfPresent(path.join(dir, 'cgroup.procs'))) pids.add(pid);
      return [...pids];
    };
    sigkillAll(listPids, this.dirs.join(', '));
  }

  /** Removes every leaf, trying all of them even when one fails; the first failure is thrown. */
  destroy(): void {
    let first: unknown = null;
    try {
      this.cpuUsage?.close();
    } catch (err) {
      first = err;
    }
    this.cpuUsage = null;
    for (const dir of this.dirs) {
      try {
        this.io.removeDir(dir, () => this.killAll());
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== null) throw first instanceof Error ? first : new HostError(`cgroup v1: ${JSON.stringify(first)}`);
  }
}

function uniqueDirs(dirs: LeafDirs): string[] {
  return [...new Set(Object.values(dirs).filter((d): d is string => d !== undefined))];
}

/** A leaf directory the box was built with; its absence is a bug in this file, not a host fault. */
function required(dir: string | undefined): string {
  if (dir === undefined) throw new Error('cgroup v1: controller leaf missing from box');
  return dir;
}
