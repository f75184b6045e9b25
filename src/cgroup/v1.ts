/**
 * cgroup v1 manager: one hierarchy per controller.
 *
 * A box is one leaf `<mount>/<parent>/caged-<ownerPid>-<seq>` in each of the memory, pids and
 * cpuacct hierarchies (and cpu when a CPU cap is asked for), e.g.
 * `/sys/fs/cgroup/memory/caged/caged-12-3`. Where controllers are co-mounted (`cpu,cpuacct`) the
 * leaves are one directory. attach() writes the pid to every leaf's cgroup.procs; killAll() has no
 * cgroup.kill to use, so it SIGKILLs what cgroup.procs lists until nothing new appears.
 */
import path from 'node:path';
import { HostError } from '../errors';
import type { BoxCgroup, CgroupLimits, CgroupManager, CgroupStats } from './manager';
import {
  CPU_PERIOD_US,
  CgroupIo,
  LEAF_NAME,
  checkLeafName,
  checkLimits,
  cpuQuotaUs,
  keyedValue,
  realCgroupFs,
  removeStaleLeaves,
  sigkillAll,
  type CgroupFs,
} from './cgroupfs';

export type V1Controller = 'memory' | 'pids' | 'cpuacct' | 'cpu';

/** Controllers every box uses; cpu joins them only for boxes with a CPU cap. */
export const V1_REQUIRED_CONTROLLERS: readonly V1Controller[] = ['memory', 'pids', 'cpuacct'];
const ALL_CONTROLLERS: readonly V1Controller[] = [...V1_REQUIRED_CONTROLLERS, 'cpu'];

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
}

/** The leaf directory of a box in each controller it uses. */
type LeafDirs = Partial<Record<V1Controller, string>>;

export class CgroupV1Manager implements CgroupManager {
  readonly kind = 'v1' as const;
  private readonly mounts: Record<V1Controller, string>;
  private readonly parent: string;
  private readonly io: CgroupIo;

  constructor(options: CgroupV1Options = {}) {
    const root = path.resolve(options.root ?? '/sys/fs/cgroup');
    const mountOf = (c: V1Controller): string => path.resolve(options.mounts?.[c] ?? path.join(root, c));
    this.mounts = { memory: mountOf('memory'), pids: mountOf('pids'), cpuacct: mountOf('cpuacct'), cpu: mountOf('cpu') };
    this.parent = options.parent ?? 'caged';
    this.io = new CgroupIo(options.fs ?? realCgroupFs);
  }

  describe(): string {
    const where = ALL_CONTROLLERS.map((c) => `${c} at ${this.mounts[c]}`).join(', ');
    return `cgroup v1: ${where} (cpu only for CPU caps); leaves under <mount>/${this.parent}`;
  }

  create(name: string, limits: CgroupLimits): BoxCgroup {
    checkLeafName(name);
    checkLimits(limits);
    const used = limits.cpuCores === undefined ? V1_REQUIRED_CONTROLLERS : ALL_CONTROLLERS;
    const dirs = this.leafDirs(name, used);
    const box = new V1Box(name, dirs, this.io);
    try {
      for (const dir of uniqueDirs(dirs)) {
        this.io.mkdirIfMissing(path.dirname(dir));
        this.io.mkdir(dir);
      }
      this.applyLimits(dirs, limits);
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
    for (const parentDir of new Set(ALL_CONTROLLERS.map((c) => path.join(this.mounts[c], this.parent)))) {
      for (const name of this.io.listDirs(parentDir)) if (LEAF_NAME.test(name)) names.add(name);
    }
    return [...names].sort();
  }

  private leafDirs(name: string, controllers: readonly V1Controller[]): LeafDirs {
    const dirs: LeafDirs = {};
    for (const c of controllers) dirs[c] = path.join(this.mounts[c], this.parent, name);
    return dirs;
  }

  private applyLimits(dirs: LeafDirs, limits: CgroupLimits): void {
    const memory = required(dirs.memory);
    // A parent with oom_kill_disable=1 is inherited by new children: a hog would hang, not die.
    this.io.write(path.join(memory, 'memory.oom_control'), '0');
    // Keep pages in RAM so the limit means resident memory; some kernels refuse it: best effort.
    this.io.tryWrite(path.join(memory, 'memory.swappiness'), '0');
    writeV1Limits(dirs, limits, this.io);
  }
}

function writeV1Limits(dirs: LeafDirs, limits: CgroupLimits, io: CgroupIo): void {
  writeV1MemoryLimit(required(dirs.memory), limits.memoryBytes, io);
  io.write(path.join(required(dirs.pids), 'pids.max'), String(limits.pids));
  if (limits.cpuCores !== undefined) {
    if (!dirs.cpu) throw new HostError('this cgroup was created without a CPU cap: the cpu controller is not in it');
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

class V1Box implements BoxCgroup {
  private readonly dirs: readonly string[];

  constructor(
    readonly name: string,
    private readonly leaf: LeafDirs,
    private readonly io: CgroupIo,
  ) {
    this.dirs = uniqueDirs(leaf);
  }

  setLimits(limits: CgroupLimits): void {
    checkLimits(limits);
    writeV1Limits(this.leaf, limits, this.io);
  }

  attach(pid: number): void {
    for (const dir of this.dirs) this.io.write(path.join(dir, 'cgroup.procs'), String(pid));
  }

  cpuTimeNs(): number {
    return Number(this.io.read(path.join(required(this.leaf.cpuacct), 'cpuacct.usage')).trim());
  }

  stats(): CgroupStats {
    const memory = required(this.leaf.memory);
    const read = (file: string): string => this.io.read(path.join(memory, file));
    const pidsEvents = this.io.readIfPresent(path.join(required(this.leaf.pids), 'pids.events')) ?? '';
    // The oom_kill line exists since Linux 4.13; older kernels report 0.
    const oomKills = keyedValue(read('memory.oom_control'), 'oom_kill');
    // A failed charge counts in the failcnt of the counter that failed: memsw first, as it is never
    // below memory. Recent kernels (track_failcnt) count only the memory counter, so with memsw
    // limited the failcnts stay 0; every OOM kill follows a failed charge, hence the lower bound.
    const memswFailcnt = this.io.readIfPresent(path.join(memory, 'memory.memsw.failcnt')) ?? '0';
    const failcnt = Number(read('memory.failcnt').trim()) + Number(memswFailcnt.trim());
    return {
      cpuTimeNs: this.cpuTimeNs(),
      memoryPeakBytes: Number(read('memory.max_usage_in_bytes').trim()),
      oomKills,
      memoryLimitHits: Math.max(failcnt, oomKills),
      pidsLimitHits: keyedValue(pidsEvents, 'max'),
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
