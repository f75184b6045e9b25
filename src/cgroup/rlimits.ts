/**
 * The rlimits-only mode (CAGED_RLIMITS_ONLY=yes, docs/rootless.md#rlimits-only): a worker with no
 * writable cgroup at all. There is no cgroup: each run's limits are the program's rlimits, set by
 * C before execve (src/sandbox/run-limits.ts: memory by RLIMIT_AS, CPU by RLIMIT_CPU, processes
 * by RLIMIT_NPROC of the box's own host uid), and its CPU time and peak memory are what B's
 * report carries (the rusage of every process B reaped). Weaker than a cgroup: every limit is per
 * process, not per box (docs/security.md).
 */
import { HostError } from '../errors';
import type { BoxCgroup, CgroupLimits, CgroupManager, CgroupStats } from './manager';

/** How each limit of a run is enforced; results carry it in the rlimits-only mode. */
export interface Enforcement {
  memory: 'cgroup' | 'rlimit';
  cpu: 'cgroup' | 'rlimit';
  pids: 'cgroup' | 'rlimit';
}

/** The setting that allows this mode, as the refusal and the doctor name it. */
export const RLIMITS_ONLY_OPT_IN = 'CAGED_RLIMITS_ONLY=yes';

export const RLIMIT_ENFORCEMENT: Readonly<Enforcement> = Object.freeze({ memory: 'rlimit', cpu: 'rlimit', pids: 'rlimit' });

class RlimitsBox implements BoxCgroup {
  private usage: CgroupStats = { cpuTimeNs: 0, memoryPeakBytes: null, oomKills: 0, memoryLimitHits: 0, pidsLimitHits: 0 };

  constructor(
    readonly name: string,
    private readonly boxes: Set<string>,
  ) {
    boxes.add(name);
  }

  setLimits(limits: CgroupLimits): void {
    // The limits are the program's rlimits, in its configuration blob; CPUs need a cpuset.
    if (limits.cpus !== undefined) throw new HostError('rlimits only: no cgroup, so no cpuset to pin a box to CPUs');
  }

  attach(): void {
    // Nothing to attach to.
  }

  /** Not known during the run: only the per-process RLIMIT_CPU stops a busy program. */
  cpuTimeNs(): number {
    return 0;
  }

  recordUsage(cpuTimeNs: number, maxRssBytes: number): void {
    this.usage = { ...this.usage, cpuTimeNs, memoryPeakBytes: maxRssBytes };
  }

  /** No limit events without a cgroup: an allocation refused by RLIMIT_AS is the program's failure (RE). */
  stats(): CgroupStats {
    return { ...this.usage };
  }

  /** B is PID 1 of the box: its death (the run's kill) ends every process of it. */
  killAll(): void {}

  destroy(): void {
    this.boxes.delete(this.name);
  }

  release(): void {
    this.destroy();
  }
}

export class RlimitsOnlyManager implements CgroupManager {
  readonly kind = 'rlimits' as const;
  readonly pinning = false;
  private readonly boxes = new Set<string>();

  /** @param why why no cgroup is used (the delegation probe's reason), for the log line */
  constructor(private readonly why = 'no writable cgroup') {}

  describe(): string {
    return `rlimits only (${this.why}): memory by RLIMIT_AS, CPU by RLIMIT_CPU, processes by RLIMIT_NPROC, per process`;
  }

  create(name: string): BoxCgroup {
    return new RlimitsBox(name, this.boxes);
  }

  cleanupStale(): string[] {
    return [];
  }

  list(): string[] {
    return [...this.boxes];
  }
}
