/**
 * What a run means before its output is checked: OK, or the verdict that ended it, from the
 * sandbox's outcome (src/sandbox/outcome.ts). A verdict comes from what the judge measured,
 * never from what the program says or how it chose to end:
 *
 *   TLE  the CPU time the cgroup counted, or the wall time, reached its limit (or the
 *        watchdog killed the run for it);
 *   MLE  the memory cgroup's OOM kills, or allocations refused at its limit by a program that
 *        then failed (`oomKills`, `memoryLimitHits`); or, under an address-space limit, a
 *        program whose image alone does not fit in it (address-space.ts), killed at its
 *        start; a peak near the limit alone is not MLE,
 *        nor a "std::bad_alloc" or "MemoryError" on stderr (a 128 TiB request fails in the
 *        address space, far from the cgroup: the program's own failure);
 *   OLE  the collector read more than the output limit;
 *   RE   anything else that failed, naming its signal or exit code, and the exception its
 *        runtime named on stderr (thrown-on-stderr.ts). A SIGXCPU with CPU time below the
 *        limit, or any SIGXFSZ (the file-size rlimit, or raised by the program), is RE naming it.
 */
import { outcomeOf } from '../sandbox/outcome';
import { addressSpaceVerdict } from './address-space';
import { thrownOnStderr } from './thrown-on-stderr';
import type { LimitHit, RunLimits, RunResult } from '../sandbox/types';

export type RunVerdict = 'OK' | 'TLE' | 'MLE' | 'OLE' | 'RE' | 'SE';

export interface ClassifiedRun {
  verdict: RunVerdict;
  /** One line: what ended the run. */
  message: string;
  /** The sandbox's limitHit: the limit the judge measured as reached, if any. */
  limitHit: LimitHit;
}

/** Signals a program may raise itself that look like a limit; said so in the message. */
const LIMIT_LIKE: Readonly<Record<string, string>> = {
  SIGXCPU: 'the CPU time rlimit signal',
  SIGXFSZ: 'the file size rlimit signal',
};

/**
 * `memoryErrorMarkers` (the language's, for the submission's runs): a run that failed (RE) with
 * one of them on stderr ran out of the heap its runtime was given from the memory limit (the
 * JVM's -Xmx, Node's --max-old-space-size): MLE. A program printing a marker itself gains
 * nothing: it only turns its own RE into MLE, never into anything better. Not when the run hit
 * its process limit (measured): that is the RE it is.
 * `imageBytes` (optional, asked only when needed): the address space the program's image needs,
 * for a run under an address-space limit that failed by a signal (address-space.ts: MLE when
 * the image alone exceeds the limit).
 */
export function classifyRun(
  result: RunResult,
  limits: Pick<RunLimits, 'cpuTimeMs'> & Partial<Pick<RunLimits, 'addressSpaceBytes'>>,
  memoryErrorMarkers: readonly string[] = [],
  imageBytes?: () => number | null,
): ClassifiedRun {
  if (imageBytes) {
    const as = addressSpaceVerdict(result, { addressSpaceBytes: limits.addressSpaceBytes ?? 0 }, imageBytes);
    if (as) return { ...as, limitHit: 'memory' };
  }
  const base = outcomeOf(result);
  // A process limit measured as reached explains the failure itself: the JVM says
  // "OutOfMemoryError: unable to create native thread" when it cannot start a thread.
  if (base.status === 'RE' && memoryErrorMarkers.length && !result.forbiddenSyscall && result.limitHit !== 'pids') {
    const stderr = result.stderr.toString('latin1');
    const marker = memoryErrorMarkers.find((m) => stderr.includes(m));
    if (marker)
      return {
        verdict: 'MLE',
        message: `the runtime ran out of the heap sized from the memory limit ("${marker}" on stderr; ${base.message})`,
        limitHit: result.limitHit,
      };
  }
  let message = base.message;
  const like = result.signal ? LIMIT_LIKE[result.signal] : undefined;
  if (base.status === 'RE' && like) {
    const measured = result.signal === 'SIGXCPU' ? `, with ${result.cpuTimeMs} ms of CPU time, below the ${limits.cpuTimeMs} ms limit` : '';
    message = `${message} (${like}${measured}; no limit was measured as reached)`;
  } else if (base.status === 'RE' && !result.forbiddenSyscall) {
    const thrown = thrownOnStderr(result.stderr);
    if (thrown) message = `${message} (${thrown} on stderr)`;
  }
  return { verdict: base.status, message, limitHit: result.limitHit };
}
