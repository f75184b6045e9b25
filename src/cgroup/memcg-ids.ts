/**
 * The memory controller's id budget. The kernel numbers memory cgroups with 16-bit ids (65,535
 * at once, host-wide), and a removed memory cgroup keeps its id, as a dying cgroup, for as long
 * as a page charged to it stays in memory. A page of the page cache is charged to the cgroup of
 * the process that first read it: an image file a box read first, a compile's output in its job
 * directory. Without memory pressure such pages stay cached for good, so a worker's removed
 * leaves pile up as dying cgroups (docs/security.md: 55 of them after a CI run's ten minutes of
 * tests on a fresh image), and at the budget's end every mkdir of a memory cgroup fails with
 * ENOSPC, on this host, for every job of every worker and every other user of cgroups.
 *
 * So the manager tells this budget of each leaf it removes, and every LOOK_EVERY removals the
 * budget reads the host's count of memory cgroups (/proc/cgroups, dying ones included). At
 * RECLAIM_AT or more, it reclaims the page cache charged under caged's parent cgroup (v1
 * `memory.force_empty`, v2 `memory.reclaim`), off the event loop: the kernel reclaims from the
 * dying descendants too, and each is freed when its last page goes. What a running box keeps
 * (its anonymous memory) is not reclaimable without swap and stays; its cached files are read
 * again. One reclaim at a time; when one leaves the count at the mark (other users' cgroups),
 * the next waits until the count has grown by REGROW more, so that reclaims never follow each
 * other run after run.
 */
import fs from 'node:fs';

/** The kernel's limit of memory cgroups at once (MEM_CGROUP_ID_MAX). */
export const MEMCG_ID_MAX = 65_535;
/**
 * The host's count of memory cgroups at which caged reclaims its dying ones: an eighth of the
 * kernel's limit, far below it, and a bound on what dying cgroups cost in memory (each keeps its
 * per-CPU statistics).
 */
export const RECLAIM_AT = 8_192;
/** Leaf removals between two looks at the count (one read of /proc/cgroups). */
export const LOOK_EVERY = 64;
/** After a reclaim that left the count at the mark or above: growth before the next one. */
export const REGROW = 1_024;

/** One reclaim, as the budget saw it. */
export interface MemcgReclaim {
  /** The host's count of memory cgroups that started it. */
  before: number;
  /** The count when it ended, or null when it could not be read. */
  after: number | null;
  /** How long the reclaim took, in ms. */
  ms: number;
  /** Why it failed, or null. */
  error: Error | null;
}

export interface MemcgIdBudgetOptions {
  /** Reclaims the page cache charged under caged's parent cgroup (the manager's). */
  reclaim: () => Promise<void>;
  /** Where the count is read; default /proc/cgroups. */
  procCgroups?: string;
  reclaimAt?: number;
  lookEvery?: number;
  regrow?: number;
  /** How long after a reclaim the count is read again, in ms (the kernel frees a dying cgroup after an RCU grace period and a work item); default 1000. */
  settleMs?: number;
}

/**
 * The number of memory cgroups on the host, dying ones included, from /proc/cgroups (the
 * `memory` row's num_cgroups, v1 and v2 alike); null when the file or the row is not there.
 */
export function memoryCgroupCount(procCgroups = '/proc/cgroups'): number | null {
  let text: string;
  try {
    text = fs.readFileSync(procCgroups, 'latin1');
  } catch {
    return null;
  }
  return parseMemoryCgroupCount(text);
}

/** memoryCgroupCount of /proc/cgroups' text. */
export function parseMemoryCgroupCount(text: string): number | null {
  for (const line of text.split('\n')) {
    const f = line.split(/\s+/);
    if (f[0] === 'memory' && f.length >= 4 && /^[0-9]+$/.test(f[2]!)) return Number(f[2]);
  }
  return null;
}

export class MemcgIdBudget {
  private removals = 0;
  private running: Promise<void> | null = null;
  /** The count at which the next reclaim starts. */
  private mark: number;
  /** Reclaims started. */
  reclaims = 0;
  /** The count at the last look, or null before the first (or when it cannot be read). */
  lastCount: number | null = null;
  /** The last reclaim that ended. */
  last: MemcgReclaim | null = null;
  /** Told of each reclaim when it ends (the worker logs it). */
  onReclaim: ((r: MemcgReclaim) => void) | null = null;

  private readonly reclaimAt: number;
  private readonly lookEvery: number;
  private readonly regrow: number;
  private readonly settleMs: number;

  constructor(private readonly o: MemcgIdBudgetOptions) {
    this.reclaimAt = o.reclaimAt ?? RECLAIM_AT;
    this.lookEvery = o.lookEvery ?? LOOK_EVERY;
    this.regrow = o.regrow ?? REGROW;
    this.settleMs = o.settleMs ?? 1000;
    for (const [k, v] of [
      ['reclaimAt', this.reclaimAt],
      ['lookEvery', this.lookEvery],
      ['regrow', this.regrow],
    ] as const)
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`MemcgIdBudget: ${k} must be a positive integer, not ${v}`);
    this.mark = this.reclaimAt;
  }

  /** A leaf of the manager was removed (it may linger as a dying cgroup). */
  removed(): void {
    this.removals++;
    if (this.removals % this.lookEvery === 0) this.look();
  }

  /** Reads the count and starts a reclaim when it is at the mark (none running). */
  look(): void {
    const count = memoryCgroupCount(this.o.procCgroups);
    this.lastCount = count;
    if (count === null || this.running || count < this.mark) return;
    this.reclaims++;
    const started = process.hrtime.bigint();
    const done = async (error: Error | null): Promise<void> => {
      if (this.settleMs > 0) await new Promise((resolve) => setTimeout(resolve, this.settleMs).unref());
      const after = memoryCgroupCount(this.o.procCgroups);
      this.lastCount = after;
      // Still at the mark (others' cgroups, or boxes that hold on): not again until it grows.
      this.mark = after !== null && after >= this.reclaimAt ? after + this.regrow : this.reclaimAt;
      this.last = { before: count, after, ms: Number(process.hrtime.bigint() - started) / 1e6, error };
      this.running = null;
      this.onReclaim?.(this.last);
    };
    this.running = this.o.reclaim().then(
      () => done(null),
      (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
    );
  }

  /** Resolves when no reclaim is running. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }
}
