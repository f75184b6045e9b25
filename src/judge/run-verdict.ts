/**
 * What a run means before its output is checked: OK, or the verdict that ended it. On top of
 * the sandbox's outcome (src/sandbox/outcome.ts) this recognises memory exhaustion that did not
 * end in the OOM killer, so that MLE is never reported as a runtime error:
 *
 *   a program that failed (non-zero exit or a signal) is MLE when the cgroup's limit was hit
 *   (memoryLimitHits > 0), or its peak reached 90 % of the limit, or its stderr shows a failed
 *   allocation: C++ `std::bad_alloc` (then SIGABRT), Python `MemoryError` (then exit 1),
 *   "Cannot allocate memory" (ENOMEM from strerror/perror; C's malloc NULL often ends in
 *   SIGSEGV and is caught by the peak).
 */
import { outcomeOf } from '../sandbox/outcome';
import type { LimitHit, RunLimits, RunResult } from '../sandbox/types';

export type RunVerdict = 'OK' | 'TLE' | 'MLE' | 'OLE' | 'RE' | 'SE';

export interface ClassifiedRun {
  verdict: RunVerdict;
  /** One line: what ended the run. */
  message: string;
  /** The sandbox's limitHit, or 'memory' when memory exhaustion was recognised here. */
  limitHit: LimitHit;
}

/** Share of the memory limit a failed program's peak must reach to count as MLE. */
export const MLE_PEAK_SHARE = 0.9;

const ALLOCATION_FAILED = /std::bad_alloc|\bMemoryError\b|Cannot allocate memory/;

export function classifyRun(result: RunResult, limits: Pick<RunLimits, 'memoryBytes'>): ClassifiedRun {
  const base = outcomeOf(result);
  const failed = result.exitCode !== 0 || result.signal !== null;
  if (base.status === 'RE' && failed) {
    const why = memoryExhausted(result, limits.memoryBytes);
    if (why) return { verdict: 'MLE', message: `memory limit exceeded (${why}; ${base.message})`, limitHit: 'memory' };
  }
  return { verdict: base.status, message: base.message, limitHit: result.limitHit };
}

function memoryExhausted(r: RunResult, limitBytes: number): string | null {
  if (r.memoryLimitHits > 0) return 'the memory limit was reached';
  if (r.memoryBytes >= MLE_PEAK_SHARE * limitBytes) return `peak ${r.memoryBytes} bytes of ${limitBytes}`;
  // Only the tail matters (the runtime's last words); bounded so a huge stderr costs nothing.
  const tail = r.stderr.subarray(Math.max(0, r.stderr.length - 4096)).toString('latin1');
  const m = ALLOCATION_FAILED.exec(tail);
  return m ? `the program reported ${JSON.stringify(m[0])}` : null;
}
