/**
 * A handle on one run from outside it (the interactive pair, run-pair.ts): ask for its end, and
 * learn when its program ended. A kill asked for before the container has started is applied
 * as soon as it has.
 */
import { setMaxListeners } from 'node:events';

export class RunControl {
  private killer: (() => void) | null = null;
  private wanted = false;
  /** When the program ended (process.hrtime.bigint() clock), once the run has ended. */
  endedNs: bigint | null = null;
  /**
   * Whether the program (the box's first process) wrote no byte in its life but to its stderr:
   * its init counts every byte it wrote from its /proc io counters before reaping it, and the
   * worker read them all on the stderr pipe; null when unknown (it was killed with its init, the
   * init could not read them, or its stderr was cut at its cap).
   */
  saidNothing: boolean | null = null;

  /**
   * Called by the run once it owns its container; `cpuUsedNs`: the CPU time its program has used
   * so far (the box's cgroup), or null where it cannot tell (rlimits only, the cgroup gone).
   */
  attach(killer: () => void, cpuUsedNs?: () => number | null): void {
    this.killer = killer;
    this.cpuUsed = cpuUsedNs ?? null;
    if (this.wanted) killer();
  }

  private cpuUsed: (() => number | null) | null = null;

  /** The CPU time the program has used so far, in ms; null before the run owns its container, or unknown. */
  cpuUsedMs(): number | null {
    const ns = this.cpuUsed?.() ?? null;
    return ns === null ? null : ns / 1e6;
  }

  /** Ends the run (SIGKILL to its init, so to every process of it); idempotent. */
  kill(): void {
    this.wanted = true;
    this.killer?.();
  }
}

/**
 * A signal of its own that aborts with `caller` (AbortSignal.any), for many runs at once to
 * listen to (a job's parallel tests, a pair's two sides): the caller's gets one listener, and
 * this one any number without Node's leak warning.
 */
export function followingSignal(caller: AbortSignal): AbortSignal {
  const own = AbortSignal.any([caller]);
  setMaxListeners(0, own);
  return own;
}
