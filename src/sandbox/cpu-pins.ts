import { formatCpuList } from '../cpu-list';
import { InvalidRequestError } from '../errors';
import { allowedCpus } from '../linux/cpu-list';

/**
 * Which CPU the next run is pinned to (CAGED_CPUS): the one of the list with the fewest runs
 * pinned to it now, the first in the list on a tie. Runs at once get CPUs of their own while
 * the list has enough; beyond that they share, evenly. A run never waits for a CPU: an
 * interactive pair's two sides start together whatever the list holds.
 */
export class CpuPins {
  private readonly load: number[];

  constructor(readonly cpus: readonly number[]) {
    if (cpus.length === 0) throw new RangeError('CpuPins: no CPU to pin to');
    this.load = cpus.map(() => 0);
  }

  /** A CPU for a run starting now; give it back with `give` when the run has ended. */
  take(): number {
    let best = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i]! < this.load[best]!) best = i;
    this.load[best]!++;
    return this.cpus[best]!;
  }

  give(cpu: number): void {
    const i = this.cpus.indexOf(cpu);
    if (i < 0 || this.load[i] === 0) throw new RangeError(`CpuPins: CPU ${cpu} was not taken`);
    this.load[i]!--;
  }

  /** Runs pinned to each CPU now, in the list's order. */
  get inUse(): readonly number[] {
    return [...this.load];
  }
}

/**
 * CAGED_CPUS names only CPUs this process may run on (the cpuset controller itself is the cgroup
 * manager's to find: detect.ts).
 */
export function checkPinnable(cpus: readonly number[]): void {
  const allowed = new Set(allowedCpus());
  const outside = cpus.filter((c) => !allowed.has(c));
  if (outside.length > 0)
    throw new InvalidRequestError(
      `CPU ${formatCpuList(outside)} is not one this process may run on (${formatCpuList([...allowed])})`,
      'CAGED_CPUS',
    );
}
