/**
 * One interface over cgroup v1 and cgroup v2, chosen once at start-up (see detect.ts).
 * The launcher takes one BoxCgroup per run, attaches the container's init (process B) to it
 * by pid, polls its CPU usage to enforce the CPU limit, reads its stats after the run and
 * releases it: a manager may keep an emptied leaf for a later run (a pool), only with no task
 * left in it and every counter reset, else the leaf is removed. All file operations are synchronous: they are short writes to
 * cgroupfs, and keeping them off the libuv pool avoids the pool deadlock in the launcher notes. The one exception is the
 * rare reclaim of the memory cgroup id budget (memcg-ids.ts): one write on the pool that waits on nothing else.
 */
import type { MemcgIdBudget } from './memcg-ids';

export interface CgroupLimits {
  /** Hard memory limit of the whole container, in bytes (swap is never allowed). */
  memoryBytes: number;
  /** Maximum number of processes and threads alive at once in the container. */
  pids: number;
  /** Optional CPU bandwidth cap in cores (e.g. 1 = one full core); absent = no cap. */
  cpuCores?: number;
  /**
   * The CPUs the container's processes may run on (the cpuset controller; CAGED_CPUS pins each
   * run to one); absent = wherever the worker may. Only a manager whose `pinning` is true takes it.
   */
  cpus?: readonly number[];
}

export interface CgroupStats {
  /** CPU time of every process and thread that ever ran in the cgroup, in nanoseconds. */
  cpuTimeNs: number;
  /** Peak memory usage of the cgroup in bytes, or null when the kernel cannot tell. */
  memoryPeakBytes: number | null;
  /** Times the kernel's OOM killer killed a process of this cgroup. */
  oomKills: number;
  /** Times an allocation hit the memory limit (v1 failcnt, v2 memory.events max). */
  memoryLimitHits: number;
  /** Times a fork/clone was refused because of the pids limit. */
  pidsLimitHits: number;
}

export interface BoxCgroup {
  /** Leaf name, `caged-<ownerPid>-<seq>`. */
  readonly name: string;
  /**
   * Sets the memory and pids limits (and the CPU cap when the cgroup was created with one) of a
   * cgroup made ahead of its run; throws HostError naming the file on failure.
   */
  setLimits(limits: CgroupLimits): void;
  /** Moves a process (by host pid) into the cgroup in every controller. */
  attach(pid: number): void;
  /** Cumulative CPU time in nanoseconds; cheap enough to poll every few milliseconds. */
  cpuTimeNs(): number;
  stats(): CgroupStats;
  /** Kills every process still in the cgroup (v2 cgroup.kill, v1 via cgroup.procs + SIGKILL). */
  killAll(): void;
  /** Removes the cgroup directories; idempotent; retries briefly while the last tasks exit. */
  destroy(): void;
  /**
   * The run is over and every process of it has been reaped: the leaf goes back to its
   * manager's pool if it is empty and its counters can be reset, else it is destroyed.
   */
  release(): void;
  /**
   * Only a box without a cgroup (rlimits.ts) has it: the program's CPU time and peak memory from
   * B's report (its children's rusage), which `stats()` then returns.
   */
  recordUsage?(cpuTimeNs: number, maxRssBytes: number): void;
}

export interface CgroupManager {
  /** rlimits: no cgroup at all (CAGED_RLIMITS_ONLY, rlimits.ts). */
  readonly kind: 'v1' | 'v2' | 'rlimits';
  /** Whether boxes can be pinned to CPUs (`CgroupLimits.cpus`): the cpuset controller is there and in use. */
  readonly pinning: boolean;
  /** Human-readable description for logs ("cgroup v1: memory, pids, cpuacct under /sys/fs/cgroup/*\/caged"). */
  describe(): string;
  /**
   * A leaf for one run: an emptied one from the pool (its counters reset), else a fresh one named
   * `name`. With `limits` they are applied; with null none are (the run sets its own with
   * `setLimits` before any program of it starts). Throws HostError naming the file on failure.
   */
  create(name: string, limits: CgroupLimits | null): BoxCgroup;
  /**
   * Removes leaves left by dead owners (`caged-<pid>-*` whose pid is not alive), killing any
   * process still inside. Returns the names removed.
   */
  cleanupStale(isAlive: (pid: number) => boolean): string[];
  /** Names of the caged leaves that currently exist (used by leak tests), pooled ones included. */
  list(): string[];
  /** Leaves kept in the pool for later runs. */
  readonly pooled?: number;
  /** Removes the pooled leaves (the owner is closing); idempotent. */
  drain?(): void;
  /**
   * Why the boxes have no disk caps although they were on by default: the blkio (v1) or io (v2)
   * controller is not there (src/cgroup/detect.ts); null or absent: capped, or turned off.
   */
  readonly noDiskCaps?: string | null;
  /**
   * The host's memory cgroup ids, watched at the leaves' removal, and the reclaims of what removed
   * leaves left charged (memcg-ids.ts); null or absent: not watched (no memory cgroup).
   */
  readonly memcgIds?: MemcgIdBudget | null;
}
